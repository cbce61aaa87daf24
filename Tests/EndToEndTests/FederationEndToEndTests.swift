import BaogongModel
import BaogongTestSupport
import Foundation
import Testing

/// Three county hubs and a city hub, each a real `baogong-hub serve`, with real agents at every
/// county: the city's figures are the counties' sums exactly, through a week with one county's link
/// to the city cut, and a SIGKILL of the city hub in the middle of that county's catch-up.
@Suite("End to end: county and city hubs", .serialized)
struct FederationEndToEndTests {
    static let counties = ["yongxing", "anren", "guidong"]
    static let stores = ["S01", "S02"]
    static let week = (0..<7).map { try! CalendarDate("2020-01-24").adding(days: $0) }

    /// A TCP relay (Python, standard library only) from `port` to the city hub: the link of one
    /// county. SIGKILL cuts it (its connections die with it); starting it again on the port heals it.
    final class Link {
        let port: Int
        let target: Int
        var process: Process?
        static let script = """
            socket, threading, sys = map(__import__, ["socket", "threading", "sys"])
            listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", listen_port))
            server.listen(64)
            def pipe(a, b):
                try:
                    while True:
                        data = a.recv(65536)
                        if not data:
                            break
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    for s in (a, b):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
            def handle(client):
                try:
                    upstream = socket.create_connection(("127.0.0.1", target_port))
                except OSError:
                    client.close()
                    return
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
            while True:
                client, _ = server.accept()
                threading.Thread(target=handle, args=(client,), daemon=True).start()
            """

        init(target: Int) {
            self.port = freePort()
            self.target = target
        }

        func up() throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = ["-c", Self.script, String(port), String(target)]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            process = p
            for _ in 0..<250 {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                close(fd)
                if connected == 0 { return }
                usleep(20_000)
            }
            throw TestFailure("the link relay did not listen on \(port)")
        }

        func cut() {
            guard let p = process else { return }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            process = nil
        }

