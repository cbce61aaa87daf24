import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation
import Logging
import UnixSignals

/// A clock the demo moves forward day by day; the hub and every agent read the time from it.
final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func now() -> Date { lock.withLock { date } }
    func set(_ newDate: Date) { lock.withLock { date = max(date, newDate) } }
}

extension RunningHub {
    /// Runs `body` while this hub serves, stopping the hub if `body` fails; then stops it, or with
    /// `exitAfter` false keeps serving `what` until SIGTERM or SIGINT.
    func present(_ what: String, exitAfter: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await stop()
            throw error
        }
        if exitAfter {
            await stop()
        } else {
            print("\nServing \(what) until Ctrl-C …")
        }
        fflush(nil)  // flush the board even when standard output is a file or a pipe
        try await wait()
    }
}

/// Runs the county demo: a real hub on a loopback port, one agent replica per store device, each
/// with its own SQLite file, recording 24 Jan – 29 Feb 2020 day by day and syncing over HTTP.
///
/// Agents run in this process (not as one process per command) so that the whole month can be
/// simulated on a clock that moves day by day, and the demo finishes in seconds.
public struct DemoRunner {
    var seed: UInt64
    var directory: URL
    var port: Int
    var exitAfterPrinting: Bool
    var logger: Logger
    /// Print the county board at the end (the city demo prints the city's instead).
    var printsBoard = true

    public init(seed: UInt64, directory: URL, port: Int, exitAfterPrinting: Bool, logger: Logger, printsBoard: Bool = true) {
        self.printsBoard = printsBoard
        self.seed = seed
        self.directory = directory
        self.port = port
        self.exitAfterPrinting = exitAfterPrinting
        self.logger = logger
    }

    struct Device {
        var site: CountyScenario.Site
        var index: Int
        var database: AgentDatabase
        var client: SyncClient
    }

    public func run() async throws {
        let started = ContinuousClock.now
        let clock = SimulatedClock(CountyScenario.time(CountyScenario.firstDay.adding(days: -1), hour: 9))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("agents"), withIntermediateDirectories: true)
        let hubPath = directory.appendingPathComponent("hub.sqlite").path
        let hub = try HubDatabase.open(path: hubPath, now: clock.now())

        var tokens = [String: String]()
        for site in CountyScenario.sites + CountyScenario.suppliers {
            tokens[site.id] = try await hub.addStore(
                id: site.id, name: "\(site.name) \(site.nameChinese)", township: site.township, kind: site.kind, now: clock.now()
            )
        }
        let operatorToken = try await hub.addOperator(name: "demo operator", role: .admin, now: clock.now()).token

