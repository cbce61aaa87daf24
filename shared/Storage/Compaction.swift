import BaogongModel
import Foundation
import GRDB

/// Compaction: change-log entries older than a retention horizon that no current value depends on
/// any more are dropped, and so are old tombstones of records that never travel to devices.
///
/// An entry is still needed while any of its register values is the one that stands (same
/// timestamp and writer), or one of its counter totals is its writer's current slot: the log that
/// remains, merged in order, rebuilds every record exactly (which is what a restore and a
/// long-absent device's catch-up replay). Sets that keep their history (store statuses, read by
/// the views as a timeline) are never compacted. The caller says which entries its consumers have
/// all read (`mayDrop`); the work runs in chunks, one transaction each, so syncs wait at most one
/// chunk.
extension RecordStore {
    public struct CompactionProgress: Sendable, Hashable {
        public var scanned = 0
        public var dropped = 0
        public var droppedRecords = 0
        /// The highest sequence dropped among entries that travel to devices (audience set), or 0.
        public var droppedAudienceThrough: Int64 = 0
        public init() {}
    }

    /// Compacts the entries with `seq` in (`after`, `after + limit`]; returns the last sequence looked
    /// at (nil when the log has nothing after `after`).
    public static func compactChunk(
        after: Int64, limit: Int, before horizonMilliseconds: UInt64,
        mayDrop: (_ seq: Int64, _ audience: String?) -> Bool, progress: inout CompactionProgress, in db: Database
    ) throws -> Int64? {
        let rows = try Row.fetchAll(
            db, sql: "SELECT seq, record_set, key, replica, ts, audience, payload FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [after, limit]
        )
        guard let last = rows.last?[0] as Int64? else { return nil }
        var states = [String: RecordState?]()
        let drop = try db.cachedStatement(sql: "DELETE FROM change_log WHERE seq = ?")
        for row in rows {
            progress.scanned += 1
            let seq: Int64 = row[0]
            let set: String = row[1]
            let key: String = row[2]
            let audience: String? = row[5]
            let timestamp = HLCTimestamp(rawValue: UInt64(bitPattern: row[4]))
            guard timestamp.milliseconds < horizonMilliseconds, let table = ProjectionTable.named(set),
                !table.schema.keepsHistory, mayDrop(seq, audience)
            else { continue }
            let id = set + "\u{1F}" + key
            if states[id] == nil { states[id] = try table.state(key: key, in: db) }
            guard let state = states[id] ?? nil else {
                try drop.execute(arguments: [seq])  // a record that no longer exists
                progress.dropped += 1
                continue
            }
            let payload: Data = row[6]
            let change = try Change(set: set, key: key, timestamp: timestamp, replica: row[3], payload: [UInt8](payload))
            if state.isDeleted, audience == nil, isOldTombstone(state, before: horizonMilliseconds) {
                // Nothing travels down for this record, and its deletion is older than the horizon.
                try db.execute(sql: "DELETE FROM \(table.quotedName) WHERE key = ?", arguments: [key])
                states[id] = .some(nil)
                progress.droppedRecords += 1
                try drop.execute(arguments: [seq])
                progress.dropped += 1
                continue
            }
            if !isNeeded(change, by: state) {
                try drop.execute(arguments: [seq])
                progress.dropped += 1
                if audience != nil { progress.droppedAudienceThrough = max(progress.droppedAudienceThrough, seq) }
            }
        }
        return last
    }

    /// Whether a logged write still carries a value that stands.
    public static func isNeeded(_ change: Change, by state: RecordState) -> Bool {
        let writer = change.replica ?? ""
        for name in change.fields.keys {
            if case .register(let current) = state.fields[name], current.timestamp == change.timestamp, current.replica == writer {
                return true
            }
        }
        for (name, total) in change.counters where state.counterSlot(name, replica: writer) == total { return true }
        for (name, total) in change.decrements {
            if case .counter(let counter) = state.fields[name], counter.decrements[writer] == total { return true }
        }
        return false
    }

    public static func isOldTombstone(_ state: RecordState, before horizonMilliseconds: UInt64) -> Bool {
        guard case .register(let tombstone) = state.fields[RecordState.tombstoneField] else { return false }
        return tombstone.timestamp.milliseconds < horizonMilliseconds
    }
}
