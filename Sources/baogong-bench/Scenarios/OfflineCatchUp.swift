import BaogongAgent
import BaogongModel
import Foundation

/// Scenario 8: a store offline for 30 days catches up. Each day as a shop records it: the seven
/// commodities' stock, the checkpoint count, the day's online orders and deliveries, and a need
/// posted once a week. Then, with the real `baogong-agent` and `baogong-hub` processes:
/// - over loopback through the byte-counting proxy: one `baogong-agent sync`, process start included;
/// - by file: `bundle export`, `baogong-hub bundle import --answer`, `bundle import` of the answer
///   (three processes), the two files' sizes being what travels.
struct OfflineCatchUpScenario {
    var days: Int
    var directory: URL
    var binDirectory: String
    static let name = "8 offline catch-up"

    var binaries: ReleaseBinaries { ReleaseBinaries(directory: binDirectory) }
    var agentBinary: String { binaries.agent }
    var hubBinary: String { binaries.hub }

    func run() async throws -> [ResultRow] {
        try binaries.check()
        let hubDB = path("hub.sqlite")
        let served = try await ServedHub.start(binaries, database: hubDB, stores: ["S0001", "S0002"], log: path("hub.log"))
        defer { served.stop() }
        let (port, tokens) = (served.port, served.tokens)
        let proxy = try await ByteCountingProxy(targetPort: port)

        // Two stores with the same 30 days: one catches up over the network, one by file.
        let network = path("network.sqlite"), byFile = path("file.sqlite")
        for (db, store) in [(network, "S0001"), (byFile, "S0002")] {
            let agent = try AgentDatabase.create(path: db, store: store, hub: proxy.url, token: tokens[store]!)
            try await recordDays(agent)
        }

        let before = proxy.counters.snapshot
        let (status, syncSeconds) = try Measure.time { try Shell.spawnAndWait(agentBinary, ["sync", "--db", network, "--progress", "none"]) }
        guard status == 0 else { throw BenchError("sync failed: \(try Shell.run(agentBinary, ["sync", "--db", network]).stderr)") }
        let after = proxy.counters.snapshot
        let wireBytes = Double(after.sent - before.sent + after.received - before.received)

        let upload = path("up.bundle"), answer = path("answer.bundle")
        let (bundleStatus, bundleSeconds) = try Measure.time { () throws -> Int32 in
            for (binary, arguments) in [
                (agentBinary, ["bundle", "export", "--db", byFile, "--out", upload]),
                (hubBinary, ["bundle", "import", "--db", hubDB, upload, "--answer", answer]),
                (agentBinary, ["bundle", "import", "--db", byFile, answer]),
            ] {
                let status = try Shell.spawnAndWait(binary, arguments)
                if status != 0 { return status }
            }
            return 0
        }
        guard bundleStatus == 0 else { throw BenchError("the bundle round trip failed (exit \(bundleStatus))") }
        let fileBytes = Double(try size(upload) + size(answer))
        for db in [network, byFile] where try await AgentDatabase.open(path: db).status().pending != 0 {
            throw BenchError("\(db) still has changes pending after catching up")
        }

        await proxy.stop()
        let storeDays = Double(days)
        return [
            ResultRow(Self.name, "\(days) days by network: one sync, process start included", syncSeconds * 1000, unit: "ms",
                      target: "< 2000 ms", met: syncSeconds < 2),
            ResultRow(Self.name, "by network: bytes on the wire per store-day", wireBytes / storeDays, unit: "B",
                      target: "< 2048 B", met: wireBytes / storeDays < 2048,
                      note: "HTTP both ways, counted by the proxy: \(Int(wireBytes)) B in all"),
            ResultRow(Self.name, "\(days) days by file: export, hub import, answer import (3 processes)", bundleSeconds * 1000,
                      unit: "ms", target: "< 2000 ms", met: bundleSeconds < 2),
            ResultRow(Self.name, "by file: bytes of both files per store-day", fileBytes / storeDays, unit: "B",
                      target: "< 2048 B", met: fileBytes / storeDays < 2048, note: "upload and answer: \(Int(fileBytes)) B in all"),
        ]
    }

    /// `days` days up to yesterday, each recorded at its own noon, as the shop would have.
    func recordDays(_ agent: AgentDatabase) async throws {
        let today = Timestamps.today()
        for offset in stride(from: days, to: 0, by: -1) {
            let date = today.adding(days: -offset)
            let noon = Date().addingTimeInterval(-Double(offset) * 86_400)
            for k in 0..<Workload.commodities.count {
                var entry = Workload.entry(index: offset * Workload.commodities.count + k)
                entry.date = date
                try await agent.recordStock(entry, now: noon)
            }
            try await agent.recordCheckpoint(
                CheckpointIncrement(date: date, counts: ["checked": 900 + Int64(offset), "disinfections": 4, "refused_fever": 1]), now: noon
            )
            try await agent.recordDelivery(
                .init(date: date, orders: 40, served: 120, revenueFen: 1_250_000, vehicles: 3, staff: 5, groups: 4,
                      quantities: ["rice": 120, "vegetables": 80]),
                now: noon
            )
            if offset % 7 == 0 {
                _ = try await agent.postNeed(
                    commodity: "vegetables", variety: nil, quantity: 500, unit: nil, by: date.adding(days: 3), note: nil, now: noon
                )
            }
        }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
