import BaogongTestSupport
import BaogongModel
import Foundation
import Testing

/// A store's token stays with its owner: database files only the owner can read, no redirect ever
/// followed with the token, and ways to give the token that `ps` and shell history do not see.
@Suite("End to end: tokens stay secret", .serialized)
struct TokenSafetyTests {
    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    @Test func databasesTheirJournalsAndBackupsAreReadableByTheOwnerOnly() throws {
        let one = try OneStore()
        try one.hub.start()
        defer { one.hub.stop() }
        #expect(try agentCLI(["stock", "record", "--db", one.agent, "--commodity", "rice", "--on-hand", "5", "--price", "5"]).status == 0)
        #expect(try agentCLI(["sync", "--db", one.agent]).status == 0)
        for path in [one.agent, one.agent + "-wal", one.agent + "-shm", one.hubDB, one.hubDB + "-wal", one.hubDB + "-shm"]
        where FileManager.default.fileExists(atPath: path) {
            let found = try mode(path)
            #expect(found == 0o600, "\(path) is \(String(found, radix: 8))")
        }
        // The running hub holds its journal open (an agent's is removed when its command ends).
        #expect(FileManager.default.fileExists(atPath: one.hubDB + "-wal"), "a journal was checked")
        let backup = one.dir.path("backup.sqlite")
        #expect(try run(Executables.hub, ["backup", "--db", one.hubDB, "--out", backup]).status == 0)
        #expect(try mode(backup) == 0o600)

        // A file an earlier release left readable by others is tightened when it is opened.
        chmod(one.agent, 0o644)
        #expect(try agentCLI(["status", "--db", one.agent]).status == 0)
        #expect(try mode(one.agent) == 0o600)
    }

    @Test func theAgentNeverFollowsARedirectWithItsToken() throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let token = try enrol(hubDB, "S01")
        // A server that answers every POST with 307 to a second server, which logs what reaches it.
        let (redirecting, catching) = (freePort(), freePort())
        let log = dir.path("caught.log")
        let script = """
            server, sys = __import__("http.server").server, __import__("sys")
            port, target, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            class H(server.BaseHTTPRequestHandler):
                def do_POST(self):
                    if target:
                        self.send_response(307); self.send_header("Location", target)
                    else:
                        open(log, "a").write(self.headers.get("Authorization", "") + "\\n"); self.send_response(200)
                    self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *args): pass
            server.HTTPServer(("127.0.0.1", port), H).serve_forever()
            """
        var servers = [Process]()
        for (port, target) in [(redirecting, "http://127.0.0.1:\(catching)/v1/sync"), (catching, "")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = ["-c", script, String(port), target, log]
            try p.run()
            servers.append(p)
        }
        // SIGKILL: a child of the test runner may have inherited an ignored SIGTERM.
        defer { for p in servers { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        for port in [redirecting, catching] {
            var up = false
            for _ in 0..<100 where !up {
                up = (try? run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-X", "POST", "http://127.0.0.1:\(port)/x"]).status) == 0
                if !up { usleep(50_000) }
            }
            #expect(up, "test server on \(port)")
        }
        try? FileManager.default.removeItem(atPath: log)  // the probes above
        let agent = dir.path("agent.sqlite")
        #expect(try agentCLI(["init", "--db", agent, "--store", "S01", "--hub", "http://127.0.0.1:\(redirecting)", "--token", token]).status == 0)
        #expect(try agentCLI(["stock", "record", "--db", agent, "--commodity", "rice", "--on-hand", "5", "--price", "5"]).status == 0)
        let sync = try agentCLI(["sync", "--db", agent])
        #expect(sync.status != 0)
        #expect(sync.stderr.contains("redirect"))
        #expect(sync.stderr.contains("http://127.0.0.1:\(catching)/v1/sync"), "the message names the location: \(sync.stderr)")
        let caught = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(caught.isEmpty, "the token reached the redirect's target: \(caught)")
    }

    @Test func theTokenCanComeFromAFileStandardInputOrTheEnvironment() throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        defer { hub.stop() }
        let file = dir.path("token")
        #expect(FileManager.default.createFile(atPath: file, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        let ways: [(String, [String], String?, [String: String])] = [
            ("file", ["--token-file", file], nil, [:]),
            ("stdin", ["--token", "-"], token + "\n", [:]),
            ("environment", [], nil, ["BAOGONG_TOKEN": token]),
        ]
        for (name, flags, input, environment) in ways {
            let db = dir.path("\(name).sqlite")
            let initialised = try run(Executables.agent, ["init", "--db", db, "--store", "S01", "--hub", hub.url] + flags,
                                      input: input, environment: environment)
            #expect(initialised.status == 0, "\(name): \(initialised.stderr)")
            #expect(try agentCLI(["sync", "--db", db]).status == 0, "\(name): the token works")
        }
        let none = try run(Executables.agent, ["init", "--db", dir.path("none.sqlite"), "--store", "S01", "--hub", hub.url],
                           environment: ["BAOGONG_TOKEN": ""])
        #expect(none.status != 0)
        let both = try agentCLI(["init", "--db", dir.path("both.sqlite"), "--store", "S01", "--hub", hub.url, "--token", token,
                                 "--token-file", file])
        #expect(both.status == 2)
        #expect(both.stderr.contains("not both"))
        // A rotated token given by file reaches the agent without touching the command line.
        let rotated = try run(Executables.hub, ["stores", "rotate-token", "--db", hubDB, "--id", "S01", "--json"])
        let newToken = try #require((try JSONSerialization.jsonObject(with: Data(rotated.stdout.utf8)) as? [String: Any])?["token"] as? String)
        try Data((newToken + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try agentCLI(["config", "--db", dir.path("file.sqlite"), "--token-file", file]).status == 0)
        #expect(try agentCLI(["sync", "--db", dir.path("file.sqlite")]).status == 0)
    }
}
