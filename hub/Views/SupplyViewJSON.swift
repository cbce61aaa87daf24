import BaogongModel
import Foundation

/// The supply view's JSON, written directly: the same document `JSONResponse.encoder` makes (keys
/// sorted, absent values left out, numbers as `JSONEncoder` writes them; `ViewCacheTests` compares
/// the bytes), without going through `Encodable` containers. At 1,000 stores its 7,000 store rows
/// make 1.3 MB, and at 10,000 stores 12.5 MB (docs/performance.md, "Warm views").
extension SupplyView {
    public func jsonData() throws -> Data {
        var w = JSONWriter(capacity: 512 + stores.count * 200 + commodities.count * 400)
        w.byte(UInt8(ascii: "{"))
        w.key("commodities")
        try Self.array(commodities, &w) { row, w in try row.write(&w) }
        w.byte(UInt8(ascii: ","))
        w.key("date")
        w.string(date)
        w.byte(UInt8(ascii: ","))
        w.key("price_alerts")
        try Self.array(priceAlerts, &w) { alert, w in try alert.write(&w) }
        w.byte(UInt8(ascii: ","))
        w.key("stores")
        try Self.array(stores, &w) { row, w in try row.write(&w) }
        if let unit {
            w.byte(UInt8(ascii: ","))
            w.key("unit")
            w.string(unit)
        }
        w.byte(UInt8(ascii: "}"))
        return Data(w.bytes)
    }

    static func array<T>(_ items: [T], _ w: inout JSONWriter, _ write: (T, inout JSONWriter) throws -> Void) rethrows {
        w.byte(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            try write(item, &w)
        }
        w.byte(UInt8(ascii: "]"))
    }
}

/// Fields in key order, each preceded by a comma but the first.
private struct Fields {
    var first = true

    mutating func next(_ w: inout JSONWriter, _ key: StaticString) {
        if !first { w.byte(UInt8(ascii: ",")) }
        first = false
        w.key(key)
    }

    mutating func double(_ w: inout JSONWriter, _ key: StaticString, _ value: Double?) throws {
        guard let value else { return }
        next(&w, key)
        try w.double(value)
    }
}

extension CommoditySupply {
    fileprivate func write(_ w: inout JSONWriter) throws {
        var f = Fields()
        w.byte(UInt8(ascii: "{"))
        try f.double(&w, "avg_daily_sales", avgDailySales)
        f.next(&w, "band")
        w.string(band.rawValue)
        f.next(&w, "commodity")
        w.string(commodity)
        try f.double(&w, "days_of_supply", daysOfSupply)
        f.next(&w, "min_days")
        w.int(minDays)
        f.next(&w, "name_en")
        w.string(nameEnglish)
        f.next(&w, "name_zh")
        w.string(nameChinese)
        try f.double(&w, "on_hand", onHand)
        try f.double(&w, "price_max", priceMax)
        try f.double(&w, "price_median", priceMedian)
        try f.double(&w, "price_min", priceMin)
        f.next(&w, "stores_at_risk")
        w.int(storesAtRisk)
        f.next(&w, "stores_expected")
        w.int(storesExpected)
        f.next(&w, "stores_reporting")
        w.int(storesReporting)
        f.next(&w, "unit")
        w.string(unit)
        w.byte(UInt8(ascii: "}"))
    }
}

extension StoreSupply {
    fileprivate func write(_ w: inout JSONWriter) throws {
        var f = Fields()
        w.byte(UInt8(ascii: "{"))
        try f.double(&w, "avg_daily_sales", avgDailySales)
        f.next(&w, "band")
        w.string(band.rawValue)
        f.next(&w, "commodity")
        w.string(commodity)
        try f.double(&w, "days_of_supply", daysOfSupply)
        f.next(&w, "lead_days")
        w.int(leadDays)
        try f.double(&w, "on_hand", onHand)
        try f.double(&w, "price", price)
        f.next(&w, "reported_today")
        w.bool(reportedToday)
        f.next(&w, "store")
        w.string(store)
        w.byte(UInt8(ascii: "}"))
    }
}

extension PriceAlert {
    fileprivate func write(_ w: inout JSONWriter) throws {
        var f = Fields()
        w.byte(UInt8(ascii: "{"))
        f.next(&w, "commodity")
        w.string(commodity)
        try f.double(&w, "county_median", countyMedian)
        try f.double(&w, "own_median", ownMedian)
        try f.double(&w, "price", price)
        f.next(&w, "reason")
        w.string(reason)
        f.next(&w, "store")
        w.string(store)
        w.byte(UInt8(ascii: "}"))
    }
}
