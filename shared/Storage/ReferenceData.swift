import BaogongModel
import GRDB

/// Reading the reference data the hub writes and every agent receives: one query for both sides.
extension RecordStore {
    /// The commodity catalog, in the order commodities were added.
    public static func catalog(in db: Database) throws -> [Commodity] {
        try Row.fetchAll(
            db, sql: "SELECT commodity, unit, name_en, name_zh, min_days FROM catalog WHERE deleted = 0 ORDER BY rowid"
        ).map { row in
            Commodity(
                id: row[0], unit: CommodityUnit(rawValue: row[1] ?? "kg") ?? .kg, nameEnglish: row[2] ?? row[0],
                nameChinese: row[3] ?? row[0], minDays: row[4] ?? 0
            )
        }
    }

    /// Notices, newest first; `limit` keeps a page short.
    public static func notices(limit: Int? = nil, in db: Database) throws -> [Notice] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, COALESCE(text, ''), posted_at FROM notices WHERE deleted = 0 ORDER BY posted_at DESC"
                + (limit.map { " LIMIT \($0)" } ?? "")
        ).map { Notice(id: $0[0], text: $0[1], postedAt: $0[2]) }
    }
}
