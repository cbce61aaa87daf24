import BaogongTestSupport
import Foundation
import Testing

/// History (审计) with real processes: two devices of one store write the same figure; the one
/// that syncs last but wrote first loses, and the CLI, the API and the dashboard all show it.
@Suite("End to end: history of a record", .serialized)
struct HistoryEndToEndTests {
    @Test func historyShowsTheLosingWriteAndWhichDeviceWroteIt() throws {
        let one = try OneStore()
        try one.hub.start()
        defer { one.hub.stop() }
        let second = one.dir.path("second.sqlite")
        #expect(try agentCLI(["init", "--db", second, "--store", "S01", "--hub", one.hub.url, "--token", one.token]).status == 0)
        let date = "2020-02-10"
        func record(_ db: String, _ onHand: String) throws {
            let r = try agentCLI(["stock", "record", "--db", db, "--date", date, "--commodity", "rice", "--on-hand", onHand, "--sold", "1", "--price", "5.00"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        try record(second, "111")  // written first…
        usleep(20_000)
        try record(one.agent, "222")  // …and overtaken by this one
        #expect(try agentCLI(["sync", "--db", one.agent]).status == 0)
        #expect(try agentCLI(["sync", "--db", second]).status == 0)  // arrives last, loses

        let key = "S01/rice/\(date)"
        let cli = try run(Executables.hub, ["history", "--db", one.hubDB, "--set", "stock", "--key", key, "--json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let writes = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(writes.count == 2)
        let summary = writes.map { write in
            ((write["fields"] as? [String: Any])?["on_hand"] as? Double, (write["won"] as? [String: Bool])?["on_hand"], write["replica"] as? String)
        }
        let secondReplica = try JSONSerialization.jsonObject(with: Data(agentCLI(["status", "--db", second, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(summary.first?.0 == 111 && summary.first?.1 == false && summary.first?.2 == secondReplica?["replica"] as? String)
        #expect(summary.last?.0 == 222 && summary.last?.1 == true)
        for write in writes {
            for key in ["seq", "replica", "store", "time", "fields", "won"] { #expect(write.keys.contains(key), "\(key)") }
        }
        let human = try run(Executables.hub, ["history", "--db", one.hubDB, "--set", "stock", "--key", key])
        #expect(human.stdout.contains("on_hand=111.0 ✗") && human.stdout.contains("on_hand=222.0 ✓"), "\(human.stdout)")
        let badSet = try run(Executables.hub, ["history", "--db", one.hubDB, "--set", "stocks", "--key", key])
        #expect(badSet.status == 1 && badSet.stderr.contains("not a record set"))

        // The same for operators over HTTP, and from the dashboard's grid.
        let operatorToken = try JSONSerialization.jsonObject(
            with: Data(run(Executables.hub, ["operators", "add", "--db", one.hubDB, "--name", "bureau", "--json"]).stdout.utf8)
        ) as? [String: Any]
        let token = operatorToken?["token"] as? String
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let api = try httpGet("\(one.hub.url)/v1/history?set=stock&key=\(encoded)", token: token)
        #expect(api.status == 200)
        #expect((try JSONSerialization.jsonObject(with: api.body) as? [[String: Any]])?.count == 2)
        #expect(try httpGet("\(one.hub.url)/v1/history?set=stock&key=\(encoded)").status == 401)
        #expect(try httpGet("\(one.hub.url)/v1/history?set=nope&key=\(encoded)", token: token).status == 400)
        let dashboard = String(decoding: try httpGet("\(one.hub.url)/?date=\(date)&lang=en", token: token).body, as: UTF8.self)
        #expect(dashboard.contains("/history?set=stock&amp;key=\(encoded)"), "the grid cell links to its history")
        let page = String(decoding: try httpGet("\(one.hub.url)/history?set=stock&key=\(encoded)&lang=en", token: token).body, as: UTF8.self)
        #expect(page.contains("on_hand = 111.0 ✗") && page.contains("on_hand = 222.0 ✓"), "\(page)")
    }
}
