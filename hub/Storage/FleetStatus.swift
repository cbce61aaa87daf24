import BaogongModel
import Foundation
import GRDB

/// `baogong-hub status` and `GET /v1/status`: is every store device synced?
public struct FleetStatusRow: Sendable, Hashable, Codable {
    public var store: String
    public var name: String?
    /// Nil for an enrolled store never heard from.
    public var replica: String?
    public var lastHeardAt: String?
    public var ackedSeq: Int64
    public var pendingReported: Int64
    /// Not heard within the threshold (or never).
    public var stale: Bool
    /// The device's wall clock minus the hub's at its last sync (positive: the device is ahead).
    public var clockSkewMs: Int64
    /// Changes whose timestamps were far in the future (merged all the same).
    public var futureChanges: Int64
    public var revoked: Bool

    enum CodingKeys: String, CodingKey {
        case store, name, replica, lastHeardAt = "last_heard_at", ackedSeq = "acked_seq"
        case pendingReported = "pending_reported", stale, clockSkewMs = "clock_skew_ms"
        case futureChanges = "future_changes", revoked
    }

    /// Problems first: never heard or stale, then pending, then skewed clocks.
    public var problemRank: Int {
        if replica == nil || stale { return 0 }
        if pendingReported > 0 { return 1 }
        if abs(clockSkewMs) > 5 * 60 * 1000 || futureChanges > 0 { return 2 }
        return 3
    }
}

extension HubDatabase {
    /// One row per replica, plus one per enrolled store that never synced. At a city hub, a county's
    /// store is heard through its county hub (`<county>.hub`): its row says when the county hub last
    /// synced upward, and how much it said was still waiting.
    public func fleetStatus(staleAfter: TimeInterval = 6 * 3600, now: Date = Date()) async throws -> [FleetStatusRow] {
        try await writer.read { db in try Self.fleetStatus(staleAfter: staleAfter, now: now, in: db) }
    }

    /// One row per (store, device), or per store heard through its county hub: the same SQL on both backends.
    static let fleetStatusSQL = """
        SELECT e.store, s.name, COALESCE(r.replica, k.county || '.hub'), COALESCE(r.last_heard_at, k.last_heard_at),
               COALESCE(c.acked_seq, k.acked_seq, 0), COALESCE(r.pending_reported, k.pending_reported, 0),
               COALESCE(r.clock_skew_ms, 0), COALESCE(r.future_changes, 0), e.revoked_at IS NOT NULL
        FROM enrolment e
        LEFT JOIN stores s ON s.key = e.store
        LEFT JOIN replica_status r ON r.store = e.store
        LEFT JOIN replica_cursor c ON c.replica = r.replica
        LEFT JOIN county_link k ON k.county = e.county
        ORDER BY e.store, r.replica
        """

    static func fleetStatus(staleAfter: TimeInterval, now: Date, in db: Database) throws -> [FleetStatusRow] {
        do {
            let threshold = now.timeIntervalSince1970 - staleAfter
            let rows = try Row.fetchAll(db, sql: Self.fleetStatusSQL)
            return rows.map { row in
                let heard: Double? = row[3]
                return FleetStatusRow(
                    store: row[0], name: row[1], replica: row[2],
                    lastHeardAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) },
                    ackedSeq: row[4], pendingReported: row[5], stale: heard.map { $0 < threshold } ?? true,
                    clockSkewMs: row[6], futureChanges: row[7], revoked: row[8]
                )
            }.sorted { ($0.problemRank, $0.store, $0.replica ?? "") < ($1.problemRank, $1.store, $1.replica ?? "") }
        }
    }
}
