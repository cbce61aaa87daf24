import BaogongHub
import BaogongShared
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
        _ = try hub.addStore(id: "S01", name: "One", township: nil, kind: "supermarket", now: F.instant("2020-01-24T00:00:00Z"))
        for day in 0..<20 { _ = try hub.sync(Self.stockRequest("S01", day: day, upto: Int64(day + 1)), store: "S01") }

        let done = Atomic<Bool>(false)
        let writer = Task.detached {
            defer { done.store(true, ordering: .releasing) }
            for day in 20..<400 { _ = try hub.sync(Self.stockRequest("S01", day: day, upto: Int64(day + 1)), store: "S01") }
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
            #expect(maxSeq == summary.changeLogSeq && summary.stores == 1 && summary.bytes > 0)
            #expect(stock == batches && stock % 4 == 0 && stock >= 80, "whole batches of four: \(stock)")
            #expect(!FileManager.default.fileExists(atPath: summary.path + ".partial"))
        }
        // The copy opens as a hub and reads like the original did at that point.
        let first = try HubDatabase.open(path: summaries[0].path)
        #expect(try first.listStores().map(\.id) == ["S01"])
        #expect(try hub.records(set: "stock", store: "S01", date: nil, afterSeq: 0, limit: 10_000).count == 1_600)
    }

    @Test func anExistingFileOrAMissingFolderIsRefusedAndLeftAlone() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try HubDatabase.open(path: dir.appendingPathComponent("hub.sqlite").path)
        let existing = dir.appendingPathComponent("existing.sqlite").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: existing))
        let refused = #expect(throws: HubError.self) { try hub.backup(to: existing) }
        #expect(refused?.message.contains("already exists") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("keep me".utf8))
        let missing = #expect(throws: HubError.self) { try hub.backup(to: dir.appendingPathComponent("no/such/copy.sqlite").path) }
        #expect(missing?.message.contains("no folder") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { !$0.hasPrefix("hub.sqlite") } == ["existing.sqlite"])
    }
}
