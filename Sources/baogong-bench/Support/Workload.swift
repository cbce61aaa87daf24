import BaogongAgent
import BaogongModel
import Foundation

/// Plausible stock reports, as the county's stores send them (docs/design.md, "The source account"): seven commodities a
/// day per store, with sales, price, supplier and logistics channel. Deterministic for a seed.
enum Workload {
    /// The seven commodities and their typical day (docs/design.md, "The source account"), as the demo uses them.
    static let commodities = CommodityBaseline.seedFacts

    /// The first day of the lockdown in the source account.
    static let firstDay = try! CalendarDate("2020-01-24")

    static func storeID(_ i: Int) -> String { String(format: "S%04d", i) }
    static func replica(ofStore store: String) -> ReplicaID { "\(store).b0a1" }

    /// The `index`-th report of a store: commodity `index % 7` on day `firstDay + offset + index / 7`.
    static func entry(index: Int, dayOffset: Int = 0, seed: UInt64 = 1) -> StockEntry {
        var random = SeededRandom(seed: seed &+ UInt64(index))
        let c = commodities[index % commodities.count]
        let day = CalendarDate(dayNumber: firstDay.dayNumber + dayOffset + index / commodities.count)
        let sold = (c.dailySales * random.unit(0.7, 1.3) * 10).rounded() / 10
        let delivery = random.next() % UInt64(c.restockDays) == 0
        return StockEntry(
            date: day, commodity: c.commodity, onHand: (c.dailySales * random.unit(2, 12) * 10).rounded() / 10,
            sold: sold, received: delivery ? (c.dailySales * 3).rounded() : 0,
            priceFen: Int64(Double(c.priceFen) * random.unit(0.95, 1.1)), source: c.source,
            restockDays: c.restockDays, transportDays: c.transportDays, channel: c.channel,
            note: random.next() % 20 == 0 ? "supplier delayed one day" : nil
        )
    }

    /// `count` reports of one store as the hub receives them: one change per record, without the
    /// replica (the batch's sender stands for it), timestamps increasing.
    static func changes(store: String, count: Int, dayOffset: Int = 0, replica: ReplicaID? = nil,
                        baseMilliseconds: UInt64 = nowMilliseconds()) -> [Change] {
        (0..<count).map { i in
            let e = entry(index: i, dayOffset: dayOffset)
            return Change(
                set: "stock", key: e.key(store: store),
                timestamp: HLCTimestamp(milliseconds: baseMilliseconds + UInt64(i >> 12), counter: UInt16(i & 0xFFF)),
                replica: replica, fields: e.fields
            )
        }
    }

    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

