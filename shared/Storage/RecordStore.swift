import BaogongModel
import Foundation
import GRDB
import GRDBSQLite

/// The SQLite record store that agent and hub share: merges changes in transactions, keeps the
/// change log that sync reads from, per-replica acknowledged cursors, the hybrid logical clock,
/// and one table of materialised current values per record set.
///
/// Callers get invariant-keeping operations only. Those named `…(in db:)` run inside a
/// transaction the caller owns, so the agent and the hub can add their own writes atomically.
public struct RecordStore: Sendable {
    public let writer: any DatabaseWriter

    /// Opens (creating if needed) a WAL database file and brings its schema up to date.
    /// `migrations` registers the owner's own tables after the shared ones.
    public init(path: String, migrations: @Sendable (inout DatabaseMigrator) -> Void = { _ in }) throws {
        var config = Configuration()
        let checkpointer = BackgroundCheckpointer(path: path)
        config.prepareDatabase { db in
            // FULL: a commit is on disk before it is acknowledged (to a clerk or to an agent), so an
            // OS crash or power cut never loses what a peer will not send again.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer's commits leave checkpoints to a thread of their own (the closure keeps the
            // checkpointer alive as long as the pool).
            if !db.configuration.readonly { checkpointer.install(on: db) }
        }
        config.busyMode = .timeout(10)
        try PrivateFiles.prepare(path)
        let pool = try DatabasePool(path: path, configuration: config)
        try self.init(writer: pool, migrations: migrations)
    }

    /// An in-memory store for unit tests.
    public static func inMemory(migrations: @Sendable (inout DatabaseMigrator) -> Void = { _ in }) throws -> RecordStore {
        try RecordStore(writer: DatabaseQueue(), migrations: migrations)
    }

    public init(writer: any DatabaseWriter, migrations: @Sendable (inout DatabaseMigrator) -> Void = { _ in }) throws {
        self.writer = writer
        var migrator = DatabaseMigrator()
        RecordStoreMigrations.register(in: &migrator)
        migrations(&migrator)
        try migrator.migrate(writer)
    }

    // MARK: - Merging

    /// What applying a batch did.
    public struct ApplyResult: Sendable, Equatable {
        /// Changes that altered state (and were appended to the change log); replays count 0.
        public var merged = 0
        /// Remote timestamps found far ahead of this machine's wall clock (merged all the same).
        public var skewed = 0
        public var maxForwardSkewMilliseconds: UInt64 = 0
        /// Highest change-log sequence written, or nil if nothing changed.
        public var lastSeq: Int64?
        public init() {}
    }

    /// Applies a batch in one transaction: all of it is stored or none.
    public func apply(_ changes: [Change], defaultReplica: ReplicaID, now: Date = Date()) throws -> ApplyResult {
        try writer.write { db in try Self.apply(changes, defaultReplica: defaultReplica, now: now, in: db) }
    }

    /// Merges `changes` into the current values inside the caller's transaction. Changes must have
    /// been validated (`ChangeValidator`). The clock advances past every timestamp it sees.
    ///
    /// With `keepLostWrites` (the hub, for `history`), a write that loses on every field to what the
    /// record already holds is kept in `lost_write`, which the caller's schema must have; the change
    /// log itself only carries writes that changed something.
    public static func apply(
        _ changes: [Change], defaultReplica: ReplicaID, now: Date = Date(), keepLostWrites: Bool = false, in db: Database
    ) throws -> ApplyResult {
        var result = ApplyResult()
        var clock = try loadClock(db)
        let wall = wallMilliseconds(now)
        var session = try MergeSession(db)
        session.keepsLostWrites = keepLostWrites
        for change in changes {
            let observation = clock.receive(change.timestamp, wallMilliseconds: wall)
            if let skew = observation.forwardSkewMilliseconds {
                result.skewed += 1
                result.maxForwardSkewMilliseconds = max(result.maxForwardSkewMilliseconds, skew)
            }
            if let seq = try merge(change, defaultReplica: defaultReplica, session: &session) {
                result.merged += 1
                result.lastSeq = seq
            }
        }
        try saveClock(clock, in: db)
        return result
    }

