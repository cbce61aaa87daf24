import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation
import Logging
import UnixSignals

/// `baogong-hub demo --city`: a city hub with three county hubs. Yongxing runs the full county demo;
/// two neighbouring counties run a smaller month of their own (four supermarkets each, one of them
/// with a store id Yongxing also uses). Every county's agents sync to their county hub over HTTP;
/// each county hub signs off the last day or not, and syncs upward to the city hub over HTTP; the
/// city prints its board by county and serves its dashboard.
public struct CityDemoRunner {
    var seed: UInt64
    var directory: URL
    var port: Int
    var exitAfterPrinting: Bool
    var logger: Logger

    public init(seed: UInt64, directory: URL, port: Int, exitAfterPrinting: Bool, logger: Logger) {
        self.seed = seed
        self.directory = directory
        self.port = port
        self.exitAfterPrinting = exitAfterPrinting
        self.logger = logger
    }

    struct Neighbour {
        var id: String
        var name: String
        /// Store id, name, size.
        var stores: [(String, String, Double)]
        /// Sign off the last day (审核) before syncing upward.
        var signsOff: Bool
    }

    static let neighbours = [
        Neighbour(
            id: "anren", name: "安仁县 Anren",
            stores: [("bbg-anren", "步步高安仁店 Bubugao Anren", 1.2), ("duolefu", "多乐福超市 Duolefu", 0.9),
                     ("xinhua", "新华超市 Xinhua", 0.7), ("gongxiao", "供销超市 Supply co-op", 0.6)],
            signsOff: true
        ),
        Neighbour(
            id: "guiyang", name: "桂阳县 Guiyang",
            stores: [("bbg-guiyang", "步步高桂阳店 Bubugao Guiyang", 1.6), ("hualian", "华联超市 Hualian", 1.0),
                     ("xinhua", "新华超市 Xinhua", 0.8), ("renmin", "人民路超市 Renmin Road", 0.5)],
            signsOff: false
        ),
    ]

    public func run() async throws {
        let started = ContinuousClock.now
        let lastDay = CountyScenario.lastDay
        let clock = SimulatedClock(CountyScenario.time(CountyScenario.firstDay.adding(days: -1), hour: 9))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        // Yongxing: the county demo, in its own folder.
        let yongxingDirectory = directory.appendingPathComponent("yongxing")
        try await DemoRunner(
            seed: seed, directory: yongxingDirectory, port: 0, exitAfterPrinting: true, logger: logger, printsBoard: false
        ).run()
        var counties: [(id: String, name: String, path: String)] = [
            ("yongxing", "永兴县 Yongxing", yongxingDirectory.appendingPathComponent("hub.sqlite").path)
        ]
        // The neighbours, each a hub of its own with agents syncing to it.
        for (i, neighbour) in Self.neighbours.enumerated() {
            let path = try await simulate(neighbour, seed: seed &+ UInt64(i + 1), clock: clock)
            counties.append((neighbour.id, neighbour.name, path))
        }

        // The city hub: counties enrolled, each county hub syncing upward over HTTP.
        clock.set(CountyScenario.time(lastDay, hour: 21))
        let city = try HubDatabase.open(path: directory.appendingPathComponent("city.sqlite").path, now: clock.now())
        let operatorToken = try await city.addOperator(name: "city demo operator", role: .admin, now: clock.now()).token
        let running = try await RunningHub.start(
            HubContext(database: city, logger: logger, clock: { clock.now() }), port: port, shutdownSignals: [.sigterm, .sigint]
        )
        try await running.present("the city dashboard", exitAfter: exitAfterPrinting) {
            try await city.postNotice(
                "City command centre: report stock by 12:00 daily. 市指挥部：每日12时前报送库存。", now: clock.now()
            )
            for county in counties {
                let token = try await city.addCounty(id: county.id, name: county.name, now: clock.now())
                let hub = try HubDatabase.open(path: county.path, now: clock.now())
                try await hub.setUpstream(url: running.url, token: token, county: county.id, caPEM: nil, now: clock.now())
                if county.id == "yongxing" || Self.neighbours.first(where: { $0.id == county.id })?.signsOff == true {
                    _ = try await hub.approve(date: lastDay, note: "county bureau checked 县商务局已核", now: clock.now())
                }
                _ = try await UpstreamSync(database: hub, clock: { clock.now() }).run()
            }
            try await printBoard(city: city, url: running.url, operatorToken: operatorToken, clock: clock, started: started)
        }
    }

