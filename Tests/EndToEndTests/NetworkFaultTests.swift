import BaogongAgent
import BaogongTestSupport
import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

/// A transport between agent and hub that misbehaves like a bad network: it delivers every batch
/// twice, replays old batches after newer ones, and sometimes loses the hub's answer.
final class HostileTransport: SyncTransport, @unchecked Sendable {
    let inner = HTTPSyncTransport()
    private let lock = NSLock()
    private var sent = [SyncRequest]()
    private var calls = 0
    private(set) var replays = 0
    private(set) var lostAnswers = 0

    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        let (old, n) = lock.withLock { () -> (SyncRequest?, Int) in
            calls += 1
            let old = sent.isEmpty ? nil : sent[(calls * 7) % sent.count]
            sent.append(request)
            return (old, calls)
        }
        if let old {  // a stale batch arrives late, out of order
            _ = try await inner.sync(old, to: hub)
            lock.withLock { replays += 1 }
        }
        _ = try await inner.sync(request, to: hub)  // duplicated delivery
        let answer = try await inner.sync(request, to: hub)
        if n % 3 == 0 {  // the hub committed, but its answer never arrives
            lock.withLock { lostAnswers += 1 }
            throw AgentError(.hubUnreachable, "answer lost")
        }
        return answer
    }
}

@Suite("End to end: network faults and clocks", .serialized)
struct NetworkFaultTests {
    /// Sequential and pipelined: a lost answer to a batch sent ahead is not a failure (the batch is
    /// sent again), so only the sequential client fails once per lost answer.
    @Test(arguments: [false, true]) func duplicatedReorderedAndReplayedBatchesChangeNothingTwice(pipelined: Bool) async throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        let agent = try AgentDatabase.create(path: dir.path("a"), store: "S01", hub: hub.url, token: token)
        let start = try CalendarDate("2020-02-01")
        for i in 0..<140 {
            let commodity = Commodity.defaults[i % 7].id
            try await agent.recordStock(StockEntry(date: start.adding(days: i / 7), commodity: commodity, onHand: Double(100 + i),
                                             sold: Double(i % 9), priceFen: 500 + Int64(i)))
            if i % 10 == 0 {
                try await agent.recordCheckpoint(CheckpointIncrement(date: start.adding(days: i / 7), counts: ["checked": 5]))
            }
        }
        let transport = HostileTransport()
        var client = SyncClient(database: agent, transport: transport, batchSize: 16)
        client.pipelined = pipelined
        var failures = 0
        while true {
            do { _ = try await client.syncOnce(); break } catch { failures += 1; #expect(failures < 50) }
        }
        #expect(transport.replays > 3)
        #expect(transport.lostAnswers > 0)
        if pipelined {
            #expect(failures <= transport.lostAnswers)
        } else {
            #expect(failures == transport.lostAnswers)
        }
        #expect(try await agent.status().pending == 0)
        hub.stop()
        let hubDatabase = try HubDatabase.open(path: hubDB)
        #expect(try storeSets(hubDatabase.store, storeID: "S01") == storeSets(agent.store))
        // Every change was merged exactly once: the hub's log holds one entry per change the agent made.
        let replica = try await agent.identity().replica
        let logged = try await hubDatabase.store.writer.read { db in try RecordStore.count(byReplica: replica, after: 0, in: db).count }
        let made = try await agent.store.writer.read { db in try RecordStore.count(byReplica: replica, after: 0, in: db).count }
        #expect(logged == made)
        #expect(made == 154)
        let checkpoints = try await hubDatabase.snapshot(date: start).checkpointTotals()
        #expect(checkpoints.checked == 5, "one checkpoint increment on day 1, never counted twice")
    }

