import BaogongModel
import BaogongRecordStore
import Foundation
import Logging
import PostgresNIO

/// `RecordStore.apply` on PostgreSQL: the same merge, decided by the same CRDT code, with the same
/// change log.
///
/// The caller's transaction holds the locks that keep the records it merges from changing under it
/// (a sync: its store's lock; a hub-wide write: the exclusive lock, `PostgresHubStore`). The merge
/// reads the current state of every record the batch touches in one query, decides in memory, and
/// numbers the log entries it will write 1, 2, 3…; `finish` then takes the log lock and, in one
/// statement, turns those numbers into change-log positions after the log's last, writes the log,
/// the records and the clock (and the caller's bookkeeping), so positions are handed out in commit
/// order while the log lock is held for one statement and the commit only.
struct PostgresMerge {
    let connection: PostgresConnection
    let logger: Logger
    var keepsLostWrites = false

    private var states = [String: [String: RecordState]]()
    private var pendingLog = [PendingLogEntry]()
    private var pendingRecords = [String: [String: PendingRecord]]()
    /// The clock as far as this batch moves it (from zero); `finish` keeps the greater of it and the stored one.
    private var clock = HybridLogicalClock()

    private struct PendingLogEntry {
        var ordinal: Int64
        var change: Change
        var store: String?
        var origin: String
        var audience: String?
    }

    private struct PendingRecord {
        var parts: [String]
        var state: RecordState
        var ordinal: Int64
    }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Merges validated changes and writes them at once (`apply`, then `finish`).
    static func apply(
        _ changes: [Change], defaultReplica: ReplicaID, now: Date, keepLostWrites: Bool = false,
        connection: PostgresConnection, logger: Logger
    ) async throws -> RecordStore.ApplyResult {
        var merge = PostgresMerge(connection: connection, logger: logger)
        merge.keepsLostWrites = keepLostWrites
        var result = try await merge.apply(changes, defaultReplica: defaultReplica, now: now)
        result.lastSeq = try await merge.finish()
        return result
    }

    /// Decides the merge of `changes` (reading what it needs); nothing is written until `finish`.
    /// `lastSeq` of the result is nil: positions are known only at `finish`.
    mutating func apply(_ changes: [Change], defaultReplica: ReplicaID, now: Date) async throws -> RecordStore.ApplyResult {
        var result = RecordStore.ApplyResult()
        guard !changes.isEmpty else { return result }
        let wall = RecordStore.wallMilliseconds(now)
        try await load(changes)
        for change in changes {
            let observation = clock.receive(change.timestamp, wallMilliseconds: wall)
            if let skew = observation.forwardSkewMilliseconds {
                result.skewed += 1
                result.maxForwardSkewMilliseconds = max(result.maxForwardSkewMilliseconds, skew)
            }
            if try await merge(change, defaultReplica: defaultReplica) { result.merged += 1 }
        }
        return result
    }

    /// Reads the current state of every record the batch touches, in one query.
    private mutating func load(_ changes: [Change]) async throws {
        var keys = [String: Set<String>]()
        for change in changes {
            guard RecordSetSchema.named(change.set) != nil else {
                throw DomainError(.unknownRecordSet, field: "set", "'\(change.set)' is not a record set")
            }
            keys[change.set, default: []].insert(change.key)
        }
        let sets = keys.keys.sorted()
        let sql = sets.enumerated().map { i, set in
            "SELECT \(i), key, crdt FROM \"\(set)\" WHERE key = ANY(string_to_array($\(i + 1), E'\\x1f'))"
        }.joined(separator: " UNION ALL ")
        for set in sets { states[set] = [:] }
        for row in try await connection.rows(sql, sets.map { .text(keys[$0]!.joined(separator: "\u{1F}")) }, logger: logger) {
            let bytes: Data = try row[2]
            states[sets[try row[0] as Int], default: [:]][try row[1]] = try RecordState(encoded: [UInt8](bytes))
        }
    }

