import BaogongModel
import Foundation

/// Status band of a store's (or the county's) supply of one commodity.
public enum SupplyBand: String, Sendable, Codable, CaseIterable, Comparable {
    case stockOut = "stock_out"
    case critical
    case atRisk = "at_risk"
    case adequate
    case overstocked
    case noData = "no_data"

    /// Worst first, for sorting problems to the top.
    var severity: Int { SupplyBand.allCases.firstIndex(of: self)! }
    public static func < (a: SupplyBand, b: SupplyBand) -> Bool { a.severity < b.severity }

    public var isProblem: Bool { self == .stockOut || self == .critical || self == .atRisk }

    /// docs/views.md: stock-out (on hand 0 with sales), critical (< 1 day), at risk (< restock + transport
    /// + 1 days), overstocked (> 30 days), else adequate. No sales at all: adequate while stock lasts.
    public static func classify(onHand: Double?, averageSales: Double?, leadDays: Double, overstockDays: Double)
        -> SupplyBand
    {
        guard let onHand else { return .noData }
        let sales = averageSales ?? 0
        if onHand <= 0 { return sales > 0 ? .stockOut : .noData }
        guard sales > 0 else { return .adequate }
        let days = onHand / sales
        if days < 1 { return .critical }
        if days < leadDays + 1 { return .atRisk }
        if days > overstockDays { return .overstocked }
        return .adequate
    }
}

/// One store's supply of one commodity on the view's date.
public struct StoreSupply: Sendable, Hashable, Codable {
    public var store: String
    public var commodity: String
    public var onHand: Double?
    public var avgDailySales: Double?
    public var daysOfSupply: Double?
    public var band: SupplyBand
    /// The store reported this commodity on the date itself (otherwise `on_hand` is its latest report).
    public var reportedToday: Bool
    public var price: Double?
    public var leadDays: Int64

    enum CodingKeys: String, CodingKey {
        case store, commodity, onHand = "on_hand", avgDailySales = "avg_daily_sales", daysOfSupply = "days_of_supply"
        case band, reportedToday = "reported_today", price, leadDays = "lead_days"
    }
}

/// The county row of one commodity: what `baogong-hub supply` prints.
public struct CommoditySupply: Sendable, Hashable, Codable {
    public var commodity: String
    public var nameEnglish: String
    public var nameChinese: String
    public var unit: String
    public var onHand: Double
    public var avgDailySales: Double
    /// Σ on hand / Σ average daily sales; nil when nothing sells.
    public var daysOfSupply: Double?
    /// The catalog's at-risk line for the county (days).
    public var minDays: Int
    public var band: SupplyBand
    public var storesReporting: Int
    public var storesExpected: Int
    public var storesAtRisk: Int
    public var priceMin: Double?
    public var priceMedian: Double?
    public var priceMax: Double?

    enum CodingKeys: String, CodingKey {
        case commodity, nameEnglish = "name_en", nameChinese = "name_zh", unit, onHand = "on_hand"
        case avgDailySales = "avg_daily_sales", daysOfSupply = "days_of_supply", minDays = "min_days", band
        case storesReporting = "stores_reporting", storesExpected = "stores_expected", storesAtRisk = "stores_at_risk"
        case priceMin = "price_min", priceMedian = "price_median", priceMax = "price_max"
    }
}

public struct PriceAlert: Sendable, Hashable, Codable {
    public var store: String
    public var commodity: String
    public var price: Double
    /// The store's own median over the previous `trailingDays` days.
    public var ownMedian: Double?
    public var countyMedian: Double?
    public var reason: String
    enum CodingKeys: String, CodingKey {
        case store, commodity, price, ownMedian = "own_median", countyMedian = "county_median", reason
    }
}

/// The supply view: per store and commodity, and county-wide per commodity.
public struct SupplyView: Sendable, Codable {
    public var date: String
    public var unit: String?
    public var commodities: [CommoditySupply]
    public var stores: [StoreSupply]
    public var priceAlerts: [PriceAlert]

    enum CodingKeys: String, CodingKey { case date, unit, commodities, stores, priceAlerts = "price_alerts" }
}

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