    /// Merges one change; returns its change-log sequence, or nil when it changed nothing.
    static func merge(_ change: Change, defaultReplica: ReplicaID, session: inout MergeSession) throws -> Int64? {
        guard let table = ProjectionTable.named(change.set) else {
            throw DomainError(.unknownRecordSet, field: "set", "'\(change.set)' is not a record set")
        }
        let origin = change.replica ?? defaultReplica
        let existing = try session.state(table, key: change.key)
        let delta = change.delta(defaultReplica: origin)
        // A record seen for the first time is the change itself: nothing to merge or compare.
        let merged = existing.map { $0.merging(delta) } ?? delta
        let unchanged = existing.map { $0 == merged } ?? false
        if unchanged && session.keepsLostWrites && !table.schema.keepsHistory,
            let existing, !isReplayOfCurrent(delta, in: existing)
        {
            try session.keepLostWrite(change, origin: origin)
            return nil
        }
        if unchanged {
            // A replay, or a write that lost to a later one. Sets that keep their history still log
            // a write they have never seen (a store's closure that arrives after a newer order).
            guard table.schema.keepsHistory,
                try !Bool.fetchOne(
                    session.db.cachedStatement(
                        sql: "SELECT 1 FROM change_log WHERE record_set = '\(table.schema.name)' AND key = ? AND replica = ? AND ts = ?"
                    ),
                    arguments: [change.key, origin, Int64(bitPattern: change.timestamp.rawValue)]
                ).isTrue
            else { return nil }
        }

        let (parts, store, audience) = placement(of: change, in: table.schema, origin: origin)
        let seq = try session.log(change, store: store, origin: origin, audience: audience)
        if !unchanged { try session.upsert(table, key: change.key, parts: parts, state: merged, seq: seq) }
        return seq
    }

    /// Where a logged change belongs: its key's parts, the store it is about (if its key names one),
    /// and which agents receive it (`*` every one, a store id that store's, nil none). The same rule
    /// for every backend that keeps a change log.
    public static func placement(of change: Change, in schema: RecordSetSchema, origin: ReplicaID)
        -> (parts: [String], store: String?, audience: String?)
    {
        let parts = change.key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let store = schema.storePartIndex.flatMap { $0 < parts.count ? parts[$0] : nil }
        let audience: String?
        if schema.isReference {
            audience = "*"
        } else if schema.isPerStoreReference {
            audience = parts.first  // the registry entry goes to that store's agents
        } else {
            audience = origin == SyncProtocol.hubReplica ? store : nil
        }
        return (parts, store, audience)
    }

    /// Whether every register of `delta` is the very write the record's state holds (a replay of the
    /// current values) rather than one that lost to another. Counters never lose: a lower total from
    /// a replica is an earlier report of the same count.
    public static func isReplayOfCurrent(_ delta: RecordState, in state: RecordState) -> Bool {
        for (name, field) in delta.fields {
            guard case .register(let written) = field else { continue }
            guard case .register(let current) = state.fields[name],
                current.timestamp == written.timestamp, current.replica == written.replica
            else { return false }
        }
        return true
    }

    /// Gives the logged change `seq` (written by `replica` at `old`) the timestamp `new`, in the change
    /// log and in its record's registers that still hold that write. Used by an agent whose clock was
    /// wrong, for changes the hub has not acknowledged yet: they go out again stamped by the hub's time.
    public static func restamp(seq: Int64, replica: ReplicaID, from old: HLCTimestamp, to new: HLCTimestamp, in db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT record_set, key FROM change_log WHERE seq = ?", arguments: [seq]),
            let table = ProjectionTable.named(row[0])
        else { return }
        let key: String = row[1]
        try db.execute(sql: "UPDATE change_log SET ts = ? WHERE seq = ?", arguments: [Int64(bitPattern: new.rawValue), seq])
        guard var state = try table.state(key: key, in: db) else { return }
        var changed = false
        for (name, field) in state.fields {
            if case .register(var register) = field, register.timestamp == old, register.replica == replica {
                register.timestamp = new
                state.fields[name] = .register(register)
                changed = true
            }
        }
        guard changed else { return }
        let recordSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM \(table.quotedName) WHERE key = ?", arguments: [key]) ?? seq
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var session = try MergeSession(db)
        try session.upsert(table, key: key, parts: parts, state: state, seq: recordSeq)
    }

