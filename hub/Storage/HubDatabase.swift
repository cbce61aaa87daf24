import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The hub's database: the shared record store plus enrolment, operators, sessions and what each
/// replica last told the hub. Routes and views use this type, never SQL of their own, so the storage
/// underneath can change (PostgreSQL for a region) without touching them.
public struct HubDatabase: Sendable {
    public let store: RecordStore
    public var writer: any DatabaseWriter { store.writer }

    /// Opens (creating if needed) the hub database; a new one gets the default catalog, stamped `now`.
    public static func open(path: String, now: Date = Date()) throws -> HubDatabase {
        let db = HubDatabase(store: try RecordStore(path: path, migrations: HubDatabase.migrations))
        try db.seedCatalogIfNew(now: now)
        return db
    }

    /// The schema steps an existing file records as applied (none for a file that is not a Baogong
    /// database), read without changing it.
    public static func appliedMigrations(path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        }
    }

    /// Opens an existing hub database (`copy --from`), refusing a file that is not one (an agent's
    /// database, any other SQLite file) before anything is written to it.
    public static func openExisting(path: String, field: String) throws -> HubDatabase {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DomainError(.notFound, field: field, "no hub database at \(path)")
        }
        guard try appliedMigrations(path: path).contains("v1-hub") else {
            throw DomainError(.invalidValue, field: field, "\(path) is not a Baogong hub database")
        }
        return try open(path: path)
    }

    public static func inMemory(now: Date = Date()) throws -> HubDatabase {
        let db = HubDatabase(store: try RecordStore.inMemory(migrations: HubDatabase.migrations))
        try db.seedCatalogIfNew(now: now)
        return db
    }

    init(store: RecordStore) { self.store = store }

    @Sendable static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-hub") { db in
            try db.execute(sql: """
                CREATE TABLE enrolment (
                    store TEXT PRIMARY KEY NOT NULL,
                    token_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    rotated_at TEXT,
                    revoked_at TEXT
                ) WITHOUT ROWID;
                CREATE TABLE operator (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                ) WITHOUT ROWID;
                CREATE TABLE session (
                    id_hash TEXT PRIMARY KEY NOT NULL,
                    operator TEXT NOT NULL,
                    expires_at REAL NOT NULL
                ) WITHOUT ROWID;
                -- What each replica (store device) last told the hub.
                CREATE TABLE replica_status (
                    replica TEXT PRIMARY KEY NOT NULL,
                    store TEXT NOT NULL,
                    first_heard_at REAL NOT NULL,
                    last_heard_at REAL NOT NULL,
                    pending_reported INTEGER NOT NULL DEFAULT 0,
                    clock_skew_ms INTEGER NOT NULL DEFAULT 0,
                    future_changes INTEGER NOT NULL DEFAULT 0,
                    syncs INTEGER NOT NULL DEFAULT 0,
                    changes_merged INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX replica_status_by_store ON replica_status(store);
                -- When the hub first received a store's report for a day, and when the store recorded it
                -- (hybrid-clock milliseconds): reporting tells late reports from offline ones.
                CREATE TABLE report_arrival (
                    store TEXT NOT NULL,
                    date TEXT NOT NULL,
                    first_received_at REAL NOT NULL,
                    first_recorded_ms INTEGER NOT NULL,
                    PRIMARY KEY (store, date)
                ) WITHOUT ROWID;
                CREATE INDEX report_arrival_by_date ON report_arrival(date);
                -- Store status history (authorisations, closure orders) is read from the change log.
                CREATE INDEX change_log_store_status ON change_log(key, seq) WHERE record_set = 'store_status';
                """)
        }
        migrator.registerMigration("v2-operator-roles") { db in
            // Operators made before roles could do everything an operator could: they stay admins.
            try db.execute(sql: "ALTER TABLE operator ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'")
        }
        migrator.registerMigration("v3-pass-signing-key") { db in
            // The hub's Ed25519 key for green-channel passes, made on first use. Its public half is
            // published as the reference record pass_key/<id>; the private half never leaves this table
            // (a backup of the database holds it: keep backups as private as the database).
            try db.execute(sql: """
                CREATE TABLE signing_key (
                    id TEXT PRIMARY KEY NOT NULL,
                    private_key BLOB NOT NULL,
                    created_at TEXT NOT NULL,
                    retired_at TEXT
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-sign-in-links") { db in
            // Single-use sign-in links: only the SHA-256 of the code is kept, like tokens and sessions.
            try db.execute(sql: """
                CREATE TABLE sign_in_link (
                    code_hash TEXT PRIMARY KEY NOT NULL,
                    operator TEXT NOT NULL,
                    expires_at REAL NOT NULL,
                    used_at REAL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-lost-writes") { db in
            // Writes that lost on every field when they arrived (the change log keeps only writes that
            // changed something): with the change log, every write the hub has seen, for `history`.
            // `after_seq` is the change log's position when it arrived.
            try db.execute(sql: """
                CREATE TABLE lost_write (
                    id INTEGER PRIMARY KEY,
                    record_set TEXT NOT NULL,
                    key TEXT NOT NULL,
                    replica TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    payload BLOB NOT NULL,
                    after_seq INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX lost_write_identity ON lost_write(record_set, key, replica, ts);
                """)
        }
        migrator.registerMigration("v6-device-cursors") { db in
            // How far into the hub's change log each device has read (its cursor at its last sync), so
            // that compaction drops an entry devices read only once every active device is past it.
            try db.execute(sql: "ALTER TABLE replica_status ADD COLUMN hub_cursor INTEGER")
        }
        migrator.registerMigration("v7-approvals") { db in
            // Sign-offs (审核) of a date's figures; a withdrawn one keeps its row, with when.
            try db.execute(sql: """
                CREATE TABLE approval (
                    date TEXT PRIMARY KEY,
                    approved_at REAL NOT NULL,
                    note TEXT,
                    through_seq INTEGER NOT NULL,
                    withdrawn_at REAL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v8-federation") { db in
            // County and city hubs (docs/operator.md, "County and city hubs").
            // At a city: enrolled counties, how far each county's change log is acknowledged, their
            // sign-offs, and which county each of its stores (`<county>.<store>`) belongs to.
            // At a county: its city hub and how far the city holds this hub's log.
            try db.execute(sql: """
                ALTER TABLE enrolment ADD COLUMN county TEXT;
                CREATE INDEX enrolment_by_county ON enrolment(county) WHERE county IS NOT NULL;
                CREATE TABLE county (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    rotated_at TEXT,
                    revoked_at TEXT
                ) WITHOUT ROWID;
                CREATE TABLE county_link (
                    county TEXT PRIMARY KEY NOT NULL,
                    log TEXT NOT NULL,
                    acked_seq INTEGER NOT NULL,
                    cursor INTEGER NOT NULL DEFAULT 0,
                    pending_reported INTEGER NOT NULL DEFAULT 0,
                    first_heard_at REAL NOT NULL,
                    last_heard_at REAL NOT NULL,
                    syncs INTEGER NOT NULL DEFAULT 0,
                    changes_merged INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE TABLE county_approval (
                    county TEXT NOT NULL,
                    date TEXT NOT NULL,
                    approved_at REAL NOT NULL,
                    note TEXT,
                    withdrawn_at REAL,
                    received_at REAL NOT NULL,
                    PRIMARY KEY (county, date)
                ) WITHOUT ROWID;
                CREATE TABLE upstream (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    url TEXT NOT NULL,
                    token TEXT NOT NULL,
                    county TEXT,
                    ca_pem TEXT,
                    log TEXT NOT NULL,
                    acked_seq INTEGER NOT NULL DEFAULT 0,
                    cursor INTEGER NOT NULL DEFAULT 0,
                    registry_sent TEXT,
                    approvals_sent INTEGER NOT NULL DEFAULT 0,
                    last_sync_at REAL,
                    last_attempt_at REAL,
                    last_error TEXT
                );
                """)
        }
        migrator.registerMigration("v9-view-versions") { db in
            // What the views read besides the change log, each with a counter that every write bumps
            // (in this process or another: the triggers live in the database). With the change log's
            // last position, the counters tell the views' cache whether anything changed, and what.
            try db.execute(sql: "CREATE TABLE view_version (name TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID")
            // Fixed with this migration: a later migration adds tables of its own.
            let tables = [
                "enrolment", "replica_status", "replica_cursor", "report_arrival", "approval", "county", "county_link",
                "county_approval", "signing_key",
            ]
            for table in tables {
                try db.execute(sql: "INSERT INTO view_version(name, n) VALUES (?, 0)", arguments: [table])
                // An update counts only when it changes a value (a replay that rewrites a row as it
                // was leaves the views as they were). The columns are the table's as of this migration.
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                let changed = columns.map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
                for (event, condition) in [("INSERT", ""), ("UPDATE", " WHEN \(changed)"), ("DELETE", "")] {
                    try db.execute(sql: """
                        CREATE TRIGGER view_version_\(table)_\(event.lowercased()) AFTER \(event) ON \(table)\(condition)
                        BEGIN UPDATE view_version SET n = n + 1 WHERE name = '\(table)'; END
                        """)
                }
            }
        }
    }

    // MARK: - Hub-written records

    /// Writes a record as the hub (catalog, registry, notices, authorisations, closure orders).
    @discardableResult
    static func writeAsHub(set: String, key: String, fields: [String: FieldValue], now: Date, in db: Database) throws
        -> Change
    {
        let timestamp = try RecordStore.tick(now: now, in: db)
        let raw = Change(set: set, key: key, timestamp: timestamp, replica: SyncProtocol.hubReplica, fields: fields)
        let change = try ChangeValidator().validate(raw, by: .hub)
        _ = try RecordStore.apply([change], defaultReplica: SyncProtocol.hubReplica, now: now, in: db)
        return change
    }

    func seedCatalogIfNew(now: Date = Date()) throws {
        try writer.write { db in
            guard try RecordStore.meta("catalog_seeded", in: db) == .null else { return }
            for c in Commodity.defaults {
                try Self.writeAsHub(set: "catalog", key: c.id, fields: Self.catalogFields(c), now: now, in: db)
            }
            try RecordStore.setMeta("catalog_seeded", Timestamps.iso(now), in: db)
        }
    }

    static func catalogFields(_ c: Commodity) -> [String: FieldValue] {
        [
            "unit": .text(c.unit.rawValue), "name_en": .text(c.nameEnglish), "name_zh": .text(c.nameChinese),
            "min_days": .int(Int64(c.minDays)),
        ]
    }

    public func setCatalog(_ commodity: Commodity, now: Date = Date()) async throws {
        try Identifier.validate(commodity.id, field: "commodity")
        guard commodity.minDays >= 0 else {
            throw DomainError(.negative, field: "min-days", "must not be negative, got \(commodity.minDays)")
        }
        try await writer.write { db in
            _ = try Self.writeAsHub(set: "catalog", key: commodity.id, fields: Self.catalogFields(commodity), now: now, in: db)
        }
    }

    /// Changes only the given fields of a commodity (`catalog set`); a new commodity needs its unit,
    /// and its names default to its id and its at-risk line to 3 days. Returns the entry as it is now.
    @discardableResult
    public func updateCatalog(
        id: String, unit: CommodityUnit?, nameEnglish: String?, nameChinese: String?, minDays: Int?, now: Date = Date()
    ) async throws -> Commodity {
        try Identifier.validate(id, field: "commodity")
        if let minDays, minDays < 0 { throw DomainError(.negative, field: "min-days", "must not be negative, got \(minDays)") }
        return try await writer.write { db in
            let existing = try RecordStore.catalog(in: db).first { $0.id == id }
            let fields = try Self.catalogUpdate(
                exists: existing != nil, unit: unit, nameEnglish: nameEnglish, nameChinese: nameChinese, minDays: minDays, id: id
            )
            _ = try Self.writeAsHub(set: "catalog", key: id, fields: fields, now: now, in: db)
            return try RecordStore.catalog(in: db).first { $0.id == id }!
        }
    }

    /// The catalog fields `catalog set` writes: only those given, and for a new commodity (which needs
    /// its unit) names defaulting to its id and an at-risk line of 3 days.
    static func catalogUpdate(
        exists: Bool, unit: CommodityUnit?, nameEnglish: String?, nameChinese: String?, minDays: Int?, id: String
    ) throws -> [String: FieldValue] {
        var fields = [String: FieldValue]()
        if let unit { fields["unit"] = .text(unit.rawValue) }
        if let nameEnglish { fields["name_en"] = .text(nameEnglish) }
        if let nameChinese { fields["name_zh"] = .text(nameChinese) }
        if let minDays { fields["min_days"] = .int(Int64(minDays)) }
        if !exists {
            guard unit != nil else { throw DomainError(.missing, field: "unit", "a new commodity needs its unit") }
            fields["name_en"] = fields["name_en"] ?? .text(id)
            fields["name_zh"] = fields["name_zh"] ?? .text(id)
            fields["min_days"] = fields["min_days"] ?? .int(3)
        }
        guard !fields.isEmpty else {
            throw DomainError(.missing, field: "", "give at least one of --unit, --name-zh, --name-en, --min-days")
        }
        return fields
    }

    public func catalog() async throws -> [Commodity] {
        try await writer.read { db in try RecordStore.catalog(in: db) }
    }

    /// Posts a notice from the command centre; it flows down to every agent.
    @discardableResult
    public func postNotice(_ text: String, now: Date = Date()) async throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw DomainError(.missing, field: "text", "a notice must not be empty")
        }
        let id = Timestamps.randomHex(6)
        try await writer.write { db in
            _ = try Self.writeAsHub(
                set: "notices", key: id, fields: ["text": .text(text), "posted_at": .text(Timestamps.iso(now))],
                now: now, in: db
            )
        }
        return id
    }

    public func notices() async throws -> [Notice] {
        try await writer.read { db in try RecordStore.notices(in: db) }
    }

    /// Records a store's status as the bureau decides it: authorised to open, or closed by order.
    public func setStoreStatus(
        store: String, open: Bool, authority: StatusAuthority, reason: String?, since: CalendarDate, now: Date = Date()
    ) async throws {
        try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM enrolment WHERE store = ?", arguments: [store]) == true else {
                throw DomainError(.notFound, field: "id", "no store '\(store)' is enrolled")
            }
            try Self.writeAsHub(
                set: "store_status", key: store,
                fields: Self.statusFields(open: open, authority: authority, reason: reason, since: since), now: now, in: db
            )
        }
    }

    /// The status record the bureau's decision writes.
    static func statusFields(open: Bool, authority: StatusAuthority, reason: String?, since: CalendarDate) -> [String: FieldValue] {
        [
            "state": .text(open ? "open" : "closed"), "reason": reason.map(FieldValue.text) ?? .null,
            "since": .text(since.description), "authority": .text(authority.rawValue),
        ]
    }
}
