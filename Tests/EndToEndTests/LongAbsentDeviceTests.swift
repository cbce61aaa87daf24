import BaogongModel
import BaogongTestSupport
import Foundation
import GRDB
import Testing

/// Compaction with real processes: a device last heard of 500 days ago, whose cursor predates
/// entries that `baogong-hub compact` dropped, comes back and converges exactly.
///
/// The past is made with libfaketime: the hub, its CLI and the agents run 500 days behind while the
/// device is in touch and while the bureau edits the catalog after it went away; then everything
/// runs on the real clock, the hub compacts keeping 400 days, and the device syncs again.
@Suite("End to end: a long-absent device after compaction", .serialized)
struct LongAbsentDeviceTests {
    static let past = "-500d"

    /// Every reference record (sent down to devices) as key = CRDT state, per set.
    func referenceState(_ path: String) throws -> [String: [String]] {
        let db = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        return try db.read { db in
            var state = [String: [String]]()
            for set in RecordSetSchema.all where set.isReference {
                state[set.name] = try Row.fetchAll(db, sql: "SELECT key, hex(crdt) FROM \"\(set.name)\" ORDER BY key")
                    .map { "\($0[0] as String)=\($0[1] as String)" }
            }
            return state
        }
    }

    func json(_ result: CommandResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aDeviceAwayLongerThanTheRetentionConvergesAfterCompaction() throws {
        try #require(FakeClock.isInstalled, "Debian's faketime is needed (.ci/run installs it)")
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let then = Self.past
        func hubThen(_ arguments: [String]) throws -> CommandResult {
            let r = try FakeClock.run(then, Executables.hub, arguments)
            #expect(r.status == 0, "\(arguments.first ?? ""): \(r.stderr)")
            return r
        }
        func agentThen(_ arguments: [String]) throws -> CommandResult {
            let r = try FakeClock.run(then, Executables.agent, arguments)
            #expect(r.status == 0, "\(arguments.first ?? ""): \(r.stderr)")
            return r
        }
        let token = try json(FakeClock.run(then, Executables.hub, ["stores", "add", "--db", hubDB, "--id", "S01", "--name", "Longmei", "--json"]))["token"] as? String ?? ""

        // 500 days ago: the device syncs once, then is not heard of again.
        let hub = HubProcess(database: hubDB)
        hub.launcher = FakeClock.launcher(then)
        try hub.start()
        let away = dir.path("away.sqlite")
        _ = try agentThen(["init", "--db", away, "--store", "S01", "--hub", hub.url, "--token", token])
        _ = try agentThen(["sync", "--db", away])
        let awayCursor = try json(agentCLI(["status", "--db", away, "--json"]))["hub_cursor"] as? Int ?? -1
        #expect(awayCursor > 0)

        // Still 500 days ago, after it left: the bureau changes rice's at-risk line twice (the first
        // change is superseded) and posts a notice.
        _ = try hubThen(["catalog", "set", "--db", hubDB, "--commodity", "rice", "--min-days", "5"])
        _ = try hubThen(["catalog", "set", "--db", hubDB, "--commodity", "rice", "--min-days", "6"])
        _ = try hubThen(["notices", "post", "--db", hubDB, "Rice reaches the county on Friday / 周五大米到货"])
        hub.stop()

        // Today: the hub runs on the real clock; another device of the store is active and caught up.
        hub.launcher = []
        try hub.start()
        defer { hub.stop() }
        let present = dir.path("present.sqlite")
        #expect(try agentCLI(["init", "--db", present, "--store", "S01", "--hub", hub.url, "--token", token]).status == 0)
        // Twice: a device's next sync tells the hub how far it has read (its cursor).
        for _ in 0..<2 { #expect(try agentCLI(["sync", "--db", present]).status == 0) }

        let historyBefore = try run(Executables.hub, ["history", "--db", hubDB, "--set", "catalog", "--key", "rice", "--json"])
        let report = try json(run(Executables.hub, ["compact", "--db", hubDB, "--retain-days", "400", "--json"]))
        #expect((report["dropped"] as? Int ?? 0) >= 1, "the superseded rice entry is older than 400 days: \(report)")
        #expect(report["active_devices"] as? Int == 1, "only the device heard from today counts: \(report)")
        let historyAfter = try run(Executables.hub, ["history", "--db", hubDB, "--set", "catalog", "--key", "rice", "--json"])
        let writes = { (r: CommandResult) in (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [Any])?.count ?? -1 }
        #expect(writes(historyAfter) < writes(historyBefore), "compaction dropped rice's superseded writes")
        #expect(writes(historyAfter) >= 1, "the write that stands stays")

        // The long-absent device read up to a point before entries that are now gone…
        let compactedThrough = try DatabaseQueue(path: hubDB).read { db in
            try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'audience_compacted_through'") ?? 0
        }
        #expect(compactedThrough > awayCursor, "entries it had not read were dropped (\(compactedThrough) > \(awayCursor))")
        // …and comes back: it is sent the current state and ends where the hub is.
        let resync = try agentCLI(["sync", "--db", away, "--json"])
        #expect(resync.status == 0, "\(resync.stderr)")
        let hubState = try referenceState(hubDB)
        let awayState = try referenceState(away)
        #expect(hubState.values.reduce(0) { $0 + $1.count } > 0)
        #expect(awayState == hubState, "every reference record, CRDT state and all, equals the hub's")
        let notices = try agentCLI(["show", "notices", "--db", away])
        #expect(notices.stdout.contains("周五大米到货"), "\(notices.stdout)")
        // And it goes on as usual: a second sync receives nothing new.
        let again = try json(agentCLI(["sync", "--db", away, "--json"]))
        #expect(again["received"] as? Int == 0, "\(again)")
    }
}
