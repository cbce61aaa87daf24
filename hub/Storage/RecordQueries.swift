import BaogongModel
import Foundation
import GRDB

extension HubDatabase {
    /// Current values of a record set for `GET /v1/records/{set}`, in change-log order so a client can
    /// page with `after` (the last row's `seq`).
    public func records(
        set schema: RecordSetSchema, store: String?, date: CalendarDate?, afterSeq: Int64, limit: Int
    ) async throws -> [[String: FieldValue]] {
        let keyColumns = schema.keyParts.map(\.name)
        let columns = ["key"] + keyColumns + schema.fields.map(\.name) + ["seq"]
        var conditions = ["seq > ?", "deleted = 0"]
        var arguments = [String]()
        if let store, keyColumns.contains("store") {
            conditions.append("store = ?")
            arguments.append(store)
        }
        if let date, keyColumns.contains("date") || schema.field("date") != nil {
            conditions.append("date = ?")
            arguments.append(date.description)
        }
        let sql = """
            SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM "\(schema.name)"
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT \(limit)
            """
        let filters = arguments
        return try await writer.read { db in
            var bound = StatementArguments([afterSeq])
            bound += StatementArguments(filters)
            return try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
                var record = [String: FieldValue]()
                for (i, name) in columns.enumerated() {
                    switch row[i] as DatabaseValue {
                    case let v where v.isNull: record[name] = .null
                    case let v:
                        if let n = Int64.fromDatabaseValue(v), case .int64 = v.storage { record[name] = .int(n) }
                        else if let d = Double.fromDatabaseValue(v), case .double = v.storage { record[name] = .real(d) }
                        else { record[name] = .text(String.fromDatabaseValue(v) ?? "") }
                    }
                }
                return record
            }
        }
    }
}
