import BaogongModel
import BaogongRecordStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The hub's store on PostgreSQL (postgres-nio), for several hub processes on one database.
///
/// The same tables, merge rules and answers as `HubDatabase` on SQLite. Transaction-scoped advisory
/// locks order the writers of every process (`PostgresSchema.Lock`): a store's sync holds the writer
/// lock shared and its store's lock, so syncs of different stores merge side by side while two
/// devices of one store merge one after the other; every other write holds the writer lock
/// exclusive and runs alone, as on SQLite; a merge holds the log lock from numbering its change-log
/// entries to the commit, so positions are handed out in commit order (a reader after its cursor
/// never skips an entry that commits later with a lower position). Reads run in REPEATABLE READ
/// snapshots and never wait. docs/operator.md, "Running on PostgreSQL", says more.
public final class PostgresHubStore: HubStore {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    /// The schema steps this process applied when it opened the database (none when up to date).
    public var appliedAtOpen: [String] { applied.withLock { $0 } }
    private let applied = Mutex<[String]>([])

    private init(location: PostgresLocation, client: PostgresClient, logger: Logger) {
        self.location = location
        self.client = client
        self.logger = logger
        running = Task { await client.run() }
    }

    /// Connects, migrates the schema (under the migration lock) and, on a new database, writes the
    /// default catalog. Call `close()` when done.
    public static func open(_ location: PostgresLocation, logger: Logger = Logger(label: "baogong.postgres"), now: Date = Date())
        async throws -> PostgresHubStore
    {
        // The pool's own messages (a connection lost and re-made) only when they are errors.
        var background = logger
        background.logLevel = .error
        let store = PostgresHubStore(
            location: location,
            client: PostgresClient(configuration: try location.configuration(), backgroundLogger: background), logger: logger
        )
        do {
            let steps = try await store.migrate()
            store.applied.withLock { $0 = steps }
            try await store.seedCatalogIfNew(now: now)
            return store
        } catch {
            store.close()
            throw PostgresHubStore.describe(error, at: location)
        }
    }

    /// Runs `body` with an open store and closes it afterwards (the CLI's one-shot commands).
    public static func with<T: Sendable>(_ location: PostgresLocation, now: Date = Date(), _ body: (PostgresHubStore) async throws -> T)
        async throws -> T
    {
        let store = try await open(location, now: now)
        defer { store.close() }
        do {
            return try await body(store)
        } catch {
            throw PostgresHubStore.describe(error, at: location)
        }
    }

    /// Creates or updates the schema; returns the steps applied (none when it was up to date).
    @discardableResult
    public func migrate() async throws -> [String] {
        try await client.withConnection { connection in try await PostgresSchema.migrate(connection, logger: logger) }
    }

    public func close() {
        running.cancel()
    }

    deinit { running.cancel() }

    /// A PostgreSQL error as one line that names the database (postgres-nio's own text is long).
    static func describe(_ error: any Error, at location: PostgresLocation) -> any Error {
        switch error {
        case is DomainError: return error
        case let error as PSQLError:
            let detail = error.serverInfo?[.message] ?? error.underlying.map { "\($0)" } ?? "\(error.code)"
            return DomainError(.failed, field: "database", "\(location): \(detail)")
        case let error as PostgresError:
            return DomainError(.failed, field: "database", "\(location): \(error.description)")
        default: return error
        }
    }

    // MARK: Transactions

