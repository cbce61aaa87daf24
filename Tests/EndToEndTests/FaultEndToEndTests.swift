import BaogongAgent
import BaogongTestSupport
import BaogongHub
import BaogongModel
import Foundation
import Testing

/// Faults with real processes: SIGKILL mid-write, partitions. Each test ends by comparing exact
/// CRDT state: the hub must hold precisely the union of what the agents recorded.
@Suite("End to end: crashes and partitions", .serialized)
struct FaultEndToEndTests {
    /// Starts `baogong-agent` with `arguments` and SIGKILLs it after `delay`, unless it finished first.
    func runAndKill(_ arguments: [String], after delay: TimeInterval) throws -> (killed: Bool, status: Int32) {
        let p = try spawnAgent(arguments)
        let deadline = Date().addingTimeInterval(delay)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        let killed = p.isRunning
        if killed { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (killed, p.terminationStatus)
    }

    /// The record store survives a process killed in the middle of applying a batch: reopening
    /// shows all of the batch or none of it.
    @Test func aKilledImportLeavesAllOrNothing() async throws {
        let dir = try Scratch()
        let csv = dir.path("pos.csv")
        let rows = 20_000
        try stockCSV(count: rows).write(toFile: csv, atomically: true, encoding: .utf8)
        var killedMidWrite = 0
        for (i, delay) in [0.15, 0.3, 0.6, 1.0, 30.0].enumerated() {
            let db = dir.path("a\(i).sqlite")
            #expect(try agentCLI(["init", "--db", db, "--store", "S01", "--hub", "http://127.0.0.1:9", "--token", "t"]).status == 0)
            let outcome = try runAndKill(["import", "stock", "--db", db, csv], after: delay)
            let agent = try AgentDatabase.open(path: db)
            let stock = try await agent.stock(date: nil).count
            let pending = try await agent.status().pending
            #expect(stock == 0 || stock == rows, "a torn batch: \(stock) rows")
            #expect(pending == Int64(stock), "the outbox matches the records")
            if outcome.killed && stock == 0 { killedMidWrite += 1 }
            if !outcome.killed {
                #expect(outcome.status == 0)
                #expect(stock == rows)
            }
        }
        #expect(killedMidWrite >= 1, "at least one kill landed in the middle of the write")
    }

    /// SIGKILL the agent at random points of a large sync, again and again; then sync to the end.
    @Test func killingTheAgentMidSyncLosesAndDuplicatesNothing() async throws {
        let setup = try OneStore()
        let (dir, hubDB, hub, a) = (setup.dir, setup.hubDB, setup.hub, setup.agent)
        try hub.start()
        try stockCSV(count: 25_000).write(toFile: dir.path("pos.csv"), atomically: true, encoding: .utf8)
        #expect(try agentCLI(["import", "stock", "--db", a, dir.path("pos.csv")]).status == 0)
        #expect(try agentCLI(["checkpoint", "record", "--db", a, "--checked", "77", "--date", "2020-02-01"]).status == 0)
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<6 {
            let outcome = try runAndKill(["sync", "--db", a], after: Double.random(in: 0.05...0.8, using: &rng))
            if outcome.killed { kills += 1 } else { break }
        }
        #expect(kills >= 1)
        let final = try agentCLI(["sync", "--db", a])
        #expect(final.status == 0, "\(final.stderr)")
        let pending = try await AgentDatabase.open(path: a).status().pending
        #expect(pending == 0)
        hub.stop()
        let hubSets = try storeSets(HubDatabase.open(path: hubDB).store, storeID: "S01")
        let agentSets = try storeSets(AgentDatabase.open(path: a).store)
        #expect(hubSets["stock"]?.records.count == 25_000)
        #expect(hubSets == agentSets, "the hub holds exactly the agent's records")
    }

    /// SIGKILL the hub in the middle of large syncs, restart it, and sync again: nothing lost or doubled.
    @Test func killingTheHubMidSyncLosesAndDuplicatesNothing() throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        let agents = [dir.path("a"), dir.path("b")]
        for (i, a) in agents.enumerated() {
            #expect(try agentCLI(["init", "--db", a, "--store", "S01", "--hub", hub.url, "--token", token]).status == 0)
            try stockCSV(count: 15_000, salt: i).write(toFile: dir.path("pos\(i).csv"), atomically: true, encoding: .utf8)
            #expect(try agentCLI(["import", "stock", "--db", a, dir.path("pos\(i).csv")]).status == 0)
            #expect(try agentCLI(["checkpoint", "record", "--db", a, "--checked", "10", "--date", "2020-02-01"]).status == 0)
        }
        var rng = SystemRandomNumberGenerator()
        var hubKills = 0
        for round in 0..<4 {
            try hub.start()
            let syncs = try agents.map { try spawnAgent(["sync", "--db", $0]) }
            usleep(UInt32.random(in: 50_000...600_000, using: &rng))
            if syncs.contains(where: \.isRunning) { hubKills += 1 }
            hub.kill9()
            for p in syncs { p.waitUntilExit() }
            _ = round
        }
        #expect(hubKills >= 1, "the hub died mid-sync at least once")
        try hub.start()
        for a in agents {
            let r = try agentCLI(["sync", "--db", a])
            #expect(r.status == 0, "\(r.stderr)")
        }
        hub.stop()
        let hubSets = try storeSets(HubDatabase.open(path: hubDB).store, storeID: "S01")
        let expected = union(try agents.map { try storeSets(AgentDatabase.open(path: $0).store) })
        #expect(hubSets["stock"]?.records.count == 15_000, "the two devices wrote the same 15,000 keys")
        #expect(hubSets == expected)
        let checked = hubSets["checkpoint"]?.records["S01/2020-02-01"]?["checked"]
        #expect(checked == .int(20), "10 + 10 from two devices, never doubled by re-sent batches")
    }