    /// A device whose clock is a day behind and one a day ahead: their data is merged, counts add
    /// up, and the hub reports the skew.
    @Test func devicesWithClocksADayWrong() async throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        let day: TimeInterval = 86_400
        var devices = [(AgentDatabase, SyncClient)]()
        for (name, offset) in [("behind", -day), ("right", 0), ("ahead", day)] {
            let agent = try AgentDatabase.create(path: dir.path(name), store: "S01", hub: hub.url, token: token)
            let client = SyncClient(database: agent, clock: { Date().addingTimeInterval(offset) })
            let now = Date().addingTimeInterval(offset)
            try await agent.recordCheckpoint(CheckpointIncrement(date: try CalendarDate("2020-02-10"), counts: ["checked": 100]), now: now)
            devices.append((agent, client))
        }
        // The slow device reports a price after seeing nothing: the write is kept (LWW by clock).
        try await devices[0].0.recordStock(StockEntry(date: try CalendarDate("2020-02-10"), commodity: "rice", onHand: 700, priceFen: 520),
                                     now: Date().addingTimeInterval(-day))
        for (_, client) in devices { _ = try await client.syncOnce() }
        hub.stop()
        let hubDatabase = try HubDatabase.open(path: hubDB)
        let snapshot = try await hubDatabase.snapshot(date: CalendarDate("2020-02-10"))
        #expect(snapshot.checkpointTotals().checked == 300)
        #expect(snapshot.supply().commodities.first { $0.commodity == "rice" }?.onHand == 700)
        let fleet = try await hubDatabase.fleetStatus()
        var ids = [String]()
        for device in devices { ids.append(try await device.0.identity().replica) }
        let behind = try #require(fleet.first { $0.replica == ids[0] })
        let ahead = try #require(fleet.first { $0.replica == ids[2] })
        let right = try #require(fleet.first { $0.replica == ids[1] })
        #expect(abs(behind.clockSkewMs + 86_400_000) < 60_000, "\(behind.clockSkewMs)")
        #expect(abs(ahead.clockSkewMs - 86_400_000) < 60_000)
        #expect(ahead.futureChanges == 0, "refused with clock_ahead, re-stamped by the hub's time, merged within the bound")
        #expect(abs(right.clockSkewMs) < 60_000)
        #expect(right.futureChanges == 0)
        let alerts = snapshot.alerts().filter { $0.kind == "clock_skew" }.compactMap(\.store)
        #expect(alerts.count == 2)
    }

    /// Fifty store agents (real processes) syncing at once against one hub.
    @Test func fiftyAgentsSyncAtOnce() async throws {
        let dir = try Scratch()
        let hubDB = dir.path("hub.sqlite")
        let hub = HubProcess(database: hubDB)
        let stores = (1...50).map { String(format: "S%02d", $0) }
        var tokens = [String: String]()
        for s in stores { tokens[s] = try enrol(hubDB, s) }
        try hub.start()
        try stockCSV(count: 70).write(toFile: dir.path("day.csv"), atomically: true, encoding: .utf8)
        var failures = ""
        for s in stores {
            let db = dir.path(s)
            let steps = [
                ["init", "--db", db, "--store", s, "--hub", hub.url, "--token", tokens[s]!],
                ["import", "stock", "--db", db, dir.path("day.csv")],
                ["checkpoint", "record", "--db", db, "--checked", "10", "--date", "2020-01-24"],
            ]
            for step in steps where try agentCLI(step).status != 0 { failures += "setup \(s) " }
        }
        #expect(failures.isEmpty, "\(failures)")
        // All fifty at once.
        let processes = try stores.map { try spawnAgent(["sync", "--db", dir.path($0)], start: false) }
        for p in processes { try p.run() }
        for p in processes { p.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "every sync succeeded")
        hub.stop()
        let hubDatabase = try HubDatabase.open(path: hubDB)
        let all = try storeSets(hubDatabase.store)
        #expect(all["stock"]?.records.count == 50 * 70)
        let snapshot = try await hubDatabase.snapshot(date: CalendarDate("2020-01-24"))
        #expect(snapshot.checkpointTotals().checked == 500)
        #expect(snapshot.reporting().reported == 50)
        #expect(try await hubDatabase.fleetStatus().allSatisfy { $0.replica != nil && $0.pendingReported == 0 })
    }
}
