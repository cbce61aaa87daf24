import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// What one compaction did (`baogong-hub compact`, and daily in `serve`).
public struct CompactionReport: Sendable, Hashable, Codable {
    public var retainDays: Int
    /// Entries written before this instant were looked at.
    public var horizon: String
    public var scanned: Int
    public var dropped: Int
    public var droppedRecords: Int
    public var droppedLostWrites: Int
    /// Devices heard from within the retention period, whose cursors bound what they read.
    public var activeDevices: Int
    public var changeLogBefore: Int
    public var changeLogAfter: Int

    enum CodingKeys: String, CodingKey {
        case retainDays = "retain_days", horizon, scanned, dropped, droppedRecords = "dropped_records"
        case droppedLostWrites = "dropped_lost_writes", activeDevices = "active_devices"
        case changeLogBefore = "change_log_before", changeLogAfter = "change_log_after"
    }
}

extension HubDatabase {
    /// Drops what `RecordStore.compactChunk` may drop, older than `retainDays`: an entry that devices
    /// read (reference data, a store's hub-written records) only once every device heard from within
    /// the retention period has read past it; a device away longer is sent a snapshot when it comes
    /// back (`sync`). Store-written entries travel to no device. Also drops lost writes past the
    /// retention period. Chunks of `chunk` entries, one transaction each.
    public func compact(retainDays: Int, now: Date = Date(), chunk: Int = 10_000) async throws -> CompactionReport {
        guard retainDays >= 1 else {
            throw DomainError(.invalidValue, field: "retain-days", "must be at least 1, got \(retainDays)")
        }
        let horizon = now.addingTimeInterval(-Double(retainDays) * 86_400)
        let horizonMs = RecordStore.wallMilliseconds(horizon)
        let (safe, active, before) = try await writer.read { db -> (Int64, Int, Int) in
            let last = try RecordStore.lastSeq(in: db)
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(COALESCE(hub_cursor, 0)) FROM replica_status WHERE last_heard_at >= ?",
                arguments: [horizon.timeIntervalSince1970]
            )
            let count: Int = row?[0] ?? 0
            let minimum: Int64? = row?[1]
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log") ?? 0
            return (count == 0 ? last : min(minimum ?? 0, last), count, total)
        }
        var progress = RecordStore.CompactionProgress()
        var after: Int64 = 0
        while true {
            let (next, advanced) = try await writer.write { [after, progress] db -> (Int64?, RecordStore.CompactionProgress) in
                var progress = progress
                let last = try RecordStore.compactChunk(
                    after: after, limit: chunk, before: UInt64(horizonMs), mayDrop: { seq, audience in audience == nil || seq <= safe },
                    progress: &progress, in: db
                )
                if progress.droppedAudienceThrough > 0 {
                    let known = Int64.fromDatabaseValue(try RecordStore.meta("audience_compacted_through", in: db)) ?? 0
                    if progress.droppedAudienceThrough > known {
                        try RecordStore.setMeta("audience_compacted_through", progress.droppedAudienceThrough, in: db)
                    }
                }
                return (last, progress)
            }
            progress = advanced
            guard let next else { break }
            after = next
        }
        let (lost, remaining) = try await writer.write { db -> (Int, Int) in
            try db.execute(
                sql: "DELETE FROM lost_write WHERE (ts >> 16) < ?", arguments: [Int64(horizonMs)]
            )
            let lost = db.changesCount
            try RecordStore.setMeta("compacted_at", Timestamps.iso(now), in: db)
            return (lost, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log") ?? 0)
        }
        return CompactionReport(
            retainDays: retainDays, horizon: Timestamps.iso(horizon), scanned: progress.scanned, dropped: progress.dropped,
            droppedRecords: progress.droppedRecords, droppedLostWrites: lost, activeDevices: active,
            changeLogBefore: before, changeLogAfter: remaining
        )
    }
}