    /// The decision of `RecordStore.merge`, on the states loaded for the batch.
    private mutating func merge(_ change: Change, defaultReplica: ReplicaID) async throws -> Bool {
        let schema = RecordSetSchema.named(change.set)!
        let origin = change.replica ?? defaultReplica
        let existing = states[change.set]?[change.key]
        let delta = change.delta(defaultReplica: origin)
        let merged = existing.map { $0.merging(delta) } ?? delta
        let unchanged = existing.map { $0 == merged } ?? false
        if unchanged && keepsLostWrites && !schema.keepsHistory, let existing, !RecordStore.isReplayOfCurrent(delta, in: existing) {
            try await keepLostWrite(change, origin: origin)
            return false
        }
        if unchanged {
            guard schema.keepsHistory, try await !isLogged(change, origin: origin) else { return false }
        }
        let (parts, store, audience) = RecordStore.placement(of: change, in: schema, origin: origin)
        let ordinal = Int64(pendingLog.count + 1)
        pendingLog.append(PendingLogEntry(ordinal: ordinal, change: change, store: store, origin: origin, audience: audience))
        if !unchanged {
            states[change.set, default: [:]][change.key] = merged
            pendingRecords[change.set, default: [:]][change.key] = PendingRecord(parts: parts, state: merged, ordinal: ordinal)
        }
        return true
    }

    /// Whether the change log (written, or about to be by this batch) holds this very write.
    private func isLogged(_ change: Change, origin: String) async throws -> Bool {
        if pendingLog.contains(where: {
            $0.change.set == change.set && $0.change.key == change.key && $0.origin == origin && $0.change.timestamp == change.timestamp
        }) { return true }
        return try await connection.row(
            "SELECT 1 FROM change_log WHERE record_set = $1 AND key = $2 AND replica = $3 AND ts = $4 LIMIT 1",
            [.text(change.set), .text(change.key), .text(origin), .int(Int64(bitPattern: change.timestamp.rawValue))],
            logger: logger
        ) != nil
    }

    /// `MergeSession.keepLostWrite`: a write that lost on arrival, kept once for `history`.
    private func keepLostWrite(_ change: Change, origin: String) async throws {
        guard try await !isLogged(change, origin: origin) else { return }
        try await connection.execute(
            """
            INSERT INTO lost_write(record_set, key, replica, ts, payload, after_seq)
            VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(seq), 0) FROM change_log))
            ON CONFLICT (record_set, key, replica, ts) DO NOTHING
            """,
            [
                .text(change.set), .text(change.key), .text(origin), .int(Int64(bitPattern: change.timestamp.rawValue)),
                .blob(change.encodedPayload()),
            ],
            logger: logger
        )
    }