        deinit { cut() }
    }

    static func json(_ result: CommandResult) throws -> Any {
        guard result.status == 0 else { throw TestFailure("command failed (\(result.status)): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    static func hub(_ arguments: [String]) throws -> Any { try json(try run(Executables.hub, arguments)) }

    static func upstream(_ db: String) throws -> [String: Any] {
        try hub(["upstream", "status", "--db", db, "--json"]) as? [String: Any] ?? [:]
    }

    static func waitFor(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    /// `supply --json` rows by commodity: on hand and stores reporting.
    static func supply(_ arguments: [String]) throws -> [String: (Double, Int)] {
        let object = try hub(["supply"] + arguments + ["--json"]) as? [String: Any]
        let rows = object?["commodities"] as? [[String: Any]] ?? []
        var result = [String: (Double, Int)]()
        for row in rows {
            result[row["commodity"] as? String ?? ""] = ((row["on_hand"] as? NSNumber)?.doubleValue ?? .nan, row["stores_reporting"] as? Int ?? -1)
        }
        return result
    }

    @Test func threeCountiesRollUpExactlyThroughACutLinkAndACityCrash() throws {
        let dir = try Scratch()
        let cityDB = dir.path("city.sqlite")
        var tokens = [String: String]()
        for county in Self.counties {
            let added = try Self.hub(["counties", "add", "--db", cityDB, "--id", county, "--name", "County \(county)", "--json"])
            tokens[county] = (added as? [String: Any])?["token"] as? String
        }
        let city = HubProcess(database: cityDB)
        try city.start()
        defer { city.stop() }
        let link = Link(target: city.port)
        try link.up()

        // Each county hub syncs upward in the background; anren's goes through the link that will be cut.
        var hubs = [String: HubProcess]()
        var agents = [String: [String: String]]()
        for county in Self.counties {
            let db = dir.path("\(county).sqlite")
            let url = county == "anren" ? "http://127.0.0.1:\(link.port)" : city.url
            let hub = HubProcess(database: db)
            hub.extraArguments = ["--upstream-interval", "0.2", "--upstream-max-backoff", "1"]
            hubs[county] = hub
            for store in Self.stores {
                let token = try enrol(db, store, name: "\(county) \(store)")
                let agent = dir.path("agent-\(county)-\(store).sqlite")
                agents[county, default: [:]][store] = agent
                #expect(try agentCLI(["init", "--db", agent, "--store", store, "--hub", hub.url, "--token", token]).status == 0)
            }
            #expect(try run(Executables.hub, ["upstream", "set", "--db", db, "--url", url, "--token", tokens[county]!]).status == 0)
            try hub.start()
        }
        defer { for hub in hubs.values { hub.stop() } }
        func countyDB(_ county: String) -> String { dir.path("\(county).sqlite") }
        func syncAgent(_ agent: String) throws {
            let r = try agentCLI(["sync", "--db", agent])
            #expect(r.status == 0, "\(r.stderr)")
        }

        // Day one, link up: checkpoint counts everywhere, and every county hub catches up.
        for (c, county) in Self.counties.enumerated() {
            for (s, store) in Self.stores.enumerated() {
                let agent = agents[county]![store]!
                #expect(try agentCLI(["checkpoint", "record", "--db", agent, "--checked", "\(10 * (c + 1) + s)", "--date", "2020-01-24"]).status == 0)
                try syncAgent(agent)
            }
        }
        for county in Self.counties {
            try Self.waitFor("\(county) to sync upward") { try Self.upstream(countyDB(county))["pending"] as? Int == 0 }
        }

        // The link from anren is cut; a week of stock reaches every county hub, anren's with a backlog of
        // 28,000 rows (several upward batches). The other counties carry on.
        link.cut()
        for (c, county) in Self.counties.enumerated() {
            for (s, store) in Self.stores.enumerated() {
                let csv = dir.path("\(county)-\(store).csv")
                try stockCSV(count: county == "anren" ? 14_000 : 49, salt: 13 * c + 5 * s).write(toFile: csv, atomically: true, encoding: .utf8)
                #expect(try agentCLI(["import", "stock", "--db", agents[county]![store]!, csv, "--progress", "none"]).status == 0)
                try syncAgent(agents[county]![store]!)
            }
        }
        for county in ["yongxing", "guidong"] {
            try Self.waitFor("\(county) to sync the week upward") { try Self.upstream(countyDB(county))["pending"] as? Int == 0 }
        }
        try Self.waitFor("anren's failed attempts to show") { try Self.upstream(countyDB("anren"))["last_error"] is String }
        let cutStatus = try Self.upstream(countyDB("anren"))
        #expect((cutStatus["pending"] as? Int ?? 0) >= 28_000)
        let lastDay = Self.week.last!.description
        let during = try Self.hub(["reporting", "--db", cityDB, "--date", lastDay, "--by", "county", "--json"]) as? [String: Any]
        let rowsDuring = (during?["rows"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) {
            $0[$1["county"] as? String ?? ""] = $1["reported"] as? Int
        }
        #expect(rowsDuring == ["yongxing": 2, "anren": 0, "guidong": 2], "while the link is cut the city has nothing of anren's week")

        // Healed: anren catches up; the city hub is SIGKILLed once the first batches are in, and restarted.
        let ackedAtCut = cutStatus["acked_seq"] as? Int ?? 0
        try link.up()
        try Self.waitFor("anren's catch-up to start") {
            let s = try Self.upstream(countyDB("anren"))
            return (s["acked_seq"] as? Int ?? 0) > ackedAtCut
        }
        let atKill = try Self.upstream(countyDB("anren"))
        city.kill9()
        #expect((atKill["pending"] as? Int ?? 0) > 0, "the city hub was killed with anren's catch-up under way")
        try city.start()
        try Self.waitFor("anren to catch up after the city's restart", seconds: 120) {
            try Self.upstream(countyDB("anren"))["pending"] as? Int == 0
        }

        // A city notice reaches an anren store; yongxing's sign-off reaches the city.
        #expect(try run(Executables.hub, ["notices", "post", "--db", cityDB, "全市保供调度 city supply dispatch"]).status == 0)
        try Self.waitFor("the city notice at anren's hub") {
            try run(Executables.hub, ["notices", "list", "--db", countyDB("anren"), "--json"]).stdout.contains("city supply dispatch")
        }
        try syncAgent(agents["anren"]!["S01"]!)
        #expect(try agentCLI(["show", "notices", "--db", agents["anren"]!["S01"]!]).stdout.contains("全市保供调度"))
        let approval = try Self.hub(["approve", "--db", countyDB("yongxing"), "--date", lastDay, "--json"]) as? [String: Any]
        try Self.waitFor("yongxing's sign-off at the city") {
            let r = try Self.hub(["reporting", "--db", cityDB, "--date", lastDay, "--by", "county", "--json"]) as? [String: Any]
            let row = (r?["rows"] as? [[String: Any]])?.first { $0["county"] as? String == "yongxing" }
            return row?["approved"] as? Bool == true && row?["approved_at"] as? String == approval?["approved_at"] as? String
        }

        // Nothing pending anywhere, and the city's figures are the counties' sums, per commodity and day.
        for county in Self.counties {
            #expect(try Self.upstream(countyDB(county))["pending"] as? Int == 0)
            for agent in agents[county]!.values {
                #expect((try Self.json(try agentCLI(["status", "--db", agent, "--json"])) as? [String: Any])?["pending"] as? Int == 0)
            }
        }
        var compared = 0
        for day in Self.week {
            let cityTotals = try Self.supply(["--db", cityDB, "--date", day.description])
            var sums = [String: (Double, Int)]()
            for county in Self.counties {
                let own = try Self.supply(["--db", countyDB(county), "--date", day.description])
                let atCity = try Self.supply(["--db", cityDB, "--date", day.description, "--county", county])
                for (commodity, figures) in own {
                    #expect(atCity[commodity]?.0 == figures.0 && atCity[commodity]?.1 == figures.1, "\(county) \(commodity) \(day)")
                    sums[commodity] = ((sums[commodity]?.0 ?? 0) + figures.0, (sums[commodity]?.1 ?? 0) + figures.1)
                }
            }
            for (commodity, sum) in sums {
                #expect(cityTotals[commodity]?.0 == sum.0 && cityTotals[commodity]?.1 == sum.1, "city \(commodity) \(day)")
                if sum.0 > 0 { compared += 1 }
            }
        }
        #expect(compared == 7 * 7, "every commodity of every day of the week had stock to compare")
        let checkpoints = try Self.hub(["checkpoints", "--db", cityDB, "--date", "2020-01-24", "--json"]) as? [String: Any]
        #expect(checkpoints?["checked"] as? Int == (10 + 11) + (20 + 21) + (30 + 31))
    }
}
