import BaogongModel
import Foundation
import GRDB

extension HubDatabase {
    /// Current values of a record set for `GET /v1/records/{set}`, in change-log order so a client can
    /// page with `after` (the last row's `seq`).
    public func records(set: String, store: String?, date: String?, afterSeq: Int64, limit: Int) throws
        -> [[String: FieldValue]]
    {
        guard let schema = RecordSetSchema.named(set) else {
            throw HubError.notFound("'\(set)' is not a record set; known: \(RecordSetSchema.all.map(\.name).joined(separator: ", "))")
        }
        if let date { do { _ = try CalendarDate(date) } catch { throw HubError.invalidParameter(error) } }
        let keyColumns = schema.keyParts.map(\.name)
        let columns = ["key"] + keyColumns + schema.fields.map(\.name) + ["seq"]
        var conditions = ["seq > ?", "deleted = 0"]
        var arguments: [any DatabaseValueConvertible] = [afterSeq]
        if let store, keyColumns.contains("store") {
            conditions.append("store = ?")
            arguments.append(store)
        }
        if let date, keyColumns.contains("date") || schema.field("date") != nil {
            conditions.append("date = ?")
            arguments.append(date)
        }
        let sql = """
            SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM "\(schema.name)"
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT \(limit)
            """
        return try writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
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
