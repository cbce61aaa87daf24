@testable import BaogongHub
import BaogongModel
import Foundation
import Testing

/// The county view formulas of docs/views.md, on snapshots built by hand.
@Suite("County view formulas")
struct ViewsFormulaTests {
    typealias F = Fixture

    static let rice = Commodity(id: "rice", unit: .kg, nameEnglish: "Rice", nameChinese: "大米", minDays: 7)

    /// Fresh (non-stale) fleet rows for the stores, so that no stale alert clutters a test.
    static func fresh(_ ids: [String]) -> [FleetStatusRow] { ids.map { F.device($0, replica: "\($0).dev1") } }

    /// docs/views.md worked example 1 (two stores selling rice), D = 2020-02-10.
    static func workedExample() -> CountySnapshot {
        CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"),
            stores: [F.store("S01"), F.store("S02")],
            stock: [
                F.stock("S01", "rice", "2020-02-08", onHand: 1200, sold: 90, price: 520, restock: 2, transport: 1),
                F.stock("S01", "rice", "2020-02-09", onHand: 1100, sold: 110, price: 520, restock: 2, transport: 1),
                F.stock("S01", "rice", "2020-02-10", onHand: 1000, sold: 100, price: 520, restock: 2, transport: 1),
                F.stock("S02", "rice", "2020-02-08", onHand: 600, sold: 40, price: 500, restock: 3, transport: 1),
                F.stock("S02", "rice", "2020-02-09", onHand: 550, sold: 60, price: 500, restock: 3, transport: 1),
                F.stock("S02", "rice", "2020-02-10", onHand: 500, sold: 50, price: 650, restock: 3, transport: 1),
            ],
            fleet: fresh(["S01", "S02"])
        )
    }

    // MARK: - Supply

    @Test func workedExampleTwoStoresSellingRice() throws {
        let view = Self.workedExample().supply()
        let rice = try #require(view.commodities.first { $0.commodity == "rice" })
        // on hand 1000 + 500 = 1500; average (90+110+100)/3 + (40+60+50)/3 = 100 + 50 = 150; 1500 / 150 = 10.0 days.
        #expect(rice.onHand == 1500)
        #expect(rice.avgDailySales == 150)
        #expect(close(rice.daysOfSupply, 10.0))
        // 10.0 ≥ min_days 7 and ≤ 30: adequate.
        #expect(rice.band == .adequate)
        #expect(rice.minDays == 7)
        #expect(rice.unit == "kg")
        #expect(rice.storesReporting == 2)
        #expect(rice.storesExpected == 2)
        #expect(rice.storesAtRisk == 0)
        // Prices on D: 5.20 and 6.50; median (5.20 + 6.50) / 2 = 5.85.
        #expect(close(rice.priceMin, 5.20))
        #expect(close(rice.priceMedian, 5.85))
        #expect(close(rice.priceMax, 6.50))

        let s01 = try #require(view.stores.first { $0.store == "S01" && $0.commodity == "rice" })
        // S01: 1000 / 100 = 10.0 days, lead 2 + 1 = 3.
        #expect(s01.onHand == 1000)
        #expect(s01.avgDailySales == 100)
        #expect(close(s01.daysOfSupply, 10))
        #expect(s01.leadDays == 3)
        #expect(s01.band == .adequate)
        #expect(s01.reportedToday)
        #expect(close(s01.price, 5.20))
        let s02 = try #require(view.stores.first { $0.store == "S02" && $0.commodity == "rice" })
        // S02: 500 / 50 = 10.0 days, lead 3 + 1 = 4.
        #expect(s02.onHand == 500)
        #expect(s02.avgDailySales == 50)
        #expect(close(s02.daysOfSupply, 10))
        #expect(s02.leadDays == 4)
        #expect(s02.band == .adequate)
        #expect(close(s02.price, 6.50))
        // Nobody reported the other commodities: one store row per store, for rice only.
        #expect(view.stores.count == 2)

        // S02: own median of 02-03…02-09 = median(5.00, 5.00) = 5.00; 1.2 × 5.00 = 6.00 < 6.50: alert.
        // County: 1.2 × 5.85 = 7.02 > 6.50: no county reason. S01: 1.2 × 5.20 = 6.24 > 5.20: no alert.
        #expect(view.priceAlerts.count == 1)
        let alert = try #require(view.priceAlerts.first)
        #expect(alert.store == "S02")
        #expect(alert.commodity == "rice")
        #expect(close(alert.price, 6.50))
        #expect(close(alert.ownMedian, 5.00))
        #expect(close(alert.countyMedian, 5.85))
        #expect(alert.reason == "above 1.2× the store's own 7-day median")
    }

    @Test func workedExampleInJin() throws {
        let view = Self.workedExample().supply(unit: .jin)
        #expect(view.unit == "jin")
        let rice = try #require(view.commodities.first { $0.commodity == "rice" })
        // f = 1 kg / 0.5 kg = 2: on hand 1500 × 2 = 3000 jin, sales 150 × 2 = 300 jin/day, still 3000/300 = 10 days.
        #expect(rice.unit == "jin")
        #expect(close(rice.onHand, 3000))
        #expect(close(rice.avgDailySales, 300))
        #expect(close(rice.daysOfSupply, 10))
        // Prices halve: 5.20/2 = 2.60, 5.85/2 = 2.925, 6.50/2 = 3.25 yuan per jin.
        #expect(close(rice.priceMin, 2.60))
        #expect(close(rice.priceMedian, 2.925))
        #expect(close(rice.priceMax, 3.25))
        let alert = try #require(view.priceAlerts.first)
        #expect(close(alert.price, 3.25))
        #expect(close(alert.ownMedian, 2.50))
        #expect(close(alert.countyMedian, 2.925))
    }

    /// One store, one report dated D with sold 100: the band follows on hand (docs/views.md, "Bands").
    @Test(arguments: [
        // (on hand, sold, restock, transport, band, days of supply)
        (0.0, 100.0 as Double?, 0 as Int64, 0 as Int64, SupplyBand.stockOut, 0.0 as Double?),  // 0 with sales
        (0.0, nil, 0, 0, .noData, nil),  // 0 without sales is not a stock-out
        (50.0, 100.0, 2, 1, .critical, 0.5),  // 0.5 < 1: critical before at risk
        (99.0, 100.0, 0, 0, .critical, 0.99),  // 0.99 < 1
        (100.0, 100.0, 0, 0, .adequate, 1.0),  // exactly 1 day is not critical; lead 0 is never at risk
        (399.0, 100.0, 2, 1, .atRisk, 3.99),  // 3.99 < 2 + 1 + 1 = 4
        (400.0, 100.0, 2, 1, .adequate, 4.0),  // exactly lead + 1 is not at risk
        (3000.0, 100.0, 0, 0, .adequate, 30.0),  // exactly 30 days is not overstocked
        (3001.0, 100.0, 0, 0, .overstocked, 30.01),  // 30.01 > 30
        (500.0, nil, 0, 0, .adequate, nil),  // stock but no sales: adequate, no days
    ])
    func storeBand(onHand: Double, sold: Double?, restock: Int64, transport: Int64, band: SupplyBand, days: Double?) throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01")],
            stock: [F.stock("S01", "rice", "2020-02-10", onHand: onHand, sold: sold, restock: restock, transport: transport)]
        )
        let view = snapshot.supply()
        let row = try #require(view.stores.first)
        #expect(row.band == band)
        #expect(close(row.daysOfSupply, days))
        #expect(row.leadDays == restock + transport)
        #expect(view.commodities[0].storesAtRisk == (band.isProblem ? 1 : 0))
    }

    /// The county band uses the catalog's min_days (rice: 7) as its at-risk line. The store has lead 0,
    /// so its own band shows that the county line is not the store's.
    @Test(arguments: [
        // (on hand, sold, county band, store band)
        (0.0, 100.0 as Double?, SupplyBand.stockOut, SupplyBand.stockOut),
        (99.0, 100.0, .critical, .critical),  // 0.99 days
        (699.0, 100.0, .atRisk, .adequate),  // 6.99 < 7 for the county; ≥ 0 + 1 for the store
        (700.0, 100.0, .adequate, .adequate),  // exactly min_days is not at risk
        (3000.0, 100.0, .adequate, .adequate),  // exactly 30
        (3001.0, 100.0, .overstocked, .overstocked),
        (500.0, nil, .adequate, .adequate),  // Σ on hand > 0, Σ sales = 0
    ])
    func countyBand(onHand: Double, sold: Double?, county: SupplyBand, store: SupplyBand) throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01")], stock: [F.stock("S01", "rice", "2020-02-10", onHand: onHand, sold: sold)]
        )
        let view = snapshot.supply()
        #expect(view.commodities[0].band == county)
        #expect(try #require(view.stores.first).band == store)
    }

    /// docs/views.md worked example 2: pork, every band at once, D = 2020-02-05.
    static func porkExample() -> CountySnapshot {
        CountySnapshot(
            date: F.date("2020-02-05"), asOf: F.instant("2020-02-05T12:00:00Z"),
            stores: [F.store("A", name: "Store A"), F.store("B", name: "Store B"), F.store("C", name: "Store C")],
            stock: [
                F.stock("A", "pork", "2020-01-30", sold: 50),
                F.stock("A", "pork", "2020-02-01", sold: 60),
                F.stock("A", "pork", "2020-02-02", sold: 55),
                F.stock("A", "pork", "2020-02-04", sold: 45),
                F.stock("A", "pork", "2020-02-05", onHand: 120, sold: 40, price: 3000, restock: 1, transport: 1),
                F.stock("B", "pork", "2020-02-04", sold: 40),
                F.stock("B", "pork", "2020-02-05", onHand: 20, sold: 40, price: 2900),
                F.stock("C", "pork", "2020-02-04", sold: 30, price: 2800),
                F.stock("C", "pork", "2020-02-05", onHand: 0, sold: 30, price: 3600),
            ],
            fleet: fresh(["A", "B", "C"])
        )
    }

    @Test func porkEveryBandAtOnce() throws {
        let view = Self.porkExample().supply()
        func row(_ s: String) -> StoreSupply? { view.stores.first { $0.store == s && $0.commodity == "pork" } }
        // A: (50 + 60 + 55 + 45 + 40) / 5 = 50; 120 / 50 = 2.4 < 1 + 1 + 1 = 3: at risk.
        #expect(row("A")?.avgDailySales == 50)
        #expect(close(row("A")?.daysOfSupply, 2.4))
        #expect(row("A")?.band == .atRisk)
        // B: (40 + 40) / 2 = 40; 20 / 40 = 0.5: critical.
        #expect(row("B")?.avgDailySales == 40)
        #expect(close(row("B")?.daysOfSupply, 0.5))
        #expect(row("B")?.band == .critical)
        // C: 0 on hand, average 30: stock-out.
        #expect(row("C")?.avgDailySales == 30)
        #expect(row("C")?.band == .stockOut)
        // Worst band first.
        #expect(view.stores.map(\.store) == ["C", "B", "A"])
        let pork = try #require(view.commodities.first { $0.commodity == "pork" })
        // County: 140 / (50 + 40 + 30) = 140 / 120 = 1.1667; ≥ 1 but < min_days 3: at risk.
        #expect(pork.onHand == 140)
        #expect(pork.avgDailySales == 120)
        #expect(close(pork.daysOfSupply, 140.0 / 120.0))
        #expect(pork.band == .atRisk)
        #expect(pork.storesAtRisk == 3)
        #expect(pork.storesReporting == 3)
        // Prices 30, 29, 36: median 30. C: own median 28 (02-04), 1.2 × 28 = 33.6 < 36: alert;
        // 1.2 × 30 = 36 is not exceeded by 36: no county reason.
        #expect(close(pork.priceMedian, 30))
        #expect(view.priceAlerts.count == 1)
        #expect(view.priceAlerts.first?.store == "C")
        #expect(view.priceAlerts.first?.reason == "above 1.2× the store's own 7-day median")
        #expect(close(view.priceAlerts.first?.ownMedian, 28))
        #expect(close(view.priceAlerts.first?.countyMedian, 30))
    }

    @Test func porkAlertsMostSevereFirst() throws {
        let alerts = Self.porkExample().alerts()
        let summary = alerts.map { "\($0.severity.rawValue) \($0.kind) \($0.store ?? "-")" }
        #expect(summary == [
            "critical stock_out C",
            "critical critical_supply B",
            "warning county_at_risk -",
            "warning at_risk_supply A",
            // B (half a day left) and C (out) have posted no need on the matching desk.
            "warning post_need C",
            "warning post_need B",
            "warning price C",
        ])
        try #require(alerts.count == 7)
        // 140 / 120 = 1.17, printed with one decimal.
        #expect(alerts[2].message == "County supply of Pork is 1.2 days, below 3")
        #expect(alerts[2].messageZh == "全县猪肉可供天数 1.2 天，低于 3 天")
        #expect(alerts[4].message == "Store C: pork has 0.0 days of supply and no open need: post a need")
        #expect(alerts[5].message == "Store B: pork has 0.5 days of supply and no open need: post a need")
        #expect(alerts[6].message == "Store C: pork at 36.00 yuan, above 1.2× the store's own 7-day median")
    }

    @Test func noSalesAtAll() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S02")],
            stock: [
                F.stock("S01", "rice", "2020-02-09", onHand: 300),
                F.stock("S01", "rice", "2020-02-10", onHand: 200, price: 500),
                F.stock("S02", "rice", "2020-02-10", onHand: 100),
            ]
        )
        let rice = snapshot.supply().commodities[0]
        // Σ on hand 200 + 100 = 300 (S01's latest, not 300 + 200); Σ sales 0: days none, adequate.
        #expect(rice.onHand == 300)
        #expect(rice.avgDailySales == 0)
        #expect(rice.daysOfSupply == nil)
        #expect(rice.band == .adequate)
        let s01 = try #require(snapshot.supply().stores.first { $0.store == "S01" })
        #expect(s01.avgDailySales == nil)
        #expect(s01.daysOfSupply == nil)
        #expect(s01.band == .adequate)
    }

    @Test func aDateWithNoData() {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"),
            stores: [F.store("S01"), F.store("S02")], fleet: Self.fresh(["S01", "S02"])
        )
        let supply = snapshot.supply()
        #expect(supply.commodities.count == Commodity.defaults.count)
        for row in supply.commodities {
            #expect(row.band == .noData, "\(row.commodity)")
            #expect(row.onHand == 0)
            #expect(row.avgDailySales == 0)
            #expect(row.daysOfSupply == nil)
            #expect(row.priceMin == nil)
            #expect(row.priceMedian == nil)
            #expect(row.priceMax == nil)
            #expect(row.storesExpected == 2)
            #expect(row.storesReporting == 0)
            #expect(row.storesAtRisk == 0)
        }
        #expect(supply.stores.isEmpty)
        #expect(supply.priceAlerts.isEmpty)
        let reporting = snapshot.reporting()
        // Both expected stores are missing: rate 0 / 2 = 0.
        #expect(reporting.expected == 2)
        #expect(reporting.reported == 0)
        #expect(reporting.rate == 0)
        #expect(reporting.missing == ["S01", "S02"])
        let checkpoints = snapshot.checkpointTotals()
        #expect(checkpoints.reportingStores == 0)
        #expect(checkpoints.compliantStores == 0)
        #expect(checkpoints.nonCompliant.isEmpty)
        // Only the two missing reports alert: no band is a problem.
        #expect(snapshot.alerts().map(\.kind) == ["missing_report", "missing_report"])

        // Nobody expected: the rate is 1, not a division by zero.
        let empty = CountySnapshot(date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"))
        #expect(empty.reporting().rate == 1)
        #expect(empty.reporting().expected == 0)
    }

    /// docs/views.md worked example 3: vegetables with a closure and a missing store, D = 2020-02-20.
    static func vegetableExample(date: String = "2020-02-20") -> CountySnapshot {
        CountySnapshot(
            date: F.date(date), asOf: F.instant("2020-02-20T12:00:00Z"),
            stores: [F.store("A"), F.store("B"), F.store("C")],
            statusEvents: [
                "A": [
                    F.status("A", "closed", authority: .order, since: "2020-02-18", ts: 1_000),
                    F.status("A", "open", authority: .authorised, since: "2020-02-19", ts: 2_000),
                ],
                "C": [F.status("C", "closed", authority: .order, since: "2020-02-20", ts: 3_000)],
            ],
            stock: [
                F.stock("A", "vegetables", "2020-02-17", sold: 100),
                F.stock("A", "vegetables", "2020-02-18", sold: 10),
                F.stock("A", "vegetables", "2020-02-19", sold: 80),
                F.stock("A", "vegetables", "2020-02-20", onHand: 400, sold: 120, price: 300),
                F.stock("B", "vegetables", "2020-02-17", sold: 70),
                F.stock("B", "vegetables", "2020-02-18", onHand: 150, sold: 50),
            ],
            fleet: fresh(["A", "B", "C"])
        )
    }

    @Test func closedDaysAndAStoreThatDidNotReportToday() throws {
        let snapshot = Self.vegetableExample()
        let view = snapshot.supply()
        let a = try #require(view.stores.first { $0.store == "A" })
        // A was closed on 02-18: that day's 10 is left out. (100 + 80 + 120) / 3 = 100; 400 / 100 = 4.0.
        #expect(a.avgDailySales == 100)
        #expect(close(a.daysOfSupply, 4.0))
        #expect(a.reportedToday)
        let b = try #require(view.stores.first { $0.store == "B" })
        // B: latest on hand in the window 150 (02-18); (70 + 50) / 2 = 60; 150 / 60 = 2.5; not reported today.
        #expect(b.onHand == 150)
        #expect(b.avgDailySales == 60)
        #expect(close(b.daysOfSupply, 2.5))
        #expect(!b.reportedToday)
        #expect(b.price == nil)
        // C is closed on D: no row at all.
        #expect(!view.stores.contains { $0.store == "C" })
        let veg = try #require(view.commodities.first { $0.commodity == "vegetables" })
        // County: 400 + 150 = 550; 100 + 60 = 160; 550 / 160 = 3.4375 ≥ min_days 2: adequate.
        #expect(veg.onHand == 550)
        #expect(veg.avgDailySales == 160)
        #expect(close(veg.daysOfSupply, 3.4375))
        #expect(veg.band == .adequate)
        // Expected A and B (C closed); only A reported vegetables on D.
        #expect(veg.storesExpected == 2)
        #expect(veg.storesReporting == 1)

        let reporting = snapshot.reporting()
        #expect(reporting.expected == 2)
        #expect(reporting.reported == 1)
        #expect(reporting.rate == 0.5)
        #expect(reporting.missing == ["B"])
        #expect(reporting.closed == ["C"])
    }

    @Test func theSameDataOnTheClosureDay() throws {
        let snapshot = Self.vegetableExample(date: "2020-02-18")
        let reporting = snapshot.reporting()
        // On 02-18 A is closed by order; B (reported that day) and C (no order yet) are expected; C is missing.
        #expect(reporting.closed == ["A"])
        #expect(reporting.expected == 2)
        #expect(reporting.reported == 1)
        #expect(reporting.missing == ["C"])
        let view = snapshot.supply()
        #expect(!view.stores.contains { $0.store == "A" })
        let b = try #require(view.stores.first { $0.store == "B" })
        // B on 02-18: on hand 150, (70 + 50) / 2 = 60, reported today.
        #expect(b.onHand == 150)
        #expect(b.avgDailySales == 60)
        #expect(b.reportedToday)
    }

    @Test func onlyTheTrailingSevenDaysCount() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S02")],
            stock: [
                // 02-03 is D − 7, outside the window D − 6 … D.
                F.stock("S01", "rice", "2020-02-03", onHand: 5000, sold: 1000),
                F.stock("S01", "rice", "2020-02-04", sold: 100),
                F.stock("S01", "rice", "2020-02-10", onHand: 500, sold: 100),
                // S02's last report is older than the window: it contributes nothing.
                F.stock("S02", "rice", "2020-02-03", onHand: 999, sold: 10),
            ]
        )
        let view = snapshot.supply()
        // S01: (100 + 100) / 2 = 100, not (1000 + 100 + 100) / 3 = 400; 500 / 100 = 5 days.
        try #require(view.stores.count == 1)
        #expect(view.stores[0].avgDailySales == 100)
        #expect(close(view.stores[0].daysOfSupply, 5))
        #expect(view.commodities[0].onHand == 500)
        #expect(view.commodities[0].avgDailySales == 100)
    }

    @Test func revokedStoresTakeNoPart() {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S09", revoked: true)],
            stock: [
                F.stock("S01", "rice", "2020-02-10", onHand: 500, sold: 100),
                F.stock("S09", "rice", "2020-02-10", onHand: 9000, sold: 1),
            ],
            checkpoints: [F.checkpoint("S09", checked: 40, disinfections: 1)]
        )
        let rice = snapshot.supply().commodities[0]
        #expect(rice.onHand == 500)
        #expect(rice.storesExpected == 1)
        #expect(rice.storesReporting == 1)
        let reporting = snapshot.reporting()
        #expect(reporting.expected == 1)
        #expect(!reporting.stores.contains { $0.store == "S09" })
        // Its checkpoint counts still add to the county totals, but it is not judged for compliance.
        let checkpoints = snapshot.checkpointTotals()
        #expect(checkpoints.checked == 40)
        #expect(checkpoints.openStores == 1)
        #expect(checkpoints.nonCompliant.isEmpty)
    }

    // MARK: - Units

    @Test func unitConversionChangesMassCommoditiesOnly() throws {
        let catalog = [
            Commodity(id: "pork", unit: .jin, nameEnglish: "Pork", nameChinese: "猪肉", minDays: 3),
            Commodity(id: "oil", unit: .barrel, nameEnglish: "Cooking oil", nameChinese: "食用油", minDays: 7),
            Self.rice,
        ]
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: catalog,
            stores: [F.store("S01")],
            stock: [
                F.stock("S01", "pork", "2020-02-09", price: 1000),
                F.stock("S01", "pork", "2020-02-10", onHand: 200, sold: 40, price: 1500),
                F.stock("S01", "oil", "2020-02-10", onHand: 30, sold: 3, price: 6000),
                F.stock("S01", "rice", "2020-02-10", onHand: 100, sold: 10, price: 500),
            ]
        )
        let kg = snapshot.supply(unit: .kg)
        #expect(kg.unit == "kg")
        let pork = try #require(kg.commodities.first { $0.commodity == "pork" })
        // 1 jin = 0.5 kg: f = 0.5. 200 jin = 100 kg, 40 jin/day = 20 kg/day, 100 / 20 = 5 days (as 200 / 40).
        #expect(pork.unit == "kg")
        #expect(close(pork.onHand, 100))
        #expect(close(pork.avgDailySales, 20))
        #expect(close(pork.daysOfSupply, 5))
        // 15.00 yuan/jin ÷ 0.5 = 30.00 yuan/kg.
        #expect(close(pork.priceMin, 30))
        #expect(close(pork.priceMedian, 30))
        #expect(close(pork.priceMax, 30))
        let porkStore = try #require(kg.stores.first { $0.commodity == "pork" })
        #expect(close(porkStore.onHand, 100))
        #expect(close(porkStore.avgDailySales, 20))
        #expect(close(porkStore.price, 30))
        // Alert in kg: own median 10.00 yuan/jin = 20.00 yuan/kg; 30 > 1.2 × 20 = 24.
        let alert = try #require(kg.priceAlerts.first { $0.commodity == "pork" })
        #expect(close(alert.price, 30))
        #expect(close(alert.ownMedian, 20))
        #expect(close(alert.countyMedian, 30))
        // Barrels are not a mass: unchanged. Rice is already in kg: unchanged.
        let oil = try #require(kg.commodities.first { $0.commodity == "oil" })
        #expect(oil.unit == "barrel")
        #expect(oil.onHand == 30)
        #expect(oil.avgDailySales == 3)
        #expect(close(oil.priceMedian, 60))
        let rice = try #require(kg.commodities.first { $0.commodity == "rice" })
        #expect(rice.unit == "kg")
        #expect(rice.onHand == 100)
        #expect(close(rice.priceMedian, 5))

        // Without a unit: catalog units.
        let plain = snapshot.supply()
        #expect(plain.unit == nil)
        let porkJin = try #require(plain.commodities.first { $0.commodity == "pork" })
        #expect(porkJin.unit == "jin")
        #expect(porkJin.onHand == 200)
        #expect(porkJin.avgDailySales == 40)
        #expect(close(porkJin.priceMedian, 15))
    }

    // MARK: - Price alerts

    @Test func priceAlertAgainstTheStoresOwnMedian() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S02"), F.store("S03"), F.store("S04")],
            stock: [
                // S01: own median of 5.00, 5.00, 6.00 = 5.00; 6.01 > 6.00: alert.
                F.stock("S01", "rice", "2020-02-07", price: 500),
                F.stock("S01", "rice", "2020-02-08", price: 500),
                F.stock("S01", "rice", "2020-02-09", price: 600),
                F.stock("S01", "rice", "2020-02-10", price: 601),
                // S02: the only earlier price is on D − 7 (inside the own-median window): 5.00; 6.00 = 1.2× exactly: no alert.
                F.stock("S02", "rice", "2020-02-03", price: 500),
                F.stock("S02", "rice", "2020-02-10", price: 600),
                // S03: no history, tested against the county only.
                F.stock("S03", "rice", "2020-02-10", price: 600),
                // S04: its earlier price is on D − 8, outside the window: no own median (4.00 would alert 7.00).
                F.stock("S04", "rice", "2020-02-02", price: 400),
                F.stock("S04", "rice", "2020-02-10", price: 700),
            ]
        )
        let alerts = snapshot.supply().priceAlerts
        // County median of 6.00, 6.00, 6.01, 7.00 = (6.00 + 6.01) / 2 = 6.005; 1.2 × 6.005 = 7.206: no county alert.
        #expect(alerts.map(\.store) == ["S01"])
        let a = try #require(alerts.first)
        #expect(close(a.price, 6.01))
        #expect(close(a.ownMedian, 5.00))
        #expect(close(a.countyMedian, 6.005))
        #expect(a.reason == "above 1.2× the store's own 7-day median")
    }

    @Test func priceAlertAgainstTodaysCountyMedian() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: ["S01", "S02", "S03", "S04", "S05"].map { F.store($0) },
            stock: [
                F.stock("S01", "rice", "2020-02-10", price: 500),
                F.stock("S02", "rice", "2020-02-10", price: 500),
                F.stock("S03", "rice", "2020-02-10", price: 500),
                F.stock("S04", "rice", "2020-02-10", price: 600),
                F.stock("S05", "rice", "2020-02-10", price: 601),
            ]
        )
        // Median of 5.00, 5.00, 5.00, 6.00, 6.01 = 5.00; 1.2 × 5.00 = 6.00: S04 (exactly 6.00) no, S05 (6.01) yes.
        let alerts = snapshot.supply().priceAlerts
        #expect(alerts.map(\.store) == ["S05"])
        #expect(alerts.first?.reason == "above 1.2× today's county median")
        #expect(alerts.first?.ownMedian == nil)
        #expect(close(alerts.first?.countyMedian, 5.00))
        #expect(snapshot.supply().commodities[0].priceMedian == 5.00)
    }

    @Test func bothReasonsAtOnce() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), catalog: [Self.rice],
            stores: ["S01", "S02", "S03"].map { F.store($0) },
            stock: [
                F.stock("S01", "rice", "2020-02-09", price: 500),
                F.stock("S01", "rice", "2020-02-10", price: 900),
                F.stock("S02", "rice", "2020-02-10", price: 500),
                F.stock("S03", "rice", "2020-02-10", price: 500),
            ]
        )
        // Own: 9.00 > 1.2 × 5.00 = 6.00. County median of 5, 5, 9 = 5: 9.00 > 6.00.
        let alert = try #require(snapshot.supply().priceAlerts.first)
        #expect(alert.reason == "above 1.2× the store's own 7-day median; above 1.2× today's county median")
    }

    // MARK: - Reporting

    /// A deadline of 00:00: the end of the day itself.
    static var midnightDeadline: ViewSettings {
        var settings = ViewSettings()
        settings.reportDeadlineMinutes = 0
        return settings
    }

    @Test func lateDeadlineIsNoonOfTheNextDayChinaTimeUnlessSetOtherwise() throws {
        let snapshot = CountySnapshot(date: F.date("2020-02-10"), asOf: F.instant("2020-02-11T00:00:00Z"))
        // 12:00 on 02-11 in UTC+8 is 04:00 on 02-11 UTC.
        #expect(snapshot.lateDeadline == F.instant("2020-02-11T04:00:00Z"))
        #expect(snapshot.reportingWindowStart == F.instant("2020-02-09T16:00:00Z"))
        let midnight = CountySnapshot(date: F.date("2020-02-10"), asOf: F.instant("2020-02-11T00:00:00Z"), settings: Self.midnightDeadline)
        // 00:00 on 02-11 in UTC+8 is 16:00 on 02-10 UTC.
        #expect(midnight.lateDeadline == F.instant("2020-02-10T16:00:00Z"))
        #expect(try TimeOfDay("09:30").minutes == 570 && TimeOfDay(minutes: 570).description == "09:30")
        for bad in ["24:00", "9:30", "12:60", "noon", "12:00:00", "１２:００"] {
            #expect(throws: DomainError.self, "\(bad)") { try TimeOfDay(bad) }
        }
    }

    @Test func reportingExpectedReportedMissingLateStaleClosed() throws {
        func arrival(_ iso: String) -> ReportArrival { ReportArrival(receivedAt: F.instant(iso), recordedAt: F.instant(iso)) }
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-11T02:00:00Z"), settings: Self.midnightDeadline,
            stores: ["S01", "S02", "S03", "S04", "S05", "S06"].map { F.store($0, revoked: $0 == "S05") },
            statusEvents: ["S04": [F.status("S04", "closed", authority: .store, since: "2020-02-09", ts: 5)]],
            stock: [
                F.stock("S01", "rice", "2020-02-10", onHand: 10),
                F.stock("S06", "rice", "2020-02-10", onHand: 10),
                F.stock("S03", "rice", "2020-02-09", onHand: 10),  // the day before: does not count for D
                F.stock("S05", "rice", "2020-02-10", onHand: 10),
            ],
            checkpoints: [F.checkpoint("S02", checked: 5)],  // a checkpoint record alone counts as reported
            arrivals: [
                "S01": arrival("2020-02-10T15:59:59Z"),  // one second before the deadline: on time
                "S02": arrival("2020-02-10T16:00:01Z"),  // one second after: late, still reported
                "S06": arrival("2020-02-10T16:00:00Z"),  // exactly midnight China time: not after it
            ],
            fleet: [
                F.device("S01", replica: "S01.a"),
                F.device("S02", replica: "S02.a", stale: true),
                F.device("S02", replica: "S02.b"),  // one fresh device is enough
                F.device("S03", replica: "S03.a", stale: true),
                F.device("S06", replica: nil, stale: true),  // never synced
                F.device("S04", replica: "S04.a", stale: true),  // closed: not expected, so not listed
            ]
        )
        let r = snapshot.reporting()
        // Expected: active and open = S01, S02, S03, S06 (S04 closed itself, S05 revoked).
        #expect(r.expected == 4)
        #expect(r.reported == 3)  // S01, S02, S06
        #expect(r.rate == 0.75)  // 3 / 4
        #expect(r.missing == ["S03"])
        #expect(r.late == ["S02"])
        #expect(r.onTime == ["S01", "S06"] && r.onTimeRate == 0.5)  // 2 of 4 expected: timeliness beside completeness
        #expect(r.deadline == "2020-02-10T16:00:00Z")
        #expect(r.stale == ["S03", "S06"])
        #expect(r.closed == ["S04"])
        #expect(r.stores.map(\.store) == ["S01", "S02", "S03", "S04", "S06"])
        let s02 = try #require(r.stores.first { $0.store == "S02" })
        #expect(s02.receivedAt == "2020-02-10T16:00:01Z")
        #expect(s02.late && !s02.onTime)
        #expect(s02.reported)
        #expect(!s02.stale)
        #expect(r.asOf == "2020-02-11T02:00:00Z")
        #expect(r.date == "2020-02-10")
    }

    // MARK: - Store status

    @Test func closureOrderStandsUntilTheBureauLiftsIt() {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-12"), asOf: F.instant("2020-02-12T12:00:00Z"), stores: [F.store("S01")],
            statusEvents: [
                "S01": [
                    F.status("S01", "closed", authority: .order, since: "2020-02-05", ts: 100),
                    // The store records itself open later, by date and by clock: the order still stands.
                    F.status("S01", "open", authority: .store, since: "2020-02-07", ts: 200),
                    // The bureau authorises it from 02-09.
                    F.status("S01", "open", authority: .authorised, since: "2020-02-09", ts: 300),
                    // The store closes itself from 02-11.
                    F.status("S01", "closed", authority: .store, since: "2020-02-11", ts: 400),
                ]
            ]
        )
        let openDays = (4...12).map { snapshot.isOpen("S01", day: F.day(String(format: "2020-02-%02d", $0))) }
        // 04: no event yet (open); 05–08: ordered closed; 09–10: authorised; 11–12: closed by the store.
        #expect(openDays == [true, false, false, false, false, true, true, false, false])
        #expect(snapshot.reporting().closed == ["S01"])
    }

    @Test func sameSinceTheLaterClockWins() {
        func snapshot(orderTs: UInt64, authorisedTs: UInt64) -> CountySnapshot {
            CountySnapshot(
                date: F.date("2020-02-12"), asOf: F.instant("2020-02-12T12:00:00Z"), stores: [F.store("S01")],
                statusEvents: [
                    "S01": [
                        F.status("S01", "closed", authority: .order, since: "2020-02-12", ts: orderTs),
                        F.status("S01", "open", authority: .authorised, since: "2020-02-12", ts: authorisedTs),
                    ]
                ]
            )
        }
        #expect(snapshot(orderTs: 10, authorisedTs: 11).isOpen("S01", day: F.day("2020-02-12")))
        #expect(!snapshot(orderTs: 11, authorisedTs: 10).isOpen("S01", day: F.day("2020-02-12")))
    }

    @Test func aStoreMayCloseAndReopenItself() {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-12"), asOf: F.instant("2020-02-12T12:00:00Z"), catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S02")],
            statusEvents: [
                "S01": [
                    F.status("S01", "closed", authority: .store, since: "2020-02-10", ts: 10),
                    F.status("S01", "open", authority: .store, since: "2020-02-12", ts: 20),
                ],
                "S02": [F.status("S02", "closed", authority: .store, since: "2020-02-11", ts: 30)],
            ],
            stock: [
                F.stock("S01", "rice", "2020-02-11", sold: 999),  // closed that day: not averaged
                F.stock("S01", "rice", "2020-02-12", onHand: 300, sold: 100),
                F.stock("S02", "rice", "2020-02-12", onHand: 50, sold: 50),  // closed on D: left out
            ]
        )
        #expect(!snapshot.isOpen("S01", day: F.day("2020-02-11")))
        #expect(snapshot.isOpen("S01", day: F.day("2020-02-12")))
        let rice = snapshot.supply().commodities[0]
        // Only S01 counts: on hand 300, sales 100 (999 on a closed day is left out): 3 days.
        #expect(rice.onHand == 300)
        #expect(rice.avgDailySales == 100)
        #expect(close(rice.daysOfSupply, 3))
        #expect(rice.storesExpected == 1)
        #expect(snapshot.reporting().closed == ["S02"])
    }

    // MARK: - Checkpoints

    @Test func checkpointTotalsAndDisinfectionCompliance() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"),
            stores: [F.store("S01"), F.store("S02"), F.store("S03"), F.store("S04")],
            statusEvents: ["S04": [F.status("S04", "closed", authority: .order, since: "2020-02-01", ts: 1)]],
            checkpoints: [
                F.checkpoint("S01", checked: 550, fever: 1, noMask: 2, staff: 10, disinfections: 4),  // exactly 4: compliant
                F.checkpoint("S02", checked: 300, fever: 0, noMask: 3, staff: 8, disinfections: 3),  // 3 < 4
            ],
            fleet: Self.fresh(["S01", "S02", "S03"]),
            incidents: 2
        )
        let c = snapshot.checkpointTotals()
        // 550 + 300 = 850 checked; 1 + 0 fever; 2 + 3 no mask; 10 + 8 staff; 4 + 3 = 7 rounds.
        #expect(c.checked == 850)
        #expect(c.refusedFever == 1)
        #expect(c.refusedNoMask == 5)
        #expect(c.staffChecked == 18)
        #expect(c.disinfections == 7)
        #expect(c.requiredDisinfections == 4)
        #expect(c.incidents == 2)
        // Open: S01, S02, S03 (S04 closed by order). S03 sent no checkpoint record: not non-compliant.
        #expect(c.openStores == 3)
        #expect(c.reportingStores == 2)
        #expect(c.compliantStores == 1)
        #expect(c.nonCompliant == ["S02"])
        let s03 = try #require(c.stores.first { $0.store == "S03" })
        #expect(!s03.reported)
        #expect(!s03.compliant)
        #expect(c.stores.map(\.store) == ["S01", "S02", "S03"])
        // Alerts: S03 missing (no stock, no checkpoint) and S02's disinfection shortfall.
        let kinds = snapshot.alerts().map { "\($0.kind) \($0.store ?? "-")" }
        #expect(kinds == ["missing_report S03", "disinfection S02"])
    }

    @Test func staleLateAndClockSkewAlerts() throws {
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-11T02:00:00Z"), settings: Self.midnightDeadline, catalog: [Self.rice],
            stores: [F.store("S01"), F.store("S02"), F.store("S03")],
            stock: [
                F.stock("S01", "rice", "2020-02-10", onHand: 10),
                F.stock("S02", "rice", "2020-02-10", onHand: 10),
                F.stock("S03", "rice", "2020-02-10", onHand: 10),
            ],
            arrivals: ["S02": ReportArrival(receivedAt: F.instant("2020-02-10T17:00:00Z"), recordedAt: F.instant("2020-02-10T09:00:00Z"))],
            fleet: [
                F.device("S01", replica: "S01.a", skewMs: 300_000),  // exactly 5 min: no alert
                F.device("S01", replica: "S01.b", skewMs: -360_000),  // 6 min behind: alert
                F.device("S02", replica: "S02.a", future: 1),  // a change from the future: alert
                F.device("S03", replica: "S03.a", stale: true),
            ]
        )
        let alerts = snapshot.alerts()
        #expect(alerts.map { "\($0.severity.rawValue) \($0.kind) \($0.store ?? "-")" } == [
            "warning stale_store S03",
            "info late_report S02",
            "info clock_skew S01",
            "info clock_skew S02",
        ])
        try #require(alerts.count == 4)
        #expect(alerts[0].message == "Store S03 has not synced for over 6 h")
        #expect(alerts[2].message == "device S01.b clock is off by -6 min")
    }

    /// docs/views.md: `compliant_stores` counts, of the stores that reported checkpoints, those that made
    /// the required rounds; an open store that sent nothing is never compliant, whatever the requirement.
    @Test func compliantStoresAreAmongReportingStores() {
        var settings = ViewSettings()
        settings.requiredDisinfections = 0
        let snapshot = CountySnapshot(
            date: F.date("2020-02-10"), asOf: F.instant("2020-02-10T12:00:00Z"), settings: settings,
            stores: [F.store("S01"), F.store("S02")], checkpoints: [F.checkpoint("S01", checked: 10)]
        )
        let c = snapshot.checkpointTotals()
        // S01 reported (0 ≥ 0 rounds: compliant); S02 sent nothing: neither compliant nor non-compliant.
        #expect(c.reportingStores == 1)
        #expect(c.compliantStores == 1)
        #expect(c.nonCompliant.isEmpty)
        #expect(c.stores.map(\.compliant) == [true, false])
    }
}
