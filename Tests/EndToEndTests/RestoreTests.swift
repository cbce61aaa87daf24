import BaogongTestSupport
import Foundation
import Testing

/// A replaced PC (`init --restore`) with real processes: the old database is gone, the new device
/// carries on with the store's records, and the old PC, if it comes back, still merges.
@Suite("End to end: a replaced PC restored", .serialized)
struct RestoreTests {
    static let date = "2020-02-10"

    func checkedAtHub(_ hubDB: String) throws -> Int {
        let r = try run(Executables.hub, ["checkpoints", "--db", hubDB, "--date", Self.date, "--json"])
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["checked"] as? Int ?? -1
    }

    func agentJSON(_ arguments: [String]) throws -> Any {
        let r = try agentCLI(arguments + ["--json"])
        guard r.status == 0 else { throw TestFailure("\(arguments): \(r.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    @Test func aNewDeviceCarriesOnWithTheStoresRecordsAndTheOldOneStillMerges() throws {
        let one = try OneStore()
        try one.hub.start()
        defer { one.hub.stop() }
        let old = one.agent
        for (commodity, onHand) in [("rice", "500"), ("eggs", "400")] {
            #expect(try agentCLI(["stock", "record", "--db", old, "--date", Self.date, "--commodity", commodity, "--on-hand", onHand, "--sold", "10", "--price", "5.20"]).status == 0)
        }
        #expect(try agentCLI(["checkpoint", "record", "--db", old, "--date", Self.date, "--checked", "300"]).status == 0)
        #expect(try agentCLI(["sync", "--db", old]).status == 0)
        // Counted after the last sync, then the PC breaks: its disk is kept aside for repair.
        #expect(try agentCLI(["checkpoint", "record", "--db", old, "--date", Self.date, "--checked", "20"]).status == 0)
        let repaired = one.dir.path("repaired.sqlite")
        try FileManager.default.copyItem(atPath: old, toPath: repaired)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: old + suffix) }

        // A wrong token: refused, and nothing is left behind, so the same command can be run again.
        let fresh = one.dir.path("new.sqlite")
        let refused = try agentCLI(["init", "--restore", "--db", fresh, "--store", "S01", "--hub", one.hub.url, "--token", "s.S01.0000000000000000000000000000000000000000000000000000000000000000"])
        #expect(refused.status == 1 && refused.stderr.contains("token"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh))

        let restored = try agentCLI(["init", "--restore", "--db", fresh, "--store", "S01", "--hub", one.hub.url, "--token", one.token])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("restored 3 change(s)"), "\(restored.stdout)")
        let stock = try agentJSON(["show", "stock", "--db", fresh, "--date", Self.date]) as? [[String: Any]] ?? []
        #expect(Set(stock.compactMap { row in (row["commodity"] as? String).map { "\($0)=\(row["on_hand"] ?? "")" } }) == ["rice=500", "eggs=400"])
        let status = try agentJSON(["status", "--db", fresh]) as? [String: Any]
        #expect(status?["pending"] as? Int == 0, "nothing restored is sent back")
        #expect((status?["replica"] as? String)?.hasPrefix("S01.") == true)

        // The new device counts on top of the store's count.
        #expect(try agentCLI(["checkpoint", "record", "--db", fresh, "--date", Self.date, "--checked", "5"]).status == 0)
        let shown = try agentJSON(["show", "checkpoint", "--db", fresh, "--date", Self.date])
        #expect("\(shown)".contains("305"), "\(shown)")
        #expect(try agentCLI(["sync", "--db", fresh]).status == 0)
        #expect(try checkedAtHub(one.hubDB) == 305)
        // The old PC comes back from repair: its pending count still merges, exactly once.
        #expect(try agentCLI(["sync", "--db", repaired]).status == 0)
        #expect(try checkedAtHub(one.hubDB) == 325)
        #expect(try agentCLI(["sync", "--db", repaired]).status == 0)
        #expect(try checkedAtHub(one.hubDB) == 325)
    }
}