    /// A transaction holding the writer lock exclusive: it runs alone across every hub process.
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresSchema.Lock.writer)], logger: logger)
            return try await body(connection)
        }
    }

    /// A read-only transaction on one snapshot of the database.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    /// A transaction that rolls back on any error and rethrows the body's own error (a refusal stays
    /// a `DomainError`, not postgres-nio's wrapper around it).
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error
            throw Self.describe(cause, at: location)
        }
    }

    // MARK: Hub-written records

    /// Writes a record as the hub (catalog, registry, notices, statuses), like `HubDatabase.writeAsHub`.
    @discardableResult
    static func writeAsHub(
        set: String, key: String, fields: [String: FieldValue], now: Date, connection: PostgresConnection, logger: Logger
    ) async throws -> Change {
        let timestamp = try await PostgresMerge.tick(now: now, connection: connection, logger: logger)
        let raw = Change(set: set, key: key, timestamp: timestamp, replica: SyncProtocol.hubReplica, fields: fields)
        let change = try ChangeValidator().validate(raw, by: .hub)
        _ = try await PostgresMerge.apply([change], defaultReplica: SyncProtocol.hubReplica, now: now, connection: connection, logger: logger)
        return change
    }

    func seedCatalogIfNew(now: Date) async throws {
        try await write { connection in
            guard try await PostgresMerge.meta("catalog_seeded", connection: connection, logger: logger) == nil else { return }
            for c in Commodity.defaults {
                try await Self.writeAsHub(
                    set: "catalog", key: c.id, fields: HubDatabase.catalogFields(c), now: now, connection: connection, logger: logger
                )
            }
            try await PostgresMerge.setMeta("catalog_seeded", Timestamps.iso(now), connection: connection, logger: logger)
        }
    }

    // MARK: The change log

    static let logColumns = "seq, record_set, key, replica, ts, payload"

    static func fetchLog(_ sql: String, _ arguments: [SQLValue], connection: PostgresConnection, logger: Logger) async throws
        -> [RecordStore.LoggedChange]
    {
        try await connection.rows(sql, arguments, logger: logger).map { row in
            let payload: Data = try row[5]
            let raw: Int64 = try row[4]
            let change = try Change(
                set: try row[1], key: try row[2], timestamp: HLCTimestamp(rawValue: UInt64(bitPattern: raw)), replica: try row[3],
                payload: [UInt8](payload)
            )
            return RecordStore.LoggedChange(seq: try row[0], change: change)
        }
    }

    static func lastSeq(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.row("SELECT COALESCE(MAX(seq), 0) FROM change_log", logger: logger).map { try $0[0] } ?? 0
    }

    // MARK: Sync

    /// `HubDatabase.sync`, with syncs of different stores merging side by side: the transaction holds
    /// the writer lock shared and its store's lock, reads the device's cursor and the states its batch
    /// touches, decides the merge, then (`PostgresMerge.finish`) takes the log lock for one statement
    /// that writes the log, the records, the clock, the cursor, fleet status and report arrivals, and
    /// commits. What goes down is read afterwards, from the committed state. A batch with answers to
    /// matches moves matches of two sites: it takes the writer lock exclusive, as hub-wide writes do.
    public func sync(_ request: SyncRequest, store: String, now: Date, via channel: SyncChannel) async throws -> SyncResponse {
        let changes = try SyncValidation.validate(request, authenticatedStore: store, now: now)
        let logger = logger
        let answered = HubDatabase.answeredMatches(changes)
        let (acked, merged) = try await transaction { connection -> (Int64, Int) in
            if answered.isEmpty {
                try await connection.execute(
                    "SELECT pg_advisory_xact_lock_shared($1), pg_advisory_xact_lock($2::integer, hashtext($3))",
                    [.int(PostgresSchema.Lock.writer), .int(Int64(PostgresSchema.Lock.storeSpace)), .text(store)], logger: logger
                )
            } else {
                try await connection.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresSchema.Lock.writer)], logger: logger)
            }
            let held: Int64 = try await connection.row(
                "SELECT acked_seq FROM replica_cursor WHERE replica = $1", [.text(request.replica)], logger: logger
            ).map { try $0[0] } ?? 0
            var merge = PostgresMerge(connection: connection, logger: logger)
            merge.keepsLostWrites = true
            let result = try await merge.apply(changes, defaultReplica: request.replica, now: now)
            // Acknowledge only a contiguous range (see HubDatabase.sync); a cursor never moves back.
            let acked = (request.acked ?? held) <= held ? max(held, request.upto) : held
            let nowSeconds = now.timeIntervalSince1970
            let (difference, overflow) = request.sentAt.subtractingReportingOverflow(Int64(nowSeconds * 1000))
            let skew = overflow ? Int64.max : difference
            let measured = channel == .network
            // Written in the merge's statement (data-modifying CTEs must be at its top level).
            let bookkeeping = [
                PostgresMerge.Also(
                    sql: { o in
                        """
                        INSERT INTO replica_cursor(replica, acked_seq) VALUES ($\(o + 1), $\(o + 2))
                        ON CONFLICT (replica) DO UPDATE SET acked_seq = GREATEST(replica_cursor.acked_seq, excluded.acked_seq)
                        """
                    },
                    arguments: [.text(request.replica), .int(acked)]
                ),
                PostgresMerge.Also(
                    sql: { o in
                        """
                        INSERT INTO replica_status(replica, store, first_heard_at, last_heard_at, pending_reported,
                                                   clock_skew_ms, future_changes, syncs, changes_merged, hub_cursor)
                        VALUES ($\(o + 1), $\(o + 2), $\(o + 3), $\(o + 3), $\(o + 4), $\(o + 5), $\(o + 6), 1, $\(o + 7), $\(o + 8))
                        ON CONFLICT (replica) DO UPDATE SET last_heard_at = excluded.last_heard_at, hub_cursor = excluded.hub_cursor,
                            pending_reported = excluded.pending_reported,
                            clock_skew_ms = CASE WHEN $\(o + 9) = 1 THEN excluded.clock_skew_ms ELSE replica_status.clock_skew_ms END,
                            future_changes = replica_status.future_changes + excluded.future_changes,
                            syncs = replica_status.syncs + 1,
                            changes_merged = replica_status.changes_merged + excluded.changes_merged
                        """
                    },
                    arguments: [
                        .text(request.replica), .text(store), .real(nowSeconds), .int(request.pending), .int(measured ? skew : 0),
                        .int(Int64(result.skewed)), .int(Int64(result.merged)), .int(request.cursor), .int(measured ? 1 : 0),
                    ]
                ),
                PostgresMerge.Also(
                    sql: { o in Self.arrivalsSQL(parameter: o + 1) }, arguments: [.text(Self.arrivalsJSON(changes, store: store, now: nowSeconds))]
                ),
            ]
            _ = try await merge.finish(also: bookkeeping)
            // A site's answer to a match moves the match's status, published to both parties.
            for id in answered {
                try await Self.foldAnswers(match: id, now: now, connection: connection, logger: logger)
            }
            return (acked, result.merged)
        }
        // What goes down, from one snapshot of the committed state.
        return try await read { connection in
            let position = try await connection.row(
                "SELECT COALESCE(MAX(seq), 0), (SELECT value FROM meta WHERE name = 'audience_compacted_through') FROM change_log",
                logger: logger
            )
            let lastSeq: Int64 = try position?[0] ?? 0
            let compacted = (try position?[1] as String?).flatMap { Int64($0) } ?? 0
            var cursor = request.cursor > lastSeq ? 0 : request.cursor
            var snapshot = [RecordStore.LoggedChange]()
            if cursor > 0 && cursor < compacted {
                snapshot = try await Self.fetchLog(
                    "SELECT \(Self.logColumns) FROM change_log WHERE audience IN ('*', $1) AND seq <= $2 ORDER BY seq",
                    [.text(store), .int(compacted)], connection: connection, logger: logger
                )
                cursor = compacted
            }
            let page = try await Self.fetchLog(
                "SELECT \(Self.logColumns) FROM change_log WHERE audience IN ('*', $1) AND seq > $2 ORDER BY seq LIMIT $3",
                [.text(store), .int(cursor), .int(Int64(SyncProtocol.maxResponseChanges + 1))], connection: connection, logger: logger
            )
            return HubDatabase.answer(request, snapshot: snapshot, page: page, acked: acked, lastSeq: lastSeq, merged: merged, now: now)
        }
    }

    /// A batch's report arrivals (`HubDatabase.earliestReports`) as JSON rows for `arrivalsSQL`.
    static func arrivalsJSON(_ changes: [Change], store: String, now: Double) -> String {
        var json = JSONWriter()
        json.byte(UInt8(ascii: "["))
        for (i, (date, ms)) in HubDatabase.earliestReports(changes).enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.raw("{\"store\":")
            json.string(store)
            json.raw(",\"date\":")
            json.string(date)
            json.raw(",\"received\":")
            try? json.double(now)
            json.raw(",\"recorded\":")
            json.int(Int64(ms))
            json.byte(UInt8(ascii: "}"))
        }
        json.byte(UInt8(ascii: "]"))
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Keeps when each (store, date) report first reached the hub, and the earliest time it was recorded.
    static func arrivalsSQL(parameter: Int) -> String {
        """
        INSERT INTO report_arrival(store, date, first_received_at, first_recorded_ms)
        SELECT store, date, received, recorded
        FROM jsonb_to_recordset($\(parameter)::jsonb) AS x(store TEXT, date TEXT, received DOUBLE PRECISION, recorded BIGINT)
        ON CONFLICT (store, date) DO UPDATE
        SET first_recorded_ms = LEAST(report_arrival.first_recorded_ms, excluded.first_recorded_ms)
        """
    }

    /// `HubDatabase.recordArrivals`: when each (store, date) report first reached the hub.
    static func recordArrivals(_ changes: [Change], store: String, now: Double, connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.execute(arrivalsSQL(parameter: 1), [.text(arrivalsJSON(changes, store: store, now: now))], logger: logger)
    }
}
