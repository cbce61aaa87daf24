import BaogongHub
import BaogongModel
import Foundation

/// Scenario 7: the county views on a hub holding S stores × 7 commodities × D days of stock reports
/// (and a checkpoint count per store and day), loaded through `HubDatabase.sync` as agents would.
/// The supply view is timed in process and over HTTP, the dashboard page over HTTP (GET / with an
/// operator's bearer token): cold on a hub without the views' cache (every request reads its
/// snapshot), then warm on one with it, with no new data and after syncs of other dates.
struct ViewsScenario {
    var stores: Int
    var days: Int
    var repetitions: Int
    var directory: URL
    static let name = "7 views"

    func run() async throws -> [ResultRow] {
        let path = directory.appendingPathComponent("hub-views.sqlite").path
        Files.removeDatabase(path)
        let database = try HubDatabase.open(path: path)
        var cold = HubContext.quiet(database)
        cold.viewCache = nil
        let hub = try await RunningHub.start(cold)
        let cache = ViewCache()
        var warmContext = HubContext.quiet(database)
        warmContext.viewCache = cache
        let warm = try await RunningHub.start(warmContext)
        do {
            var rows = try await measure(hub, database)
            rows += try await measureWarm(warm, cache, database)
            await hub.stop()
            await warm.stop()
            return rows
        } catch {
            await hub.stop()
            await warm.stop()
            throw error
        }
    }

    /// The same requests on a hub with the views' cache: with no new data, and right after a sync of
    /// another date (a store's report for the day after: the window of the date viewed is untouched).
    func measureWarm(_ hub: RunningHub, _ cache: ViewCache, _ database: HubDatabase) async throws -> [ResultRow] {
        let token = try await database.addOperator(name: "bench warm operator").token
        let date = CalendarDate(dayNumber: Workload.firstDay.dayNumber + days - 1)
        let getter = HTTPGetter()
        _ = try await getter.get("\(hub.url)/v1/views/supply?date=\(date)", bearer: token)
        var supply = LatencySample(), dashboard = LatencySample(), afterSync = LatencySample(), dashboardAfterSync = LatencySample()
        for _ in 0..<repetitions {
            supply.add(try await Measure.time { try await getter.get("\(hub.url)/v1/views/supply?date=\(date)", bearer: token) }.1)
            dashboard.add(try await Measure.time { try await getter.get("\(hub.url)/?date=\(date)&lang=en", bearer: token) }.1)
        }
        // Syncs that change data, but not the date viewed: the next request keeps the stock window.
        let later = date.adding(days: 1)
        for r in 0..<repetitions {
            let store = Workload.storeID(1 + r % stores)
            let change = Change(
                set: "stock", key: "\(store)/rice/\(later)", timestamp: HLCTimestamp(milliseconds: Workload.nowMilliseconds(), counter: 0),
                replica: nil, fields: ["on_hand": .real(Double(100 + r)), "price": .int(520)]
            )
            let request = SyncRequest(
                store: store, replica: Workload.replica(ofStore: store) + "x", cursor: 0, upto: 1, pending: 0,
                sentAt: Int64(Workload.nowMilliseconds()), changes: [change]
            )
            _ = try await database.sync(request, store: store)
            afterSync.add(try await Measure.time { try await getter.get("\(hub.url)/v1/views/supply?date=\(date)", bearer: token) }.1)
            _ = try await database.sync(request, store: store)  // a replay: changes nothing
            dashboardAfterSync.add(try await Measure.time { try await getter.get("\(hub.url)/?date=\(date)&lang=en", bearer: token) }.1)
        }
        func pair(_ s: LatencySample) -> String { "\(Format.milliseconds(s.p50)) / \(Format.milliseconds(s.p95))" }
        let targeted = stores >= 1_000 && stores < 10_000 && days >= 90
        let counts = cache.statistics
        return [
            ResultRow(Self.name, "warm GET /v1/views/supply, no new data p50 / p95", supply.p50, unit: "s", display: pair(supply),
                      target: targeted ? "p95 < 10 ms" : nil, met: targeted ? supply.p95 < 0.01 : nil),
            ResultRow(Self.name, "warm GET / dashboard, no new data p50 / p95", dashboard.p50, unit: "s", display: pair(dashboard),
                      target: targeted ? "p95 < 10 ms" : nil, met: targeted ? dashboard.p95 < 0.01 : nil),
            ResultRow(Self.name, "GET /v1/views/supply after a sync of another date p50 / p95", afterSync.p50, unit: "s",
                      display: pair(afterSync)),
            ResultRow(Self.name, "GET / after a sync of another date p50 / p95", dashboardAfterSync.p50, unit: "s",
                      display: pair(dashboardAfterSync)),
            ResultRow(Self.name, "cache: hits / stock kept / supply kept / read afresh", Double(counts.hits), unit: "",
                      display: "\(counts.hits) / \(counts.stockKept) / \(counts.supplyKept) / \(counts.misses)"),
        ]
    }

