import BaogongModel
import Foundation
import GRDB

/// A county hub enrolled at this (city) hub: `baogong-hub counties add|list|revoke|rotate-token`.
public struct EnrolledCounty: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var createdAt: String
    public var revoked: Bool
    /// Stores of the county the city knows (from its registry), revoked ones included.
    public var stores: Int
    /// When the county hub last synced upward (ISO 8601), nil if never.
    public var lastSyncAt: String?
    /// Changes the county hub said were still waiting at its last sync.
    public var pendingReported: Int64
    /// How far the city holds the county's change log.
    public var ackedSeq: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, createdAt = "created_at", revoked, stores, lastSyncAt = "last_sync_at"
        case pendingReported = "pending_reported", ackedSeq = "acked_seq"
    }
}

/// County enrolment at a city hub. A county's token is `c.<county>.<secret>`; like a store's, only
/// its SHA-256 is kept. A county id holds no dot: its stores are `<county>.<store>` at the city.
extension HubDatabase {
    /// A county id: an identifier without `.`, at most 24 characters.
    public static func validateCountyID(_ id: String, field: String = "id") throws(DomainError) {
        try Identifier.validate(id, field: field)
        guard !id.contains("."), id.utf8.count <= 24 else {
            throw DomainError(
                .invalidIdentifier, field: field,
                "a county id holds no '.' and at most 24 characters (its stores are named '<county>.<store>'), got '\(id)'"
            )
        }
    }

    /// Enrols a county hub and returns its token (shown once).
    public func addCounty(id: String, name: String, now: Date = Date()) async throws -> String {
        try Self.validateCountyID(id)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let token = "c.\(id).\(TokenDigest.newSecret())"
        try await writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM county WHERE id = ?", arguments: [id]) == true {
                throw DomainError(.exists, field: "id", "county '\(id)' is already enrolled; use 'counties rotate-token' for a new token")
            }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM enrolment WHERE substr(store, 1, ?) = ? AND county IS NULL",
                arguments: [id.utf8.count + 1, id + "."]
            ) == true {
                throw DomainError(.exists, field: "id", "stores enrolled here already begin with '\(id).'; choose another county id")
            }
            try db.execute(
                sql: "INSERT INTO county(id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, name, TokenDigest.hex(token), Timestamps.iso(now)]
            )
        }
        return token
    }

    public func listCounties() async throws -> [EnrolledCounty] {
        try await writer.read { db in try Self.counties(in: db) }
    }

    static func counties(in db: Database) throws -> [EnrolledCounty] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT c.id, c.name, c.created_at, c.revoked_at IS NOT NULL,
                       (SELECT COUNT(*) FROM enrolment e WHERE e.county = c.id),
                       k.last_heard_at, COALESCE(k.pending_reported, 0), COALESCE(k.acked_seq, 0)
                FROM county c LEFT JOIN county_link k ON k.county = c.id ORDER BY c.id
                """
        ).map { row in
            let heard: Double? = row[5]
            return EnrolledCounty(
                id: row[0], name: row[1], createdAt: row[2], revoked: row[3], stores: row[4],
                lastSyncAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) }, pendingReported: row[6], ackedSeq: row[7]
            )
        }
    }

    /// Refuses the county hub's token from now on; what it sent stays.
    public func revokeCounty(id: String, now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE county SET revoked_at = ? WHERE id = ?", arguments: [Timestamps.iso(now), id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, field: "id", "no county '\(id)' is enrolled") }
        }
    }

    /// A new token for a county hub (lifting a revocation); the old one stops working at once.
    public func rotateCountyToken(id: String, now: Date = Date()) async throws -> String {
        let token = "c.\(id).\(TokenDigest.newSecret())"
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE county SET token_hash = ?, rotated_at = ?, revoked_at = NULL WHERE id = ?",
                arguments: [TokenDigest.hex(token), Timestamps.iso(now), id]
            )
            guard db.changesCount == 1 else { throw DomainError(.notFound, field: "id", "no county '\(id)' is enrolled") }
        }
        return token
    }
}
