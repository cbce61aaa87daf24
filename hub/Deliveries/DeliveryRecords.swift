import BaogongModel
import Foundation
import GRDB

/// One store's online orders and deliveries of one day, as merged at the hub.
public struct DeliveryDay: Sendable, Hashable, Codable {
    public var store: String
    public var date: CalendarDate
    public var orders: Int64
    public var served: Int64
    /// Integer fen.
    public var revenueFen: Int64
    public var vehicles: Int64?
    public var staff: Int64?
    public var groups: Int64?
    public var townships: String?
    /// Commodity → quantity in the catalog unit.
    public var quantities: [String: Double]

    public init(
        store: String, date: CalendarDate, orders: Int64, served: Int64, revenueFen: Int64, vehicles: Int64?, staff: Int64?,
        groups: Int64?, townships: String?, quantities: [String: Double]
    ) {
        self.store = store
        self.date = date
        self.orders = orders
        self.served = served
        self.revenueFen = revenueFen
        self.vehicles = vehicles
        self.staff = staff
        self.groups = groups
        self.townships = townships
        self.quantities = quantities
    }
}

extension HubDatabase {
    public func deliveries(from: CalendarDate?, to: CalendarDate?) async throws -> [DeliveryDay] {
        try await writer.read { db in try Self.deliveries(from: from, to: to, in: db) }
    }

    /// Counters are stored as the sum of every device's slot: the columns hold the merged totals.
    static func deliveries(from: CalendarDate?, to: CalendarDate?, in db: Database) throws -> [DeliveryDay] {
        var conditions = ["deleted = 0"]
        var arguments = [String]()
        if let from { conditions.append("date >= ?"); arguments.append(from.description) }
        if let to { conditions.append("date <= ?"); arguments.append(to.description) }
        let filter = conditions.joined(separator: " AND ")
        var days = [String: DeliveryDay]()
        for row in try Row.fetchAll(
            db, sql: """
                SELECT store, date, COALESCE(orders, 0), COALESCE(served, 0), COALESCE(revenue, 0), vehicles, staff, groups, townships
                FROM delivery WHERE \(filter) ORDER BY date, store
                """, arguments: StatementArguments(arguments)
        ) {
            let store: String = row[0], date: String = row[1]
            days[store + "/" + date] = DeliveryDay(
                store: store, date: try CalendarDate(date), orders: row[2], served: row[3], revenueFen: row[4], vehicles: row[5],
                staff: row[6], groups: row[7], townships: row[8], quantities: [:]
            )
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT store, date, commodity, COALESCE(milli, 0) FROM delivery_quantity WHERE \(filter)",
            arguments: StatementArguments(arguments)
        ) {
            try Self.add(quantity: row[3], of: row[2], store: row[0], date: row[1], to: &days)
        }
        return days.values.sorted { ($0.date, $0.store) < ($1.date, $1.store) }
    }

    /// Adds a delivered quantity (thousandths of the catalog unit) to its store's day, making the day
    /// when the store recorded quantities but no orders.
    static func add(quantity milli: Int64, of commodity: String, store: String, date: String, to days: inout [String: DeliveryDay])
        throws
    {
        let key = store + "/" + date
        if days[key] == nil {
            days[key] = DeliveryDay(
                store: store, date: try CalendarDate(date), orders: 0, served: 0, revenueFen: 0, vehicles: nil, staff: nil,
                groups: nil, townships: nil, quantities: [:]
            )
        }
        days[key]!.quantities[commodity, default: 0] += Double(milli) / 1000
    }
}
