import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// One write the hub has seen for a record (`baogong-hub history`, `/v1/history`).
public struct RecordWrite: Sendable, Hashable, Codable {
    /// Its position in the change log; nil for a write that lost on every field when it arrived.
    public var seq: Int64?
    /// The device that wrote it (`hub` for the hub).
    public var replica: String
    /// The store of that device; nil for the hub.
    public var store: String?
    /// When it was written, by the writer's clock (ISO 8601).
    public var time: String
    /// Its hybrid logical timestamp (`milliseconds.counter`), which orders concurrent writes.
    public var timestamp: String
    /// The values it wrote (a counter field: the writing device's running total).
    public var fields: [String: FieldValue]
    /// Per field: whether this write's value is the current one.
    public var won: [String: Bool]

    enum CodingKeys: String, CodingKey {
        case seq, replica, store, time, timestamp, fields, won
    }

    /// Every key is present: `seq` and `store` are null rather than missing.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(replica, forKey: .replica)
        try c.encode(store, forKey: .store)
        try c.encode(time, forKey: .time)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(fields, forKey: .fields)
        try c.encode(won, forKey: .won)
    }
}

extension HubDatabase {
    public func storeRecords(store: String, after seq: Int64, limit: Int) async throws -> SyncResponse {
        try await writer.read { db in
            let page = try RecordStore.changes(writtenBy: store, after: seq, limit: limit, in: db)
            return SyncResponse(
                acked: 0, cursor: page.last?.seq ?? seq, more: page.count == limit, merged: 0, changes: page.map(\.change)
            )
        }
    }

    public func history(set: RecordSetSchema, key: String) async throws -> [RecordWrite] {
        try await writer.read { db in
            let logged = try RecordStore.changes(set: set.name, key: key, in: db).map { ($0.seq as Int64?, $0.change) }
            let lost = try Row.fetchAll(
                db, sql: "SELECT replica, ts, payload FROM lost_write WHERE record_set = ? AND key = ? ORDER BY id",
                arguments: [set.name, key]
            ).map { row -> (Int64?, Change) in
                let payload: Data = row[2]
                let change = try Change(
                    set: set.name, key: key, timestamp: HLCTimestamp(rawValue: UInt64(bitPattern: row[1])), replica: row[0],
                    payload: [UInt8](payload)
                )
                return (nil, change)
            }
            let current = try RecordStore.state(set: set.name, key: key, in: db) ?? RecordState()
            return Self.recordWrites(logged: logged, lost: lost, current: current)
        }
    }

    /// A record's history from its logged writes and those that lost on arrival, oldest first.
    static func recordWrites(logged: [(Int64?, Change)], lost: [(Int64?, Change)], current: RecordState) -> [RecordWrite] {
        let seen = Set(logged.map { "\($0.1.replica ?? "")/\($0.1.timestamp.rawValue)" })
        // A write replayed after a later one superseded it is in both; the change log's copy stands.
        let lost = lost.filter { !seen.contains("\($0.1.replica ?? "")/\($0.1.timestamp.rawValue)") }
        return (logged + lost)
            .sorted { ($0.1.timestamp.rawValue, $0.0 ?? .max) < ($1.1.timestamp.rawValue, $1.0 ?? .max) }
            .map { seq, change in Self.write(change, seq: seq, current: current) }
    }

    /// A device's replica id is `<store>.<suffix>` with no dot in the suffix (SyncValidation.validate),
    /// so its store is everything before the last dot, dots in the store id included.
    static func store(ofReplica replica: String) -> String? {
        replica.lastIndex(of: ".").map { String(replica[..<$0]) }
    }

    static func write(_ change: Change, seq: Int64?, current: RecordState) -> RecordWrite {
        let replica = change.replica ?? SyncProtocol.hubReplica
        var fields = change.fields
        var won = [String: Bool]()
        for (name, _) in change.fields {
            if case .register(let register) = current.fields[name] {
                won[name] = register.timestamp == change.timestamp && register.replica == replica
            } else {
                won[name] = false
            }
        }
        for (name, total) in change.counters {
            fields[name] = .int(total)
            won[name] = current.counterSlot(name, replica: replica) == total
        }
        return RecordWrite(
            seq: seq, replica: replica,
            store: replica == SyncProtocol.hubReplica ? nil : Self.store(ofReplica: replica),
            time: Timestamps.iso(milliseconds: change.timestamp.milliseconds), timestamp: change.timestamp.description,
            fields: fields, won: won
        )
    }
}
