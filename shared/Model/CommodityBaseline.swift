/// The typical day of one commodity at one supermarket of the source account (docs/design.md, "The source account"):
/// sales, shelf price, restock and transport days, supplier and logistics channel. The demo's
/// simulated stores and the benchmark's workload both start from these figures.
public struct CommodityBaseline: Sendable, Hashable {
    public var commodity: String
    /// In the catalog unit (Units.swift).
    public var dailySales: Double
    public var priceFen: Int64
    public var restockDays: Int64
    public var transportDays: Int64
    public var source: String
    public var channel: String

    public static let seedFacts: [CommodityBaseline] = [
        CommodityBaseline(commodity: "rice", dailySales: 320, priceFen: 520, restockDays: 2, transportDays: 1,
                          source: "Qijia Gaofeng Agriculture", channel: "farm-to-supermarket"),
        CommodityBaseline(commodity: "flour", dailySales: 40, priceFen: 6_500, restockDays: 3, transportDays: 1,
                          source: "Chenzhou wholesale", channel: "green-channel truck"),
        CommodityBaseline(commodity: "oil", dailySales: 55, priceFen: 7_990, restockDays: 3, transportDays: 1,
                          source: "Changsha distributor", channel: "green-channel truck"),
        CommodityBaseline(commodity: "pork", dailySales: 160, priceFen: 4_200, restockDays: 1, transportDays: 1,
                          source: "County meat company", channel: "cold chain"),
        CommodityBaseline(commodity: "eggs", dailySales: 110, priceFen: 1_000, restockDays: 2, transportDays: 1,
                          source: "Yongxing Gaoze cooperative", channel: "farm-to-supermarket"),
        CommodityBaseline(commodity: "noodles", dailySales: 30, priceFen: 5_800, restockDays: 3, transportDays: 1,
                          source: "Hengyang wholesale", channel: "green-channel truck"),
        CommodityBaseline(commodity: "vegetables", dailySales: 420, priceFen: 600, restockDays: 1, transportDays: 0,
                          source: "Village collection points", channel: "collection point"),
    ]
}
