import BaogongTestSupport
import BaogongModel
import Foundation
import Testing

/// The dashboard's matching panel in headless Chromium, driven as an operator would use it: sign in
/// with a token, read the suggested pairs, press "Confirm" (scripts/browser.py speaks the DevTools
/// protocol over a pipe).
@Suite("End to end: the matching panel in a browser", .serialized)
struct MatchingDashboardTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/browser.py").path

    /// Runs the steps in a fresh browser profile and returns one result per step.
    func browse(_ steps: [[String: String]], profile: String) throws -> [Any] {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "Debian's chromium is needed (.ci/run installs it)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [Self.script, browser]
        p.environment = ProcessInfo.processInfo.environment.merging(["BROWSER_PROFILE": profile]) { $1 }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: steps))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let results = try JSONSerialization.jsonObject(with: data) as? [Any] else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TestFailure("browser.py failed (\(p.terminationStatus)): \(message.suffix(800))")
        }
        return results
    }

    @Test func aDispatcherConfirmsASuggestedPairAndAViewerSeesNoFormAndIsRefused() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let storeToken = try enrol(hubDB, "shengyuan-1", name: "Shengyuan 1")
        let added = try run(Executables.hub, [
            "stores", "add", "--db", hubDB, "--id", "yangtang", "--name", "Yangtang grower", "--kind", "supplier", "--json",
        ])
        let supplierToken = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["token"] as? String)
        func operatorToken(_ role: String) throws -> String {
            let r = try run(Executables.hub, ["operators", "add", "--db", hubDB, "--name", role, "--role", role, "--json"])
            return try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["token"] as? String)
        }
        let dispatcher = try operatorToken("dispatcher"), viewer = try operatorToken("viewer")
        let hub = HubProcess(database: hubDB)
        try hub.start()
        defer { hub.stop() }
        let s = dir.path("s.sqlite"), f = dir.path("f.sqlite")
        _ = try agentCLI(["init", "--db", s, "--store", "shengyuan-1", "--hub", hub.url, "--token", storeToken])
        _ = try agentCLI(["init", "--db", f, "--store", "yangtang", "--hub", hub.url, "--token", supplierToken])
        let by = Timestamps.today(Date().addingTimeInterval(2 * 86_400)).description
        let need = try agentCLI(["need", "post", "--db", s, "--commodity", "vegetables", "--variety", "Chinese cabbage",
                                 "--quantity", "3000", "--unit", "jin", "--by", by]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try agentCLI(["offer", "post", "--db", f, "--commodity", "vegetables", "--variety", "Chinese cabbage",
                          "--quantity", "1000", "--location", "Yangtang"])
        #expect(try agentCLI(["sync", "--db", s]).status == 0)
        #expect(try agentCLI(["sync", "--db", f]).status == 0)

        func signIn(_ token: String) -> [[String: String]] {
            [["go": "\(hub.url)/login?lang=en"], ["fill": "input[name=token]", "value": token], ["click": "form button"]]
        }
        // The dispatcher: the pair is suggested with a form; pressing Confirm makes the match.
        let seen = try browse(signIn(dispatcher) + [
            ["eval": "document.querySelectorAll('#suggestions tr.suggestion form.confirm').length"],
            ["eval": "document.querySelector('#suggestions tr.suggestion').dataset.need"],
            ["click": "#suggestions tr.suggestion form.confirm button"],
            ["eval": "Array.from(document.querySelectorAll('#matches tr[data-match]')).map(r => r.dataset.status).join(',')"],
            ["eval": "document.querySelectorAll('#suggestions tr.suggestion').length"],
        ], profile: dir.path("dispatcher-profile"))
        #expect((seen[2] as? String)?.hasPrefix("\(hub.url)/") == true, "signed in: \(seen[2])")
        #expect(seen[3] as? Int == 1, "one confirm form for the one pair")
        #expect(seen[4] as? String == need)
        #expect((seen[5] as? String)?.contains("confirmed=m-") == true, "redirected back with the match: \(seen[5])")
        #expect(seen[6] as? String == "confirmed")
        #expect(seen[7] as? Int == 0, "the offer is fully allocated: nothing left to suggest")
        let listed = try run(Executables.hub, ["matching", "list", "--db", hubDB, "--json"])
        let matches = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(matches?.count == 1)
        #expect(matches?.first?["quantity"] as? Double == 1000)

        // A second need is open again; the viewer sees the pair but no form, and a forged post is refused.
        _ = try agentCLI(["need", "post", "--db", s, "--commodity", "vegetables", "--quantity", "10", "--by", by])
        _ = try agentCLI(["offer", "post", "--db", f, "--commodity", "vegetables", "--quantity", "10"])
        #expect(try agentCLI(["sync", "--db", s]).status == 0)
        #expect(try agentCLI(["sync", "--db", f]).status == 0)
        let post = """
            fetch('/matching/confirm', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
              body: new URLSearchParams({need: document.querySelector('#suggestions tr.suggestion').dataset.need,
                offer: document.querySelector('#suggestions tr.suggestion').dataset.offer, quantity: '10', csrf: 'forged'})})
              .then(r => r.status)
            """
        let viewed = try browse(signIn(viewer) + [
            ["eval": "document.querySelectorAll('#suggestions tr.suggestion').length"],
            ["eval": "document.querySelectorAll('form.confirm').length"],
            ["eval": "document.querySelectorAll('.view-only').length"],
            ["eval": post],
        ], profile: dir.path("viewer-profile"))
        // The new 10 kg offer pairs with the new need and with what is left of the first (500 kg).
        #expect(viewed[3] as? Int == 2, "the viewer sees the suggestions")
        #expect(viewed[4] as? Int == 0, "but no form")
        #expect(viewed[5] as? Int == 1, "and is told why")
        #expect(viewed[6] as? Int == 403)
        let after = try run(Executables.hub, ["matching", "list", "--db", hubDB, "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [Any])?.count == 1, "the refused post wrote nothing")
    }
}
