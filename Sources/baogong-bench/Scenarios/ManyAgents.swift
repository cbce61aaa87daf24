import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation

/// Scenario 4: a county of agents, each with a day of one store (seven stock reports and a
/// checkpoint count), all syncing at once to one hub over loopback HTTP. Round 0 is every agent's
/// first contact (it downloads the catalog and the store registry); later rounds are the steady
/// state. Each agent is the library's `SyncClient` on its own SQLite file and its own connection.
struct ManyAgentsScenario {
    var agents: Int
    var rounds: Int
    var directory: URL
    static let name = "4 many agents"

    struct Agent: Sendable {
        var store: String
        var database: AgentDatabase
        var client: SyncClient
    }

    struct Round {
        var seconds: Double
        var latency: LatencySample
        var failures: [String]
    }

    func run() async throws -> [ResultRow] {
        Self.raiseFileLimit()
        return try await SyncFixture.with(in: directory) { try await measure($0) }
    }

    func measure(_ fixture: SyncFixture) async throws -> [ResultRow] {
        let transport = WideHTTPTransport(connections: agents)
        let (fleet, setupSeconds) = try await Measure.time {
            var fleet = [Agent]()
            for i in 1...agents {
                let store = Workload.storeID(i)
                let database = try await fixture.agent(store: store, viaProxy: false)
                fleet.append(Agent(store: store, database: database, client: SyncClient(database: database, transport: transport)))
            }
            return fleet
        }
        Progress.note("agents: \(agents) agents enrolled and created in \(Int(setupSeconds)) s")
        var results = [Round]()
        for round in 0...rounds {
            let (_, recordSeconds) = try await Measure.time {
                for agent in fleet { try await recordDay(agent.database, day: round) }
            }
            let result = await syncAll(fleet)
            Progress.note(
                "agents round \(round): recording \(String(format: "%.1f", recordSeconds)) s, sync \(String(format: "%.2f", result.seconds)) s, "
                    + "p95 \(Format.milliseconds(result.latency.p95)), failures \(result.failures.count)"
            )
            if let first = result.failures.first { Progress.note("  first failure: \(first)") }
            results.append(result)
        }
        let stored = try Query.int(fixture.database.writer, "SELECT COUNT(*) FROM stock")
            + Query.int(fixture.database.writer, "SELECT COUNT(*) FROM checkpoint")
        let hubAlone = try await hubAloneRate(fleet.map(\.store), day: rounds + 1, hub: fixture.database)
        return report(results, hubAlone: hubAlone, stored: stored)
    }

    /// The hub's serial ceiling for these syncs: `HubDatabase.sync` called one after another with
    /// the same small batches, without HTTP, JSON or agents competing for the two cores.
    func hubAloneRate(_ stores: [String], day: Int, hub: HubDatabase) async throws -> Double {
        let date = CalendarDate(dayNumber: Workload.firstDay.dayNumber + day)
        let cursor = Int64(try Query.int(hub.writer, "SELECT COALESCE(MAX(seq), 0) FROM change_log"))
        let requests = stores.map { store in
            var changes = Workload.changes(store: store, count: 7, dayOffset: day)
            changes.append(Change(
                set: "checkpoint", key: "\(store)/\(date)", timestamp: changes.last!.timestamp, replica: nil,
                counters: ["checked": 1_600, "refused_fever": 1, "staff_checked": 40, "disinfections": 4]
            ))
            return SyncRequest(store: store, replica: Workload.replica(ofStore: store), cursor: cursor, upto: 1_000, pending: 0,
                               sentAt: Int64(Workload.nowMilliseconds()), changes: changes)
        }
        let (_, seconds) = try await Measure.time {
            for request in requests { _ = try await hub.sync(request, store: request.store) }
        }
        return Double(requests.count) / seconds
    }

    /// A day of one store: the seven commodities' stock reports (one transaction) and a checkpoint count.
    func recordDay(_ agent: AgentDatabase, day: Int) async throws {
        try await agent.importStock((0..<7).map { Workload.entry(index: $0, dayOffset: day) })
        try await agent.recordCheckpoint(CheckpointIncrement(
            date: CalendarDate(dayNumber: Workload.firstDay.dayNumber + day),
            counts: ["checked": 1_600, "refused_fever": 1, "refused_no_mask": 9, "staff_checked": 40, "disinfections": 4]
        ))
    }

    /// Every agent syncs at once; each sync's latency is its own `syncOnce` from start to finish.
    func syncAll(_ fleet: [Agent]) async -> Round {
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: Result<Double, any Error>.self) { group in
            for agent in fleet {
                group.addTask {
                    let t0 = ContinuousClock.now
                    do {
                        _ = try await agent.client.syncOnce()
                        return .success(Measure.seconds(ContinuousClock.now - t0))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all = [Result<Double, any Error>]()
            for await outcome in group { all.append(outcome) }
            return all
        }
        var round = Round(seconds: Measure.seconds(ContinuousClock.now - start), latency: LatencySample(), failures: [])
        for outcome in outcomes {
            switch outcome {
            case .success(let s): round.latency.add(s)
            case .failure(let e): round.failures.append("\(e)")
            }
        }
        return round
    }

    func report(_ results: [Round], hubAlone: Double, stored: Int) -> [ResultRow] {
        let first = results[0]
        let steady = results.dropFirst()
        let syncs = steady.reduce(0) { $0 + $1.latency.count }
        let seconds = steady.reduce(0) { $0 + $1.seconds }
        var latency = LatencySample()
        for r in steady { latency.seconds += r.latency.seconds }
        let failures = results.reduce(0) { $0 + $1.failures.count }
        let rate = Double(syncs) / seconds
        let expected = agents * 8 * results.count
        let lost = expected - stored
        let label = "\(Format.count(agents)) agents"
        return [
            ResultRow(Self.name, "\(label), first contact: syncs/s", Double(first.latency.count) / first.seconds, unit: "/s",
                      display: String(format: "%.0f /s (p95 %@)", Double(first.latency.count) / first.seconds,
                                      Format.milliseconds(first.latency.p95)),
                      note: "each agent downloads the catalog and the whole store registry"),
            ResultRow(Self.name, "\(label), steady rounds: syncs/s sustained", rate, unit: "/s",
                      display: String(format: "%.0f /s", rate), target: agents >= 1_000 ? "≥ 1,500 /s" : nil,
                      met: agents >= 1_000 ? rate >= 1_500 : nil),
            ResultRow(Self.name, "\(label), steady rounds: latency p50", latency.p50, unit: "s",
                      display: Format.milliseconds(latency.p50)),
            ResultRow(Self.name, "\(label), steady rounds: latency p95", latency.p95, unit: "s",
                      display: Format.milliseconds(latency.p95)),
            ResultRow(Self.name, "HubDatabase.sync alone, same batches, one after another", hubAlone, unit: "/s",
                      display: String(format: "%.0f /s", hubAlone),
                      note: "the hub's serial merge ceiling without HTTP, JSON and the agents"),
            ResultRow(Self.name, "syncs in steady rounds (\(results.count - 1) rounds)", Double(syncs), unit: "", display: "\(syncs)"),
            ResultRow(Self.name, "refused or failed syncs, all rounds", Double(failures), unit: "", display: "\(failures)",
                      target: "0", met: failures == 0),
            ResultRow(Self.name, "records lost (expected − stored at hub)", Double(lost), unit: "",
                      display: "\(lost) of \(expected)", target: "0", met: lost == 0),
        ]
    }

    /// A thousand agents hold a few thousand SQLite files and sockets open.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }
}
