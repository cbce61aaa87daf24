import BaogongModel
import BaogongRecordStore
import Foundation
import PostgresNIO

/// Compaction on PostgreSQL: `HubDatabase.compact` and `RecordStore.compactChunk`, with their rules
/// (`RecordStore.isNeeded`, `isOldTombstone`), one chunk per writer transaction so syncs wait at most
/// one chunk.
extension PostgresHubStore {
    public func compact(retainDays: Int, now: Date, chunk: Int) async throws -> CompactionReport {
        guard retainDays >= 1 else {
            throw DomainError(.invalidValue, field: "retain-days", "must be at least 1, got \(retainDays)")
        }
        let horizon = now.addingTimeInterval(-Double(retainDays) * 86_400)
        let horizonMs = RecordStore.wallMilliseconds(horizon)
        let logger = logger
        let (safe, active, before) = try await read { connection -> (Int64, Int, Int) in
            let last = try await Self.lastSeq(connection, logger: logger)
            let row = try await connection.row(
                "SELECT COUNT(*), MIN(COALESCE(hub_cursor, 0)) FROM replica_status WHERE last_heard_at >= $1",
                [.real(horizon.timeIntervalSince1970)], logger: logger
            )
            let count: Int = try row?[0] ?? 0
            let minimum: Int64? = try row?[1]
            let total: Int = try await connection.row("SELECT COUNT(*) FROM change_log", logger: logger).map { try $0[0] } ?? 0
            return (count == 0 ? last : min(minimum ?? 0, last), count, total)
        }
        var progress = RecordStore.CompactionProgress()
        var after: Int64 = 0
        while true {
            let (next, advanced) = try await write { [after, progress] connection -> (Int64?, RecordStore.CompactionProgress) in
                var progress = progress
                let last = try await Self.compactChunk(
                    after: after, limit: chunk, before: UInt64(horizonMs), safe: safe, progress: &progress, connection: connection,
                    logger: logger
                )
                if progress.droppedAudienceThrough > 0 {
                    let known = try await PostgresMerge.meta("audience_compacted_through", connection: connection, logger: logger)
                        .flatMap { Int64($0) } ?? 0
                    if progress.droppedAudienceThrough > known {
                        try await PostgresMerge.setMeta(
                            "audience_compacted_through", String(progress.droppedAudienceThrough), connection: connection, logger: logger
                        )
                    }
                }
                return (last, progress)
            }
            progress = advanced
            guard let next else { break }
            after = next
        }
        let (lost, remaining) = try await write { connection -> (Int, Int) in
            let lost = try await connection.changes(
                "DELETE FROM lost_write WHERE (ts >> 16) < $1 RETURNING 1", [.int(Int64(horizonMs))], logger: logger
            )
            try await PostgresMerge.setMeta("compacted_at", Timestamps.iso(now), connection: connection, logger: logger)
            let remaining: Int = try await connection.row("SELECT COUNT(*) FROM change_log", logger: logger).map { try $0[0] } ?? 0
            return (lost, remaining)
        }
        return CompactionReport(
            retainDays: retainDays, horizon: Timestamps.iso(horizon), scanned: progress.scanned, dropped: progress.dropped,
            droppedRecords: progress.droppedRecords, droppedLostWrites: lost, activeDevices: active, changeLogBefore: before,
            changeLogAfter: remaining
        )
    }

    /// One chunk of `RecordStore.compactChunk`: entries after `after`, the records they need read in
    /// one query per set, what may go deleted in one statement.
    static func compactChunk(
        after: Int64, limit: Int, before horizonMilliseconds: UInt64, safe: Int64, progress: inout RecordStore.CompactionProgress,
        connection: PostgresConnection, logger: Logger
    ) async throws -> Int64? {
        let rows = try await connection.rows(
            "SELECT seq, record_set, key, replica, ts, audience, payload FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            [.int(after), .int(Int64(limit))], logger: logger
        )
        guard let lastRow = rows.last else { return nil }
        let last: Int64 = try lastRow[0]
        // The current state of every record the chunk may touch.
        var keys = [String: Set<String>]()
        for row in rows {
            let set: String = try row[1]
            guard let schema = RecordSetSchema.named(set), !schema.keepsHistory else { continue }
            keys[set, default: []].insert(try row[2])
        }
        var states = [String: RecordState]()
        for (set, wanted) in keys {
            for row in try await connection.rows(
                "SELECT key, crdt FROM \"\(set)\" WHERE key = ANY(string_to_array($1, E'\\x1f'))",
                [.text(wanted.joined(separator: "\u{1F}"))], logger: logger
            ) {
                states[set + "\u{1F}" + (try row[0] as String)] = try RecordState(encoded: [UInt8](try row[1] as Data))
            }
        }
        var dropped = [Int64]()
        var droppedRecords = [(set: String, key: String)]()
        for row in rows {
            progress.scanned += 1
            let seq: Int64 = try row[0]
            let set: String = try row[1]
            let key: String = try row[2]
            let audience: String? = try row[5]
            let raw: Int64 = try row[4]
            let timestamp = HLCTimestamp(rawValue: UInt64(bitPattern: raw))
            guard timestamp.milliseconds < horizonMilliseconds, let schema = RecordSetSchema.named(set), !schema.keepsHistory,
                audience == nil || seq <= safe
            else { continue }
            let id = set + "\u{1F}" + key
            guard let state = states[id] else {
                dropped.append(seq)  // a record that no longer exists
                continue
            }
            let payload: Data = try row[6]
            let change = try Change(set: set, key: key, timestamp: timestamp, replica: try row[3], payload: [UInt8](payload))
            if state.isDeleted, audience == nil, RecordStore.isOldTombstone(state, before: horizonMilliseconds) {
                droppedRecords.append((set, key))
                states[id] = nil
                dropped.append(seq)
                continue
            }
            if !RecordStore.isNeeded(change, by: state) {
                dropped.append(seq)
                if audience != nil { progress.droppedAudienceThrough = max(progress.droppedAudienceThrough, seq) }
            }
        }
        for (set, key) in droppedRecords {
            try await connection.execute("DELETE FROM \"\(set)\" WHERE key = $1", [.text(key)], logger: logger)
        }
        if !dropped.isEmpty {
            try await connection.execute(
                "DELETE FROM change_log WHERE seq = ANY(string_to_array($1, ',')::bigint[])",
                [.text(dropped.map(String.init).joined(separator: ","))], logger: logger
            )
        }
        progress.dropped += dropped.count
        progress.droppedRecords += droppedRecords.count
        return last
    }
}