        let context = HubContext(database: hub, logger: logger, clock: { clock.now() })
        let running = try await RunningHub.start(context, port: port, shutdownSignals: [.sigterm, .sigint])
        try await running.present("the dashboard", exitAfter: exitAfterPrinting) {
            try await simulate(hub: hub, hubURL: running.url, tokens: tokens, clock: clock)
            if printsBoard {
                try await printBoard(hub: hub, url: running.url, operatorToken: operatorToken, clock: clock, started: started)
            }
        }
    }

    func simulate(hub: HubDatabase, hubURL: String, tokens: [String: String], clock: SimulatedClock) async throws {
        var random = SeededRandom(seed: seed)
        var devices = [Device]()
        for site in CountyScenario.sites {
            for i in 0..<site.devices {
                let path = directory.appendingPathComponent("agents/\(site.id)-\(i + 1).sqlite").path
                let database = try AgentDatabase.create(path: path, store: site.id, hub: hubURL, token: tokens[site.id]!)
                let client = SyncClient(database: database, logger: logger, clock: { clock.now() })
                devices.append(Device(site: site, index: i, database: database, client: client))
            }
        }
        // Sites offline for a few days mid-month (they catch up when the link returns), and one
        // whose link is down on the last evening.
        let candidates = devices.filter { isOpen($0.site, on: CountyScenario.lastDay) && $0.index == 0 }.map(\.site.id)
        var offline = [String: ClosedRange<Int>]()
        for id in candidates.shuffled(using: &random).prefix(3) {
            let start = CountyScenario.firstDay.dayNumber + Int.random(in: 8...28, using: &random)
            offline[id] = start...(start + Int.random(in: 1...3, using: &random))
        }
        let lastEvening = candidates.filter { offline[$0] == nil }.randomElement(using: &random)!
        offline[lastEvening] = CountyScenario.lastDay.dayNumber...CountyScenario.lastDay.dayNumber

        // Suppliers run the same agent, one device each; they draw nothing from the random stream, so
        // the stores' month is the same with or without them.
        for site in CountyScenario.suppliers {
            let path = directory.appendingPathComponent("agents/\(site.id)-1.sqlite").path
            let database = try AgentDatabase.create(path: path, store: site.id, hub: hubURL, token: tokens[site.id]!)
            let client = SyncClient(database: database, logger: logger, clock: { clock.now() })
            devices.append(Device(site: site, index: 0, database: database, client: client))
        }
        let matching = DemoMatching(
            hub: hub, clock: clock,
            devices: Dictionary(devices.filter { $0.index == 0 }.map { ($0.site.id, $0) }, uniquingKeysWith: { a, _ in a })
        )
        func online(_ site: String, _ day: CalendarDate) -> Bool { !(offline[site]?.contains(day.dayNumber) ?? false) }
        // Deliveries wait for a day on which both sites have a link; received ones add to the store's stock.
        // Online orders: each open supermarket's share of the source's totals, recorded every evening.
        let sizes = Dictionary(CountyScenario.supermarkets.map { ($0.id, $0.size) }, uniquingKeysWith: { a, _ in a })
        let orders = OnlineOrders.plan(sizes: sizes, lastDay: CountyScenario.lastDay) { store, day in
            let site = CountyScenario.supermarkets.first { $0.id == store }!
            return isOpen(site, on: day) && (day < CountyScenario.lastDay || online(store, day))
        }
        var waiting = MatchingScenario.deliveries
        var toReceive = [DemoMatching.Confirmed]()
        var delivered = [String: Double]()

        // Each site's own prices and starting stock.
        var onHand = [String: Double]()
        var priceFactor = [String: Double]()
        for site in CountyScenario.sites {
            priceFactor[site.id] = random.jitter(0.06)
            for b in CountyScenario.baselines {
                onHand[site.id + b.commodity] = (b.dailySales * site.size * Double.random(in: 8...12, using: &random)).rounded()
            }
        }

        var day = CountyScenario.firstDay
        while day <= CountyScenario.lastDay {
            try await hubEvents(hub: hub, day: day, clock: clock)
            func due(_ d: MatchingScenario.Delivery, evening: Bool) -> Bool {
                d.day <= day && (d.hour >= 18) == evening && online(d.store, day) && online(d.supplier, day)
            }
            // Morning: needs and offers posted, matched, accepted.
            for d in waiting where due(d, evening: false) { toReceive.append(try await matching.postAndConfirm(d, on: day)) }
            waiting.removeAll { due($0, evening: false) }
            let open = devices.filter { isOpen($0.site, on: day) }
            // Daytime: entrance checkpoints at every open site, each device counting its own entrance.
            for device in open {
                clock.set(CountyScenario.time(day, hour: 12, minute: device.index))
                let visitors = Int64(1_600 * device.site.size * random.jitter(0.2) / Double(device.site.devices))
                var counts: [String: Int64] = [
                    "checked": visitors,
                    "refused_fever": Int64.random(in: 0...1, using: &random),
                    "refused_no_mask": Int64(Double(visitors) * 0.006 * random.jitter(0.5)),
                    "staff_checked": Int64(40 * device.site.size / Double(device.site.devices)),
                ]
                if device.index == 0 { counts["disinfections"] = Int.random(in: 0..<12, using: &random) == 0 ? 3 : 4 }
                try await device.database.recordCheckpoint(CheckpointIncrement(date: day, counts: counts), now: clock.now())
                if counts["refused_fever"]! > 0 {
                    try await device.database.recordIncident(
                        temperature: 37.3 + Double(Int.random(in: 0...12, using: &random)) / 10, action: "refused",
                        time: CountyScenario.time(day, hour: 10, minute: Int.random(in: 0...59, using: &random)), now: clock.now()
                    )
                }
            }
            // Afternoon: the goods of the morning's matches arrive and are recorded.
            for c in toReceive where !c.delivery.receivedNextDay && online(c.delivery.store, day) {
                try await matching.receive(c, at: CountyScenario.time(day, hour: 16))
                delivered[c.delivery.store + c.delivery.commodity, default: 0] += c.quantity
            }
            toReceive.removeAll { !$0.delivery.receivedNextDay && online($0.delivery.store, day) }
            // Evening: each open site reports stock, sales and prices of every commodity.
            for device in open where device.index == 0 {
                clock.set(CountyScenario.time(day, hour: 18, minute: 0))
                let site = device.site
                for b in CountyScenario.baselines {
                    let key = site.id + b.commodity
                    let whole = ["bag", "case", "barrel"].contains(Commodity.defaults.first { $0.id == b.commodity }!.unit.rawValue)
                    func round(_ v: Double) -> Double { whole ? v.rounded() : (v * 10).rounded() / 10 }
                    let demand = b.dailySales * site.size * CountyScenario.demandFactor(day) * random.jitter(0.15)
                    let sold = round(min(onHand[key]!, demand))
                    let shortage = site.id == CountyScenario.vegetableShortage.store && b.commodity == "vegetables"
                        && day >= CountyScenario.vegetableShortage.from
                    let deliveryDay = (day.dayNumber + site.id.utf8.count) % Int(b.restockDays) == 0
                    let target = b.dailySales * site.size * 10
                    let matched = delivered.removeValue(forKey: key) ?? 0
                    let received = (shortage || !deliveryDay ? 0 : round(max(0, target - (onHand[key]! - sold)))) + matched
                    onHand[key] = max(0, onHand[key]! - sold + received)
                    // Fresh food costs more while panic buying lasts; the daily price moves a little.
                    let fresh = ["pork", "vegetables", "eggs"].contains(b.commodity)
                    let premium = fresh ? 0.25 * (CountyScenario.demandFactor(day) - 1) : 0
                    var price = Int64((Double(b.priceFen) * priceFactor[site.id]! * (1 + premium) * random.jitter(0.02)).rounded())
                    if site.id == CountyScenario.riceRise.store && b.commodity == "rice" && day >= CountyScenario.riceRise.from {
                        price = CountyScenario.riceRise.priceFen
                    }
                    try await device.database.recordStock(
                        StockEntry(
                            date: day, commodity: b.commodity, onHand: round(onHand[key]!), sold: sold, received: received,
                            priceFen: price, source: b.source, restockDays: b.restockDays, transportDays: b.transportDays,
                            channel: b.channel, note: shortage ? "supplier cannot deliver; urgent need posted" : nil
                        ),
                        now: clock.now()
                    )
                }
            }
            // Online orders delivered today, added by each store's first device.
            for device in open where device.index == 0 {
                if let entry = orders["\(device.site.id)/\(day)"] { try await device.database.recordDelivery(entry, now: clock.now()) }
            }
            // After the report: urgent needs of the evening, matched within minutes.
            for d in waiting where due(d, evening: true) { toReceive.append(try await matching.postAndConfirm(d, on: day)) }
            waiting.removeAll { due($0, evening: true) }
            // 20:00: every device that has a link syncs.
            for (i, device) in devices.enumerated() where !(offline[device.site.id]?.contains(day.dayNumber) ?? false) {
                clock.set(CountyScenario.time(day, hour: 20, minute: i))
                _ = try await device.client.syncOnce()
            }
            // 21:00: what an urgent match brought the evening before arrives (counted in tomorrow's stock).
            for c in toReceive where c.delivery.receivedNextDay && c.delivery.day < day && online(c.delivery.store, day) {
                try await matching.receive(c, at: CountyScenario.time(day, hour: 21))
            }
            toReceive.removeAll { $0.delivery.receivedNextDay && $0.delivery.day < day && online($0.delivery.store, day) }
            day = day.adding(days: 1)
        }
        clock.set(CountyScenario.time(CountyScenario.lastDay, hour: 22))
    }

    func isOpen(_ site: CountyScenario.Site, on day: CalendarDate) -> Bool {
        if site.kind == .market || site.kind == .supplier { return false }
        if site.id == "yongjiang" && day >= CountyScenario.yongjiangClosed { return false }
        return true
    }

    /// What the bureau did on given days: authorisations, closure orders, notices.
    func hubEvents(hub: HubDatabase, day: CalendarDate, clock: SimulatedClock) async throws {
        if day == CountyScenario.firstDay {
            clock.set(CountyScenario.time(day, hour: 13))
            for site in CountyScenario.markets {
                try await hub.setStoreStatus(
                    store: site.id, open: false, authority: .order, reason: "Farmers' markets closed by order 农贸市场停业",
                    since: day, now: clock.now()
                )
            }
            for site in CountyScenario.supermarkets + CountyScenario.malls {
                try await hub.setStoreStatus(store: site.id, open: true, authority: .authorised, reason: nil, since: day, now: clock.now())
            }
            try await hub.postNotice(
                "Farmers' markets close from 13:00 today; the 9 authorised supermarkets report stock, prices and checkpoints daily. "
                    + "农贸市场今日13时起关闭，9家授权超市每日报送库存、价格和测温情况。",
                now: clock.now()
            )
        }
        if day == (try! CalendarDate("2020-01-27")) {
            // Green-channel passes for the trucks that bring the supermarkets' goods from outside the county.
            clock.set(CountyScenario.time(day, hour: 10))
            for (i, site) in CountyScenario.supermarkets.filter({ $0.id != "yongjiang" }).enumerated() {
                for truck in 0..<8 {
                    _ = try await hub.issuePass(
                        store: site.id, plate: "湘L\(String(format: "%05d", 10_000 + 1_237 * (i * 8 + truck) % 89_999))",
                        driver: nil, cargo: "urgent living supplies 紧急生活物资", route: "Changsha / Chenzhou → Yongxing",
                        from: day, to: try! CalendarDate("2020-03-31"), now: clock.now()
                    )
                }
            }
        }
        if day == (try! CalendarDate("2020-01-29")) {
            clock.set(CountyScenario.time(day, hour: 9))
            try await hub.postNotice("The closure of farmers' markets is extended. 农贸市场延长关闭。", now: clock.now())
        }
        if day == CountyScenario.yongjiangClosed {
            clock.set(CountyScenario.time(day, hour: 8))
            try await hub.setStoreStatus(
                store: "yongjiang", open: false, authority: .order, reason: "Closed because of the epidemic 因疫情停业",
                since: day, now: clock.now()
            )
            try await hub.postNotice("Yongjiang department store closes; 8 supermarkets are monitored from today. 永江百货停业，今起监测8家超市。",
                               now: clock.now())
        }
    }

    func printBoard(hub: HubDatabase, url: String, operatorToken: String, clock: SimulatedClock, started: ContinuousClock.Instant) async throws {
        let day = CountyScenario.lastDay
        let snapshot = try await hub.snapshot(date: day, now: clock.now())
        let board = CountyBoard(snapshot)
        let (supply, reporting, checkpoints, alerts) = (board.supply, board.reporting, board.checkpoints, board.alerts)
        func named(_ ids: [String]) -> String { board.storeNames(ids, separator: ", ", none: "none") }

        print("Baogong 保供 demo — Yongxing County, \(CountyScenario.firstDay) to \(day) (seed \(seed))")
        print("Hub: \(url)   data: \(directory.path)")
        print("Sites: 9 authorised supermarkets, 7 farmers' markets (closed by order from 24 Jan), 3 malls,"
              + " \(snapshot.stores.filter { $0.kind == .supplier }.count) suppliers on the matching desk;"
              + " \(snapshot.fleet.filter { $0.replica != nil }.count) agent devices synced over HTTP.")
        for s in snapshot.stores where s.kind == .supermarket {
            print("  \(s.name)\(snapshot.isOpen(s.id, day: day.dayNumber) ? "" : "  [closed 停业]")")
        }
        print("")
        print(SupplyBoard.render(supply, date: day))
        print("")
        print("Alerts 预警 (\(alerts.count)):")
        for a in alerts.prefix(12) { print("  [\(a.severity.rawValue)] \(a.message) / \(a.messageZh)") }
        if alerts.count > 12 { print("  … and \(alerts.count - 12) more: baogong-hub alerts --db \(directory.path)/hub.sqlite") }
        print("")
        print("Reporting 报送 \(day): \(reporting.reported)/\(reporting.expected) expected sites reported;"
              + " missing: \(named(reporting.missing)); late: \(named(reporting.late)); stale: \(named(reporting.stale));"
              + " closed: \(reporting.closed.count)")
        let names = Dictionary(snapshot.stores.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for line in DemoMatching.board(snapshot.matching, names: names) { print(line) }
        let delivered = DeliveriesView(snapshot.deliveries, to: day)
        let units = Dictionary(snapshot.catalog.map { ($0.id, $0.unit.rawValue) }, uniquingKeysWith: { a, _ in a })
        let plural = ["barrel": "barrels", "bag": "bags", "case": "cases"]
        let goods = OnlineOrders.quantities.map { c, _ in
            let unit = units[c] ?? ""
            return "\(c == "noodles" ? "instant noodles" : c) \(Int64((delivered.quantities[c] ?? 0).rounded()).formatted()) \(plural[unit] ?? unit)"
        }
        print("Online orders 线上订单 to \(day): \(delivered.orders.formatted()) orders; \(goods.joined(separator: ", "));"
              + " \(Int64(delivered.revenue.rounded()).formatted()) yuan; \(delivered.served.formatted()) person-times served;"
              + " \(delivered.vehicles) vehicles, \(delivered.staff) staff, \(delivered.groups) order groups")
        let activePasses = snapshot.passes.filter { $0.isActive(on: day) }.count
        print("Green-channel passes 绿色通道通行证: \(snapshot.passes.count) issued, \(activePasses) valid on \(day)")
        print("Checkpoints 测温 \(day): checked \(checkpoints.checked), refused for fever \(checkpoints.refusedFever),"
              + " refused without mask \(checkpoints.refusedNoMask), staff checked \(checkpoints.staffChecked),"
              + " disinfections \(checkpoints.disinfections) (\(checkpoints.compliantStores)/\(checkpoints.reportingStores) reporting sites ≥ \(checkpoints.requiredDisinfections))")
        print("")
        // Two single-use links (10 minutes each), one per language.
        let zh = try await hub.createSignInLink(operatorToken: operatorToken, now: clock.now()) ?? ""
        let en = try await hub.createSignInLink(operatorToken: operatorToken, now: clock.now()) ?? ""
        print("Dashboard 看板: \(url)/login/session/\(zh)?lang=zh   (English: \(url)/login/session/\(en)?lang=en; each link works once, for 10 minutes)")
        print("Or open \(url)/ and sign in with the demo operator token: \(operatorToken)")
        let elapsed = ContinuousClock.now - started
        print("Demo data written in \(elapsed.components.seconds) s.")
    }
}
