import BaogongModel
import BaogongRecordStore
import Crypto
import Foundation
import GRDB

/// A pass as the hub lists it (`passes list`, `passes issue --json`, `GET /v1/passes`).
public struct IssuedPass: Sendable, Hashable, Codable {
    public var id: String
    public var code: String
    public var store: String
    public var plate: String
    public var driver: String?
    public var cargo: String?
    public var route: String?
    public var validFrom: String
    public var validTo: String
    public var issuedAt: String
    public var revokedAt: String?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case id, code, store, plate, driver, cargo, route, validFrom = "valid_from", validTo = "valid_to"
        case issuedAt = "issued_at", revokedAt = "revoked_at", reason
    }

    /// Not revoked and valid on `today`.
    public func isActive(on today: CalendarDate) -> Bool {
        revokedAt == nil && validFrom <= today.description && today.description <= validTo
    }
}

/// Green-channel passes on the embedded store: the signing key, issuing, listing, revoking.
/// Issuing and revoking are decisions of the hub, each one transaction; what agents need to verify
/// (public keys, revocations) is published as reference data in the same transaction.
extension HubDatabase {
    /// The hub's signing key, made (and its public half published) on first use.
    static func signingKey(now: Date, in db: Database) throws -> (id: String, key: Curve25519.Signing.PrivateKey) {
        if let row = try Row.fetchOne(db, sql: "SELECT id, private_key FROM signing_key WHERE retired_at IS NULL ORDER BY created_at LIMIT 1") {
            let raw: Data = row[1]
            return (row[0], try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        }
        let key = Curve25519.Signing.PrivateKey()
        let id = GreenPass.keyID(of: key.publicKey)
        try db.execute(
            sql: "INSERT INTO signing_key(id, private_key, created_at) VALUES (?, ?, ?)",
            arguments: [id, key.rawRepresentation, Timestamps.iso(now)]
        )
        try writeAsHub(
            set: RecordSetSchema.passKey.name, key: id,
            fields: ["public_key": .text(Base64URL.encode(Array(key.publicKey.rawRepresentation))),
                     "created_at": .text(Timestamps.iso(now))],
            now: now, in: db
        )
        return (id, key)
    }

    /// Issues a pass to an enrolled store and returns it with its code.
    public func issuePass(
        store: String, plate: String, driver: String?, cargo: String?, route: String?, from: CalendarDate, to: CalendarDate,
        now: Date = Date()
    ) async throws -> IssuedPass {
        let plate = try Self.checkPass(plate: plate, driver: driver, cargo: cargo, route: route, from: from, to: to)
        return try await writer.write { db in
            guard let revoked = try Bool.fetchOne(
                db, sql: "SELECT revoked_at IS NOT NULL FROM enrolment WHERE store = ?", arguments: [store]
            ) else {
                throw DomainError(.notFound, field: "store", "no store '\(store)' is enrolled")
            }
            guard !revoked else { throw DomainError(.notOpen, field: "store", "store '\(store)' is revoked") }
            let (keyID, key) = try Self.signingKey(now: now, in: db)
            let (id, fields) = try Self.passRecord(
                store: store, plate: plate, driver: driver, cargo: cargo, route: route, from: from, to: to, keyID: keyID, key: key,
                now: now
            )
            try Self.writeAsHub(set: RecordSetSchema.pass.name, key: "\(store)/\(id)", fields: fields, now: now, in: db)
            return try Self.passes(id: id, in: db).first!
        }
    }

    /// Checks what a pass will print; returns the plate, trimmed.
    static func checkPass(plate: String, driver: String?, cargo: String?, route: String?, from: CalendarDate, to: CalendarDate)
        throws -> String
    {
        let plate = plate.trimmingCharacters(in: .whitespaces)
        guard !plate.isEmpty else { throw DomainError(.missing, field: "plate", "must not be empty") }
        guard plate.utf8.count <= 40 else { throw DomainError(.outOfRange, field: "plate", "is longer than 40 bytes") }
        guard from <= to else { throw DomainError(.invalidDate, field: "to", "\(to) is before \(from)") }
        for (name, value, limit) in [("plate", plate, 40), ("driver", driver, 100), ("cargo", cargo, 200), ("route", route, 200)] {
            guard let value else { continue }
            if value.utf8.count > limit { throw DomainError(.outOfRange, field: name, "is longer than \(limit) bytes") }
            // Control characters (the code's field separator among them) have no place on a printed pass.
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw DomainError(.invalidValue, field: name, "must not contain control characters")
            }
        }
        return plate
    }

