import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import BaogongTestSupport
import Foundation
import GRDB
import Testing

/// A hub in this process behind a transport double. Each batch goes through a `SyncSequencer` as
/// `POST /v1/sync` does (unless `sequencer` is nil). The flags below set the order of events without
/// relying on timing, and `fail` drops a call (the hub never saw it, or its answer was lost when
/// `failAfterMerge` is set).
final class InProcessHub: SyncTransport, @unchecked Sendable {
    let database: HubDatabase
    let sequencer: SyncSequencer?
    /// A batch's merge waits until the next call has arrived (unless nothing follows it).
    var overlap = false
    /// Call n reaches the hub only after call n - 1 has.
    var arrivesInOrder = false
    /// Whether to drop a call, given its number, how many times its batch (by `upto`) was sent, and
    /// the batch's `upto`.
    var fail: @Sendable (_ call: Int, _ attempt: Int, _ upto: Int64) -> Bool = { _, _, _ in false }
    var failAfterMerge = false
    /// Hold the first call until another batch has been merged (however slow the machine).
    var firstWaitsForAnother = false
    private let lock = NSLock()
    private(set) var calls = 0
    private var arrived = 0
    private var attempts: [Int64: Int] = [:]
    private var inFlight = 0
    private(set) var mostInFlight = 0
    /// (acked, upto) of each batch in the order the hub merged them.
    private(set) var merged: [(acked: Int64?, upto: Int64)] = []

    init(_ database: HubDatabase, sequencer: SyncSequencer? = SyncSequencer()) {
        self.database = database
        self.sequencer = sequencer
    }

    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        let (n, attempt) = lock.withLock { () -> (Int, Int) in
            calls += 1
            inFlight += 1
            mostInFlight = max(mostInFlight, inFlight)
            attempts[request.upto, default: 0] += 1
            return (calls, attempts[request.upto]!)
        }
        let dropped = fail(n, attempt, request.upto)
        defer { lock.withLock { inFlight -= 1 } }
        if n == 1 && firstWaitsForAnother { try await until { !self.merged.isEmpty } }
        if arrivesInOrder { try await until { self.arrived == n - 1 } }
        if dropped && !failAfterMerge { throw AgentError(.hubUnreachable, "call \(n) dropped") }
        let merge = { () async throws -> SyncResponse in
            if self.overlap && request.pending > 0 { try await self.until { self.calls > n } }
            let answer = try await self.database.sync(request, store: request.store, now: Date())
            self.lock.withLock { self.merged.append((request.acked, request.upto)) }
            return answer
        }
        let answer: SyncResponse
        if let sequencer {
            answer = try await sequencer.inOrder(replica: request.replica, acked: request.acked, upto: request.upto) {
                lock.withLock { arrived = max(arrived, n) }
                return try await merge()
            }
        } else {
            answer = try await merge()
        }
        if dropped { throw AgentError(.hubUnreachable, "the answer to call \(n) was lost") }
        return answer
    }

    /// Polls `condition` (under the lock) until it holds; 20 s at most.
    private func until(_ condition: @escaping () -> Bool) async throws {
        for _ in 0..<4_000 {
            if lock.withLock(condition) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw AgentError(.hubError, "the test's order of events did not come about")
    }
}

@Suite("End to end: pipelined sync")
struct PipelinedSyncTests {
    /// A store with `count` stock records pending, and the hub it syncs with.
    static func store(count: Int) async throws -> (dir: Scratch, agent: AgentDatabase, hub: HubDatabase) {
        let dir = try Scratch()
        let hub = try HubDatabase.open(path: dir.path("hub.db"))
        let token = try await hub.addStore(id: "S01", name: "One", township: nil, kind: .supermarket)
        let agent = try AgentDatabase.create(path: dir.path("agent.db"), store: "S01", hub: "http://127.0.0.1:9", token: token)
        let start = try CalendarDate("2020-02-01")
        let entries = (0..<count).map { i in
            StockEntry(date: start.adding(days: i / 7), commodity: Commodity.defaults[i % 7].id, onHand: Double(100 + i % 50),
                       sold: Double(i % 9), priceFen: 500 + Int64(i % 100))
        }
        try await agent.importStock(entries)
        return (dir, agent, hub)
    }