    // MARK: - Reading the change log

    /// A change as stored, with its position in this replica's change log.
    public struct LoggedChange: Sendable, Hashable {
        public var seq: Int64
        public var change: Change
        public init(seq: Int64, change: Change) {
            self.seq = seq
            self.change = change
        }
    }

    /// Changes written by `replica` after `seq`, oldest first: an agent's outbox.
    public static func changes(byReplica replica: ReplicaID, after seq: Int64, limit: Int, in db: Database) throws
        -> [LoggedChange]
    {
        try fetchLog(
            sql: "SELECT seq, record_set, key, replica, ts, payload FROM change_log WHERE replica = ? AND seq > ? ORDER BY seq LIMIT ?",
            arguments: [replica, seq, limit], in: db
        )
    }

    /// Changes for an agent of `store` after `seq`: reference data and hub-written records of that store.
    public static func changes(forStore store: String, after seq: Int64, limit: Int, in db: Database) throws
        -> [LoggedChange]
    {
        try fetchLog(
            sql: """
                SELECT seq, record_set, key, replica, ts, payload FROM change_log
                WHERE audience IN ('*', ?) AND seq > ? ORDER BY seq LIMIT ?
                """,
            arguments: [store, seq, limit], in: db
        )
    }

    /// What `store`'s own devices wrote after `seq`, oldest first: merged in order, it rebuilds the
    /// CRDT state of every record of the store (a replaced device's restore).
    public static func changes(writtenBy store: String, after seq: Int64, limit: Int, in db: Database) throws -> [LoggedChange] {
        try fetchLog(
            sql: """
                SELECT seq, record_set, key, replica, ts, payload FROM change_log
                WHERE store = ? AND substr(replica, 1, length(?)) = ? AND seq > ? ORDER BY seq LIMIT ?
                """,
            arguments: [store, store + ".", store + ".", seq, limit],
            in: db
        )
    }

    /// Every change for an agent of `store` up to `seq` inclusive: after compaction, the current state
    /// of everything such an agent reads (a long-absent device's snapshot).
    public static func changes(forStore store: String, through seq: Int64, in db: Database) throws -> [LoggedChange] {
        try fetchLog(
            sql: """
                SELECT seq, record_set, key, replica, ts, payload FROM change_log
                WHERE audience IN ('*', ?) AND seq <= ? ORDER BY seq
                """,
            arguments: [store, seq], in: db
        )
    }

    /// Every change after `seq`, oldest first (a parent hub's view of this replica).
    public static func changes(after seq: Int64, limit: Int, in db: Database) throws -> [LoggedChange] {
        try fetchLog(
            sql: "SELECT seq, record_set, key, replica, ts, payload FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [seq, limit], in: db
        )
    }

    /// Changes of one record set after `seq`, oldest first (a city hub's notices for its county hubs).
    public static func changes(set: String, after seq: Int64, limit: Int, in db: Database) throws -> [LoggedChange] {
        try fetchLog(
            sql: "SELECT seq, record_set, key, replica, ts, payload FROM change_log WHERE record_set = ? AND seq > ? ORDER BY seq LIMIT ?",
            arguments: [set, seq, limit], in: db
        )
    }

    /// What a county hub sends its city hub after `seq`, oldest first: every change of a record that
    /// belongs to a store (stock, checkpoints, incidents, statuses, the desk's and deliveries' sets)
    /// and of the store registry, but nothing the city itself sent down.
    public static func upwardChanges(after seq: Int64, limit: Int, excludingReplica excluded: ReplicaID, in db: Database) throws
        -> [LoggedChange]
    {
        try fetchLog(
            sql: """
                SELECT seq, record_set, key, replica, ts, payload FROM change_log
                WHERE seq > ? AND (store IS NOT NULL OR record_set = 'stores') AND replica <> ? ORDER BY seq LIMIT ?
                """,
            arguments: [seq, excluded, limit], in: db
        )
    }

