import BaogongModel
import BaogongRecordStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The hub's store on PostgreSQL (postgres-nio), for several hub processes on one database.
///
/// The same tables, merge rules and answers as `HubDatabase` on SQLite. Every transaction that writes
/// takes one transaction-scoped advisory lock (`PostgresSchema.Lock.writer`), so writes are serialised
/// across processes exactly as SQLite's single writer serialises them: change-log positions are
/// handed out in commit order (an agent reading after its cursor never skips an entry that commits
/// later with a lower position), the hybrid clock is read and advanced by one writer at a time, and
/// a record's CRDT state is read and merged with no other writer in between. Reads run in REPEATABLE
/// READ snapshots and never wait for the lock. docs/operator.md, "Running on PostgreSQL", says more.
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

    /// A transaction holding the writer lock: one writer at a time across every hub process.
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
    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
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

    static func ackedSeq(of replica: String, connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.row("SELECT acked_seq FROM replica_cursor WHERE replica = $1", [.text(replica)], logger: logger)
            .map { try $0[0] } ?? 0
    }

    // MARK: Sync

    public func sync(_ request: SyncRequest, store: String, now: Date, via channel: SyncChannel) async throws -> SyncResponse {
        let changes = try SyncValidation.validate(request, authenticatedStore: store, now: now)
        let logger = logger
        return try await write { connection in
            let result = try await PostgresMerge.apply(
                changes, defaultReplica: request.replica, now: now, keepLostWrites: true, connection: connection, logger: logger
            )
            let held = try await Self.ackedSeq(of: request.replica, connection: connection, logger: logger)
            if (request.acked ?? held) <= held {
                try await connection.execute(
                    """
                    INSERT INTO replica_cursor(replica, acked_seq) VALUES ($1, $2)
                    ON CONFLICT (replica) DO UPDATE SET acked_seq = GREATEST(replica_cursor.acked_seq, excluded.acked_seq)
                    """,
                    [.text(request.replica), .int(request.upto)], logger: logger
                )
            }
            let acked = try await Self.ackedSeq(of: request.replica, connection: connection, logger: logger)
            let nowSeconds = now.timeIntervalSince1970
            let (difference, overflow) = request.sentAt.subtractingReportingOverflow(Int64(nowSeconds * 1000))
            let skew = overflow ? Int64.max : difference
            let measured = channel == .network
            try await connection.execute(
                """
                INSERT INTO replica_status(replica, store, first_heard_at, last_heard_at, pending_reported,
                                           clock_skew_ms, future_changes, syncs, changes_merged, hub_cursor)
                VALUES ($1, $2, $3, $3, $4, $5, $6, 1, $7, $8)
                ON CONFLICT (replica) DO UPDATE SET last_heard_at = excluded.last_heard_at, hub_cursor = excluded.hub_cursor,
                    pending_reported = excluded.pending_reported,
                    clock_skew_ms = CASE WHEN $9 = 1 THEN excluded.clock_skew_ms ELSE replica_status.clock_skew_ms END,
                    future_changes = replica_status.future_changes + excluded.future_changes,
                    syncs = replica_status.syncs + 1,
                    changes_merged = replica_status.changes_merged + excluded.changes_merged
                """,
                [
                    .text(request.replica), .text(store), .real(nowSeconds), .int(request.pending), .int(measured ? skew : 0),
                    .int(Int64(result.skewed)), .int(Int64(result.merged)), .int(request.cursor), .int(measured ? 1 : 0),
                ], logger: logger
            )
            try await Self.recordArrivals(changes, store: store, now: nowSeconds, connection: connection, logger: logger)
            // A site's answer to a match moves the match's status, published to both parties.
            for id in HubDatabase.answeredMatches(changes) {
                try await Self.foldAnswers(match: id, now: now, connection: connection, logger: logger)
            }
            let lastSeq = try await Self.lastSeq(connection, logger: logger)
            var cursor = request.cursor > lastSeq ? 0 : request.cursor
            var snapshot = [RecordStore.LoggedChange]()
            let compacted = try await PostgresMerge.meta("audience_compacted_through", connection: connection, logger: logger)
                .flatMap { Int64($0) } ?? 0
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
            return HubDatabase.answer(
                request, snapshot: snapshot, page: page, acked: acked, lastSeq: lastSeq, merged: result.merged, now: now
            )
        }
    }

    /// `HubDatabase.recordArrivals`: when each (store, date) report first reached the hub.
    static func recordArrivals(_ changes: [Change], store: String, now: Double, connection: PostgresConnection, logger: Logger)
        async throws
    {
        for (date, ms) in HubDatabase.earliestReports(changes) {
            try await connection.execute(
                """
                INSERT INTO report_arrival(store, date, first_received_at, first_recorded_ms) VALUES ($1, $2, $3, $4)
                ON CONFLICT (store, date) DO UPDATE
                SET first_recorded_ms = LEAST(report_arrival.first_recorded_ms, excluded.first_recorded_ms)
                """,
                [.text(store), .text(date), .real(now), .int(Int64(ms))], logger: logger
            )
        }
    }
}
