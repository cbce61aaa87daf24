import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation
import Logging
import PostgresNIO

/// Scenarios 1, 4 and 7 with the hub on PostgreSQL (`--postgres URL`, a server the bench may create
/// databases on), beside the same measures on SQLite in the same run:
/// - 1: `sync` (validate + merge + acknowledge) of N stock changes in batches of 5,000;
/// - 4: a county of agents syncing at once, spread over two `baogong-hub serve` processes on one
///   database, steady rounds, nothing refused or lost;
/// - 7: the supply view, cold, at S stores × 7 commodities × D days loaded through `sync`.
struct PostgresHubScenario {
    var server: PostgresLocation
    var mergeChanges: Int
    var agents: Int
    var agentRounds: Int
    var viewStores: Int
    var viewDays: Int
    var viewRepetitions: Int
    var directory: URL
    var binaries: ReleaseBinaries
    static let name = "postgres"

    func run() async throws -> [ResultRow] {
        var rows = [ResultRow]()
        rows += try await merge()
        rows += try await views()
        rows += try await manyAgents()
        return rows
    }

    /// A new, empty database on the server, named for this run.
    func newDatabase(_ tag: String) async throws -> PostgresLocation {
        let name = "bench_\(tag)_\(getpid())_\(Int(Date().timeIntervalSince1970) % 100_000)"
        try await run("CREATE DATABASE \(name)", on: server)
        var location = server
        location.database = name
        return location
    }