    /// How many changes `upwardChanges` has still to send after `seq` (at most `bound`, when given).
    public static func upwardCount(after seq: Int64, excludingReplica excluded: ReplicaID, upTo bound: Int? = nil, in db: Database)
        throws -> Int64
    {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM (
                    SELECT 1 FROM change_log WHERE seq > ? AND (store IS NOT NULL OR record_set = 'stores') AND replica <> ? LIMIT ?
                )
                """,
            arguments: [seq, excluded, bound ?? -1]
        ) ?? 0
    }

    static func fetchLog(sql: String, arguments: StatementArguments, in db: Database) throws -> [LoggedChange] {
        let statement = try db.cachedStatement(sql: sql)
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        var result: [LoggedChange] = []
        while let row = try rows.next() {
            let payload: Data = row[5]
            let change = try Change(
                set: row[1], key: row[2], timestamp: HLCTimestamp(rawValue: UInt64(bitPattern: row[4])),
                replica: row[3], payload: [UInt8](payload)
            )
            result.append(LoggedChange(seq: row[0], change: change))
        }
        return result
    }

    /// Every logged change of one record, oldest first (an operator's `history`: it reads the whole
    /// log, which has no index by key, so that merging pays for no extra index).
    public static func changes(set: String, key: String, in db: Database) throws -> [LoggedChange] {
        try fetchLog(
            sql: "SELECT seq, record_set, key, replica, ts, payload FROM change_log WHERE record_set = ? AND key = ? ORDER BY seq",
            arguments: [set, key], in: db
        )
    }

    /// Every logged change of one record set, oldest first (e.g. the history of store statuses).
    public static func history(set: String, in db: Database) throws -> [LoggedChange] {
        guard let table = ProjectionTable.named(set) else { return [] }
        // The set name is inlined (it is one of the schema's names) so a partial index on it can be used
        // (the hub has one for store statuses). `+seq` stops the planner from walking the whole log in seq
        // order to save sorting a few rows: on a hub of 720K changes that walk took 52 ms per view.
        return try fetchLog(
            sql: "SELECT seq, record_set, key, replica, ts, payload FROM change_log WHERE record_set = '\(table.schema.name)' ORDER BY +seq",
            arguments: [], in: db
        )
    }

    /// Number of changes by `replica` after `seq` and the time of the oldest (Unix ms from its timestamp).
    public static func count(byReplica replica: ReplicaID, after seq: Int64, in db: Database) throws
        -> (count: Int64, oldestMilliseconds: UInt64?)
    {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*), MIN(ts) FROM change_log WHERE replica = ? AND seq > ?"),
            arguments: [replica, seq]
        )
        let count: Int64 = row?[0] ?? 0
        let oldest: Int64? = row?[1]
        return (count, oldest.map { HLCTimestamp(rawValue: UInt64(bitPattern: $0)).milliseconds })
    }

    public static func lastSeq(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM change_log") ?? 0
    }

    // MARK: - Acknowledged cursors

    /// How far `replica` has acknowledged (0 when never).
    public static func ackedSeq(of replica: ReplicaID, in db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT acked_seq FROM replica_cursor WHERE replica = ?"), arguments: [replica]
        ) ?? 0
    }

    /// Raises `replica`'s acknowledged cursor to `seq`; a cursor never moves backwards.
    public static func acknowledge(_ replica: ReplicaID, upTo seq: Int64, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO replica_cursor(replica, acked_seq) VALUES (?, ?)
            ON CONFLICT(replica) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)
            """).execute(arguments: [replica, seq])
    }

    /// Sets `replica`'s acknowledged cursor to `seq`, lower or not: only for a peer that reports it
    /// holds less than it once acknowledged (a hub restored from a backup), so the changes after `seq`
    /// are sent again.
    public static func resetAcknowledgement(of replica: ReplicaID, to seq: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO replica_cursor(replica, acked_seq) VALUES (?, ?) ON CONFLICT(replica) DO UPDATE SET acked_seq = excluded.acked_seq",
            arguments: [replica, seq]
        )
    }

    // MARK: - Current values

    /// The CRDT state of one record, or nil when it was never written.
    public static func state(set: String, key: String, in db: Database) throws -> RecordState? {
        guard let table = ProjectionTable.named(set) else { return nil }
        return try table.state(key: key, in: db)
    }

    /// Every record of a set with its CRDT state (for tests, export and convergence checks).
    public static func allStates(set: String, in db: Database) throws -> RecordSetState {
        guard let table = ProjectionTable.named(set) else { return RecordSetState() }
        var records = [String: RecordState]()
        let rows = try Row.fetchCursor(db, sql: "SELECT key, crdt FROM \(table.quotedName)")
        while let row = try rows.next() {
            let data: Data = row[1]
            records[row[0]] = try RecordState(encoded: [UInt8](data))
        }
        return RecordSetState(records: records)
    }

    // MARK: - Clock and metadata

    public static func loadClock(_ db: Database) throws -> HybridLogicalClock {
        let raw = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = 'hlc'")) ?? 0
        return HybridLogicalClock(last: HLCTimestamp(rawValue: UInt64(bitPattern: raw)))
    }

    public static func saveClock(_ clock: HybridLogicalClock, in db: Database) throws {
        try setMeta("hlc", Int64(bitPattern: clock.last.rawValue), in: db)
    }

    /// A new timestamp for a local write (persisted with the caller's transaction).
    public static func tick(now: Date = Date(), in db: Database) throws -> HLCTimestamp {
        var clock = try loadClock(db)
        let ts = clock.tick(wallMilliseconds: wallMilliseconds(now))
        try saveClock(clock, in: db)
        return ts
    }

    public static func meta(_ name: String, in db: Database) throws -> DatabaseValue {
        try DatabaseValue.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = ?"), arguments: [name])
            ?? .null
    }

    public static func setMeta(_ name: String, _ value: (any DatabaseValueConvertible)?, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
            .execute(arguments: [name, value?.databaseValue ?? .null])
    }

    public static func wallMilliseconds(_ date: Date) -> UInt64 {
        let ms = date.timeIntervalSince1970 * 1000
        return ms > 0 ? UInt64(ms) : 0
    }
}

