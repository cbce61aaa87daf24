import BaogongTestSupport
import BaogongModel
import Foundation
import Testing

/// The matching desk with the real `baogong-hub` and `baogong-agent` processes on loopback.
@Suite("End to end: the matching desk", .serialized)
struct MatchingEndToEndTests {
    func json(_ r: CommandResult) throws -> Any {
        guard r.status == 0 else { throw TestFailure("exit \(r.status): \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    func object(_ r: CommandResult) throws -> [String: Any] {
        guard let o = try json(r) as? [String: Any] else { throw TestFailure("not an object: \(r.stdout)") }
        return o
    }

    func rows(_ r: CommandResult) throws -> [[String: Any]] {
        guard let a = try json(r) as? [[String: Any]] else { throw TestFailure("not a list: \(r.stdout)") }
        return a
    }

    @Test func aNeedPostedOfflineIsMatchedConfirmedSeenByBothAndDelivered() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let storeToken = try enrol(hubDB, "shengyuan-1", name: "Shengyuan 1")
        let supplierToken = try object(run(Executables.hub, [
            "stores", "add", "--db", hubDB, "--id", "yangtang", "--name", "Yangtang grower", "--kind", "supplier", "--json",
        ]))["token"] as! String
        let hub = HubProcess(database: hubDB)
        let s = dir.path("s.sqlite"), f = dir.path("f.sqlite")
        #expect(try agentCLI(["init", "--db", s, "--store", "shengyuan-1", "--hub", hub.url, "--token", storeToken]).status == 0)
        #expect(try agentCLI(["init", "--db", f, "--store", "yangtang", "--hub", hub.url, "--token", supplierToken]).status == 0)

        // Offline: the hub is not running.
        let by = Timestamps.today(Date().addingTimeInterval(3 * 86_400)).description
        let need = try object(agentCLI([
            "need", "post", "--db", s, "--commodity", "vegetables", "--variety", "Chinese cabbage", "--quantity", "3000",
            "--unit", "jin", "--by", by, "--json",
        ]))
        let needID = try #require(need["id"] as? String)
        #expect(need["quantity"] as? Double == 1500, "3,000 jin is 1,500 kg")
        let offerID = try #require(try object(agentCLI([
            "offer", "post", "--db", f, "--commodity", "vegetables", "--variety", "Chinese cabbage", "--quantity", "3500",
            "--unit", "jin", "--location", "Yangtang", "--price", "0.80", "--json",
        ]))["id"] as? String)
        let badUnit = try agentCLI(["need", "post", "--db", s, "--commodity", "vegetables", "--quantity", "3", "--unit", "bag", "--by", by])
        #expect(badUnit.status == 1)
        #expect(badUnit.stderr.contains("does not convert"))
        #expect(try rows(agentCLI(["need", "list", "--db", s, "--json"])).count == 1, "the refused need wrote nothing")

        try hub.start()
        defer { hub.stop() }
        #expect(try agentCLI(["sync", "--db", s]).status == 0)
        #expect(try agentCLI(["sync", "--db", f]).status == 0)
        let suggestions = try rows(run(Executables.hub, ["matching", "suggest", "--db", hubDB, "--json"]))
        let pair = try #require(suggestions.first { $0["need"] as? String == needID && $0["offer"] as? String == offerID })
        #expect(pair["quantity"] as? Double == 1500)
        #expect(pair["store"] as? String == "shengyuan-1")
        #expect(pair["supplier"] as? String == "yangtang")
        #expect((pair["reason"] as? String)?.isEmpty == false)

        let match = try object(run(Executables.hub, [
            "matching", "confirm", "--db", hubDB, "--need", needID, "--offer", offerID, "--quantity", "3000", "--unit", "jin", "--json",
        ]))
        let matchID = try #require(match["id"] as? String)
        let again = try run(Executables.hub, [
            "matching", "confirm", "--db", hubDB, "--need", needID, "--offer", offerID, "--quantity", "1",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("over_allocated"))

        for agent in [s, f] {
            #expect(try agentCLI(["sync", "--db", agent]).status == 0)
            let listed = try rows(agentCLI(["matches", "--db", agent, "--json"]))
            #expect(listed.map { $0["id"] as? String } == [matchID])
            #expect(listed.first?["quantity"] as? Double == 1500)
        }
        let supplierView = try rows(agentCLI(["matches", "--db", f, "--json"])).first
        #expect(supplierView?["counterpart"] as? String == "shengyuan-1")
        let notHere = try agentCLI(["match", "received", "--db", f, matchID, "--quantity", "1"])
        #expect(notHere.status == 1, "only the receiving site records a receipt")

        #expect(try agentCLI(["match", "accept", "--db", f, matchID]).status == 0)
        #expect(try agentCLI(["match", "received", "--db", s, matchID, "--quantity", "3000", "--unit", "jin"]).status == 0)
        #expect(try agentCLI(["sync", "--db", s]).status == 0)
        #expect(try agentCLI(["sync", "--db", f]).status == 0)

        let listed = try rows(run(Executables.hub, ["matching", "list", "--db", hubDB, "--json"]))
        let delivered = try #require(listed.first { $0["id"] as? String == matchID })
        #expect(delivered["status"] as? String == "delivered")
        #expect(delivered["minutes_to_match"] is Double)
        let stats = try object(run(Executables.hub, ["matching", "stats", "--db", hubDB, "--json"]))
        #expect((stats["delivered"] as? [String: Double])?["vegetables"] == 1500)
        #expect(stats["matches"] as? Int == 1)
        // The receipt is in the store's stock of the day, at the hub too.
        let today = Timestamps.today().description
        let stock = try rows(agentCLI(["show", "stock", "--db", s, "--date", today, "--json"]))
        #expect(stock.first { $0["commodity"] as? String == "vegetables" }?["received"] as? Double == 1500)
        let records = try httpGetJSON("\(hub.url)/v1/records/stock?date=\(today)", token: operatorToken(hubDB))
        #expect(records.contains { $0["store"] as? String == "shengyuan-1" && $0["received"] as? Double == 1500 })
        // Both agents see the match delivered after their next sync.
        #expect(try rows(agentCLI(["matches", "--db", f, "--json"])).first?["status"] as? String == "delivered")
    }

    @Test func twoConfirmProcessesRacingOnOneOfferExactlyOneSucceeds() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        var tokens = [String: String]()
        for id in ["S01", "S02"] { tokens[id] = try enrol(hubDB, id) }
        tokens["F01"] = try object(run(Executables.hub, [
            "stores", "add", "--db", hubDB, "--id", "F01", "--name", "Farm", "--kind", "supplier", "--json",
        ]))["token"] as? String
        let hub = HubProcess(database: hubDB)
        try hub.start()
        defer { hub.stop() }
        let by = Timestamps.today(Date().addingTimeInterval(86_400)).description
        var needs = [String]()
        for id in ["S01", "S02"] {
            let db = dir.path("\(id).sqlite")
            #expect(try agentCLI(["init", "--db", db, "--store", id, "--hub", hub.url, "--token", tokens[id]!]).status == 0)
            needs.append(try object(agentCLI([
                "need", "post", "--db", db, "--commodity", "rice", "--quantity", "1000", "--by", by, "--json",
            ]))["id"] as! String)
            #expect(try agentCLI(["sync", "--db", db]).status == 0)
        }
        let farm = dir.path("F01.sqlite")
        #expect(try agentCLI(["init", "--db", farm, "--store", "F01", "--hub", hub.url, "--token", tokens["F01"]!]).status == 0)
        let offer = try object(agentCLI(["offer", "post", "--db", farm, "--commodity", "rice", "--quantity", "1500", "--json"]))["id"] as! String
        #expect(try agentCLI(["sync", "--db", farm]).status == 0)

        // Two operators confirm 1,000 kg of the 1,500 kg offer for two needs at the same instant.
        let processes = needs.map { need -> (Process, Pipe) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Executables.hub)
            p.arguments = ["matching", "confirm", "--db", hubDB, "--need", need, "--offer", offer, "--quantity", "1000"]
            let pipe = Pipe()
            p.standardOutput = FileHandle.nullDevice
            p.standardError = pipe
            return (p, pipe)
        }
        for (p, _) in processes { try p.run() }
        for (p, _) in processes { p.waitUntilExit() }
        let statuses = processes.map { $0.0.terminationStatus }.sorted()
        #expect(statuses == [0, 1])
        let loser = processes.first { $0.0.terminationStatus == 1 }!
        #expect(String(decoding: loser.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("over_allocated"))
        let matches = try rows(run(Executables.hub, ["matching", "list", "--db", hubDB, "--json"]))
        #expect(matches.count == 1)
        #expect(matches.first?["quantity"] as? Double == 1000)
    }

    func operatorToken(_ hubDB: String) throws -> String {
        try object(run(Executables.hub, ["operators", "add", "--db", hubDB, "--name", "desk", "--json"]))["token"] as! String
    }

    func httpGetJSON(_ url: String, token: String) throws -> [[String: Any]] {
        let (status, body) = try httpGet(url, token: token)
        guard status == 200, let rows = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw TestFailure("GET \(url): \(status) \(String(decoding: body, as: UTF8.self))")
        }
        return rows
    }
}
