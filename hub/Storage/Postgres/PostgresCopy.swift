import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import PostgresNIO

/// What `baogong-hub copy` moved.
public struct CopySummary: Sendable, Codable, Hashable {
    public var from: String
    public var to: String
    /// Rows copied per table.
    public var tables: [String: Int]
    /// The change log's last position, the same on both sides: agents' cursors stay valid.
    public var changeLogSeq: Int64
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case from, to, tables, changeLogSeq = "change_log_seq", seconds
    }
}

/// Moving a county's hub from SQLite to PostgreSQL (`baogong-hub copy --from PATH --to URL`).
///
/// Every table is copied as it is (tokens' digests, operators, sessions, catalog, notices, every
/// record with its CRDT state, the change log with its positions, cursors, fleet status, sign-offs,
/// federation state), so agents keep their tokens and cursors and nothing acknowledged is sent again.
/// The source is read in one read transaction (a consistent state even while its hub serves); the
/// destination is written in one transaction: a failure or a crash leaves it as empty as it was.
extension PostgresHubStore {
    /// The tables copied, in PostgreSQL's schema; the bookkeeping of each engine's own migrations is not.
    static var copiedTables: [String] {
        ["meta", "change_log", "replica_cursor"] + RecordSetSchema.all.map(\.name) + [
            "enrolment", "operator", "session", "replica_status", "report_arrival", "signing_key", "sign_in_link", "lost_write",
            "approval", "county", "county_link", "county_approval", "upstream",
        ]
    }

    /// Copies a whole SQLite hub into this database, which must be empty (freshly migrated).
    public func copy(from source: HubDatabase, sourcePath: String, rowsPerStatement: Int = 2_000, now: () -> Date = Date.init)
        async throws -> CopySummary
    {
        let started = now()
        // One consistent read of the source: every table as JSON chunks PostgreSQL expands in one statement each.
        let (chunks, counts, lastPosition) = try await source.writer.read { db in
            var chunks = [(table: String, columns: [String], json: String)]()
            var counts = [String: Int]()
            for table in Self.copiedTables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map { $0["name"] as String }
                let hasRowID = try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM sqlite_master WHERE name = ? AND sql NOT LIKE '%WITHOUT ROWID%'", arguments: [table]
                ) ?? false
                let order = hasRowID ? " ORDER BY rowid" : ""
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \"\(table)\"\(order)"
                )
                var json = JSONWriter()
                var inChunk = 0
                var total = 0
                func close() {
                    guard inChunk > 0 else { return }
                    json.byte(UInt8(ascii: "]"))
                    chunks.append((table, columns, String(decoding: json.bytes, as: UTF8.self)))
                    json = JSONWriter()
                    inChunk = 0
                }
                while let row = try rows.next() {
                    json.byte(UInt8(ascii: inChunk == 0 ? "[" : ","))
                    json.byte(UInt8(ascii: "{"))
                    for (i, name) in columns.enumerated() {
                        if i > 0 { json.byte(UInt8(ascii: ",")) }
                        json.string(name)
                        json.byte(UInt8(ascii: ":"))
                        let value: DatabaseValue = row[i]
                        switch value.storage {
                        case .null: json.null()
                        case .int64(let v): json.int(v)
                        case .double(let v): try json.double(v)
                        case .string(let v): json.string(v)
                        // bytea from JSON text: PostgreSQL's hex form.
                        case .blob(let v): json.string("\\x" + v.map { String(format: "%02x", $0) }.joined())
                        }
                    }
                    json.byte(UInt8(ascii: "}"))
                    inChunk += 1
                    total += 1
                    if inChunk == rowsPerStatement { close() }
                }
                close()
                counts[table] = total
            }
            let position = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'") ?? 0
            return (chunks, counts, position)
        }
        let logger = logger
        let seq = try await write { connection in
            for table in Self.copiedTables {
                let count: Int64 = try await connection.row("SELECT COUNT(*) FROM \"\(table)\"", logger: logger).map { try $0[0] } ?? 0
                // A freshly migrated database holds only its seeded catalog: the copy brings the source's.
                if count > 0 && !["meta", "catalog", "change_log"].contains(table) {
                    throw DomainError(
                        .exists, field: "to", "\(location) already holds a hub (table \(table) has \(count) rows); copy needs an empty database"
                    )
                }
            }
            let seeded: Int64 = try await connection.row(
                "SELECT COUNT(*) FROM change_log WHERE record_set <> 'catalog' OR replica <> $1", [.text(SyncProtocol.hubReplica)],
                logger: logger
            ).map { try $0[0] } ?? 0
            guard seeded == 0 else {
                throw DomainError(.exists, field: "to", "\(location) already holds a hub's records; copy needs an empty database")
            }
            // What opening the database seeded (the default catalog) gives way to the source's own state.
            for table in ["meta", "catalog", "change_log"] { try await connection.execute("DELETE FROM \"\(table)\"", logger: logger) }
            for chunk in chunks {
                let columns = chunk.columns.map { "\"\($0)\"" }.joined(separator: ", ")
                try await connection.execute(
                    """
                    INSERT INTO "\(chunk.table)"(\(columns))
                    SELECT \(columns) FROM jsonb_populate_recordset(NULL::"\(chunk.table)", $1::jsonb)
                    """,
                    [.text(chunk.json)], logger: logger
                )
            }
            let maxSeq = try await Self.lastSeq(connection, logger: logger)
            try await connection.execute(
                "UPDATE log_position SET last = $1 WHERE id = 1", [.int(max(maxSeq, lastPosition))], logger: logger
            )
            try await connection.execute(
                "SELECT setval(pg_get_serial_sequence('lost_write', 'id'), GREATEST(COALESCE(MAX(id), 0), 1)) FROM lost_write",
                logger: logger
            )
            return maxSeq
        }
        return CopySummary(
            from: sourcePath, to: location.description, tables: counts, changeLogSeq: seq, seconds: now().timeIntervalSince(started)
        )
    }
}
