import BaogongModel
import GRDB

/// The record store's schema. Append-only: a shipped migration is never edited, a change is a new
/// named step. Plain SQL on purpose: migrations must not depend on model types that evolve later.
enum RecordStoreMigrations {
    static func register(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1-record-store") { db in
            try db.execute(sql: """
                CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;

                -- Every change that altered this replica's state, in the order it was stored.
                -- seq is this replica's own sequence: an agent's outbox position, the hub's cursor.
                CREATE TABLE change_log (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    record_set TEXT NOT NULL,
                    key TEXT NOT NULL,
                    store TEXT,
                    replica TEXT NOT NULL,
                    ts INTEGER NOT NULL,
                    audience TEXT,
                    payload BLOB NOT NULL
                );
                CREATE INDEX change_log_by_replica ON change_log(replica, seq);
                CREATE INDEX change_log_by_audience ON change_log(audience, seq) WHERE audience IS NOT NULL;

                -- How far each peer replica has acknowledged this replica's change log.
                CREATE TABLE replica_cursor (
                    replica TEXT PRIMARY KEY NOT NULL,
                    acked_seq INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;

                -- Materialised current values, one table per record set; crdt holds the CRDT state.
                CREATE TABLE stock (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, commodity TEXT NOT NULL, date TEXT NOT NULL,
                    on_hand REAL, received REAL, sold REAL, price INTEGER, source TEXT,
                    restock_days INTEGER, transport_days INTEGER, channel TEXT, note TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX stock_by_date ON stock(date, commodity);
                CREATE INDEX stock_by_store ON stock(store, commodity, date);

                CREATE TABLE checkpoint (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, date TEXT NOT NULL,
                    checked INTEGER, refused_fever INTEGER, refused_no_mask INTEGER,
                    staff_checked INTEGER, disinfections INTEGER,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX checkpoint_by_date ON checkpoint(date);

                CREATE TABLE incident (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    time TEXT, date TEXT, temperature REAL, action TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX incident_by_date ON incident(date);

                CREATE TABLE store_status (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL,
                    state TEXT, reason TEXT, since TEXT, authority TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );

                CREATE TABLE catalog (
                    key TEXT PRIMARY KEY NOT NULL, commodity TEXT NOT NULL,
                    unit TEXT, name_en TEXT, name_zh TEXT, min_days INTEGER,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );

                CREATE TABLE stores (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL,
                    name TEXT, township TEXT, kind TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );

                CREATE TABLE notices (
                    key TEXT PRIMARY KEY NOT NULL, id TEXT NOT NULL,
                    text TEXT, posted_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-stock-window-index") { db in
            // The county views read every store's stock of a few days: a covering index on the date
            // makes that a sequential range scan instead of one table lookup per row. It replaces
            // stock_by_date, which it covers, so a merge still maintains the same number of indexes.
            try db.execute(sql: """
                CREATE INDEX stock_window ON stock(date, store, commodity, on_hand, sold, price, restock_days, transport_days)
                WHERE deleted = 0;
                DROP INDEX stock_by_date;
                """)
        }
        migrator.registerMigration("v3-matching") { db in
            // The matching desk (schema version 2). "by" and "match" are SQL keywords: always quoted.
            try db.execute(sql: """
                CREATE TABLE need (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    commodity TEXT, variety TEXT, quantity REAL, "by" TEXT, note TEXT, posted_at TEXT, status TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX need_by_id ON need(id);

                CREATE TABLE offer (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    commodity TEXT, variety TEXT, quantity REAL, "until" TEXT, location TEXT, price INTEGER,
                    posted_at TEXT, status TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX offer_by_id ON offer(id);

                CREATE TABLE "match" (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    side TEXT, need TEXT, offer TEXT, need_store TEXT, offer_store TEXT, counterpart_name TEXT,
                    commodity TEXT, variety TEXT, quantity REAL, unit TEXT, location TEXT, status TEXT,
                    posted_at TEXT, confirmed_at TEXT, received REAL, closed_at TEXT, reason TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX match_by_id ON "match"(id);
                CREATE INDEX match_by_need ON "match"(need) WHERE side = 'need';
                CREATE INDEX match_by_offer ON "match"(offer) WHERE side = 'need';

                CREATE TABLE match_answer (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    answer TEXT, reason TEXT, received REAL, received_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-passes-deliveries") { db in
            // Green-channel passes and online-order deliveries (schema version 2).
            try db.execute(sql: """
                CREATE TABLE pass_key (
                    key TEXT PRIMARY KEY NOT NULL, id TEXT NOT NULL, public_key TEXT, created_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE TABLE pass_revocation (
                    key TEXT PRIMARY KEY NOT NULL, id TEXT NOT NULL, revoked_at TEXT, reason TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE TABLE pass (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, id TEXT NOT NULL,
                    plate TEXT, driver TEXT, cargo TEXT, route TEXT, valid_from TEXT, valid_to TEXT, code TEXT, issued_at TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX pass_by_id ON pass(id);
                CREATE TABLE delivery (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, date TEXT NOT NULL,
                    orders INTEGER, served INTEGER, revenue INTEGER, vehicles INTEGER, staff INTEGER, groups INTEGER, townships TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX delivery_by_date ON delivery(date);
                CREATE TABLE delivery_quantity (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, date TEXT NOT NULL, commodity TEXT NOT NULL,
                    milli INTEGER,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB NOT NULL, seq INTEGER NOT NULL
                );
                CREATE INDEX delivery_quantity_by_date ON delivery_quantity(date);
                """)
        }
    }
}
