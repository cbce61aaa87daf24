import BaogongAgent
import BaogongTestSupport
import BaogongHub
import BaogongModel
import Foundation
import Testing

/// The real `baogong-hub serve` and real `baogong-agent` processes on loopback.
@Suite("End to end: enrol, record offline, sync", .serialized)
struct SyncEndToEndTests {
    /// `--hub` given twice: the first address answers nothing, the agent syncs with the second,
    /// stays with it, and `status --json` names both.
    @Test func anAgentWithTwoHubsFailsOverAndSaysWhichItUses() throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        defer { hub.stop() }
        let dead = "http://127.0.0.1:\(freePort())"
        let a = dir.path("a.sqlite")
        #expect(try agentCLI(["init", "--db", a, "--store", "S01", "--hub", dead, "--hub", hub.url, "--token", token]).status == 0)
        #expect(try agentCLI(["stock", "record", "--db", a, "--commodity", "rice", "--on-hand", "10", "--price", "5.2",
                              "--date", "2020-02-10"]).status == 0)
        let synced = try agentCLI(["sync", "--db", a])
        #expect(synced.status == 0, "\(synced.stderr)")
        let status = try JSONSerialization.jsonObject(with: Data(try agentCLI(["status", "--db", a, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(status?["hub"] as? String == hub.url)
        #expect(status?["hubs"] as? [String] == [dead, hub.url])
        #expect(status?["pending"] as? Int == 0)
        let rows = try run(Executables.hub, ["supply", "--db", hubDB, "--date", "2020-02-10", "--json"]).stdout
        #expect(rows.contains("\"on_hand\" : 10"))
    }

    @Test func recordOfflineThenSyncAndSeeTheSameValuesOnTheHub() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "S01", name: "Bubugao Longmei")
        let hub = HubProcess(database: hubDB)
        let a = dir.path("a.sqlite")
        #expect(try agentCLI(["init", "--db", a, "--store", "S01", "--hub", hub.url, "--token", token]).status == 0)
        // The hub is not running: everything still records.
        #expect(try agentCLI(["stock", "record", "--db", a, "--commodity", "rice", "--on-hand", "1000", "--sold", "100",
                              "--price", "5.20", "--date", "2020-02-10", "--source", "Qijia"]).status == 0)
        #expect(try agentCLI(["checkpoint", "record", "--db", a, "--checked", "120", "--refused-fever", "1",
                              "--date", "2020-02-10"]).status == 0)
        let offline = try agentCLI(["sync", "--db", a])
        #expect(offline.status == 3)
        #expect(offline.stderr.contains("hub unreachable"))
        #expect(offline.stderr.split(separator: "\n").count == 1, "one clear line: \(offline.stderr)")
        let pendingStatus = try JSONDecoder().decode(AgentDatabase.Status.self, from: Data(try agentCLI(["status", "--db", a, "--json"]).stdout.utf8))
        #expect(pendingStatus.pending == 2)
        #expect(pendingStatus.lastError?.contains("unreachable") == true)

        try hub.start()
        _ = try run(Executables.hub, ["notices", "post", "--db", hubDB, "Keep two weeks of rice in stock"])
        let synced = try agentCLI(["sync", "--db", a, "--json"])
        #expect(synced.status == 0, "\(synced.stderr)")
        let status = try JSONDecoder().decode(AgentDatabase.Status.self, from: Data(try agentCLI(["status", "--db", a, "--json"]).stdout.utf8))
        #expect(status.pending == 0)
        #expect(status.lastError == nil)
        #expect(status.hubCursor > 0)
        #expect(try agentCLI(["status", "--db", a]).stdout.contains("all synced"))

        // The hub holds the same values.
        let supply = try run(Executables.hub, ["supply", "--db", hubDB, "--date", "2020-02-10", "--json"])
        let view = try JSONDecoder().decode(SupplyView.self, from: Data(supply.stdout.utf8))
        let rice = try #require(view.commodities.first { $0.commodity == "rice" })
        #expect(rice.onHand == 1000)
        #expect(rice.avgDailySales == 100)
        #expect(rice.priceMin == 5.2)
        let checkpoints = try run(Executables.hub, ["checkpoints", "--db", hubDB, "--date", "2020-02-10", "--json"])
        #expect(checkpoints.stdout.contains("\"checked\" : 120"))
        // Reference data came down: the notice, and the catalog now refuses unknown commodities.
        #expect(try agentCLI(["show", "notices", "--db", a]).stdout.contains("Keep two weeks of rice"))
        let unknown = try agentCLI(["stock", "record", "--db", a, "--commodity", "caviar", "--on-hand", "1", "--price", "9"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("not in the catalog"))
        // Syncing again sends nothing new.
        let again = try agentCLI(["sync", "--db", a, "--json"])
        #expect(again.stdout.contains("\"sent\" : 0"))
        hub.stop()
    }

    @Test func twoDevicesOfOneStoreAddUp() throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        for device in ["east", "west"] {
            #expect(try agentCLI(["init", "--db", dir.path(device), "--store", "S01", "--hub", hub.url, "--token", token]).status == 0)
        }
        // Both entrances count the same day at the same time.
        let group = DispatchGroup()
        let results = LockedData()
        for (device, n) in [("east", "100"), ("west", "50")] {
            group.enter()
            DispatchQueue.global().async {
                let r = try? agentCLI(["checkpoint", "record", "--db", dir.path(device), "--checked", n, "--date", "2020-02-10"])
                results.append(Data("\(r?.status ?? -1)".utf8))
                group.leave()
            }
        }
        group.wait()
        #expect(results.string == "00")
        for device in ["east", "west", "east"] { #expect(try agentCLI(["sync", "--db", dir.path(device)]).status == 0) }
        let c = try run(Executables.hub, ["checkpoints", "--db", hubDB, "--date", "2020-02-10", "--json"])
        let view = try JSONDecoder().decode(CheckpointView.self, from: Data(c.stdout.utf8))
        #expect(view.checked == 150)
        let fleet = try JSONDecoder().decode([FleetStatusRow].self, from: Data(try run(Executables.hub, ["status", "--db", hubDB, "--json"]).stdout.utf8))
        #expect(fleet.filter { $0.store == "S01" && $0.replica != nil }.count == 2)
        hub.stop()
    }

    @Test func aStoreTokenCannotWriteAnotherStoresRecordsAndARevokedTokenIsRefused() async throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let tokenA = try enrol(hubDB, "S01")
        let tokenB = try enrol(hubDB, "S02")
        let logPath = dir.path("hub.log")
        // Serve with debug logging to check that no token reaches the log.
        let hub = HubProcess(database: hubDB)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Executables.hub)
        p.arguments = ["serve", "--db", hubDB, "--port", String(hub.port), "--log-level", "trace"]
        #expect(FileManager.default.createFile(atPath: logPath, contents: nil))
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        p.standardOutput = log
        p.standardError = log
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        for _ in 0..<300 where (try? httpGet("\(hub.url)/healthz").status) != 200 { usleep(20_000) }

        let forged = dir.path("forged")
        #expect(try agentCLI(["init", "--db", forged, "--store", "S01", "--hub", hub.url, "--token", tokenB]).status == 0)
        #expect(try agentCLI(["stock", "record", "--db", forged, "--commodity", "rice", "--on-hand", "1", "--price", "99",
                              "--date", "2020-02-10"]).status == 0)
        let refused = try agentCLI(["sync", "--db", forged])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refused"))
        let hubStore = try HubDatabase.open(path: hubDB)
        #expect(try await hubStore.records(set: .stock, store: nil, date: nil, afterSeq: 0, limit: 10).isEmpty, "nothing written")

        let a = dir.path("a")
        #expect(try agentCLI(["init", "--db", a, "--store", "S01", "--hub", hub.url, "--token", tokenA]).status == 0)
        #expect(try agentCLI(["stock", "record", "--db", a, "--commodity", "rice", "--on-hand", "5", "--price", "5",
                              "--date", "2020-02-10"]).status == 0)
        #expect(try agentCLI(["sync", "--db", a]).status == 0)
        #expect(try run(Executables.hub, ["stores", "revoke", "--db", hubDB, "--id", "S01"]).status == 0)
        #expect(try agentCLI(["stock", "record", "--db", a, "--commodity", "rice", "--on-hand", "6", "--price", "5",
                              "--date", "2020-02-11"]).status == 0)
        let revoked = try agentCLI(["sync", "--db", a])
        #expect(revoked.status == 1)
        #expect(revoked.stderr.contains("token refused"))
        let rows = try await hubStore.records(set: .stock, store: "S01", date: nil, afterSeq: 0, limit: 10)
        #expect(rows.count == 1, "only the record synced before revocation")

        // No token in clear: not in the database files, not in the log.
        p.terminate()
        p.waitUntilExit()
        for file in [hubDB, hubDB + "-wal", logPath] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            for token in [tokenA, tokenB] {
                #expect(bytes.range(of: Data(token.utf8)) == nil, "\(file) holds a token in clear")
            }
        }
    }

    /// `baogong-agent run`: keeps trying while the hub is down, syncs once it is up, stops on SIGTERM.
    @Test func theDaemonBacksOffSyncsWhenTheHubReturnsAndStopsGracefully() async throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        let a = dir.path("a.sqlite")
        #expect(try agentCLI(["init", "--db", a, "--store", "S01", "--hub", hub.url, "--token", token]).status == 0)
        let daemon = try spawnAgent(["run", "--db", a, "--interval", "0.2"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        // The clerk keeps recording while the daemon runs (two processes on one WAL database).
        for i in 0..<5 {
            #expect(try agentCLI(["checkpoint", "record", "--db", a, "--checked", "\(10 + i)", "--date", "2020-02-10"]).status == 0)
        }
        func status() throws -> AgentDatabase.Status {
            try JSONDecoder().decode(AgentDatabase.Status.self, from: Data(try agentCLI(["status", "--db", a, "--json"]).stdout.utf8))
        }
        var waited = 0
        while try status().lastError == nil, waited < 100 { usleep(50_000); waited += 1 }
        #expect(try status().lastError?.contains("unreachable") == true)
        #expect(try status().pending == 5)
        try hub.start()
        waited = 0
        while try status().pending > 0, waited < 300 { usleep(50_000); waited += 1 }
        #expect(try status().pending == 0, "the daemon synced once the hub came back")
        kill(daemon.processIdentifier, SIGTERM)
        var stopped = 0
        while daemon.isRunning, stopped < 100 { usleep(50_000); stopped += 1 }
        #expect(!daemon.isRunning, "SIGTERM stops the daemon")
        if !daemon.isRunning { #expect(daemon.terminationStatus == 0) }
        let checked = try await HubDatabase.open(path: hubDB).snapshot(date: CalendarDate("2020-02-10")).checkpointTotals().checked
        #expect(checked == 10 + 11 + 12 + 13 + 14)
        hub.stop()
    }
}