    /// A neighbouring county's month: its hub on a loopback port, one agent per store reporting every
    /// evening and counting its entrance, each syncing at 20:00. Returns the hub's database path.
    func simulate(_ county: Neighbour, seed: UInt64, clock: SimulatedClock) async throws -> String {
        let folder = directory.appendingPathComponent(county.id)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("agents"), withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("hub.sqlite").path
        let hub = try HubDatabase.open(path: path, now: clock.now())
        let running = try await RunningHub.start(HubContext(database: hub, logger: logger, clock: { clock.now() }))
        var random = SeededRandom(seed: seed)
        var devices = [(store: String, size: Double, database: AgentDatabase, client: SyncClient)]()
        for (id, name, size) in county.stores {
            let token = try await hub.addStore(id: id, name: name, township: county.name, kind: .supermarket, now: clock.now())
            let database = try AgentDatabase.create(
                path: folder.appendingPathComponent("agents/\(id).sqlite").path, store: id, hub: running.url, token: token
            )
            devices.append((id, size, database, SyncClient(database: database, logger: logger, clock: { clock.now() })))
        }
        var onHand = [String: Double]()
        for d in devices { for b in CountyScenario.baselines { onHand[d.store + b.commodity] = b.dailySales * d.size * 6 } }
        var day = CountyScenario.firstDay
        do {
            while day <= CountyScenario.lastDay {
                for (i, d) in devices.enumerated() {
                    clock.set(CountyScenario.time(day, hour: 12, minute: i))
                    let visitors = Int64(1_400 * d.size * random.jitter(0.2))
                    try await d.database.recordCheckpoint(
                        CheckpointIncrement(
                            date: day,
                            counts: ["checked": visitors, "refused_fever": Int64.random(in: 0...1, using: &random),
                                     "staff_checked": Int64(35 * d.size), "disinfections": 4]
                        ),
                        now: clock.now()
                    )
                    clock.set(CountyScenario.time(day, hour: 18, minute: i))
                    for b in CountyScenario.baselines {
                        let key = d.store + b.commodity
                        let whole = ["bag", "case", "barrel"].contains(Commodity.defaults.first { $0.id == b.commodity }!.unit.rawValue)
                        func round(_ v: Double) -> Double { whole ? v.rounded() : (v * 10).rounded() / 10 }
                        let sold = round(min(onHand[key]!, b.dailySales * d.size * CountyScenario.demandFactor(day) * random.jitter(0.15)))
                        let restock = (day.dayNumber + i) % Int(b.restockDays) == 0
                        let received = restock ? round(max(0, b.dailySales * d.size * 9 - (onHand[key]! - sold))) : 0
                        onHand[key] = max(0, onHand[key]! - sold + received)
                        try await d.database.recordStock(
                            StockEntry(
                                date: day, commodity: b.commodity, onHand: round(onHand[key]!), sold: sold, received: received,
                                priceFen: Int64((Double(b.priceFen) * random.jitter(0.04)).rounded()), source: b.source,
                                restockDays: b.restockDays, transportDays: b.transportDays, channel: b.channel, note: nil
                            ),
                            now: clock.now()
                        )
                    }
                }
                for (i, d) in devices.enumerated() {
                    clock.set(CountyScenario.time(day, hour: 20, minute: i))
                    _ = try await d.client.syncOnce()
                }
                day = day.adding(days: 1)
            }
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
        return path
    }

    func printBoard(city: HubDatabase, url: String, operatorToken: String, clock: SimulatedClock, started: ContinuousClock.Instant)
        async throws
    {
        let day = CountyScenario.lastDay
        let snapshot = try await city.snapshot(date: day, now: clock.now())
        let supply = snapshot.supplyByCounty()
        let reporting = snapshot.reportingByCounty()
        print("Baogong 保供 city demo — three county hubs syncing upward to a city hub, \(CountyScenario.firstDay) to \(day) (seed \(seed))")
        print("City hub: \(url)   data: \(directory.path)")
        print("Counties 区县: " + snapshot.counties.map { county in "\(county.name) (\(snapshot.stores.filter { $0.county == county.id }.count) sites)" }
            .joined(separator: ", "))
        print("Store ids are qualified by county at the city: yongxing.duolefu and anren.duolefu are two stores.")
        print("")
        print("Supply by county 分区县库存 \(day): on hand · days of supply")
        let commodities = supply.total.map(\.commodity)
        let header = ["COUNTY 区县".padding(toLength: 18, withPad: " ", startingAt: 0)]
            + commodities.map { $0.padding(toLength: 16, withPad: " ", startingAt: 0) }
        print(header.joined())
        func cell(_ line: CommoditySupply?) -> String {
            guard let line else { return "–".padding(toLength: 16, withPad: " ", startingAt: 0) }
            let days = line.daysOfSupply.map { String(format: "%.1f", $0) } ?? "–"
            return "\(Int(line.onHand.rounded())) · \(days)d".padding(toLength: 16, withPad: " ", startingAt: 0)
        }
        for group in snapshot.countyGroups {
            let rows = supply.rows.filter { $0.county == group.id }
            print(
                (group.id ?? "-").padding(toLength: 18, withPad: " ", startingAt: 0)
                    + commodities.map { c in cell(rows.first { $0.line.commodity == c }?.line) }.joined()
            )
        }
        print("city 全市".padding(toLength: 18, withPad: " ", startingAt: 0) + supply.total.map { cell($0) }.joined())
        print("")
        print("Reporting by county 分区县报送 \(day) (deadline 时限 \(reporting.deadline)):")
        for row in reporting.rows + [reporting.total] {
            let approval = row.county == nil ? "" : row.approved ? "signed off 已审核 \(row.approvedAt ?? "")" : "not signed off 未审核"
            print(
                "  \((row.county ?? "total 合计").padding(toLength: 10, withPad: " ", startingAt: 0)) reported \(row.reported)/\(row.expected),"
                    + " on time \(row.onTime), late \(row.late)  \(approval)"
            )
        }
        let alerts = snapshot.alertsByCounty().rows.filter { $0.alert.severity == .critical }
        print("Critical alerts 紧急预警: \(alerts.count)")
        for a in alerts.prefix(6) { print("  \(a.county ?? "-"): \(a.alert.message) / \(a.alert.messageZh)") }
        print("")
        let link = try await city.createSignInLink(operatorToken: operatorToken, now: clock.now()) ?? ""
        print("City dashboard 全市看板: \(url)/login/session/\(link)?lang=zh  (works once, for 10 minutes; then /?by=county, /?county=anren)")
        print("Or open \(url)/ and sign in with the demo operator token: \(operatorToken)")
        print("Demo data written in \((ContinuousClock.now - started).components.seconds) s.")
    }
}