    /// A partition: several simulated days recorded with the hub down, then everyone converges.
    @Test func agentsRecordThroughAPartitionThenConverge() async throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let tokens = ["S01": try enrol(hubDB, "S01"), "S02": try enrol(hubDB, "S02")]
        let hub = HubProcess(database: hubDB)
        let devices = [("S01", "S01-a"), ("S01", "S01-b"), ("S02", "S02-a")]
        for (store, name) in devices {
            #expect(try agentCLI(["init", "--db", dir.path(name), "--store", store, "--hub", hub.url, "--token", tokens[store]!]).status == 0)
        }
        for day in 10...14 {
            let date = "2020-02-\(day)"
            for (store, name) in devices {
                if name.hasSuffix("a") {
                    let onHand = store == "S01" ? 1000 - day : 500 - day
                    #expect(try agentCLI(["stock", "record", "--db", dir.path(name), "--commodity", "rice", "--on-hand", "\(onHand)",
                                          "--sold", "10", "--price", "5.20", "--date", date]).status == 0)
                }
                #expect(try agentCLI(["checkpoint", "record", "--db", dir.path(name), "--checked", "\(day)", "--date", date]).status == 0)
            }
            for (_, name) in devices { #expect(try agentCLI(["sync", "--db", dir.path(name)]).status == 3) }
        }
        try hub.start()
        for (_, name) in devices { #expect(try agentCLI(["sync", "--db", dir.path(name)]).status == 0) }
        hub.stop()
        let hubStore = try HubDatabase.open(path: hubDB)
        for store in ["S01", "S02"] {
            let replicas = try devices.filter { $0.0 == store }.map { try storeSets(AgentDatabase.open(path: dir.path($0.1)).store) }
            #expect(try storeSets(hubStore.store, storeID: store) == union(replicas))
        }
        let snapshot = try await hubStore.snapshot(date: CalendarDate("2020-02-14"))
        #expect(snapshot.checkpointTotals().checked == 14 * 3, "three devices counted 14 each")
        #expect(snapshot.supply().commodities.first { $0.commodity == "rice" }?.onHand == Double(986 + 486))
    }

    /// The hub is restored from an older backup (`baogong-hub backup`, taken while it serves, and
    /// put back as docs/operator.md says): what it acknowledged after the backup is gone from it, so
    /// the agent must send it again rather than believe it synced.
    @Test func aHubRestoredFromABackupGetsTheLostRecordsAgain() async throws {
        let setup = try OneStore()
        let (dir, hubDB, hub, a) = (setup.dir, setup.hubDB, setup.hub, setup.agent)
        try hub.start()
        func record(_ commodity: String) throws {
            #expect(try agentCLI(["stock", "record", "--db", a, "--commodity", commodity, "--on-hand", "10", "--price", "5",
                                  "--date", "2020-02-10"]).status == 0)
            #expect(try agentCLI(["sync", "--db", a]).status == 0)
        }
        try record("rice")
        let backup = dir.path("hub-backup.sqlite")
        let taken = try run(Executables.hub, ["backup", "--db", hubDB, "--out", backup])
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(taken.stdout.hasPrefix("backup written to \(backup)"))
        try record("pork")  // acknowledged by the hub, then lost with the restore
        hub.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: hubDB + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: hubDB)
        try hub.start()
        try record("eggs")
        hub.stop()
        let stock = try await HubDatabase.open(path: hubDB).records(set: .stock, store: "S01", date: nil, afterSeq: 0, limit: 10)
        #expect(Set(stock.compactMap { $0["commodity"]?.textValue }) == ["rice", "pork", "eggs"])
        #expect(try storeSets(HubDatabase.open(path: hubDB).store, storeID: "S01") == storeSets(AgentDatabase.open(path: a).store))
        #expect(try await AgentDatabase.open(path: a).status().pending == 0)
    }
}
