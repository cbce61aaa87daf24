import BaogongModel
import Foundation

/// The county of the source account (docs/design.md), early 2020: who the sites are and how the weeks unfolded.
struct CountyScenario {
    struct Site {
        var id: String
        var name: String
        var nameChinese: String
        var kind: StoreKind
        var township: String
        /// Relative size: scales sales and stock.
        var size: Double
        /// Devices (entrances) counting at the checkpoint.
        var devices: Int
    }

    /// Daily sales of a mid-sized supermarket in normal times, per commodity, and the shelf price.
    static let supermarkets: [Site] = [
        Site(id: "bbg-daqiao", name: "Bubugao Daqiao Road", nameChinese: "步步高大桥路店", kind: .supermarket, township: "Town", size: 1.4, devices: 1),
        Site(id: "bbg-longmei", name: "Bubugao Longmei", nameChinese: "步步高龙美店", kind: .supermarket, township: "Town", size: 1.5, devices: 2),
        Site(id: "shengyuan-1", name: "Shengyuan Supermarket 1", nameChinese: "盛源超市一店", kind: .supermarket, township: "Town", size: 1.0, devices: 1),
        Site(id: "shengyuan-2", name: "Shengyuan Supermarket 2", nameChinese: "盛源超市二店", kind: .supermarket, township: "Town", size: 0.8, devices: 1),
        Site(id: "shengyuan-3", name: "Shengyuan Supermarket 3", nameChinese: "盛源超市三店", kind: .supermarket, township: "Town", size: 0.7, devices: 1),
        Site(id: "duolefu", name: "Duolefu Supermarket", nameChinese: "多乐福超市", kind: .supermarket, township: "Town", size: 1.1, devices: 1),
        Site(id: "yongjiang", name: "Yongjiang Department Store", nameChinese: "永江百货", kind: .supermarket, township: "Town", size: 0.9, devices: 1),
        Site(id: "wjh-north", name: "Wanjiahe North", nameChinese: "万家和北店", kind: .supermarket, township: "Town", size: 1.0, devices: 1),
        Site(id: "wjh-south", name: "Wanjiahe South", nameChinese: "万家和南店", kind: .supermarket, township: "Town", size: 0.9, devices: 1),
    ]

    static let markets: [Site] = (1...7).map { i in
        Site(id: "market-\(i)", name: "Farmers' market \(i)", nameChinese: "农贸市场\(i)", kind: .market, township: "Town",
             size: 0.6, devices: 1)
    }

    static let malls: [Site] = (1...3).map { i in
        Site(id: "mall-\(i)", name: "Mall \(i)", nameChinese: "商场\(i)", kind: .mall, township: "Town", size: 0.5, devices: 1)
    }

    static var sites: [Site] { supermarkets + markets + malls }

    /// Farms, co-operatives, collection points and growers of the matching desk (they report no stock).
    static var suppliers: [Site] { MatchingScenario.suppliers.map(\.site) }

    /// The commodities of every store, from the source account.
    static let baselines = CommodityBaseline.seedFacts

    static let firstDay = try! CalendarDate("2020-01-24")
    static let lastDay = try! CalendarDate("2020-02-29")
    static let yongjiangClosed = try! CalendarDate("2020-02-13")
    /// The store that runs short of vegetables, and from when its supplier fails.
    static let vegetableShortage = (store: "shengyuan-1", from: try! CalendarDate("2020-02-20"))
    /// The store that raises its rice price, and from when.
    static let riceRise = (store: "wjh-north", from: try! CalendarDate("2020-02-27"), priceFen: Int64(690))

    /// Panic buying at the start of the lockdown, easing over two weeks.
    static func demandFactor(_ day: CalendarDate) -> Double {
        let d = Double(day.dayNumber - firstDay.dayNumber)
        return 1 + 0.9 * exp(-d / 6)
    }

    /// Unix time of `hour`:`minute` China time on `day`.
    static func time(_ day: CalendarDate, hour: Int, minute: Int = 0) -> Date {
        Date(timeIntervalSince1970: Double(day.dayNumber) * 86_400 + Double(hour - 8) * 3600 + Double(minute) * 60)
    }
}
