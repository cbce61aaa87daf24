import BaogongModel
import Foundation
import GRDB
import GRDBSQLite

/// The prepared statements of one `RecordStore.apply` call, bound through the SQLite C API.
///
/// This is the merge hot path (a read, a log insert and an upsert per change): preparing each
/// statement once per batch and binding values directly, rather than through `StatementArguments`,
/// roughly halves the cost per change (docs/performance.md).
struct MergeSession {
    let db: Database
    private let logInsert: SQLiteStatement
    private var selects = [String: SQLiteStatement]()
    private var upserts = [String: SQLiteStatement]()

    init(_ db: Database) throws {
        self.db = db
        logInsert = try db.cachedStatement(
            sql: "INSERT INTO change_log(record_set, key, store, replica, ts, audience, payload) VALUES (?,?,?,?,?,?,?)"
        ).sqliteStatement
    }

    /// The CRDT state of a record, or nil when it was never written.
    mutating func state(_ table: ProjectionTable, key: String) throws -> RecordState? {
        let handle = try statement(&selects, table.schema.name, table.selectSQL)
        defer { sqlite3_reset(handle) }
        bind(handle, 1, key)
        switch sqlite3_step(handle) {
        case SQLITE_ROW:
            let count = Int(sqlite3_column_bytes(handle, 0))
            guard count > 0, let bytes = sqlite3_column_blob(handle, 0) else { return RecordState() }
            return try RecordState(encoded: [UInt8](UnsafeRawBufferPointer(start: bytes, count: count)))
        case SQLITE_DONE:
            return nil
        case let code:
            throw error(code)
        }
    }

    /// Keep writes that lose on arrival in `lost_write` (the hub's audit of every write it has seen).
    var keepsLostWrites = false

    /// Keeps a write that changed nothing because it lost; a second copy of it is ignored, and so is
    /// a replay of a write the change log already holds (it stood once, then a later one superseded
    /// it). That lookup walks the writer's entries by the (replica, seq) index: about a device's
    /// year of writes, paid only by writes older than what stands, never by ordinary replays.
    func keepLostWrite(_ change: Change, origin: String) throws {
        let ts = Int64(bitPattern: change.timestamp.rawValue)
        let logged = try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT 1 FROM change_log WHERE replica = ? AND ts = ? AND record_set = ? AND key = ? LIMIT 1"
            ),
            arguments: [origin, ts, change.set, change.key]
        ) ?? false
        guard !logged else { return }
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO lost_write(record_set, key, replica, ts, payload, after_seq)
                VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) FROM change_log))
                """
        ).execute(arguments: [change.set, change.key, origin, ts, Data(change.encodedPayload())])
    }

    /// Appends a change to the change log; returns its sequence.
    func log(_ change: Change, store: String?, origin: String, audience: String?) throws -> Int64 {
        let h = logInsert
        defer { sqlite3_reset(h) }
        bind(h, 1, change.set)
        bind(h, 2, change.key)
        bind(h, 3, store)
        bind(h, 4, origin)
        sqlite3_bind_int64(h, 5, Int64(bitPattern: change.timestamp.rawValue))
        bind(h, 6, audience)
        bind(h, 7, blob: change.encodedPayload())
        let code = sqlite3_step(h)
        guard code == SQLITE_DONE else { throw error(code) }
        return sqlite3_last_insert_rowid(db.sqliteConnection)
    }

    /// Writes a record's current values and CRDT state.
    mutating func upsert(_ table: ProjectionTable, key: String, parts: [String], state: RecordState, seq: Int64) throws {
        let h = try statement(&upserts, table.schema.name, table.upsertSQL)
        defer { sqlite3_reset(h) }
        var index: Int32 = 1
        bind(h, index, key)
        for i in table.schema.keyParts.indices {
            index += 1
            bind(h, index, i < parts.count ? parts[i] : nil)
        }
        for field in table.schema.fields {
            index += 1
            switch state[field.name] ?? .null {
            case .null: sqlite3_bind_null(h, index)
            case .int(let v): sqlite3_bind_int64(h, index, v)
            case .real(let v): sqlite3_bind_double(h, index, v)
            case .text(let v): bind(h, index, v)
            }
        }
        sqlite3_bind_int64(h, index + 1, state.isDeleted ? 1 : 0)
        bind(h, index + 2, blob: state.encoded())
        sqlite3_bind_int64(h, index + 3, seq)
        let code = sqlite3_step(h)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    private func statement(_ cache: inout [String: SQLiteStatement], _ name: String, _ sql: String) throws -> SQLiteStatement {
        if let handle = cache[name] { return handle }
        let handle = try db.cachedStatement(sql: sql).sqliteStatement
        cache[name] = handle
        return handle
    }

    private func bind(_ h: SQLiteStatement, _ index: Int32, _ text: String?) {
        guard var text else {
            sqlite3_bind_null(h, index)
            return
        }
        if text.isEmpty {
            sqlite3_bind_text(h, index, "", 0, sqliteTransient)  // an empty string, not NULL
            return
        }
        text.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                _ = sqlite3_bind_text(h, index, $0.baseAddress, Int32($0.count), sqliteTransient)
            }
        }
    }

    private func bind(_ h: SQLiteStatement, _ index: Int32, blob: [UInt8]) {
        if blob.isEmpty {
            sqlite3_bind_zeroblob(h, index, 0)
        } else {
            blob.withUnsafeBytes { _ = sqlite3_bind_blob(h, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

/// SQLite copies the bound bytes (the C macro SQLITE_TRANSIENT).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
