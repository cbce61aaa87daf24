import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The agent's side of compaction: its change log keeps what it wrote until the hub acknowledged
/// it; past the retention period, entries no current value depends on are dropped (what the hub
/// acknowledged and a later write superseded, and superseded records received from the hub).
/// Never an unacknowledged change: those are the outbox.
extension AgentDatabase {
    public static let retainDays = 400

    /// Compacts at most once a day (after a sync that succeeded); returns the entries dropped.
    @discardableResult
    public func compactIfDue(retainDays: Int = AgentDatabase.retainDays, now: Date = Date()) async throws -> Int {
        try await writer.write { db in
            if let last = String.fromDatabaseValue(try RecordStore.meta("compacted_at", in: db)).flatMap(Timestamps.parse),
                now.timeIntervalSince(last) < 86_400
            {
                return 0
            }
            let identity = try Self.identity(db)
            let acked = try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            let own = try Set(Int64.fetchAll(
                db, sql: "SELECT seq FROM change_log WHERE replica = ? AND seq > ?", arguments: [identity.replica, acked]
            ))
            let horizon = RecordStore.wallMilliseconds(now.addingTimeInterval(-Double(retainDays) * 86_400))
            var progress = RecordStore.CompactionProgress()
            var after: Int64 = 0
            while let next = try RecordStore.compactChunk(
                after: after, limit: 10_000, before: UInt64(horizon), mayDrop: { seq, _ in !own.contains(seq) },
                progress: &progress, in: db
            ) {
                after = next
            }
            try RecordStore.setMeta("compacted_at", Timestamps.iso(now), in: db)
            return progress.dropped
        }
    }
}