    /// One statement on its own connection (administration: not through the hub's store).
    func run(_ sql: String, on location: PostgresLocation) async throws {
        var configuration = try location.configuration()
        configuration.options.maximumConnections = 1
        var logger = Logger(label: "bench.postgres")
        logger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: sql))
            group.cancelAll()
        }
    }

    // MARK: 1 durable merge

    func merge() async throws -> [ResultRow] {
        let pg = try await PostgresHubStore.open(try await newDatabase("merge"))
        defer { pg.close() }
        let path = directory.appendingPathComponent("merge.sqlite").path
        Files.removeDatabase(path)
        defer { Files.removeDatabase(path) }
        let sqlite = try HubDatabase.open(path: path)
        let pgRate = try await syncRate(pg)
        let sqliteRate = try await syncRate(sqlite)
        let n = Format.count(mergeChanges)
        Progress.note("postgres merge N=\(n): \(Int(pgRate))/s (SQLite \(Int(sqliteRate))/s)")
        let targeted = mergeChanges >= 100_000
        return [
            ResultRow(DurableMergeScenario.name, "N=\(n) PostgreSQL HubStore.sync (validate+merge) /s", pgRate, unit: "/s",
                      display: Format.number(pgRate) + " /s", target: targeted ? "≥ 40,000 /s" : nil, met: targeted ? pgRate >= 40_000 : nil),
            ResultRow(DurableMergeScenario.name, "N=\(n) SQLite HubDatabase.sync, same batches, same run /s", sqliteRate, unit: "/s",
                      display: Format.number(sqliteRate) + " /s"),
            ResultRow(DurableMergeScenario.name, "N=\(n) PostgreSQL / SQLite", pgRate / sqliteRate * 100, unit: "%",
                      display: String(format: "%.0f %%", pgRate / sqliteRate * 100)),
        ]
    }

    func syncRate(_ hub: any HubStore) async throws -> Double {
        var elapsed = 0.0
        var merged = 0
        for (store, count) in DurableMergeScenario.batches(mergeChanges) {
            let request = SyncRequest(
                store: store, replica: Workload.replica(ofStore: store), cursor: 0, upto: Int64(count), pending: 0,
                sentAt: Int64(Workload.nowMilliseconds()), changes: Workload.changes(store: store, count: count)
            )
            let (response, seconds) = try await Measure.time { try await hub.sync(request, store: store, now: Date()) }
            merged += response.merged
            elapsed += seconds
        }
        guard merged == mergeChanges else { throw BenchError("postgres merge: \(merged) of \(mergeChanges) merged") }
        return Double(mergeChanges) / elapsed
    }

    // MARK: 7 views

    func views() async throws -> [ResultRow] {
        let location = try await newDatabase("views")
        let pg = try await PostgresHubStore.open(location)
        defer { pg.close() }
        let loader = ViewsScenario(stores: viewStores, days: viewDays, repetitions: viewRepetitions, directory: directory)
        let (token, loadSeconds) = try await Measure.time { try await loader.load(pg) }
        // What autovacuum does within a minute of a bulk load; without it the first plans are a
        // freshly loaded table's guesses.
        try await run("VACUUM (ANALYZE)", on: location)
        let records = viewStores * 7 * viewDays
        Progress.note("postgres views: loaded \(Format.count(records)) stock records through sync in \(Int(loadSeconds)) s")
        var context = HubContext.quiet(pg)
        context.viewCache = nil
        let hub = try await RunningHub.start(context)
        defer { Task { await hub.stop() } }
        let date = CalendarDate(dayNumber: Workload.firstDay.dayNumber + viewDays - 1)
        var snapshot = LatencySample(), supply = LatencySample(), http = LatencySample()
        let getter = HTTPGetter()
        for _ in 0..<viewRepetitions {
            let (s, t) = try await Measure.time { try await pg.snapshot(date: date, now: Date()) }
            snapshot.add(t)
            supply.add(t + Measure.time { _ = s.supply() }.1)
            http.add(try await Measure.time { try await getter.get("\(hub.url)/v1/views/supply?date=\(date)", bearer: token) }.1)
        }
        await hub.stop()
        func pair(_ s: LatencySample) -> String { "\(Format.milliseconds(s.p50)) / \(Format.milliseconds(s.p95))" }
        let scale = "\(viewStores) stores × 7 × \(viewDays) days"
        let targeted = viewStores >= 1_000 && viewDays >= 90
        return [
            ResultRow(ViewsScenario.name, "PostgreSQL hub of \(scale), loaded through sync", loadSeconds, unit: "s",
                      display: String(format: "%.0f s (%@ /s)", loadSeconds, Format.number(Double(records + viewStores * viewDays) / loadSeconds))),
            ResultRow(ViewsScenario.name, "PostgreSQL snapshot(date:) p50 / p95", snapshot.p50, unit: "s", display: pair(snapshot)),
            ResultRow(ViewsScenario.name, "PostgreSQL supply view in process p50 / p95", supply.p50, unit: "s", display: pair(supply),
                      target: targeted ? "p95 < 150 ms" : nil, met: targeted ? supply.p95 < 0.15 : nil),
            ResultRow(ViewsScenario.name, "PostgreSQL GET /v1/views/supply, cold, p50 / p95", http.p50, unit: "s", display: pair(http)),
        ]
    }

    // MARK: 4 many agents, two hub processes

    func manyAgents() async throws -> [ResultRow] {
        try binaries.check()
        let location = try await newDatabase("agents")
        let pg = try await PostgresHubStore.open(location)
        defer { pg.close() }
        let url = location.url
        var hubs = [(Process, String)]()
        defer { for (process, _) in hubs { Shell.stop(process) } }
        for i in 0..<2 {
            let port = try Network.freePort()
            let process = try Shell.start(
                binaries.hub, ["serve", "--database", url, "--port", "\(port)", "--log-level", "error"],
                log: directory.appendingPathComponent("hub-\(i).log").path
            )
            hubs.append((process, "http://127.0.0.1:\(port)"))
            try await Network.waitForHealth("http://127.0.0.1:\(port)/healthz")
        }
        ManyAgentsScenario.raiseFileLimit()
        let transport = WideHTTPTransport(connections: agents)
        var fleet = [ManyAgentsScenario.Agent]()
        for i in 1...agents {
            let store = Workload.storeID(i)
            let token = try await pg.addStore(id: store, name: "Bench \(store)", township: "Town", kind: .supermarket, now: Date())
            let path = directory.appendingPathComponent("agent-\(store).sqlite").path
            Files.removeDatabase(path)
            let database = try AgentDatabase.create(path: path, store: store, hub: hubs[i % 2].1, token: token)
            fleet.append(ManyAgentsScenario.Agent(store: store, database: database, client: SyncClient(database: database, transport: transport)))
        }
        let scenario = ManyAgentsScenario(agents: agents, rounds: agentRounds, directory: directory)
        var results = [ManyAgentsScenario.Round]()
        for round in 0...agentRounds {
            for agent in fleet { try await scenario.recordDay(agent.database, day: round) }
            let result = await scenario.syncAll(fleet)
            Progress.note("postgres agents round \(round): \(String(format: "%.2f", result.seconds)) s, failures \(result.failures.count)")
            if let first = result.failures.first { Progress.note("  first failure: \(first)") }
            results.append(result)
        }
        var stored = 0
        for set in [RecordSetSchema.stock, .checkpoint] {
            var after: Int64 = 0
            while true {
                let page = try await pg.records(set: set, store: nil, date: nil, afterSeq: after, limit: 10_000)
                stored += page.count
                guard let last = page.last?["seq"], case .int(let seq) = last, page.count == 10_000 else { break }
                after = seq
            }
        }
        let steady = results.dropFirst()
        let syncs = steady.reduce(0) { $0 + $1.latency.count }
        let seconds = steady.reduce(0) { $0 + $1.seconds }
        var latency = LatencySample()
        for r in steady { latency.seconds += r.latency.seconds }
        let rate = Double(syncs) / seconds
        let failures = results.reduce(0) { $0 + $1.failures.count }
        let expected = agents * 8 * results.count
        let label = "PostgreSQL, \(Format.count(agents)) agents over 2 hub processes"
        return [
            ResultRow(ManyAgentsScenario.name, "\(label), steady rounds: syncs/s sustained", rate, unit: "/s",
                      display: String(format: "%.0f /s (p95 %@)", rate, Format.milliseconds(latency.p95)),
                      target: agents >= 1_000 ? "≥ 1,000 /s" : nil, met: agents >= 1_000 ? rate >= 1_000 : nil),
            ResultRow(ManyAgentsScenario.name, "\(label), refused or failed syncs", Double(failures), unit: "", display: "\(failures)",
                      target: "0", met: failures == 0),
            ResultRow(ManyAgentsScenario.name, "\(label), records lost (expected − stored)", Double(expected - stored), unit: "",
                      display: "\(expected - stored) of \(expected)", target: "0", met: expected == stored),
        ]
    }
}
