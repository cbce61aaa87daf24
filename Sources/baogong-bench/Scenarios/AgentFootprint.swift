import BaogongAgent
import BaogongModel
import Foundation

/// Scenario 6: the real `baogong-agent` and `baogong-hub` processes. Resident memory (VmRSS) of
/// `baogong-agent run` idle and while it syncs N pending records, and the wall time of one
/// `baogong-agent stock record` command (a whole process: start, open, record, exit).
struct AgentFootprintScenario {
    var records: Int
    var stockRecordRuns: Int
    var directory: URL
    var binDirectory: String
    static let name = "6 agent footprint"

    var binaries: ReleaseBinaries { ReleaseBinaries(directory: binDirectory) }
    var agentBinary: String { binaries.agent }

    func run() async throws -> [ResultRow] {
        try binaries.check()
        let hubDB = directory.appendingPathComponent("hub.sqlite").path
        let agentDB = directory.appendingPathComponent("agent.sqlite").path
        let served = try await ServedHub.start(
            binaries, database: hubDB, stores: ["S0001"], log: directory.appendingPathComponent("hub.log").path
        )
        defer { served.stop() }
        let hub = served.process
        let (port, token) = (served.port, served.tokens["S0001"]!)
        let initialised = try Shell.run(agentBinary, ["init", "--db", agentDB, "--store", "S0001", "--hub", "http://127.0.0.1:\(port)",
                                                      "--token", token])
        guard initialised.status == 0 else { throw BenchError("agent init failed: \(initialised.stderr)") }

        // One `stock record` command, again and again (the spawn of /bin/true is the floor).
        var record = LatencySample(), spawn = LatencySample()
        for i in 0..<stockRecordRuns {
            let arguments = ["stock", "record", "--db", agentDB, "--commodity", "rice", "--on-hand", "\(1200 + i)", "--sold", "300",
                             "--price", "5.2"]
            let (status, seconds) = try Measure.time { try Shell.spawnAndWait(agentBinary, arguments) }
            guard status == 0 else {
                throw BenchError("stock record failed: \(try Shell.run(agentBinary, arguments).stderr)")
            }
            record.add(seconds)
            spawn.add(try Measure.time { _ = try Shell.spawnAndWait("/bin/true", []) }.1)
        }

        let local = try AgentDatabase.open(path: agentDB)
        let log = directory.appendingPathComponent("agent.log").path
        // Idle: `run` after its first sync, with nothing pending.
        var agent = try Shell.start(agentBinary, ["run", "--db", agentDB, "--interval", "5"], log: log)
        _ = try await waitSynced(local, agent: agent, timeout: 60)
        let idle = try await sampleRSS(agent, seconds: 6)

        // During a sync of N pending records: stop, queue them, start again.
        Shell.stop(agent)
        try await local.importStock((0..<records).map { Workload.entry(index: $0, dayOffset: 400) })
        agent = try Shell.start(agentBinary, ["run", "--db", agentDB, "--interval", "5"], log: log)
        let (peak, syncSeconds) = try await waitSynced(local, agent: agent, timeout: 300)
        let after = try await sampleRSS(agent, seconds: 6)
        let hubRSS = Measure.residentBytes(pid: hub.processIdentifier) ?? 0
        Shell.stop(agent)

        func mb(_ bytes: Double) -> String { String(format: "%.1f MB", bytes / 1_048_576) }
        let idleMedian = Measure.median(idle.map(\.rss))
        let idleAnon = Measure.median(idle.map(\.anon))
        let idleFile = Measure.median(idle.map(\.file))
        return [
            ResultRow(Self.name, "agent run: idle RSS (median of 6 s)", idleMedian, unit: "B", display: "\(mb(idleMedian)) (anon \(mb(idleAnon)), file \(mb(idleFile)))",
                      target: "< 30 MB", met: idleMedian < 30 * 1_048_576),
            ResultRow(Self.name, "agent run: peak RSS while syncing \(Format.count(records)) records", peak, unit: "B",
                      display: mb(peak)),
            ResultRow(Self.name, "agent run: that sync, process start to nothing pending", syncSeconds, unit: "s",
                      display: String(format: "%.1f s", syncSeconds)),
            ResultRow(Self.name, "agent run: idle RSS after that sync", Measure.median(after.map(\.rss)), unit: "B",
                      display: mb(Measure.median(after.map(\.rss)))),
            ResultRow(Self.name, "hub serve: RSS after it", Double(hubRSS), unit: "B", display: mb(Double(hubRSS))),
            ResultRow(Self.name, "stock record command: wall p50 / p95", record.p50, unit: "s",
                      display: "\(Format.milliseconds(record.p50)) / \(Format.milliseconds(record.p95))"),
            ResultRow(Self.name, "  (spawning /bin/true: p50)", spawn.p50, unit: "s", display: Format.milliseconds(spawn.p50)),
        ]
    }

    /// Waits until the agent has synced and nothing is pending; returns the peak RSS seen on the way
    /// (sampled every 20 ms) and the time it took.
    func waitSynced(_ local: AgentDatabase, agent: Process, timeout: Double) async throws -> (Double, Double) {
        let start = ContinuousClock.now
        var peak = 0
        var lastPoll = ContinuousClock.now
        while Measure.seconds(ContinuousClock.now - start) < timeout {
            guard agent.isRunning else { throw BenchError("baogong-agent run exited (status \(agent.terminationStatus))") }
            peak = max(peak, Measure.residentBytes(pid: agent.processIdentifier) ?? 0)
            if Measure.seconds(ContinuousClock.now - lastPoll) >= 0.1 {
                lastPoll = ContinuousClock.now
                let status = try await local.status()
                if status.pending == 0, status.lastSyncAt != nil, status.lastError == nil {
                    return (Double(peak), Measure.seconds(ContinuousClock.now - start))
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("baogong-agent run did not finish syncing within \(Int(timeout)) s")
    }

    struct Memory {
        var rss: Double
        var anon: Double
        var file: Double
    }

    func sampleRSS(_ process: Process, seconds: Double) async throws -> [Memory] {
        var samples = [Memory]()
        let start = ContinuousClock.now
        let pid = process.processIdentifier
        while Measure.seconds(ContinuousClock.now - start) < seconds {
            if let rss = Measure.residentBytes(pid: pid), let anon = Measure.residentBytes(pid: pid, field: "RssAnon"),
                let file = Measure.residentBytes(pid: pid, field: "RssFile")
            {
                samples.append(Memory(rss: Double(rss), anon: Double(anon), file: Double(file)))
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return samples
    }
}
