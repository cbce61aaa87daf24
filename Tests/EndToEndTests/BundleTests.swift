import BaogongTestSupport
import Foundation
import Testing

/// Sync by file (离线数据包) with real processes and no hub process listening: the file round trip
/// gives the county the same figures as a network sync, and no file can be replayed, reordered,
/// altered or misdirected into a change.
@Suite("End to end: sync by file", .serialized)
struct BundleTests {
    static let date = "2020-02-10"

    func hub(_ arguments: [String]) throws -> CommandResult { try run(Executables.hub, arguments) }

    func json(_ result: CommandResult) throws -> Any {
        guard result.status == 0 else { throw TestFailure("exit \(result.status): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// One day of a store: three stock records and two checkpoint counts (counters, which add).
    func recordDay(_ agent: String) throws {
        for (commodity, onHand) in [("rice", "500"), ("eggs", "400"), ("pork", "120")] {
            let r = try agentCLI(["stock", "record", "--db", agent, "--date", Self.date, "--commodity", commodity, "--on-hand", onHand, "--sold", "10", "--price", "5.20"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        for checked in ["300", "45"] {
            #expect(try agentCLI(["checkpoint", "record", "--db", agent, "--date", Self.date, "--checked", checked]).status == 0)
        }
    }

    /// The county's figures for the day, without what says when they were computed.
    func countyFigures(_ hubDB: String) throws -> [String] {
        try ["supply", "checkpoints", "reporting"].map { view in
            var figures = try json(hub([view, "--db", hubDB, "--date", Self.date, "--json"])) as? [String: Any] ?? [:]
            for volatile in ["generated_at", "as_of", "now"] { figures[volatile] = nil }
            // When each store was heard from differs by the seconds between the two runs.
            if let stores = figures["stores"] as? [[String: Any]] {
                figures["stores"] = stores.map { $0.filter { !["last_heard_at", "received_at", "recorded_at"].contains($0.key) } }
            }
            return String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys]), as: UTF8.self)
        }
    }

    func pending(_ agent: String) throws -> Int {
        (try json(agentCLI(["status", "--db", agent, "--json"])) as? [String: Any])?["pending"] as? Int ?? -1
    }

    @Test func aFileRoundTripGivesTheCountyWhatANetworkSyncGives() throws {
        let dir = try Scratch()
        // By file: a hub whose port nothing listens on.
        let fileHub = dir.path("file-hub.sqlite")
        let fileToken = try enrol(fileHub, "S01")
        #expect(try hub(["notices", "post", "--db", fileHub, "Report by 20:00"]).status == 0)
        let byFile = dir.path("by-file.sqlite")
        #expect(try agentCLI(["init", "--db", byFile, "--store", "S01", "--hub", "http://127.0.0.1:\(freePort())", "--token", fileToken]).status == 0)
        try recordDay(byFile)
        #expect(try agentCLI(["sync", "--db", byFile]).status == 3, "no hub is listening")
        let upload = dir.path("up.bundle"), answer = dir.path("answer.bundle")
        let exported = try agentCLI(["bundle", "export", "--db", byFile, "--out", upload])
        #expect(exported.status == 0, "\(exported.stderr)")
        let imported = try hub(["bundle", "import", "--db", fileHub, upload, "--answer", answer])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("5 change(s)"), "\(imported.stdout)")
        let applied = try agentCLI(["bundle", "import", "--db", byFile, answer])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try pending(byFile) == 0)
        let status = try json(agentCLI(["status", "--db", byFile, "--json"])) as? [String: Any]
        #expect(status?["last_bundle_at"] is String)
        let said = try agentCLI(["status", "--db", byFile]).stdout
        #expect(said.contains("last synced by file") && !said.contains("never synced"), "\(said)")
        // What the hub sends down came in the answer: the notice.
        #expect(try agentCLI(["show", "notices", "--db", byFile]).stdout.contains("Report by 20:00"))

        // The same day over the network, to another hub.
        let netHub = dir.path("net-hub.sqlite")
        let netToken = try enrol(netHub, "S01")
        let server = HubProcess(database: netHub)
        try server.start()
        defer { server.stop() }
        let overNetwork = dir.path("over-network.sqlite")
        #expect(try agentCLI(["init", "--db", overNetwork, "--store", "S01", "--hub", server.url, "--token", netToken]).status == 0)
        try recordDay(overNetwork)
        #expect(try agentCLI(["sync", "--db", overNetwork]).status == 0)

        let (viaFile, viaNetwork) = (try countyFigures(fileHub), try countyFigures(netHub))
        #expect(viaFile == viaNetwork, "\(viaFile)\n\(viaNetwork)")
    }

    @Test func importingTwiceOutOfOrderOrAfterANetworkSyncChangesNothing() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "S01")
        let server = HubProcess(database: hubDB)
        let agent = dir.path("a.sqlite")
        #expect(try agentCLI(["init", "--db", agent, "--store", "S01", "--hub", server.url, "--token", token]).status == 0)
        func checked() throws -> Int {
            let figures = try json(hub(["checkpoints", "--db", hubDB, "--date", Self.date, "--json"])) as? [String: Any]
            return (figures?["checked"] as? Int) ?? -1
        }
        #expect(try agentCLI(["checkpoint", "record", "--db", agent, "--date", Self.date, "--checked", "300"]).status == 0)
        #expect(try agentCLI(["bundle", "export", "--db", agent, "--out", dir.path("1.bundle")]).status == 0)
        #expect(try agentCLI(["checkpoint", "record", "--db", agent, "--date", Self.date, "--checked", "45"]).status == 0)
        #expect(try agentCLI(["bundle", "export", "--db", agent, "--out", dir.path("2.bundle")]).status == 0)

