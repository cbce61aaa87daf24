import BaogongModel
import Foundation

/// Online orders and home deliveries over a period (`baogong-hub deliveries`, `/v1/views/deliveries`;
/// docs/views.md, "Deliveries").
///
/// Orders, persons served, revenue and quantities are sums over stores and days. Vehicles, staff and
/// order groups describe a fleet, not a day's work: for a period they are, per store, the largest
/// value it recorded on any day, summed over stores (40 vans running all month are 40, not 40 × 37).
public struct DeliveriesView: Sendable, Codable {
    public struct Totals: Sendable, Hashable, Codable {
        public var orders: Int64 = 0
        public var served: Int64 = 0
        /// Yuan.
        public var revenue: Double = 0
        public var vehicles: Int64 = 0
        public var staff: Int64 = 0
        public var groups: Int64 = 0
        public var quantities: [String: Double] = [:]
    }

    public struct StoreTotals: Sendable, Hashable, Codable {
        public var store: String
        public var orders: Int64
        public var served: Int64
        public var revenue: Double
        public var vehicles: Int64
        public var staff: Int64
        public var groups: Int64
        public var quantities: [String: Double]
        public var townships: String?
    }

    public struct Day: Sendable, Hashable, Codable {
        public var date: String
        public var orders: Int64
        public var served: Int64
        public var revenue: Double
    }

    public var from: String?
    public var to: String?
    public var orders: Int64
    public var served: Int64
    public var revenue: Double
    public var vehicles: Int64
    public var staff: Int64
    public var groups: Int64
    public var quantities: [String: Double]
    public var byStore: [StoreTotals]
    public var byDay: [Day]

    enum CodingKeys: String, CodingKey {
        case from, to, orders, served, revenue, vehicles, staff, groups, quantities, byStore = "by_store", byDay = "by_day"
    }

    public init(_ days: [DeliveryDay], from: CalendarDate? = nil, to: CalendarDate? = nil) {
        self.from = from?.description
        self.to = to?.description
        var stores = [String: StoreTotals]()
        var perDay = [String: Day]()
        for d in days {
            var s = stores[d.store] ?? StoreTotals(
                store: d.store, orders: 0, served: 0, revenue: 0, vehicles: 0, staff: 0, groups: 0, quantities: [:], townships: nil
            )
            s.orders += d.orders
            s.served += d.served
            s.revenue += Double(d.revenueFen) / 100
            s.vehicles = max(s.vehicles, d.vehicles ?? 0)
            s.staff = max(s.staff, d.staff ?? 0)
            s.groups = max(s.groups, d.groups ?? 0)
            for (c, q) in d.quantities { s.quantities[c, default: 0] += q }
            if let t = d.townships { s.townships = t }
            stores[d.store] = s
            var day = perDay[d.date.description] ?? Day(date: d.date.description, orders: 0, served: 0, revenue: 0)
            day.orders += d.orders
            day.served += d.served
            day.revenue += Double(d.revenueFen) / 100
            perDay[d.date.description] = day
        }
        byStore = stores.values.sorted { $0.store < $1.store }
        byDay = perDay.values.sorted { $0.date < $1.date }
        orders = byStore.reduce(0) { $0 + $1.orders }
        served = byStore.reduce(0) { $0 + $1.served }
        // Revenue is summed in fen and converted once, so that 2,628,000 yuan stays exact.
        revenue = Double(days.reduce(Int64(0)) { $0 + $1.revenueFen }) / 100
        vehicles = byStore.reduce(0) { $0 + $1.vehicles }
        staff = byStore.reduce(0) { $0 + $1.staff }
        groups = byStore.reduce(0) { $0 + $1.groups }
        var quantities = [String: Double]()
        for s in byStore { for (c, q) in s.quantities { quantities[c, default: 0] += q } }
        self.quantities = quantities.mapValues { ($0 * 1000).rounded() / 1000 }
    }
}
