import BaogongAgent
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

/// The agent drops old entries no current value depends on, never one the hub has not acknowledged.
@Suite("Agent compaction")
struct AgentCompactionTests {
    func logCount(_ agent: ScratchAgent) async throws -> Int {
        try await agent.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log") ?? -1 }
    }

    @Test func acknowledgedSupersededEntriesGoUnacknowledgedOnesStay() async throws {
        let agent = try ScratchAgent()
        let now = Date()
        let longAgo = now.addingTimeInterval(-500 * 86_400)
        func record(_ commodity: String, _ onHand: Double, daysAfter: Double) async throws {
            try await agent.database.recordStock(
                StockEntry(date: day("2020-02-10"), commodity: commodity, onHand: onHand, priceFen: 520),
                now: longAgo.addingTimeInterval(daysAfter * 86_400)
            )
        }
        try await record("rice", 1000, daysAfter: 0)
        try await record("rice", 900, daysAfter: 1)  // supersedes the first
        try await record("eggs", 10, daysAfter: 2)
        // The hub acknowledged the first three; then two more are written and not yet sent.
        try await agent.database.writer.write { db in
            try RecordStore.acknowledge(SyncProtocol.hubReplica, upTo: try RecordStore.lastSeq(in: db), in: db)
        }
        try await record("eggs", 20, daysAfter: 3)  // supersedes an acknowledged one, itself unacknowledged
        try await record("oil", 5, daysAfter: 4)
        let before = try await agent.database.status()
        #expect(try await logCount(agent) == 5)

        #expect(try await agent.database.compactIfDue(now: now) == 2, "rice 1000 and eggs 10")
        #expect(try await logCount(agent) == 3)
        let after = try await agent.database.status()
        #expect(after.pending == before.pending && after.pending == 2)
        let batch = try await agent.database.nextBatch(limit: 10, now: now)
        #expect(batch.changes.map(\.key).sorted() == ["S01/eggs/2020-02-10", "S01/oil/2020-02-10"])
        let stock = try await agent.database.stock(date: day("2020-02-10"))
        #expect(Set(stock.map { "\($0.commodity)=\($0.onHand ?? -1)" }) == ["rice=900.0", "eggs=20.0", "oil=5.0"])
        // Once a day at most.
        #expect(try await agent.database.compactIfDue(now: now.addingTimeInterval(3600)) == 0)
    }
}