    func measure(_ hub: RunningHub, _ database: HubDatabase) async throws -> [ResultRow] {
        let (operatorToken, loadSeconds) = try await Measure.time { try await load(database) }
        let records = stores * 7 * days
        Progress.note("views: loaded \(Format.count(records)) stock records of \(stores) stores in \(Int(loadSeconds)) s")
        let date = CalendarDate(dayNumber: Workload.firstDay.dayNumber + days - 1)

        var snapshot = LatencySample(), supply = LatencySample()
        for _ in 0..<repetitions {
            let (s, t) = try await Measure.time { try await database.snapshot(date: date) }
            snapshot.add(t)
            supply.add(t + Measure.time { _ = s.supply() }.1)
        }
        let getter = HTTPGetter()
        var supplyHTTP = LatencySample(), dashboard = LatencySample()
        var supplyBytes = 0, pageBytes = 0
        for _ in 0..<repetitions {
            let (json, t1) = try await Measure.time {
                try await getter.get("\(hub.url)/v1/views/supply?date=\(date)", bearer: operatorToken)
            }
            supplyHTTP.add(t1)
            supplyBytes = json.count
            let (page, t2) = try await Measure.time { try await getter.get("\(hub.url)/?date=\(date)&lang=en", bearer: operatorToken) }
            dashboard.add(t2)
            pageBytes = page.count
        }
        func pair(_ s: LatencySample) -> String { "\(Format.milliseconds(s.p50)) / \(Format.milliseconds(s.p95))" }
        let scale = "\(stores) stores × 7 × \(days) days"
        // The targets are set for a county of 1,000 stores over 90 days (p95 < 100 ms) and for a
        // province of 10,000 (the supply view cold, p95 < 400 ms); not for the --quick sizes.
        let province = stores >= 10_000 && days >= 90
        let targeted = stores >= 1_000 && days >= 90 && !province
        return [
            ResultRow(Self.name, "hub of \(scale) (\(Format.count(records)) stock records)", loadSeconds, unit: "s",
                      display: String(format: "loaded in %.0f s", loadSeconds)),
            ResultRow(Self.name, "snapshot(date:) in process p50 / p95", snapshot.p50, unit: "s", display: pair(snapshot)),
            ResultRow(Self.name, "supply view in process (snapshot + supply()) p50 / p95", supply.p50, unit: "s", display: pair(supply)),
            ResultRow(Self.name, "GET /v1/views/supply p50 / p95", supplyHTTP.p50, unit: "s",
                      display: pair(supplyHTTP) + " (\(Format.bytes(Double(supplyBytes))))",
                      target: province ? "p95 < 400 ms" : targeted ? "p95 < 100 ms" : nil,
                      met: province ? supplyHTTP.p95 < 0.4 : targeted ? supplyHTTP.p95 < 0.1 : nil),
            ResultRow(Self.name, "GET / dashboard p50 / p95", dashboard.p50, unit: "s",
                      display: pair(dashboard) + " (\(Format.bytes(Double(pageBytes))))",
                      target: targeted ? "p95 < 100 ms" : nil, met: targeted ? dashboard.p95 < 0.1 : nil),
            ResultRow(Self.name, "requests per measure", Double(repetitions), unit: "", display: "\(repetitions)"),
        ]
    }

    /// Enrols the stores and syncs each one's days of reports; closes a few stores by order.
    /// Returns an operator token.
    func load(_ hub: any HubStore) async throws -> String {
        var cursor: Int64 = 0
        for i in 1...stores {
            let store = Workload.storeID(i)
            _ = try await hub.addStore(id: store, name: "Store \(i)", township: "Township \(i % 15)", kind: .supermarket)
            var changes = Workload.changes(store: store, count: 7 * days)
            for d in 0..<days {
                let date = CalendarDate(dayNumber: Workload.firstDay.dayNumber + d)
                changes.append(Change(
                    set: "checkpoint", key: "\(store)/\(date)", timestamp: changes.last!.timestamp, replica: nil,
                    counters: ["checked": Int64(1_200 + (i * 7 + d) % 800), "refused_fever": Int64(d % 3 == 0 ? 1 : 0),
                               "refused_no_mask": 6, "staff_checked": 40, "disinfections": d % 12 == 0 ? 3 : 4]
                ))
            }
            let request = SyncRequest(
                store: store, replica: Workload.replica(ofStore: store), cursor: cursor, upto: Int64(changes.count), pending: 0,
                sentAt: Int64(Workload.nowMilliseconds()), changes: changes
            )
            cursor = try await hub.sync(request, store: store, now: Date()).cursor
        }
        for i in stride(from: 1, through: stores, by: 37) {
            try await hub.setStoreStatus(store: Workload.storeID(i), open: false, authority: .order, reason: "Closed by order",
                                   since: CalendarDate(dayNumber: Workload.firstDay.dayNumber + days / 2))
        }
        return try await hub.addOperator(name: "bench operator").token
    }
}