        // The later file first, then the earlier one, then the later one again.
        for (file, answer) in [("2.bundle", "2.answer"), ("1.bundle", "1.answer"), ("2.bundle", "2b.answer")] {
            let r = try hub(["bundle", "import", "--db", hubDB, dir.path(file), "--answer", dir.path(answer)])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try checked() == 345, "counts add exactly once, whatever the order")
        }
        // The answers out of order and twice.
        for answer in ["2.answer", "1.answer", "2b.answer", "1.answer"] {
            #expect(try agentCLI(["bundle", "import", "--db", agent, dir.path(answer)]).status == 0)
            #expect(try pending(agent) == 0)
        }
        // The network then finds nothing left to send; an old answer afterwards moves nothing back.
        try server.start()
        defer { server.stop() }
        let synced = try agentCLI(["sync", "--db", agent])
        #expect(synced.status == 0 && synced.stdout.contains("sent 0 change(s)"), "\(synced.stdout)")
        let before = try json(agentCLI(["status", "--db", agent, "--json"])) as? [String: Any]
        #expect(try agentCLI(["bundle", "import", "--db", agent, dir.path("1.answer")]).status == 0)
        let after = try json(agentCLI(["status", "--db", agent, "--json"])) as? [String: Any]
        for key in ["acked_seq", "hub_cursor", "pending", "local_seq"] {
            #expect("\(before?[key] ?? "")" == "\(after?[key] ?? "")", "\(key)")
        }
        #expect(try checked() == 345)
    }

    @Test func alteredMisdirectedOrRevokedBundlesAreRefusedAndChangeNothing() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let t1 = try enrol(hubDB, "S01"), t2 = try enrol(hubDB, "S02")
        let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), a2 = dir.path("a2.sqlite")
        let closed = "http://127.0.0.1:\(freePort())"
        for (db, store, token) in [(a, "S01", t1), (b, "S02", t2), (a2, "S01", t1)] {
            #expect(try agentCLI(["init", "--db", db, "--store", store, "--hub", closed, "--token", token]).status == 0)
            try recordDay(db)
        }
        let upload = dir.path("a.bundle")
        #expect(try agentCLI(["bundle", "export", "--db", a, "--out", upload]).status == 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: upload))

        func refused(_ file: String, _ phrase: String) throws {
            let before = try countyFigures(hubDB)
            let r = try hub(["bundle", "import", "--db", hubDB, file, "--answer", dir.path("never.answer")])
            #expect(r.status == 1, "\(file) was accepted")
            #expect(r.stderr.contains(phrase) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.path("never.answer")))
            #expect(try countyFigures(hubDB) == before, "a refused bundle changed the county's figures")
        }
        // One flipped bit in the header, in the compressed records, in the MAC.
        for position in [20, original.count / 2, original.count - 1] {
            var altered = original
            altered[position] ^= 0x01
            let path = dir.path("altered-\(position).bundle")
            try altered.write(to: URL(fileURLWithPath: path))
            try refused(path, position == 20 ? "bundle" : "altered")
        }
        // S02's bundle relabelled as S01's: the MAC is S02's.
        let other = dir.path("b.bundle")
        #expect(try agentCLI(["bundle", "export", "--db", b, "--out", other]).status == 0)
        let made = try Data(contentsOf: URL(fileURLWithPath: other))
        let forged = made.replacing(Data("\"store\":\"S02\"".utf8), with: Data("\"store\":\"S01\"".utf8))
        #expect(forged != made, "the header names its store")
        try forged.write(to: URL(fileURLWithPath: dir.path("forged.bundle")))
        try refused(dir.path("forged.bundle"), "altered")
        // Not a bundle at all.
        try Data("date,commodity\n".utf8).write(to: URL(fileURLWithPath: dir.path("text.bundle")))
        try refused(dir.path("text.bundle"), "not a Baogong bundle")

        // After S01's token is rotated, a bundle made with the old one is refused.
        #expect(try hub(["stores", "rotate-token", "--db", hubDB, "--id", "S01"]).status == 0)
        try refused(upload, "current token")
        // A revoked store's bundle is refused.
        #expect(try hub(["stores", "revoke", "--db", hubDB, "--id", "S02"]).status == 0)
        try refused(other, "revoked")

        // Answers go to the device that made the upload, and only an answer goes to an agent.
        let fresh = try enrol(hubDB, "S03")
        let c = dir.path("c.sqlite"), c2 = dir.path("c2.sqlite")
        for db in [c, c2] {
            #expect(try agentCLI(["init", "--db", db, "--store", "S03", "--hub", closed, "--token", fresh]).status == 0)
        }
        try recordDay(c)
        #expect(try agentCLI(["bundle", "export", "--db", c, "--out", dir.path("c.bundle")]).status == 0)
        #expect(try hub(["bundle", "import", "--db", hubDB, dir.path("c.bundle"), "--answer", dir.path("c.answer")]).status == 0)
        let elsewhere = try agentCLI(["bundle", "import", "--db", c2, dir.path("c.answer")])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("this device is"), "\(elsewhere.stderr)")
        let upward = try agentCLI(["bundle", "import", "--db", c, dir.path("c.bundle")])
        #expect(upward.status == 1 && upward.stderr.contains("baogong-hub bundle import"), "\(upward.stderr)")
        try refused(dir.path("c.answer"), "not an upload")
        #expect(try pending(c) == 5)
        #expect(try agentCLI(["bundle", "import", "--db", c, dir.path("c.answer")]).status == 0)
        #expect(try pending(c) == 0)
    }
}
