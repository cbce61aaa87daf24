import BaogongTestSupport
import BaogongModel
import Foundation
import Testing

/// Passes verified at a real agent with the hub stopped; a printed pass read back by a real QR
/// reader; two devices' delivery counts adding up at the hub.
@Suite("End to end: passes and deliveries", .serialized)
struct PassAndDeliveryEndToEndTests {
    func object(_ r: CommandResult) throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object (exit \(r.status)): \(r.stdout) \(r.stderr)")
        }
        return o
    }

    func issue(_ hubDB: String, plate: String, from: String, to: String) throws -> [String: Any] {
        try object(run(Executables.hub, [
            "passes", "issue", "--db", hubDB, "--store", "duolefu", "--plate", plate, "--driver", "Li", "--cargo", "rice",
            "--from", from, "--to", to, "--json",
        ]))
    }

    func day(_ offset: Int) -> String { Timestamps.today(Date().addingTimeInterval(Double(offset) * 86_400)).description }

    @Test func passesVerifyOfflineAndRevocationsArriveWithTheNextSync() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "duolefu", name: "Duolefu")
        let valid = try issue(hubDB, plate: "湘L12345", from: day(-1), to: day(10))
        let early = try issue(hubDB, plate: "湘L22222", from: day(3), to: day(10))
        let late = try issue(hubDB, plate: "湘L33333", from: day(-10), to: day(-2))
        let doomed = try issue(hubDB, plate: "湘L99999", from: day(-1), to: day(10))
        for key in ["id", "code", "store", "plate", "valid_from", "valid_to"] { #expect(valid[key] != nil, "key \(key)") }
        let code = try #require(valid["code"] as? String)

        // Another county's hub signs a pass for a store of the same name.
        let otherDB = dir.path("other.sqlite")
        _ = try enrol(otherDB, "duolefu")
        let foreign = try #require(try issue(otherDB, plate: "湘L12345", from: day(-1), to: day(10))["code"] as? String)

        let hub = HubProcess(database: hubDB)
        let agent = dir.path("agent.sqlite")
        #expect(try agentCLI(["init", "--db", agent, "--store", "duolefu", "--hub", hub.url, "--token", token]).status == 0)
        let before = try agentCLI(["pass", "verify", "--db", agent, code, "--json"])
        #expect(before.status == 1, "no hub key before the first sync")
        try hub.start()
        #expect(try agentCLI(["sync", "--db", agent]).status == 0)
        hub.stop()

        func verify(_ code: String) throws -> (Int32, String, String) {
            let r = try agentCLI(["pass", "verify", "--db", agent, code, "--json"])
            return (r.status, (try object(r))["status"] as? String ?? "", r.stderr)
        }
        let ok = try verify(code)
        #expect(ok.0 == 0)
        #expect(ok.1 == "valid")
        let plain = try agentCLI(["pass", "verify", "--db", agent, code])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("湘L12345"))
        #expect(try verify(early["code"] as! String).1 == "not_yet_valid")
        #expect(try verify(late["code"] as! String).1 == "expired")
        let forged = try verify(foreign)
        #expect(forged.0 == 1)
        #expect(forged.1 == "forged")
        #expect(forged.2.split(separator: "\n").count == 1, "one line says why: \(forged.2)")
        var altered = Array(code)
        let i = altered.count / 2
        altered[i] = altered[i] == "A" ? "B" : "A"
        #expect(try verify(String(altered)).1 == "forged")
        #expect(try verify("hello").1 == "forged")

        // The store's own passes came down with the sync.
        let listed = try JSONSerialization.jsonObject(with: Data(try agentCLI(["passes", "--db", agent, "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(listed?.count == 4)

        let doomedID = try #require(doomed["id"] as? String)
        #expect(try run(Executables.hub, ["passes", "revoke", "--db", hubDB, doomedID, "--reason", "vehicle sold"]).status == 0)
        #expect(try verify(doomed["code"] as! String).1 == "valid", "offline, the revocation has not arrived yet")
        try hub.start()
        #expect(try agentCLI(["sync", "--db", agent]).status == 0)
        hub.stop()
        let revoked = try verify(doomed["code"] as! String)
        #expect(revoked.1 == "revoked")
        #expect(revoked.2.contains("vehicle sold"))
    }

    @Test func twoDevicesDeliveriesAddUpAtTheHub() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "duolefu", name: "Duolefu")
        let hub = HubProcess(database: hubDB)
        let a = dir.path("a.sqlite"), b = dir.path("b.sqlite")
        for db in [a, b] { #expect(try agentCLI(["init", "--db", db, "--store", "duolefu", "--hub", hub.url, "--token", token]).status == 0) }
        let date = "2020-02-10"
        #expect(try agentCLI(["delivery", "record", "--db", a, "--date", date, "--orders", "10", "--served", "15", "--revenue", "2600.50",
                              "--vehicles", "2", "--staff", "5", "--groups", "3", "--quantity", "rice=250", "--quantity", "oil=4"]).status == 0)
        #expect(try agentCLI(["delivery", "record", "--db", b, "--date", date, "--orders", "7", "--served", "9", "--revenue", "1000",
                              "--vehicles", "3", "--quantity", "rice=100.5"]).status == 0)
        let bad = try agentCLI(["delivery", "record", "--db", b, "--date", date, "--orders", "1", "--quantity", "caviar=1"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("caviar"))
        let negative = try agentCLI(["delivery", "record", "--db", b, "--date", date, "--orders", "-3"])
        #expect(negative.status != 0)
        try hub.start()
        defer { hub.stop() }
        #expect(try agentCLI(["sync", "--db", a]).status == 0)
        #expect(try agentCLI(["sync", "--db", b]).status == 0)
        let view = try object(run(Executables.hub, ["deliveries", "--db", hubDB, "--from", date, "--to", date, "--json"]))
        #expect(view["orders"] as? Int == 17)
        #expect(view["served"] as? Int == 24)
        #expect(view["revenue"] as? Double == 3600.5)
        #expect((view["quantities"] as? [String: Double])?["rice"] == 350.5)
        #expect((view["quantities"] as? [String: Double])?["oil"] == 4)
        #expect(view["vehicles"] as? Int == 3, "the day's fleet is a register: the later device's 3")
        #expect((view["by_store"] as? [[String: Any]])?.first?["orders"] as? Int == 17)
        // A device shows what it recorded itself (store records are not sent back down to the store).
        let shown = try JSONSerialization.jsonObject(with: Data(try agentCLI(["show", "delivery", "--db", a, "--json"]).stdout.utf8)) as? [[String: Any]]
        #expect(shown?.first?["orders"] as? Int == 10)
        #expect((shown?.first?["quantities"] as? [String: Double])?["rice"] == 250)
    }

    /// The printable pass in headless Chromium; its QR code, decoded from the screenshot by zbarimg,
    /// gives back the code, which verifies.
    @Test func thePrintedPassQRCodeReadsBackAndVerifies() throws {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        _ = try #require(chromium, "Debian's chromium is needed (.ci/run installs it)")
        let zbarimg = try #require(["/usr/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "Debian's zbar-tools is needed (.ci/run installs it)")
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "duolefu", name: "Duolefu")
        let pass = try issue(hubDB, plate: "湘L12345", from: day(-1), to: day(10))
        let operatorToken = try object(run(Executables.hub, ["operators", "add", "--db", hubDB, "--name", "desk", "--json"]))["token"] as! String
        let hub = HubProcess(database: hubDB)
        try hub.start()
        defer { hub.stop() }
        let agent = dir.path("agent.sqlite")
        _ = try agentCLI(["init", "--db", agent, "--store", "duolefu", "--hub", hub.url, "--token", token])
        #expect(try agentCLI(["sync", "--db", agent]).status == 0)

        // Sign in as an operator does, open the printable pass, photograph it.
        let id = try #require(pass["id"] as? String)
        let png = dir.path("pass.png")
        let results = try MatchingDashboardTests().browse([
            ["go": "\(hub.url)/login?lang=zh"], ["fill": "input[name=token]", "value": operatorToken], ["click": "form button"],
            ["go": "\(hub.url)/passes/\(id)?lang=zh"],
            ["eval": "document.getElementById('plate').textContent"],
            ["eval": "document.querySelectorAll('#qr svg path').length"],
            ["screenshot": png, "size": "800x1400"],
        ], profile: dir.path("profile"))
        #expect(results[4] as? String == "湘L12345", "the plate in large type")
        #expect(results[5] as? Int == 1, "the QR code is drawn in SVG")
        let decoded = try run(zbarimg, ["--raw", "-q", png])
        #expect(decoded.status == 0, "zbarimg found no QR code in the screenshot: \(decoded.stderr)")
        let read = decoded.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(read == pass["code"] as? String)
        let verified = try agentCLI(["pass", "verify", "--db", agent, read])
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}
