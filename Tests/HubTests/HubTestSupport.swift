@testable import BaogongHub
import BaogongModel
import Foundation
import GRDB
import Testing

/// Small builders shared by the hub tests.
enum Fixture {
    static func date(_ text: String) -> CalendarDate { try! CalendarDate(text) }
    static func day(_ text: String) -> Int { date(text).dayNumber }

    /// An instant given as ISO 8601 text (`2020-02-10T16:00:00Z`).
    static func instant(_ text: String) -> Date { Timestamps.parse(text)! }

    static func store(_ id: String, name: String? = nil, revoked: Bool = false) -> StoreInfo {
        StoreInfo(id: id, name: name ?? "Store \(id)", township: nil, kind: .supermarket, revoked: revoked)
    }

    static func stock(
        _ store: String, _ commodity: String, _ date: String, onHand: Double? = nil, sold: Double? = nil,
        price: Int64? = nil, restock: Int64? = nil, transport: Int64? = nil
    ) -> StockObservation {
        StockObservation(
            store: store, commodity: commodity, day: day(date), onHand: onHand, sold: sold, priceFen: price,
            restockDays: restock, transportDays: transport
        )
    }

    static func status(
        _ store: String, _ state: String, authority: StatusAuthority, since: String, ts: UInt64, reason: String? = nil
    ) -> StatusEvent {
        StatusEvent(
            store: store, state: state, authority: authority, reason: reason, since: date(since),
            timestamp: HLCTimestamp(milliseconds: ts, counter: 0)
        )
    }

    /// A fleet row of one device of `store`, heard recently (not stale) unless told otherwise.
    static func device(_ store: String, replica: String?, stale: Bool = false, skewMs: Int64 = 0, future: Int64 = 0)
        -> FleetStatusRow
    {
        FleetStatusRow(
            store: store, name: nil, replica: replica, lastHeardAt: replica == nil ? nil : "2020-02-10T08:00:00Z",
            ackedSeq: 0, pendingReported: 0, stale: stale, clockSkewMs: skewMs, futureChanges: future, revoked: false
        )
    }

    static func checkpoint(_ store: String, checked: Int64 = 0, fever: Int64 = 0, noMask: Int64 = 0, staff: Int64 = 0,
                           disinfections: Int64 = 0) -> CheckpointObservation
    {
        CheckpointObservation(
            store: store, checked: checked, refusedFever: fever, refusedNoMask: noMask, staffChecked: staff,
            disinfections: disinfections
        )
    }

    /// A hybrid-clock timestamp at an ISO instant.
    static func hlc(_ iso: String, counter: UInt16 = 0) -> HLCTimestamp {
        HLCTimestamp(milliseconds: UInt64(instant(iso).timeIntervalSince1970 * 1000), counter: counter)
    }
}

/// `a` and `b` equal to within rounding (for figures computed in floating point).
func close(_ a: Double?, _ b: Double?, tolerance: Double = 1e-9) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?): return abs(x - y) <= tolerance
    default: return false
    }
}

extension HubDatabase {
    /// Every table of the database dumped row by row: equal before and after means nothing was written.
    func fingerprint() throws -> [String: [String]] {
        try writer.read { db in
            var result = [String: [String]]()
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%' ORDER BY name"
            )
            for table in tables {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"")
                result[table] = rows.map { row in
                    row.databaseValues.map { value -> String in
                        if case .blob(let data) = value.storage { return "x'" + data.base64EncodedString() + "'" }
                        return value.description
                    }.joined(separator: "|")
                }.sorted()
            }
            return result
        }
    }

    func count(_ table: String) throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table)\"") ?? 0 }
    }

    func maxSeq(_ table: String) throws -> Int64 {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM \"\(table)\"") ?? 0 }
    }
}