    /// The hub holds exactly the agent's records, each change logged once, nothing pending.
    static func expectConverged(_ agent: AgentDatabase, _ hub: HubDatabase, changes: Int) async throws {
        #expect(try await agent.status().pending == 0)
        #expect(try storeSets(hub.store, storeID: "S01") == storeSets(agent.store))
        let replica = try await agent.identity().replica
        let logged = try await hub.store.writer.read { db in try RecordStore.count(byReplica: replica, after: 0, in: db).count }
        #expect(logged == changes, "every change merged exactly once")
        let acked = try await hub.store.writer.read { db in try RecordStore.ackedSeq(of: replica, in: db) }
        let last = try await agent.store.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM change_log WHERE replica = ?", arguments: [replica]) ?? 0
        }
        #expect(acked == last, "the hub acknowledges all the agent wrote")
    }

    @Test func theNextBatchIsSentWhileTheHubMergesAndAcknowledgedInOrder() async throws {
        let (dir, agent, hub) = try await Self.store(count: 1_000)
        _ = dir
        let transport = InProcessHub(hub)
        transport.overlap = true  // each batch is still merging when the next arrives
        transport.arrivesInOrder = true
        let report = try await SyncClient(database: agent, transport: transport, batchSize: 100).syncOnce()
        #expect(report.batches == 10)
        #expect(report.sent == 1_000)
        #expect(report.sentAgain == 0, "the sequencer merged every batch after the one before it")
        #expect(transport.mostInFlight == 2, "two requests in flight, never more")
        #expect(transport.calls == 10)
        let order = transport.merged.map(\.upto)
        #expect(order == order.sorted(), "merged in the order sent: \(order)")
        try await Self.expectConverged(agent, hub, changes: 1_000)
    }

    @Test func withoutPipeliningOneRequestIsInFlight() async throws {
        let (dir, agent, hub) = try await Self.store(count: 300)
        _ = dir
        let transport = InProcessHub(hub)
        var client = SyncClient(database: agent, transport: transport, batchSize: 100)
        client.pipelined = false
        let report = try await client.syncOnce()
        #expect(report.batches == 3)
        #expect(transport.mostInFlight == 1)
        try await Self.expectConverged(agent, hub, changes: 300)
    }

    /// Two hub processes, say: the batch sent ahead is merged before the one it follows, so the
    /// hub does not acknowledge it, and the agent sends it again.
    @Test func aBatchThatOvertakesItsPredecessorIsSentAgain() async throws {
        let (dir, agent, hub) = try await Self.store(count: 500)
        _ = dir
        let transport = InProcessHub(hub, sequencer: nil)
        transport.firstWaitsForAnother = true  // the first batch arrives after the second
        let report = try await SyncClient(database: agent, transport: transport, batchSize: 100).syncOnce()
        #expect(report.sentAgain >= 1)
        #expect(transport.merged.first?.upto != transport.merged.map(\.upto).min(), "the second batch was merged first")
        #expect(report.sent == 500, "each change counted once as sent, resends aside")
        try await Self.expectConverged(agent, hub, changes: 500)
    }

    /// A batch sent ahead is lost before the hub sees it, or after the hub merged it: sent again, and
    /// the sync carries on without an error.
    @Test(arguments: [false, true]) func aLostBatchSentAheadIsSentAgain(afterMerge: Bool) async throws {
        let (dir, agent, hub) = try await Self.store(count: 500)
        _ = dir
        let transport = InProcessHub(hub)
        // Every batch but the first is first sent ahead: lose the first sending of two of them.
        transport.fail = { _, attempt, upto in attempt == 1 && (upto == 200 || upto == 500) }
        transport.failAfterMerge = afterMerge
        let report = try await SyncClient(database: agent, transport: transport, batchSize: 100).syncOnce()
        #expect(report.sentAgain >= 1)
        try await Self.expectConverged(agent, hub, changes: 500)
    }

    /// The hub goes away mid-sync (every call from the fourth on fails, some after merging): the sync
    /// fails, what the agent holds as acknowledged is a prefix the hub has, and a later sync finishes
    /// with every change merged once.
    @Test(arguments: [false, true]) func aHubLostMidSyncLosesAndDoublesNothing(afterMerge: Bool) async throws {
        let (dir, agent, hub) = try await Self.store(count: 1_000)
        _ = dir
        let broken = InProcessHub(hub)
        broken.fail = { call, _, _ in call >= 4 }
        broken.failAfterMerge = afterMerge
        await #expect(throws: AgentError.self) {
            try await SyncClient(database: agent, transport: broken, batchSize: 100).syncOnce()
        }
        let replica = try await agent.identity().replica
        let agentAcked = try await agent.store.writer.read { db in try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db) }
        let hubAcked = try await hub.store.writer.read { db in try RecordStore.ackedSeq(of: replica, in: db) }
        #expect(agentAcked > 0)
        #expect(agentAcked <= hubAcked, "the agent never believes the hub holds more than it does")
        #expect(try await agent.status().pending == 1_000 - agentAcked)
        let report = try await SyncClient(database: agent, transport: InProcessHub(hub), batchSize: 100).syncOnce()
        #expect(report.sent == 1_000 - Int(agentAcked))
        try await Self.expectConverged(agent, hub, changes: 1_000)
    }

    @Test func theSequencerHoldsABatchUntilTheOneBeforeItIsMerged() async throws {
        let sequencer = SyncSequencer()
        let log = LockedLog()
        async let first: Void = sequencer.inOrder(replica: "S01.a", acked: 0, upto: 10) {
            log.add("first starts")
            try await Task.sleep(for: .milliseconds(200))
            log.add("first ends")
        }
        try await Task.sleep(for: .milliseconds(50))
        async let second: Void = sequencer.inOrder(replica: "S01.a", acked: 10, upto: 20) { log.add("second") }
        // Another device's batch, and a batch of this device not following the one in flight, do not wait.
        try await sequencer.inOrder(replica: "S02.a", acked: 10, upto: 20) { log.add("other device") }
        try await sequencer.inOrder(replica: "S01.a", acked: 30, upto: 40) { log.add("unrelated") }
        _ = try await (first, second)
        #expect(log.entries == ["first starts", "other device", "unrelated", "first ends", "second"])
        #expect(sequencer.inFlight == 0)
    }
}

final class LockedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var entries: [String] { lock.withLock { items } }
}
