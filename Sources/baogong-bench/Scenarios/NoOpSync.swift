import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation

/// Scenario 3: an agent with nothing pending syncs (a `baogong-agent run` tick on a quiet day).
/// Latency is timed on a direct connection; bytes are counted through the proxy by a second agent.
struct NoOpSyncScenario {
    var syncs: Int
    var directory: URL
    static let name = "3 no-op sync"

    func run() async throws -> [ResultRow] {
        return try await SyncFixture.with(in: directory) { try await measure($0) }
    }

    func measure(_ fixture: SyncFixture) async throws -> [ResultRow] {
        // Each agent first records a day and syncs it, so the first sync's reference data is behind it.
        let direct = try await fixture.agent(store: "S0001", viaProxy: false)
        let counted = try await fixture.agent(store: "S0002", viaProxy: true)
        for agent in [direct, counted] {
            try await agent.importStock((0..<7).map { Workload.entry(index: $0) })
            _ = try await SyncClient(database: agent).syncOnce()
        }

        // Whole no-op syncs as `run` does them: outbox read, HTTP round trip, acknowledgement write.
        let client = SyncClient(database: direct)
        var whole = LatencySample()
        for _ in 0..<syncs {
            let (report, seconds) = try await Measure.time { try await client.syncOnce() }
            guard report.sent == 0, report.received == 0 else { throw BenchError("no-op sync sent or received changes") }
            whole.add(seconds)
        }
        // The HTTP round trip alone (the library transport, same request every time).
        let request = try await direct.nextBatch(limit: 5_000)
        let identity = try await direct.identity()
        let transport = HTTPSyncTransport()
        var roundTrip = LatencySample()
        for _ in 0..<syncs {
            roundTrip.add(try await Measure.time { _ = try await transport.sync(request, to: identity.endpoint) }.1)
        }
        // Bytes of one no-op sync on the wire, averaged over a few.
        let countedClient = SyncClient(database: counted)
        let before = fixture.proxy.counters.snapshot
        let samples = 20
        for _ in 0..<samples { _ = try await countedClient.syncOnce() }
        let after = fixture.proxy.counters.snapshot
        let sent = Double(after.sent - before.sent) / Double(samples)
        let received = Double(after.received - before.received) / Double(samples)
        let total = sent + received
        return [
            ResultRow(Self.name, "bytes on the wire per no-op sync (sent + received)", total, unit: "B",
                      display: String(format: "%.0f B (%.0f + %.0f)", total, sent, received), target: "< 1 KB",
                      met: total < 1024),
            ResultRow(Self.name, "SyncClient.syncOnce latency p50", whole.p50, unit: "s", display: Format.milliseconds(whole.p50),
                      target: "< 5 ms", met: whole.p50 < 0.005),
            ResultRow(Self.name, "SyncClient.syncOnce latency p95", whole.p95, unit: "s", display: Format.milliseconds(whole.p95)),
            ResultRow(Self.name, "HTTP round trip only (transport) p50 / p95", roundTrip.p50, unit: "s",
                      display: "\(Format.milliseconds(roundTrip.p50)) / \(Format.milliseconds(roundTrip.p95))"),
            ResultRow(Self.name, "syncs measured", Double(syncs), unit: "", display: "\(syncs)"),
        ]
    }
}
