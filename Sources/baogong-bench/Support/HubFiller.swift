import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Fills a hub database with millions of plausible stock records fast: one SQL statement per
/// chunk generates the keys (stores `F00001`…, seven commodities, four years of days), and every
/// row gets the change-log payload and CRDT state blobs of a real record merged through
/// `RecordStore`, so rows have the real sizes and decode like real ones.
struct HubFiller {
    let hub: HubDatabase
    private(set) var filled = 0
    private let state: Data
    private let payload: Data

    static let days = 1_461
    static let perStore = 7 * days
    static let firstDay = try! CalendarDate("2000-01-01")
    static let indexes = [
        "stock_by_date": "CREATE INDEX stock_by_date ON stock(date, commodity)",
        "stock_by_store": "CREATE INDEX stock_by_store ON stock(store, commodity, date)",
        "change_log_by_replica": "CREATE INDEX change_log_by_replica ON change_log(replica, seq)",
    ]

    init(hub: HubDatabase) throws {
        self.hub = hub
        let sample = try RecordStore.inMemory()
        _ = try sample.apply(Workload.changes(store: Self.store(0), count: 1), defaultReplica: Workload.replica(ofStore: Self.store(0)))
        (state, payload) = try sample.writer.read { db in
            (try Data.fetchOne(db, sql: "SELECT crdt FROM stock")!, try Data.fetchOne(db, sql: "SELECT payload FROM change_log WHERE record_set = 'stock'")!)
        }
    }

    static func store(_ index: Int) -> String { String(format: "F%05d", index + 1) }

    /// The key of filler record `i` (the same formula as the SQL below).
    static func key(_ i: Int) -> String {
        let r = i % perStore
        let date = CalendarDate(dayNumber: firstDay.dayNumber + r / 7)
        return "\(store(i / perStore))/\(Workload.commodities[r % 7].commodity)/\(date)"
    }

    var stores: Int { (filled + Self.perStore - 1) / Self.perStore }

    /// Adds records until the hub holds `total` filler records; returns the seconds it took.
    mutating func fill(to total: Int, chunk: Int = 500_000) throws -> Double {
        guard total > filled else { return 0 }
        let bulk = total - filled >= 1_000_000
        let start = ContinuousClock.now
        if bulk {
            try hub.writer.write { db in
                for name in Self.indexes.keys { try db.execute(sql: "DROP INDEX IF EXISTS \(name)") }
            }
        }
        let commodities = Workload.commodities.enumerated().map { "WHEN \($0.offset) THEN '\($0.element.commodity)'" }.joined(separator: " ")
        var from = filled
        while from < total {
            let to = min(from + chunk, total)
            try hub.writer.write { db in
                let before = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM change_log") ?? 0
                try db.execute(
                    sql: """
                        WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
                        INSERT INTO change_log(record_set, key, store, replica, ts, audience, payload)
                        SELECT 'stock',
                               printf('F%05d', i / \(Self.perStore) + 1) || '/' || (CASE (i % \(Self.perStore)) % 7 \(commodities) END)
                                   || '/' || date('\(Self.firstDay)', '+' || ((i % \(Self.perStore)) / 7) || ' days'),
                               printf('F%05d', i / \(Self.perStore) + 1), printf('F%05d', i / \(Self.perStore) + 1) || '.b0a1',
                               ? + i, NULL, ?
                        FROM n
                        """,
                    arguments: [from, to - 1, Int64(HLCTimestamp(milliseconds: 946_684_800_000, counter: 0).rawValue), payload]
                )
                try db.execute(
                    sql: """
                        INSERT INTO stock(key, store, commodity, date, on_hand, received, sold, price, source, restock_days,
                                          transport_days, channel, note, deleted, crdt, seq)
                        SELECT key, store, substr(key, 8, length(key) - 18), substr(key, -10), (seq % 997) * 1.5, 0, 100.0,
                               520, 'Qijia Gaofeng Agriculture', 2, 1, 'farm-to-supermarket', NULL, 0, ?, seq
                        FROM change_log WHERE seq > ? ORDER BY seq
                        """,
                    arguments: [state, before]
                )
            }
            from = to
        }
        if bulk {
            try hub.writer.write { db in
                for sql in Self.indexes.values { try db.execute(sql: sql) }
            }
        }
        try hub.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        filled = total
        return Measure.seconds(ContinuousClock.now - start)
    }
}
