import BaogongAgent
import BaogongModel
import Foundation

/// The source account's online orders with offline delivery, 1–29 Feb 2020 (docs/design.md): the
/// totals are split over the open supermarkets and the days so that they add up exactly, then each
/// store's first device records its share every evening through the agent, like any delivery.
enum OnlineOrders {
    static let firstDay = try! CalendarDate("2020-02-01")
    static let orders: Int64 = 9_884
    static let served: Int64 = 15_463
    static let revenueFen: Int64 = 2_628_000 * 100
    /// In each commodity's catalog unit (meat is pork).
    static let quantities: [(String, Int64)] = [
        ("rice", 255_000), ("oil", 22_000), ("flour", 6_000), ("noodles", 126), ("vegetables", 5_573), ("pork", 3_605),
    ]
    /// Each store's fleet: vehicles, delivery staff, order groups (40, 92 and 85 in all).
    static let fleet: [String: (vehicles: Int64, staff: Int64, groups: Int64)] = [
        "bbg-longmei": (8, 18, 15), "bbg-daqiao": (7, 16, 14), "duolefu": (5, 12, 11), "wjh-north": (5, 11, 10),
        "wjh-south": (4, 10, 10), "shengyuan-1": (4, 9, 9), "shengyuan-2": (4, 9, 8), "shengyuan-3": (3, 7, 8),
    ]

    /// Splits `total` in proportion to `weights`, in whole units, exactly (largest remainders).
    static func split(_ total: Int64, _ weights: [Double]) -> [Int64] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        let exact = weights.map { Double(total) * $0 / sum }
        var parts = exact.map { Int64($0.rounded(.down)) }
        let order = exact.indices.sorted { (exact[$0] - Double(parts[$0]), -$0) > (exact[$1] - Double(parts[$1]), -$1) }
        for i in order.prefix(Int(total - parts.reduce(0, +))) { parts[i] += 1 }
        return parts
    }

    /// Each (store, day)'s entry. `recording(store, day)` says whether the store records that day
    /// (open, and its device not offline on the last evening, when nothing more would reach the hub).
    static func plan(sizes: [String: Double], lastDay: CalendarDate, recording: (String, CalendarDate) -> Bool)
        -> [String: AgentDatabase.DeliveryEntry]
    {
        var cells = [(store: String, day: CalendarDate, weight: Double)]()
        var day = firstDay
        while day <= lastDay {
            for store in fleet.keys.sorted() where recording(store, day) {
                // Online ordering grew as the lockdown went on.
                cells.append((store, day, (sizes[store] ?? 1) * (1 + 0.05 * Double(day.dayNumber - firstDay.dayNumber))))
            }
            day = day.adding(days: 1)
        }
        let weights = cells.map(\.weight)
        let orderParts = split(orders, weights), servedParts = split(served, weights), revenueParts = split(revenueFen, weights)
        let quantityParts = quantities.map { ($0.0, split($0.1, weights)) }
        var plan = [String: AgentDatabase.DeliveryEntry]()
        for (i, cell) in cells.enumerated() {
            let f = fleet[cell.store]!
            var entry = AgentDatabase.DeliveryEntry(
                date: cell.day, orders: orderParts[i], served: servedParts[i], revenueFen: revenueParts[i], vehicles: f.vehicles,
                staff: f.staff, groups: f.groups, townships: "Town and 15 townships 城区及15个乡镇"
            )
            for (commodity, parts) in quantityParts where parts[i] > 0 { entry.quantities[commodity] = Double(parts[i]) }
            plan["\(cell.store)/\(cell.day)"] = entry
        }
        return plan
    }
}
