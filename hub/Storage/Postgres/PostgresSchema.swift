import BaogongModel
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema of a hub: the same tables and meanings as the SQLite one (RecordStore's and
/// HubDatabase's migrations), in PostgreSQL's types. Append-only like them: a shipped step is never
/// edited; a change is a new named step.
enum PostgresSchema {
    /// Advisory-lock keys, fixed numbers any process of any release agrees on.
    enum Lock {
        /// Held by `migrate` (and `serve` while it migrates at start): two processes never race.
        static let migration: Int64 = 0x6267_6D69  // "bgmi"
        /// Every transaction that writes holds it (docs/operator.md, "Running on PostgreSQL"): a
        /// store's sync shared, with its store's lock (`storeSpace`, the store id's hash) exclusive, so
        /// syncs of different stores merge side by side; every other write (enrolment, the desk, hub
        /// records, an upward merge, compaction) exclusive, alone.
        static let writer: Int64 = 0x6267_7772  // "bgwr"
        /// Held from the moment a merge numbers its log entries to the commit: positions in commit order.
        static let log: Int64 = 0x6267_6C67  // "bglg"
        /// The first key of a store's lock (two-key advisory locks never meet the one-key locks above).
        static let storeSpace: Int32 = 0x6267
    }

    static let steps: [(name: String, sql: String)] = [("v1-postgres", version1)]

    /// Brings the schema up to date under the migration lock; returns the steps it applied.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.execute("SELECT pg_advisory_lock($1)", [.int(Lock.migration)], logger: logger)
        do {
            try await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger
            )
            let done = Set(try await connection.rows("SELECT name FROM schema_migration", logger: logger).map { try $0[0] as String })
            var applied = [String]()
            for step in steps where !done.contains(step.name) {
                try await connection.execute("BEGIN", logger: logger)
                do {
                    for statement in statements(step.sql) { try await connection.execute(statement, logger: logger) }
                    try await connection.execute("INSERT INTO schema_migration(name) VALUES ($1)", [.text(step.name)], logger: logger)
                    try await connection.execute("COMMIT", logger: logger)
                } catch {
                    try? await connection.execute("ROLLBACK", logger: logger)
                    throw error
                }
                applied.append(step.name)
            }
            try await connection.execute("SELECT pg_advisory_unlock($1)", [.int(Lock.migration)], logger: logger)
            return applied
        } catch {
            try? await connection.execute("SELECT pg_advisory_unlock($1)", [.int(Lock.migration)], logger: logger)
            throw error
        }
    }

    /// A script's statements, one by one (a prepared statement holds one): split at each `;` that
    /// ends a line outside a `$$` body.
    static func statements(_ script: String) -> [String] {
        var result = [String]()
        var current = ""
        var inBody = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody && trimmed.hasSuffix(";") {
                result.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { result.append(rest) }
        return result
    }

    /// The column type of a record field.
    static func columnType(_ type: FieldType) -> String {
        switch type {
        case .integer: "BIGINT"
        case .decimal: "DOUBLE PRECISION"
        case .text, .date, .choice, .commodity: "TEXT"
        }
    }

    /// One table of current values per record set, derived from its schema like SQLite's. `rid` keeps
    /// the order rows were first written (SQLite's rowid: the catalog lists in that order).
    static var projectionTables: String {
        RecordSetSchema.all.map { schema in
            let keyColumns = schema.keyParts.map { "\"\($0.name)\" TEXT NOT NULL" }
            let fieldColumns = schema.fields.map { "\"\($0.name)\" \(columnType($0.type))" }
            let columns = ["key TEXT PRIMARY KEY"] + keyColumns + fieldColumns + [
                "deleted BIGINT NOT NULL DEFAULT 0", "crdt BYTEA NOT NULL", "seq BIGINT NOT NULL", "rid BIGSERIAL",
            ]
            return "CREATE TABLE \"\(schema.name)\" (\n    \(columns.joined(separator: ",\n    "))\n);\n"
                + "CREATE INDEX \"\(schema.name)_by_seq\" ON \"\(schema.name)\"(seq);\n"
        }.joined()
    }

    static let viewVersionTables = [
        "enrolment", "replica_status", "replica_cursor", "report_arrival", "approval", "county", "county_link",
        "county_approval", "signing_key",
    ]

    static var version1: String {
        """
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
        -- The change log's last position, handed out under the writer lock (the log's own MAX(seq) can
        -- fall when compaction drops the newest entries of a record: a position is never used twice).
        CREATE TABLE log_position (id INT PRIMARY KEY CHECK (id = 1), last BIGINT NOT NULL);
        INSERT INTO log_position VALUES (1, 0);
        CREATE TABLE change_log (
            seq BIGINT PRIMARY KEY,
            record_set TEXT NOT NULL,
            key TEXT NOT NULL,
            store TEXT,
            replica TEXT NOT NULL,
            ts BIGINT NOT NULL,
            audience TEXT,
            payload BYTEA NOT NULL
        );
        CREATE INDEX change_log_by_replica ON change_log(replica, seq);
        CREATE INDEX change_log_by_audience ON change_log(audience, seq) WHERE audience IS NOT NULL;
        CREATE INDEX change_log_by_set ON change_log(record_set, seq);
        CREATE TABLE replica_cursor (replica TEXT PRIMARY KEY, acked_seq BIGINT NOT NULL DEFAULT 0);
        \(projectionTables)
        -- The views' hot read, as SQLite's covering index: every column it reads, so the window of
        -- a date is an index-only scan once vacuum has marked the pages visible.
        CREATE INDEX stock_window ON stock(date, store, commodity) INCLUDE (on_hand, sold, price, restock_days, transport_days)
            WHERE deleted = 0;
        CREATE INDEX stock_by_store ON stock(store, commodity, date);
        CREATE INDEX checkpoint_by_date ON checkpoint(date);
        CREATE INDEX incident_by_date ON incident(date);
        CREATE INDEX need_by_id ON need(id);
        CREATE INDEX offer_by_id ON offer(id);
        CREATE INDEX match_by_id ON "match"(id);
        CREATE INDEX pass_by_id ON pass(id);
        CREATE INDEX delivery_by_date ON delivery(date);
        CREATE INDEX delivery_quantity_by_date ON delivery_quantity(date);

        CREATE TABLE enrolment (
            store TEXT PRIMARY KEY, token_hash TEXT NOT NULL, created_at TEXT NOT NULL, rotated_at TEXT, revoked_at TEXT,
            county TEXT
        );
        CREATE INDEX enrolment_by_county ON enrolment(county) WHERE county IS NOT NULL;
        CREATE TABLE operator (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT,
            role TEXT NOT NULL DEFAULT 'admin'
        );
        CREATE TABLE session (id_hash TEXT PRIMARY KEY, operator TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL);
        CREATE TABLE replica_status (
            replica TEXT PRIMARY KEY,
            store TEXT NOT NULL,
            first_heard_at DOUBLE PRECISION NOT NULL,
            last_heard_at DOUBLE PRECISION NOT NULL,
            pending_reported BIGINT NOT NULL DEFAULT 0,
            clock_skew_ms BIGINT NOT NULL DEFAULT 0,
            future_changes BIGINT NOT NULL DEFAULT 0,
            syncs BIGINT NOT NULL DEFAULT 0,
            changes_merged BIGINT NOT NULL DEFAULT 0,
            hub_cursor BIGINT
        );
        CREATE INDEX replica_status_by_store ON replica_status(store);
        CREATE TABLE report_arrival (
            store TEXT NOT NULL, date TEXT NOT NULL, first_received_at DOUBLE PRECISION NOT NULL,
            first_recorded_ms BIGINT NOT NULL, PRIMARY KEY (store, date)
        );
        CREATE INDEX report_arrival_by_date ON report_arrival(date);
        CREATE TABLE signing_key (id TEXT PRIMARY KEY, private_key BYTEA NOT NULL, created_at TEXT NOT NULL, retired_at TEXT);
        CREATE TABLE sign_in_link (
            code_hash TEXT PRIMARY KEY, operator TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION
        );
        CREATE TABLE lost_write (
            id BIGSERIAL PRIMARY KEY, record_set TEXT NOT NULL, key TEXT NOT NULL, replica TEXT NOT NULL, ts BIGINT NOT NULL,
            payload BYTEA NOT NULL, after_seq BIGINT NOT NULL
        );
        CREATE UNIQUE INDEX lost_write_identity ON lost_write(record_set, key, replica, ts);
        CREATE TABLE approval (
            date TEXT PRIMARY KEY, approved_at DOUBLE PRECISION NOT NULL, note TEXT, through_seq BIGINT NOT NULL,
            withdrawn_at DOUBLE PRECISION
        );
        CREATE TABLE county (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL, created_at TEXT NOT NULL, rotated_at TEXT,
            revoked_at TEXT
        );
        CREATE TABLE county_link (
            county TEXT PRIMARY KEY, log TEXT NOT NULL, acked_seq BIGINT NOT NULL, cursor BIGINT NOT NULL DEFAULT 0,
            pending_reported BIGINT NOT NULL DEFAULT 0, first_heard_at DOUBLE PRECISION NOT NULL,
            last_heard_at DOUBLE PRECISION NOT NULL, syncs BIGINT NOT NULL DEFAULT 0, changes_merged BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE county_approval (
            county TEXT NOT NULL, date TEXT NOT NULL, approved_at DOUBLE PRECISION NOT NULL, note TEXT,
            withdrawn_at DOUBLE PRECISION, received_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (county, date)
        );
        CREATE TABLE upstream (
            id INT PRIMARY KEY CHECK (id = 1), url TEXT NOT NULL, token TEXT NOT NULL, county TEXT, ca_pem TEXT,
            log TEXT NOT NULL, acked_seq BIGINT NOT NULL DEFAULT 0, cursor BIGINT NOT NULL DEFAULT 0, registry_sent TEXT,
            approvals_sent BIGINT NOT NULL DEFAULT 0, last_sync_at DOUBLE PRECISION, last_attempt_at DOUBLE PRECISION,
            last_error TEXT
        );

        -- What the views read besides the change log, each with a counter every write bumps, from any
        -- hub process (the views' cache compares them; see HubDatabase's v9-view-versions).
        CREATE TABLE view_version (name TEXT PRIMARY KEY, n BIGINT NOT NULL);
        CREATE FUNCTION bump_view_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE view_version SET n = n + 1 WHERE name = TG_TABLE_NAME;
            RETURN NULL;
        END $$;
        \(viewVersionTables.map { table in
            """
            INSERT INTO view_version(name, n) VALUES ('\(table)', 0);
            CREATE TRIGGER view_version_\(table)_write AFTER INSERT OR DELETE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION bump_view_version();
            CREATE TRIGGER view_version_\(table)_update AFTER UPDATE ON \(table)
                FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION bump_view_version();
            """
        }.joined(separator: "\n"))
        """
    }
}
