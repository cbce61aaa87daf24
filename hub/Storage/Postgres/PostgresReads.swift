import BaogongModel
import BaogongRecordStore
import Foundation
import PostgresNIO

/// Reference data, fleet status, record pages and the views' snapshot on PostgreSQL: the queries of
/// `HubDatabase` (HubDatabase.swift, FleetStatus.swift, RecordQueries.swift, CountySnapshot.swift,
/// ViewCache.swift) in PostgreSQL's SQL, giving the same answers.
extension PostgresHubStore {
    // MARK: Reference data

    public func setCatalog(_ commodity: Commodity, now: Date) async throws {
        try Identifier.validate(commodity.id, field: "commodity")
        guard commodity.minDays >= 0 else {
            throw DomainError(.negative, field: "min-days", "must not be negative, got \(commodity.minDays)")
        }
        let logger = logger
        try await write { connection in
            try await Self.writeAsHub(
                set: "catalog", key: commodity.id, fields: HubDatabase.catalogFields(commodity), now: now, connection: connection,
                logger: logger
            )
        }
    }

    public func updateCatalog(
        id: String, unit: CommodityUnit?, nameEnglish: String?, nameChinese: String?, minDays: Int?, now: Date
    ) async throws -> Commodity {
        try Identifier.validate(id, field: "commodity")
        if let minDays, minDays < 0 { throw DomainError(.negative, field: "min-days", "must not be negative, got \(minDays)") }
        let logger = logger
        return try await write { connection in
            let existing = try await Self.catalog(connection, logger: logger).first { $0.id == id }
            let fields = try HubDatabase.catalogUpdate(
                exists: existing != nil, unit: unit, nameEnglish: nameEnglish, nameChinese: nameChinese, minDays: minDays, id: id
            )
            try await Self.writeAsHub(set: "catalog", key: id, fields: fields, now: now, connection: connection, logger: logger)
            return try await Self.catalog(connection, logger: logger).first { $0.id == id }!
        }
    }

    public func catalog() async throws -> [Commodity] {
        let logger = logger
        return try await read { connection in try await Self.catalog(connection, logger: logger) }
    }

    static func catalog(_ connection: PostgresConnection, logger: Logger) async throws -> [Commodity] {
        try await connection.rows(
            "SELECT commodity, unit, name_en, name_zh, min_days FROM catalog WHERE deleted = 0 ORDER BY rid", logger: logger
        ).map { row in
            let id: String = try row[0]
            return Commodity(
                id: id, unit: CommodityUnit(rawValue: try row[1] ?? "kg") ?? .kg, nameEnglish: try row[2] ?? id,
                nameChinese: try row[3] ?? id, minDays: try row[4] ?? 0
            )
        }
    }

