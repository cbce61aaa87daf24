import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

@Suite("SQLite record store")
struct RecordStoreTests {
    func checkpoint(_ replica: String, _ checked: Int64, ts: UInt64) -> Change {
        Change(set: "checkpoint", key: "S01/2020-02-10", timestamp: HLCTimestamp(rawValue: ts), replica: replica, counters: ["checked": checked])
    }

    /// Two devices of one store count at once: 100 + 50 checked = 150, in any order, never overwritten.
    @Test func countersFromTwoReplicasAddUp() throws {
        let store = try RecordStore.inMemory()
        _ = try store.apply([checkpoint("S01.east", 100, ts: 10)], defaultReplica: "x")
        _ = try store.apply([checkpoint("S01.west", 50, ts: 5)], defaultReplica: "x")
        _ = try store.apply([checkpoint("S01.east", 100, ts: 10)], defaultReplica: "x")  // replay
        let checked = try store.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT checked FROM checkpoint WHERE key = 'S01/2020-02-10'")
        }
        #expect(checked == 150)
    }

    @Test func replaysChangeNothingAndLogNothing() throws {
        let store = try RecordStore.inMemory()
        let batch = [
            Change(set: "stock", key: "S01/rice/2020-02-10", timestamp: HLCTimestamp(rawValue: 7), replica: "S01.a",
                   fields: ["on_hand": .real(1000), "price": .int(520)]),
            checkpoint("S01.a", 30, ts: 8),
        ]
        let first = try store.apply(batch, defaultReplica: "S01.a")
        #expect(first.merged == 2)
        #expect(first.lastSeq == 2)
        let again = try store.apply(batch, defaultReplica: "S01.a")
        #expect(again.merged == 0)
        #expect(again.lastSeq == nil)
        let log = try store.writer.read { db in try RecordStore.changes(after: 0, limit: 10, in: db) }
        #expect(log.map(\.seq) == [1, 2])
        #expect(log[0].change.fields["price"] == .int(520))
        #expect(log[1].change.counters["checked"] == 30)
    }

    @Test func outboxAndAcknowledgedCursor() throws {
        let store = try RecordStore.inMemory()
        let mine = (1...5).map { i in
            Change(set: "stock", key: "S01/rice/2020-02-1\(i)", timestamp: HLCTimestamp(rawValue: UInt64(i)), replica: "S01.me",
                   fields: ["on_hand": .real(Double(i))])
        }
        let theirs = Change(set: "catalog", key: "rice", timestamp: HLCTimestamp(rawValue: 9), replica: "hub", fields: ["unit": .text("kg")])
        _ = try store.apply(Array(mine[0..<3]) + [theirs] + Array(mine[3...]), defaultReplica: "S01.me")
        try store.writer.write { db in
            #expect(try RecordStore.changes(byReplica: "S01.me", after: 0, limit: 2, in: db).map(\.seq) == [1, 2])
            try RecordStore.acknowledge("hub", upTo: 2, in: db)
            try RecordStore.acknowledge("hub", upTo: 1, in: db)  // never backwards
            #expect(try RecordStore.ackedSeq(of: "hub", in: db) == 2)
            #expect(try RecordStore.count(byReplica: "S01.me", after: 2, in: db).count == 3)
            #expect(try RecordStore.changes(byReplica: "S01.me", after: 2, limit: 10, in: db).map(\.seq) == [3, 5, 6])
            // Reference data goes to every store; store-written records to nobody.
            #expect(try RecordStore.changes(forStore: "S01", after: 0, limit: 10, in: db).map(\.seq) == [4])
        }
    }

    @Test func hubWrittenRecordsReachOnlyTheirStore() throws {
        let store = try RecordStore.inMemory()
        let order = Change(set: "store_status", key: "S07", timestamp: HLCTimestamp(rawValue: 3), replica: SyncProtocol.hubReplica,
                           fields: ["state": .text("closed"), "since": .text("2020-01-24"), "authority": .text("order")])
        _ = try store.apply([order], defaultReplica: "hub")
        try store.writer.read { db throws in
            #expect(try RecordStore.changes(forStore: "S07", after: 0, limit: 10, in: db).count == 1)
            #expect(try RecordStore.changes(forStore: "S01", after: 0, limit: 10, in: db).isEmpty)
        }
    }

    @Test func tombstoneHidesARecordUntilALaterWrite() throws {
        let store = try RecordStore.inMemory()
        let key = "S01/rice/2020-02-10"
        _ = try store.apply([Change(set: "stock", key: key, timestamp: HLCTimestamp(rawValue: 1), replica: "a", fields: ["on_hand": .real(5)])], defaultReplica: "a")
        _ = try store.apply([Change(set: "stock", key: key, timestamp: HLCTimestamp(rawValue: 2), replica: "a", fields: [RecordState.tombstoneField: .int(1)])], defaultReplica: "a")
        #expect(try store.writer.read { db in try Bool.fetchOne(db, sql: "SELECT deleted FROM stock") } == true)
        _ = try store.apply([Change(set: "stock", key: key, timestamp: HLCTimestamp(rawValue: 3), replica: "b", fields: [RecordState.tombstoneField: .int(0)])], defaultReplica: "b")
        #expect(try store.writer.read { db in try Bool.fetchOne(db, sql: "SELECT deleted FROM stock") } == false)
    }

    @Test func fileDatabaseSurvivesReopenWithWAL() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.sqlite").path
        do {
            let store = try RecordStore(path: path)
            _ = try store.apply([checkpoint("S01.a", 7, ts: 1)], defaultReplica: "S01.a")
            let mode = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
        let reopened = try RecordStore(path: path)
        #expect(try reopened.writer.read { db in try Int64.fetchOne(db, sql: "SELECT checked FROM checkpoint") } == 7)
    }

    /// Commits leave their checkpoints to a background connection: the WAL stays near SQLite's
    /// 1,000-page threshold while about 50 MB go through it, and every row reads back, also after
    /// the file is reopened.
    @Test func theWALIsCheckpointedInTheBackground() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.sqlite").path
        let note = String(repeating: "x", count: 3_000)
        var largestWAL = 0
        do {
            let store = try RecordStore(path: path)
            for batch in 0..<30 {
                let changes = (0..<200).map { i in
                    Change(set: "stock", key: "S01/rice/b\(batch)i\(i)",
                           timestamp: HLCTimestamp(rawValue: UInt64(1 + batch * 1_000 + i)), replica: "S01.a",
                           fields: ["on_hand": .int(Int64(i)), "note": .text(note)])
                }
                _ = try store.apply(changes, defaultReplica: "S01.a")
                let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
                largestWAL = max(largestWAL, wal ?? 0)
                usleep(20_000)  // time for the background checkpoint, as between two syncs
            }
            #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock") } == 6_000)
        }
        #expect(largestWAL > 0)
        #expect(largestWAL < 24 * 1024 * 1024, "without checkpoints the WAL would hold about 50 MB: \(largestWAL) bytes")
        let reopened = try RecordStore(path: path)
        #expect(try reopened.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock") } == 6_000)
    }

    @Test func failedBatchWritesNothing() throws {
        let store = try RecordStore.inMemory()
        let good = checkpoint("S01.a", 1, ts: 1)
        let bad = Change(set: "nonsense", key: "k", timestamp: .zero, replica: "S01.a")
        let error = #expect(throws: DomainError.self) { try store.apply([good, bad], defaultReplica: "S01.a") }
        #expect(error?.code == .unknownRecordSet)
        let count = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log") }
        #expect(count == 0)
    }
}
