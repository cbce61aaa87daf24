import BaogongHub
import BaogongModel
import Foundation
import GRDB
import Synchronization
import Testing

/// `HubDatabase.backup(to:)` (`baogong-hub backup`): a consistent copy taken while the hub writes.
@Suite("Hub backup")
struct BackupTests {
    typealias F = Fixture

    static func stockRequest(_ store: String, day: Int, upto: Int64) -> SyncRequest {
        let date = CalendarDate(dayNumber: F.day("2020-01-24") + day)
        let changes = ["rice", "oil", "pork", "eggs"].map { commodity in
            Change(set: "stock", key: "\(store)/\(commodity)/\(date)", timestamp: F.hlc("2020-02-10T01:00:00Z", counter: UInt16(day)),
                   replica: nil, fields: ["on_hand": .int(Int64(100 + day)), "sold": .int(10)])
        }
        return SyncRequest(store: store, replica: "\(store).a", cursor: 0, upto: upto, pending: 0, sentAt: 1_581_296_400_000,
                           changes: changes)
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Stores keep syncing while the copy is taken: the copy passes SQLite's integrity check and
    /// holds exactly the changes up to its `change_log_seq` (whole batches, nothing half-merged).
    @Test func aCopyTakenDuringSyncsIsConsistent() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try HubDatabase.open(path: dir.appendingPathComponent("hub.sqlite").path, now: F.instant("2020-01-24T00:00:00Z"))
        _ = try await hub.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: F.instant("2020-01-24T00:00:00Z"))
        for day in 0..<20 { _ = try await hub.sync(Self.stockRequest("S01", day: day, upto: Int64(day + 1)), store: "S01") }

        let done = Atomic<Bool>(false)
        let writer = Task.detached {
            defer { done.store(true, ordering: .releasing) }
            for day in 20..<400 { _ = try await hub.sync(Self.stockRequest("S01", day: day, upto: Int64(day + 1)), store: "S01") }
        }
        var summaries = [BackupSummary]()
        while !done.load(ordering: .acquiring) && summaries.count < 40 {
            summaries.append(try hub.backup(to: dir.appendingPathComponent("copy-\(summaries.count).sqlite").path))
        }
        try await writer.value
        let finalSeq = try await hub.writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM change_log") ?? 0 }
        #expect(summaries.contains { $0.changeLogSeq < finalSeq }, "a copy was taken while the syncs went on")

        for summary in summaries {
            let copy = try DatabaseQueue(path: summary.path)
            let (check, stock, maxSeq, batches) = try await copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock") ?? -1,
                    try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM change_log") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log WHERE record_set = 'stock'") ?? -1
                )
            }
            #expect(check == "ok")
            #expect(maxSeq == summary.changeLogSeq)
            #expect(summary.stores == 1)
            #expect(summary.bytes > 0)
            #expect(stock == batches, "whole batches of four: \(stock)")
            #expect(stock % 4 == 0, "whole batches of four: \(stock)")
            #expect(stock >= 80, "whole batches of four: \(stock)")
            #expect(!FileManager.default.fileExists(atPath: summary.path + ".partial"))
        }
        // The copy opens as a hub and reads like the original did at that point.
        let first = try HubDatabase.open(path: summaries[0].path)
        #expect(try await first.listStores().map(\.id) == ["S01"])
        #expect(try await hub.records(set: .stock, store: "S01", date: nil, afterSeq: 0, limit: 10_000).count == 1_600)
    }

    @Test func anExistingFileOrAMissingFolderIsRefusedAndLeftAlone() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try HubDatabase.open(path: dir.appendingPathComponent("hub.sqlite").path)
        let existing = dir.appendingPathComponent("existing.sqlite").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
        let refused = #expect(throws: DomainError.self) { try hub.backup(to: existing) }
        #expect(refused?.code == .exists)
        #expect(refused?.message.contains("already exists") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("keep me".utf8))
        let missing = #expect(throws: DomainError.self) {
            try hub.backup(to: dir.appendingPathComponent("no/such/copy.sqlite").path)
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("no folder") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { !$0.hasPrefix("hub.sqlite") } == ["existing.sqlite"])
    }

    /// Found in review: two backups to one name shared `FILE.partial`, so one could rename the
    /// other's half-written copy into place and report success. Each now writes its own file, and
    /// exactly one wins the name; the other is refused and leaves nothing behind.
    @Test func twoBackupsToOneNameNeverShareAFile() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try HubDatabase.open(path: dir.appendingPathComponent("hub.sqlite").path, now: F.instant("2020-01-24T00:00:00Z"))
        _ = try await hub.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: F.instant("2020-01-24T00:00:00Z"))
        // 20,000 records, so that each copy takes long enough for the three to overlap.
        for batch in 0..<4 {
            let changes = (0..<5_000).map { n in
                Change(set: "stock", key: "S01/c\(batch * 5_000 + n)/2020-02-10", timestamp: F.hlc("2020-02-10T01:00:00Z"),
                       replica: nil, fields: ["on_hand": .int(Int64(n)), "sold": .int(1)])
            }
            _ = try await hub.sync(SyncRequest(store: "S01", replica: "S01.a", cursor: 0, upto: Int64(batch + 1), pending: 0,
                                         sentAt: 1_581_296_400_000, changes: changes), store: "S01")
        }
        let target = dir.appendingPathComponent("same.sqlite").path
        for round in 0..<5 {
            try? FileManager.default.removeItem(atPath: target)
            let results = await withTaskGroup(of: Result<BackupSummary, any Error>.self) { group in
                for _ in 0..<3 { group.addTask { Result { try hub.backup(to: target) } } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let won = results.compactMap { try? $0.get() }
            #expect(won.count == 1, "round \(round): \(results)")
            for case .failure(let error) in results {
                #expect((error as? DomainError)?.message.contains("already exists") == true, "\(error)")
            }
            let stock = try await DatabaseQueue(path: target).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stock") }
            #expect(stock == 20_000)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".partial") }.isEmpty)
        }
    }

    /// Found in review: a stale `FILE.partial` (even a folder of files) was deleted without a word.
    /// Nothing but the backup's own file is touched; a name that is not a file is refused.
    @Test func otherFilesBesideTheTargetAreLeftAlone() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try HubDatabase.open(path: dir.appendingPathComponent("hub.sqlite").path)
        let keep = dir.appendingPathComponent("keep.sqlite.partial")
        try FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: keep.appendingPathComponent("notes.txt"))
        try Data("wal".utf8).write(to: URL(fileURLWithPath: keep.path + "-wal"))
        _ = try hub.backup(to: dir.appendingPathComponent("keep.sqlite").path)
        #expect(try Data(contentsOf: keep.appendingPathComponent("notes.txt")) == Data("precious".utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keep.path + "-wal")) == Data("wal".utf8))
        for bad in ["", dir.path + "/", dir.appendingPathComponent("new").path + "/"] {
            let error = #expect(throws: DomainError.self) { try hub.backup(to: bad) }
            #expect(error?.code == .invalidValue, "\(bad)")
            #expect(error?.message.contains("must name a file") == true, "\(bad): \(String(describing: error))")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new").path))
    }
}