    public func postNotice(_ text: String, now: Date) async throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw DomainError(.missing, field: "text", "a notice must not be empty")
        }
        let id = Timestamps.randomHex(6)
        let logger = logger
        try await write { connection in
            try await Self.writeAsHub(
                set: "notices", key: id, fields: ["text": .text(text), "posted_at": .text(Timestamps.iso(now))], now: now,
                connection: connection, logger: logger
            )
        }
        return id
    }

    public func notices() async throws -> [Notice] {
        let logger = logger
        return try await read { connection in try await Self.notices(limit: nil, connection, logger: logger) }
    }

    static func notices(limit: Int?, _ connection: PostgresConnection, logger: Logger) async throws -> [Notice] {
        try await connection.rows(
            "SELECT id, COALESCE(text, ''), posted_at FROM notices WHERE deleted = 0 ORDER BY posted_at DESC, rid DESC"
                + (limit.map { " LIMIT \($0)" } ?? ""), logger: logger
        ).map { Notice(id: try $0[0], text: try $0[1], postedAt: try $0[2]) }
    }

    public func setStoreStatus(
        store: String, open: Bool, authority: StatusAuthority, reason: String?, since: CalendarDate, now: Date
    ) async throws {
        let logger = logger
        try await write { connection in
            guard try await connection.row("SELECT 1 FROM enrolment WHERE store = $1", [.text(store)], logger: logger) != nil else {
                throw DomainError(.notFound, field: "id", "no store '\(store)' is enrolled")
            }
            try await Self.writeAsHub(
                set: "store_status", key: store,
                fields: HubDatabase.statusFields(open: open, authority: authority, reason: reason, since: since), now: now,
                connection: connection, logger: logger
            )
        }
    }

    // MARK: Fleet status

    public func fleetStatus(staleAfter: TimeInterval, now: Date) async throws -> [FleetStatusRow] {
        let logger = logger
        return try await read { connection in try await Self.fleetStatus(staleAfter: staleAfter, now: now, connection, logger: logger) }
    }

    static func fleetStatus(staleAfter: TimeInterval, now: Date, _ connection: PostgresConnection, logger: Logger) async throws
        -> [FleetStatusRow]
    {
        let threshold = now.timeIntervalSince1970 - staleAfter
        return try await connection.rows(HubDatabase.fleetStatusSQL, logger: logger).map { row in
            let heard: Double? = try row[3]
            return FleetStatusRow(
                store: try row[0], name: try row[1], replica: try row[2],
                lastHeardAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) },
                ackedSeq: try row[4], pendingReported: try row[5], stale: heard.map { $0 < threshold } ?? true,
                clockSkewMs: try row[6], futureChanges: try row[7], revoked: try row[8]
            )
        }.sorted { ($0.problemRank, $0.store, $0.replica ?? "") < ($1.problemRank, $1.store, $1.replica ?? "") }
    }

    // MARK: Records

    public func records(set schema: RecordSetSchema, store: String?, date: CalendarDate?, afterSeq: Int64, limit: Int) async throws
        -> [[String: FieldValue]]
    {
        let keyColumns = schema.keyParts.map(\.name)
        let columns = ["key"] + keyColumns + schema.fields.map(\.name) + ["seq"]
        var conditions = ["seq > $1", "deleted = 0"]
        var arguments: [SQLValue] = [.int(afterSeq)]
        if let store, keyColumns.contains("store") {
            arguments.append(.text(store))
            conditions.append("store = $\(arguments.count)")
        }
        if let date, keyColumns.contains("date") || schema.field("date") != nil {
            arguments.append(.text(date.description))
            conditions.append("date = $\(arguments.count)")
        }
        let sql = """
            SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM "\(schema.name)"
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT \(limit)
            """
        let logger = logger
        return try await read { connection in
            try await connection.rows(sql, arguments, logger: logger).map { row in
                var record = [String: FieldValue]()
                for (i, name) in columns.enumerated() { record[name] = row.field(i) }
                return record
            }
        }
    }

    public func storeRecords(store: String, after seq: Int64, limit: Int) async throws -> SyncResponse {
        let logger = logger
        return try await read { connection in
            let page = try await Self.fetchLog(
                """
                SELECT \(Self.logColumns) FROM change_log
                WHERE store = $1 AND substr(replica, 1, length($2)) = $2 AND seq > $3 ORDER BY seq LIMIT $4
                """,
                [.text(store), .text(store + "."), .int(seq), .int(Int64(limit))], connection: connection, logger: logger
            )
            return SyncResponse(
                acked: 0, cursor: page.last?.seq ?? seq, more: page.count == limit, merged: 0, changes: page.map(\.change)
            )
        }
    }

    public func latestReportDate() async throws -> CalendarDate? {
        let logger = logger
        return try await read { connection in
            try await connection.row("SELECT MAX(date) FROM stock WHERE deleted = 0", logger: logger)
                .flatMap { try $0[0] as String? }.flatMap { try? CalendarDate($0) }
        }
    }

    // MARK: The views' cache

    public func dataVersion() async throws -> DataVersion {
        let logger = logger
        return try await read { connection in
            let seq = try await Self.lastSeq(connection, logger: logger)
            var tables = [String: Int64]()
            for row in try await connection.rows("SELECT name, n FROM view_version", logger: logger) { tables[try row[0]] = try row[1] }
            return DataVersion(seq: seq, tables: tables)
        }
    }

    public func changeSummary(after seq: Int64, limit: Int) async throws -> ChangeSummary? {
        let logger = logger
        return try await read { connection in
            let count: Int64 = try await connection.row(
                "SELECT COUNT(*) FROM (SELECT 1 FROM change_log WHERE seq > $1 LIMIT $2) AS recent",
                [.int(seq), .int(Int64(limit + 1))], logger: logger
            ).map { try $0[0] } ?? 0
            guard count <= limit else { return nil }
            var summary = ChangeSummary()
            for row in try await connection.rows("SELECT record_set, key FROM change_log WHERE seq > $1", [.int(seq)], logger: logger) {
                let set: String = try row[0]
                summary.sets.insert(set)
                if set == "stock", let key = try row[1] as String?, let slash = key.lastIndex(of: "/") {
                    summary.stockDates.insert(String(key[key.index(after: slash)...]))
                }
            }
            return summary
        }
    }
}