    /// Writes what `apply` decided: under the log lock, one statement numbers the log entries after
    /// the log's last position and writes them, the records, the clock (the greater of the stored one
    /// and this batch's) and the caller's own `also` statements (data-modifying CTEs, parameters
    /// numbered after the merge's: `$\(n)` where n starts at `parameterOffset + 1`, see `Also`).
    /// Returns the last position written (nil when nothing was logged). The lock is held to the commit.
    mutating func finish(also: [Also] = []) async throws -> Int64? {
        try await connection.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresSchema.Lock.log)], logger: logger)
        var parts = [(name: String, sql: String)]()
        var arguments = [SQLValue]()
        let count = Int64(pendingLog.count)
        if count > 0 {
            arguments.append(.int(count))
            parts.append(("position", "UPDATE log_position SET last = last + $1 WHERE id = 1 RETURNING last - $1 AS base"))
            var json = JSONWriter(capacity: pendingLog.count * 160)
            json.byte(UInt8(ascii: "["))
            for (i, entry) in pendingLog.enumerated() {
                if i > 0 { json.byte(UInt8(ascii: ",")) }
                json.raw("{\"ordinal\":")
                json.int(entry.ordinal)
                json.raw(",\"record_set\":")
                json.string(entry.change.set)
                json.raw(",\"key\":")
                json.string(entry.change.key)
                json.raw(",\"store\":")
                if let store = entry.store { json.string(store) } else { json.null() }
                json.raw(",\"replica\":")
                json.string(entry.origin)
                json.raw(",\"ts\":")
                json.int(Int64(bitPattern: entry.change.timestamp.rawValue))
                json.raw(",\"audience\":")
                if let audience = entry.audience { json.string(audience) } else { json.null() }
                json.raw(",\"payload\":")
                json.string(Data(entry.change.encodedPayload()).base64EncodedString())
                json.byte(UInt8(ascii: "}"))
            }
            json.byte(UInt8(ascii: "]"))
            arguments.append(.text(String(decoding: json.bytes, as: UTF8.self)))
            parts.append((
                "log",
                """
                INSERT INTO change_log(seq, record_set, key, store, replica, ts, audience, payload)
                SELECT (SELECT base FROM position) + ordinal, record_set, key, store, replica, ts, audience, decode(payload, 'base64')
                FROM jsonb_to_recordset($\(arguments.count)::jsonb) AS x(
                    ordinal BIGINT, record_set TEXT, key TEXT, store TEXT, replica TEXT, ts BIGINT, audience TEXT, payload TEXT)
                """
            ))
            for (set, records) in pendingRecords.sorted(by: { $0.key < $1.key }) where !records.isEmpty {
                let schema = RecordSetSchema.named(set)!
                arguments.append(.text(try Self.recordsJSON(schema, records.map { ($0.key, $0.value.parts, $0.value.state, $0.value.ordinal) })))
                parts.append(("records_\(parts.count)", Self.upsertSQL(schema, parameter: arguments.count, seqFrom: "(SELECT base FROM position) + ")))
            }
            arguments.append(.text(String(Int64(bitPattern: clock.last.rawValue))))
            parts.append((
                "clock",
                """
                INSERT INTO meta(name, value) VALUES ('hlc', $\(arguments.count))
                ON CONFLICT (name) DO UPDATE SET value = GREATEST(meta.value::bigint, excluded.value::bigint)::text
                """
            ))
        }
        for extra in also {
            let offset = arguments.count
            arguments += extra.arguments
            parts.append(("also_\(parts.count)", extra.sql(offset)))
        }
        pendingLog.removeAll()
        pendingRecords.removeAll()
        guard !parts.isEmpty else { return nil }
        let last = count > 0 ? "(SELECT base FROM position) + \(count)" : "NULL::bigint"
        let sql = "WITH " + parts.map { "\($0.name) AS (\($0.sql))" }.joined(separator: ", ") + " SELECT \(last)"
        return try await connection.row(sql, arguments, logger: logger).flatMap { try $0[0] }
    }

    /// A statement of the caller's written with the merge's (`finish(also:)`): its SQL, given the
    /// number of parameters before its own (so its first is `$\(offset + 1)`), and its arguments.
    struct Also {
        var sql: (_ offset: Int) -> String
        var arguments: [SQLValue]
    }

    /// Records as a JSON array of rows: key parts, field values, the tombstone flag, the CRDT state (base64), seq.
    static func recordsJSON(_ schema: RecordSetSchema, _ records: [(key: String, parts: [String], state: RecordState, seq: Int64)])
        throws -> String
    {
        var json = JSONWriter(capacity: records.count * 200)
        json.byte(UInt8(ascii: "["))
        for (i, record) in records.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.raw("{\"key\":")
            json.string(record.key)
            for (index, part) in schema.keyParts.enumerated() {
                json.byte(UInt8(ascii: ","))
                json.string(part.name)
                json.byte(UInt8(ascii: ":"))
                if index < record.parts.count { json.string(record.parts[index]) } else { json.string("") }
            }
            for field in schema.fields {
                json.byte(UInt8(ascii: ","))
                json.string(field.name)
                json.byte(UInt8(ascii: ":"))
                switch record.state[field.name] ?? .null {
                case .null: json.null()
                case .int(let v): json.int(v)
                case .real(let v): try json.double(v)
                case .text(let v): json.string(v)
                }
            }
            json.raw(",\"deleted\":")
            json.int(record.state.isDeleted ? 1 : 0)
            json.raw(",\"crdt\":")
            json.string(Data(record.state.encoded()).base64EncodedString())
            json.raw(",\"seq\":")
            json.int(record.seq)
            json.byte(UInt8(ascii: "}"))
        }
        json.byte(UInt8(ascii: "]"))
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// The upsert of a set's records given as `recordsJSON` in parameter `$parameter`; each record's
    /// position is `seqFrom` followed by its `seq` field (an ordinal to add to the log's base). Rows go
    /// in in log order, so a store's rows of one batch sit together on disk (the views read a store's
    /// recent days: measured, 2,000 pages instead of 31,000 for a 56,000-row window).
    static func upsertSQL(_ schema: RecordSetSchema, parameter: Int, seqFrom: String = "") -> String {
        let names = ["key"] + schema.keyParts.map(\.name) + schema.fields.map(\.name) + ["deleted", "crdt", "seq"]
        let types = ["TEXT"] + schema.keyParts.map { _ in "TEXT" } + schema.fields.map { PostgresSchema.columnType($0.type) }
            + ["BIGINT", "TEXT", "BIGINT"]
        let quoted = names.map { "\"\($0)\"" }
        let selected = quoted.map {
            $0 == "\"crdt\"" ? "decode(\"crdt\", 'base64')" : $0 == "\"seq\"" ? seqFrom + "\"seq\"" : $0
        }
        let updates = (schema.fields.map(\.name) + ["deleted", "crdt", "seq"]).map { "\"\($0)\" = excluded.\"\($0)\"" }
        return """
            INSERT INTO "\(schema.name)"(\(quoted.joined(separator: ", ")))
            SELECT \(selected.joined(separator: ", "))
            FROM jsonb_to_recordset($\(parameter)::jsonb) AS x(\(zip(quoted, types).map { "\($0) \($1)" }.joined(separator: ", ")))
            ORDER BY "seq"
            ON CONFLICT (key) DO UPDATE SET \(updates.joined(separator: ", "))
            """
    }

    // MARK: Clock and metadata

    static func loadClock(_ connection: PostgresConnection, logger: Logger) async throws -> HybridLogicalClock {
        let raw = try await meta("hlc", connection: connection, logger: logger).flatMap { Int64($0) } ?? 0
        return HybridLogicalClock(last: HLCTimestamp(rawValue: UInt64(bitPattern: raw)))
    }

    static func saveClock(_ clock: HybridLogicalClock, connection: PostgresConnection, logger: Logger) async throws {
        try await setMeta("hlc", String(Int64(bitPattern: clock.last.rawValue)), connection: connection, logger: logger)
    }

    /// A new timestamp for a write of the hub's own (persisted with the caller's transaction).
    static func tick(now: Date, connection: PostgresConnection, logger: Logger) async throws -> HLCTimestamp {
        var clock = try await loadClock(connection, logger: logger)
        let ts = clock.tick(wallMilliseconds: RecordStore.wallMilliseconds(now))
        try await saveClock(clock, connection: connection, logger: logger)
        return ts
    }

    static func meta(_ name: String, connection: PostgresConnection, logger: Logger) async throws -> String? {
        try await connection.row("SELECT value FROM meta WHERE name = $1", [.text(name)], logger: logger).flatMap { try $0[0] }
    }

    static func setMeta(_ name: String, _ value: String?, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            "INSERT INTO meta(name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [.text(name), SQLValue(value)], logger: logger
        )
    }
}
