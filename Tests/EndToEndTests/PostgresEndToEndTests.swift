import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import Testing

/// Several hub processes on one PostgreSQL database (issue: the hub on PostgreSQL), with real
/// processes: two `serve`s, twenty agents (two devices of each of ten stores, each device trying the
/// hubs in the opposite order to its twin, so twins write the same records through different hubs at
/// the same moment), and one hub SIGKILLed while they sync.
@Suite("End to end: two hubs on one PostgreSQL database", .serialized)
struct PostgresEndToEndTests {
    static let date = "2020-02-10"

    @Test func twentyAgentsOnTwoHubsOneKilledMidSyncAddUpExactly() throws {
        guard let cluster = PostgresCluster.shared else {
            #expect(!PostgresCluster.required, "\(PostgresCluster.unavailableReason ?? "")")
            return
        }
        let url = try cluster.newDatabase("e2e")
        let dir = try Scratch()
        #expect(try run(Executables.hub, ["migrate", "--database", url]).status == 0)
        let stores = (1...10).map { String(format: "S%02d", $0) }
        var tokens = [String: String]()
        for store in stores { tokens[store] = try enrol(url, store) }
        let first = HubProcess(database: url), second = HubProcess(database: url)
        try first.start()
        try second.start()
        defer { first.stop(); second.stop() }

        // Each device: 1,400 stock rows (the store's own CSV, the same on both twins: LWW must pick
        // one value, and either is the same) and its own checkpoint count, which must add up.
        var agents = [(db: String, store: String, checked: Int)]()
        for (s, store) in stores.enumerated() {
            let csv = dir.path("\(store).csv")
            try stockCSV(count: 1_400, salt: s).write(toFile: csv, atomically: true, encoding: .utf8)
            for device in 0..<2 {
                let db = dir.path("\(store)-\(device).sqlite")
                let hubs = device == 0 ? [first.url, second.url] : [second.url, first.url]
                let initialised = try agentCLI(["init", "--db", db, "--store", store, "--hub", hubs[0], "--hub", hubs[1], "--token", tokens[store]!])
                #expect(initialised.status == 0, "\(initialised.stderr)")
                #expect(try agentCLI(["import", "stock", "--db", db, csv]).status == 0)
                let checked = 100 * (s + 1) + device
                #expect(try agentCLI(["checkpoint", "record", "--db", db, "--date", Self.date, "--checked", String(checked),
                                      "--refused-fever", "1"]).status == 0)
                agents.append((db, store, checked))
            }
        }

        // All twenty sync at once; the first hub is killed while they do.
        let syncs = try agents.map { try spawnAgent(["sync", "--db", $0.db]) }
        usleep(400_000)
        let unfinished = syncs.filter(\.isRunning).count
        first.kill9()
        for p in syncs { p.waitUntilExit() }
        // Whatever a sync cut short is sent again by the next one, to whichever hub answers.
        for agent in agents {
            let again = try agentCLI(["sync", "--db", agent.db])
            #expect(again.status == 0, "\(agent.db): \(again.stderr)")
            let status = try JSONSerialization.jsonObject(with: Data(try agentCLI(["status", "--db", agent.db, "--json"]).stdout.utf8))
                as? [String: Any]
            #expect(status?["pending"] as? Int == 0, "\(agent.db)")
            #expect(status?["hub"] as? String == second.url, "\(agent.db) should have failed over to the live hub")
        }
        print("postgres e2e: \(unfinished) of \(syncs.count) syncs were still running when the first hub was killed")

        // Counters add exactly: every device's count once, whichever hub merged it, replays included.
        let checkpoints = try run(Executables.hub, ["checkpoints", "--database", url, "--date", Self.date, "--json"])
        let totals = try JSONSerialization.jsonObject(with: Data(checkpoints.stdout.utf8)) as? [String: Any]
        #expect((totals?["checked"] as? NSNumber)?.intValue == agents.map(\.checked).reduce(0, +), "\(checkpoints.stdout.prefix(300))")
        #expect((totals?["refused_fever"] as? NSNumber)?.intValue == agents.count)

        // Registers resolve to the twins' common value: the county's on-hand is each store's CSV, once.
        let expected = Self.expectedOnHand(stores: stores.count, rows: 1_400, date: "2020-02-10")
        let supply = try JSONDecoder().decode(
            SupplyView.self,
            from: Data(try run(Executables.hub, ["supply", "--database", url, "--date", "2020-02-10", "--json"]).stdout.utf8)
        )
        for row in supply.commodities {
            #expect(row.onHand == expected[row.commodity], "\(row.commodity)")
            #expect(row.storesReporting == stores.count, "\(row.commodity)")
        }
        // 1,400 rows per store, nothing doubled; each device's cursor acknowledged in full.
        let status = try JSONSerialization.jsonObject(
            with: Data(try run(Executables.hub, ["status", "--database", url, "--json"]).stdout.utf8)
        ) as? [[String: Any]]
        #expect(status?.count == agents.count)
        #expect(status?.allSatisfy { ($0["pending_reported"] as? Int) == 0 } == true)

        // Restarted, the first hub answers exactly as the second: one database, one county.
        try first.start()
        let operatorToken = try #require(
            (try JSONSerialization.jsonObject(with: Data(try run(Executables.hub, ["operators", "add", "--database", url, "--name", "check",
                                                                                   "--json"]).stdout.utf8)) as? [String: Any])?["token"] as? String
        )
        let uri = "/v1/views/supply?date=\(Self.date)"
        let a = try httpGet(first.url + uri, token: operatorToken), b = try httpGet(second.url + uri, token: operatorToken)
        #expect(a.status == 200)
        #expect(a.body == b.body)
    }

    /// A county's demo hub copied into PostgreSQL answers as the SQLite hub does, command for command;
    /// a second copy into the same database is refused and writes nothing; and an agent of the demo
    /// syncs on with the copied hub, keeping its token and sending nothing again.
    @Test func aCopiedDemoHubAnswersTheSameAndItsAgentsCarryOn() throws {
        guard let cluster = PostgresCluster.shared else {
            #expect(!PostgresCluster.required, "\(PostgresCluster.unavailableReason ?? "")")
            return
        }
        let dir = try Scratch()
        let demo = try run(Executables.hub, ["demo", "--exit", "--seed", "7", "--dir", dir.path("demo")], timeout: 300)
        try #require(demo.status == 0, "\(demo.stderr)")
        let sqlite = dir.path("demo/hub.sqlite")
        let url = try cluster.newDatabase("copy")
        // An agent's database is not a hub's: refused by name, and left as it was.
        let agentFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path("demo/agents")).filter { $0.hasSuffix(".sqlite") }.sorted()
        let agent = dir.path("demo/agents/" + (try #require(agentFiles.first)))
        let agentBytes = try Data(contentsOf: URL(fileURLWithPath: agent))
        let wrong = try run(Executables.hub, ["copy", "--from", agent, "--to", url])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("is not a Baogong hub database"), "\(wrong.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: agent)) == agentBytes)
        let copied = try run(Executables.hub, ["copy", "--from", sqlite, "--to", url, "--json"])
        try #require(copied.status == 0, "\(copied.stderr)")
        for command in [
            ["supply", "--json"], ["supply", "--json", "--date", "2020-02-10", "--unit", "jin"], ["reporting", "--json"],
            ["reporting", "--json", "--date", "2020-02-03"], ["status", "--json"], ["alerts", "--json"],
            ["checkpoints", "--json", "--date", "2020-02-10"], ["matching", "list", "--json"], ["passes", "list", "--json"],
            ["deliveries", "--json"], ["stores", "list"], ["catalog", "list"], ["notices", "list"],
        ] {
            let a = try run(Executables.hub, command + ["--db", sqlite]), b = try run(Executables.hub, command + ["--database", url])
            #expect(a.status == 0 && !a.stdout.isEmpty, "\(command): \(a.stderr)")
            #expect(a.stdout == b.stdout, "\(command.joined(separator: " ")) differs between the SQLite hub and its copy")
        }
        // A PostgreSQL hub is backed up with PostgreSQL's tools: a usage error that says so, no file.
        let backup = try run(Executables.hub, ["backup", "--database", url, "--out", dir.path("pg-backup.sqlite")])
        #expect(backup.status == 2)
        #expect(backup.stderr.contains("pg_dump"), "\(backup.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("pg-backup.sqlite")))
        // Both a file and a database named: refused before anything is opened.
        let both = try run(Executables.hub, ["status", "--db", sqlite, "--database", url])
        #expect(both.status == 2)
        #expect(both.stderr.contains("not both"), "\(both.stderr)")
        let again = try run(Executables.hub, ["copy", "--from", sqlite, "--to", url])
        #expect(again.status == 1)
        #expect(again.stderr.contains("copy needs an empty database"), "\(again.stderr)")

        // A demo device carries on against the copy: nothing pending is sent again, new records go through.
        let hub = HubProcess(database: url)
        try hub.start()
        defer { hub.stop() }
        #expect(try agentCLI(["config", "--db", agent, "--hub", hub.url]).status == 0)
        let before = try JSONSerialization.jsonObject(with: Data(try agentCLI(["status", "--db", agent, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(try agentCLI(["checkpoint", "record", "--db", agent, "--date", "2020-03-01", "--checked", "5"]).status == 0)
        let synced = try agentCLI(["sync", "--db", agent, "--json"])
        #expect(synced.status == 0, "\(synced.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(synced.stdout.utf8)) as? [String: Any]
        #expect(report?["sent"] as? Int == (before?["pending"] as? Int ?? -1) + 1, "only what was pending, and the new count")
        let after = try JSONSerialization.jsonObject(with: Data(try agentCLI(["status", "--db", agent, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(after?["pending"] as? Int == 0)
    }

    /// The sum of every store's on-hand of `date` in `stockCSV(count: rows, salt: store index)`.
    static func expectedOnHand(stores: Int, rows: Int, date: String) -> [String: Double] {
        var sums = [String: Double]()
        for salt in 0..<stores {
            for line in stockCSV(count: rows, salt: salt).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                guard fields[0] == date else { continue }
                sums[String(fields[1]), default: 0] += Double(fields[2])!
            }
        }
        return sums
    }
}