extension CountySnapshot {
    /// Computes the supply view. With `unit` (a mass unit), quantities and prices of commodities
    /// counted by mass are converted to it (1 jin = 0.5 kg); others stay in their catalog unit.
    public func supply(unit requested: CommodityUnit? = nil) -> SupplyView {
        let day = date.dayNumber
        let trailing = settings.trailingDays
        let active = reportingStores
        let openToday = active.filter { isOpen($0.id, day: day) }
        // Index stores and commodities once; group observations by (store, commodity) without string keys.
        var storeIndex = [String: Int](minimumCapacity: openToday.count)
        for (i, s) in openToday.enumerated() { storeIndex[s.id] = i }
        var commodityIndex = [String: Int]()
        for (i, c) in catalog.enumerated() { commodityIndex[c.id] = i }
        var grouped = [[StockObservation]](repeating: [], count: openToday.count * max(1, catalog.count))
        for o in stock {
            guard let si = storeIndex[o.store], let ci = commodityIndex[o.commodity] else { continue }
            grouped[si * catalog.count + ci].append(o)
        }
        // Whether each store was open on each day of the sales window (status events are few).
        let firstDay = day - trailing
        var openOnDay = [[Bool]]()
        openOnDay.reserveCapacity(openToday.count)
        for store in openToday {
            openOnDay.append((firstDay...day).map { statusEvents[store.id] == nil || isOpen(store.id, day: $0) })
        }
        func open(_ storeIdx: Int, _ d: Int) -> Bool { d < firstDay || d > day ? isOpen(openToday[storeIdx].id, day: d) : openOnDay[storeIdx][d - firstDay] }

        var rows = [CommoditySupply]()
        var storeRows = [StoreSupply]()
        var alerts = [PriceAlert]()
        for (ci, commodity) in catalog.enumerated() {
            let factor: Double
            var unitName = commodity.unit.rawValue
            if let requested, let converted = commodity.unit.convert(1, to: requested) {
                factor = converted
                unitName = requested.rawValue
            } else {
                factor = 1
            }
            var totalOnHand = 0.0, totalSales = 0.0
            var reporting = 0, atRisk = 0
            var todaysPrices = [(store: String, price: Double)]()
            var ownMedians = [String: Double]()
            for (si, store) in openToday.enumerated() {
                let observations = grouped[si * catalog.count + ci].sorted { $0.day < $1.day }
                let window = observations.filter { $0.day > day - trailing && $0.day <= day }
                let today = window.last { $0.day == day }
                let latest = window.last { $0.onHand != nil }
                let salesDays = window.filter { $0.sold != nil && open(si, $0.day) }
                let avg = salesDays.isEmpty ? nil : salesDays.reduce(0) { $0 + $1.sold! } / Double(salesDays.count) * factor
                let onHand = latest?.onHand.map { $0 * factor }
                let lead = (latest?.restockDays ?? 0) + (latest?.transportDays ?? 0)
                let band = SupplyBand.classify(
                    onHand: onHand, averageSales: avg, leadDays: Double(lead), overstockDays: settings.overstockDays
                )
                let price = today?.priceFen.map { Double($0) / 100 / factor }
                if let price { todaysPrices.append((store.id, price)) }
                let previous = observations.filter { $0.day >= day - trailing && $0.day < day }.compactMap(\.priceFen)
                if let m = median(previous.map { Double($0) / 100 / factor }) { ownMedians[store.id] = m }
                if today != nil { reporting += 1 }
                if band.isProblem { atRisk += 1 }
                totalOnHand += onHand ?? 0
                totalSales += avg ?? 0
                guard latest != nil || !salesDays.isEmpty else { continue }
                storeRows.append(
                    StoreSupply(
                        store: store.id, commodity: commodity.id, onHand: onHand, avgDailySales: avg,
                        daysOfSupply: (avg ?? 0) > 0 ? (onHand ?? 0) / avg! : nil, band: band,
                        reportedToday: today != nil, price: price, leadDays: lead
                    )
                )
            }
            let prices = todaysPrices.map(\.price)
            let countyMedian = median(prices)
            for (store, price) in todaysPrices {
                let own = ownMedians[store]
                var reasons = [String]()
                if let own, price > settings.priceAlertRatio * own + 1e-9 {
                    reasons.append("above \(settings.priceAlertRatio)× the store's own 7-day median")
                }
                if let countyMedian, price > settings.priceAlertRatio * countyMedian + 1e-9 {
                    reasons.append("above \(settings.priceAlertRatio)× today's county median")
                }
                if !reasons.isEmpty {
                    alerts.append(
                        PriceAlert(
                            store: store, commodity: commodity.id, price: price, ownMedian: own, countyMedian: countyMedian,
                            reason: reasons.joined(separator: "; ")
                        )
                    )
                }
            }
            let dos = totalSales > 0 ? totalOnHand / totalSales : nil
            let countyBand: SupplyBand
            if reporting == 0 && totalOnHand == 0 && totalSales == 0 {
                countyBand = .noData
            } else {
                countyBand = SupplyBand.classify(
                    onHand: totalOnHand, averageSales: totalSales, leadDays: Double(commodity.minDays) - 1,
                    overstockDays: settings.overstockDays
                )
            }
            rows.append(
                CommoditySupply(
                    commodity: commodity.id, nameEnglish: commodity.nameEnglish, nameChinese: commodity.nameChinese,
                    unit: unitName, onHand: totalOnHand, avgDailySales: totalSales, daysOfSupply: dos,
                    minDays: commodity.minDays, band: countyBand, storesReporting: reporting,
                    storesExpected: openToday.count, storesAtRisk: atRisk, priceMin: prices.min(),
                    priceMedian: countyMedian, priceMax: prices.max()
                )
            )
        }
        return SupplyView(
            date: date.description, unit: requested?.rawValue, commodities: rows,
            stores: storeRows.sorted { ($0.band, $0.store, $0.commodity) < ($1.band, $1.store, $1.commodity) },
            priceAlerts: alerts
        )
    }

    /// Median price per day of the window for each commodity (yuan per catalog unit): the price trend.
    public func priceTrend() -> [String: [(day: CalendarDate, median: Double)]] {
        var byCommodityDay = [String: [Int: [Double]]]()
        for o in stock {
            if let p = o.priceFen { byCommodityDay[o.commodity, default: [:]][o.day, default: []].append(Double(p) / 100) }
        }
        return byCommodityDay.mapValues { days in
            days.keys.sorted().compactMap { d in median(days[d]!).map { (CalendarDate(dayNumber: d), $0) } }
        }
    }
}
