import BaogongModel
import Foundation
import GRDB
import GRDBSQLite

/// The storage limit the durable merge is compared with: the same stock rows upserted into an
/// equivalent plain table (same columns and indexes, no CRDT state, no change log) with one GRDB
/// prepared statement, one transaction per batch, on a WAL file with the record store's pragmas.
///
/// With `withLog`, it also writes what the record store's design needs at the least: a change-log
/// row per change (same table and indexes) and blobs of the sizes the record store writes, so the
/// gap between it and the record store is the cost of the Swift merge code itself.
///
/// `binding: .cAPI` binds the values with the SQLite C API on GRDB's prepared statements, skipping
/// GRDB's `StatementArguments`: the gap to `.grdb` is GRDB's own binding cost. Zero-filled blobs
/// stand in for the CRDT state and payload: SQLite stores them byte for byte like any other.
struct RawUpsertBaseline {
    enum Binding: Sendable { case grdb, cAPI }

    struct BlobSizes: Sendable {
        var state: Int
        var payload: Int
    }

    let pool: DatabasePool
    let blobs: BlobSizes?
    let binding: Binding
    private var seq: Int64 = 0

    static let fields = RecordSetSchema.stock.fields.map(\.name)

    init(path: String, synchronous: Int, withLog blobs: BlobSizes?, binding: Binding = .grdb) throws {
        self.binding = binding
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        pool = try DatabasePool(path: path, configuration: config)
        self.blobs = blobs
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE stock_plain (
                    key TEXT PRIMARY KEY NOT NULL, store TEXT NOT NULL, commodity TEXT NOT NULL, date TEXT NOT NULL,
                    on_hand REAL, received REAL, sold REAL, price INTEGER, source TEXT,
                    restock_days INTEGER, transport_days INTEGER, channel TEXT, note TEXT,
                    deleted INTEGER NOT NULL DEFAULT 0, crdt BLOB, seq INTEGER NOT NULL
                );
                CREATE INDEX stock_plain_by_date ON stock_plain(date, commodity);
                CREATE INDEX stock_plain_by_store ON stock_plain(store, commodity, date);
                CREATE TABLE log_plain (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, record_set TEXT NOT NULL, key TEXT NOT NULL, store TEXT,
                    replica TEXT NOT NULL, ts INTEGER NOT NULL, audience TEXT, payload BLOB NOT NULL
                );
                CREATE INDEX log_plain_by_replica ON log_plain(replica, seq);
                CREATE INDEX log_plain_by_audience ON log_plain(audience, seq) WHERE audience IS NOT NULL;
                """)
        }
    }

    static let columns = ["key", "store", "commodity", "date"] + fields + ["crdt", "seq"]
    static let upsertSQL = """
        INSERT INTO stock_plain(\(columns.joined(separator: ", ")))
        VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
        ON CONFLICT(key) DO UPDATE SET \((fields + ["crdt", "seq"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        """
    static let logSQL = "INSERT INTO log_plain(record_set, key, store, replica, ts, audience, payload) VALUES (?,?,?,?,?,?,?)"

    /// Upserts one batch in one transaction.
    mutating func apply(_ changes: [Change], replica: String) throws {
        if binding == .cAPI { return try applyWithCAPI(changes, replica: replica) }
        var seq = self.seq
        let blobs = self.blobs
        try pool.write { db in
            let columns = Self.columns
            let upsert = try db.cachedStatement(sql: Self.upsertSQL)
            let log = try db.cachedStatement(sql: Self.logSQL)
            let state = blobs.map { Data(count: $0.state) }
            let payload = blobs.map { Data(count: $0.payload) }
            var values = [DatabaseValue]()
            values.reserveCapacity(columns.count)
            for change in changes {
                let parts = change.key.split(separator: "/", omittingEmptySubsequences: false)
                if let payload {
                    try log.execute(arguments: [
                        change.set, change.key, String(parts[0]), replica,
                        Int64(bitPattern: change.timestamp.rawValue), nil, payload,
                    ])
                    seq = db.lastInsertedRowID
                } else {
                    seq += 1
                }
                values.removeAll(keepingCapacity: true)
                values.append(change.key.databaseValue)
                for part in parts { values.append(String(part).databaseValue) }
                for name in Self.fields { values.append(change.fields[name]?.plainValue ?? .null) }
                values.append(state?.databaseValue ?? .null)
                values.append(seq.databaseValue)
                try upsert.execute(arguments: StatementArguments(values))
            }
        }
        self.seq = seq
    }
}

extension RawUpsertBaseline {
    /// The same rows with values bound by `sqlite3_bind_*` on GRDB's prepared statements.
    private mutating func applyWithCAPI(_ changes: [Change], replica: String) throws {
        var seq = self.seq
        let blobs = self.blobs
        try pool.write { db in
            let upsert = try db.cachedStatement(sql: Self.upsertSQL).sqliteStatement
            let log = try db.cachedStatement(sql: Self.logSQL).sqliteStatement
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            func text(_ stmt: OpaquePointer?, _ index: Int32, _ value: some StringProtocol) {
                var copy = String(value)
                copy.withUTF8 { buffer in
                    _ = sqlite3_bind_text(stmt, index, buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                          Int32(buffer.count), transient)
                }
            }
            func zeroBlob(_ stmt: OpaquePointer?, _ index: Int32, _ size: Int?) {
                if let size { sqlite3_bind_zeroblob(stmt, index, Int32(size)) } else { sqlite3_bind_null(stmt, index) }
            }
            func step(_ stmt: OpaquePointer?) throws {
                guard sqlite3_step(stmt) == SQLITE_DONE else {
                    throw BenchError("raw upsert: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                sqlite3_reset(stmt)
            }
            for change in changes {
                let parts = change.key.split(separator: "/", omittingEmptySubsequences: false)
                if let blobs {
                    text(log, 1, change.set)
                    text(log, 2, change.key)
                    text(log, 3, parts[0])
                    text(log, 4, replica)
                    sqlite3_bind_int64(log, 5, Int64(bitPattern: change.timestamp.rawValue))
                    sqlite3_bind_null(log, 6)
                    zeroBlob(log, 7, blobs.payload)
                    try step(log)
                    seq = sqlite3_last_insert_rowid(db.sqliteConnection)
                } else {
                    seq += 1
                }
                text(upsert, 1, change.key)
                var index: Int32 = 2
                for part in parts {
                    text(upsert, index, part)
                    index += 1
                }
                for name in Self.fields {
                    switch change.fields[name] ?? .null {
                    case .null: sqlite3_bind_null(upsert, index)
                    case .int(let v): sqlite3_bind_int64(upsert, index, v)
                    case .real(let v): sqlite3_bind_double(upsert, index, v)
                    case .text(let v): text(upsert, index, v)
                    }
                    index += 1
                }
                zeroBlob(upsert, index, blobs?.state)
                sqlite3_bind_int64(upsert, index + 1, seq)
                try step(upsert)
            }
        }
        self.seq = seq
    }
}

extension FieldValue {
    var plainValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .int(let v): return v.databaseValue
        case .real(let v): return v.databaseValue
        case .text(let v): return v.databaseValue
        }
    }
}