/// The table of materialised current values of one record set.
struct ProjectionTable: Sendable {
    let schema: RecordSetSchema
    let quotedName: String
    let selectSQL: String
    let upsertSQL: String

    init(schema: RecordSetSchema) {
        self.schema = schema
        quotedName = "\"\(schema.name)\""
        selectSQL = "SELECT crdt FROM \(quotedName) WHERE key = ?"
        let columns = ["key"] + schema.keyParts.map(\.name) + schema.fields.map(\.name) + ["deleted", "crdt", "seq"]
        let updates = (schema.fields.map(\.name) + ["deleted", "crdt", "seq"]).map { "\"\($0)\" = excluded.\"\($0)\"" }
        upsertSQL = """
            INSERT INTO \(quotedName)(\(columns.map { "\"\($0)\"" }.joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            ON CONFLICT(key) DO UPDATE SET \(updates.joined(separator: ", "))
            """
    }

    static let tables: [String: ProjectionTable] = Dictionary(
        uniqueKeysWithValues: RecordSetSchema.all.map { ($0.name, ProjectionTable(schema: $0)) }
    )

    static func named(_ name: String) -> ProjectionTable? { tables[name] }

    func state(key: String, in db: Database) throws -> RecordState? {
        guard let data = try Data.fetchOne(db.cachedStatement(sql: selectSQL), arguments: [key]) else { return nil }
        return try RecordState(encoded: [UInt8](data))
    }

    func upsert(key: String, parts: [String], state: RecordState, seq: Int64, in db: Database) throws {
        var values: [(any DatabaseValueConvertible)?] = [key]
        for i in schema.keyParts.indices { values.append(i < parts.count ? parts[i] : nil) }
        for field in schema.fields {
            values.append(state[field.name]?.databaseValue)
        }
        values.append(state.isDeleted ? 1 : 0)
        values.append(Data(state.encoded()))
        values.append(seq)
        try db.cachedStatement(sql: upsertSQL).execute(arguments: StatementArguments(values))
    }
}

extension Optional where Wrapped == Bool {
    var isTrue: Bool { self ?? false }
}

extension FieldValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .int(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        }
    }
}