    /// A new pass's id and the record that publishes it, its code signed with `key`.
    static func passRecord(
        store: String, plate: String, driver: String?, cargo: String?, route: String?, from: CalendarDate, to: CalendarDate,
        keyID: String, key: Curve25519.Signing.PrivateKey, now: Date
    ) throws -> (id: String, fields: [String: FieldValue]) {
        func text(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        let id = "p" + Timestamps.randomHex(4)
        let pass = GreenPass(
            id: id, store: store, plate: plate, driver: text(driver), cargo: text(cargo), route: text(route),
            validFrom: from, validTo: to, keyID: keyID
        )
        let code = try pass.code(signedWith: key)
        var fields: [String: FieldValue] = [
            "plate": .text(plate), "valid_from": .text(from.description), "valid_to": .text(to.description),
            "code": .text(code), "issued_at": .text(Timestamps.iso(now)),
        ]
        if let v = pass.driver { fields["driver"] = .text(v) }
        if let v = pass.cargo { fields["cargo"] = .text(v) }
        if let v = pass.route { fields["route"] = .text(v) }
        return (id, fields)
    }

    public func passes() async throws -> [IssuedPass] {
        try await writer.read { db in try Self.passes(id: nil, in: db) }
    }

    public func pass(id: String) async throws -> IssuedPass? {
        try await writer.read { db in try Self.passes(id: id, in: db).first }
    }

    static func passes(id: String?, in db: Database) throws -> [IssuedPass] {
        try Row.fetchAll(
            db, sql: """
                SELECT p.id, p.code, p.store, p.plate, p.driver, p.cargo, p.route, p.valid_from, p.valid_to, p.issued_at,
                       r.revoked_at, r.reason
                FROM pass p LEFT JOIN pass_revocation r ON r.key = p.id AND r.deleted = 0
                WHERE p.deleted = 0 \(id == nil ? "" : "AND p.id = ?") ORDER BY p.issued_at, p.id
                """, arguments: StatementArguments(id.map { [$0] } ?? [])
        ).map {
            IssuedPass(
                id: $0[0], code: $0[1] ?? "", store: $0[2], plate: $0[3] ?? "", driver: $0[4], cargo: $0[5], route: $0[6],
                validFrom: $0[7] ?? "", validTo: $0[8] ?? "", issuedAt: $0[9] ?? "", revokedAt: $0[10], reason: $0[11]
            )
        }
    }

    /// Revokes a pass: every agent refuses it from its next sync on.
    public func revokePass(id: String, reason: String?, now: Date = Date()) async throws -> IssuedPass {
        try await writer.write { db in
            let (pass, fields) = try Self.revocation(of: try Self.passes(id: id, in: db).first, id: id, reason: reason, now: now)
            try Self.writeAsHub(set: RecordSetSchema.passRevocation.name, key: id, fields: fields, now: now, in: db)
            return pass
        }
    }

    /// A pass as revoked and the record that revokes it, or the refusal (unknown, already revoked).
    static func revocation(of pass: IssuedPass?, id: String, reason: String?, now: Date) throws
        -> (pass: IssuedPass, fields: [String: FieldValue])
    {
        guard var pass else { throw DomainError(.notFound, field: "id", "no pass '\(id)'") }
        guard pass.revokedAt == nil else { throw DomainError(.notOpen, field: "id", "pass \(id) was revoked at \(pass.revokedAt!)") }
        var fields: [String: FieldValue] = ["revoked_at": .text(Timestamps.iso(now))]
        if let reason, !reason.isEmpty { fields["reason"] = .text(reason) }
        pass.revokedAt = Timestamps.iso(now)
        pass.reason = reason
        return (pass, fields)
    }
}
