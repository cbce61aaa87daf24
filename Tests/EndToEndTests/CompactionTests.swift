import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import BaogongTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

/// The hub and an agent in one process, the hub's clock simulated: agents sync straight into
/// `HubDatabase.sync` at whatever day the test says it is.
final class SimulatedHub: SyncTransport, Sendable {
    let database: HubDatabase
    private let day = Mutex(Date())
    init(_ database: HubDatabase) { self.database = database }
    var now: Date {
        get { day.withLock { $0 } }
        set { day.withLock { $0 = newValue } }
    }
    func sync(_ request: SyncRequest, to hub: HubEndpoint) async throws -> SyncResponse {
        try await database.sync(request, store: request.store, now: now)
    }
}

/// Compaction over a simulated year: 20 stores report every day (each stock figure corrected once
/// in the day, the checkpoint count reported twice), the bureau edits the catalog weekly and posts
/// notices, the hub compacts every 30 days keeping 30 days; a device away all year comes back.
@Suite("End to end: compaction over a year", .serialized)
struct CompactionTests {
    static let start = Timestamps.parse("2020-01-01T00:00:00Z")!
    static let commodities = ["rice", "flour", "oil", "pork", "eggs", "noodles", "vegetables"]

    func referenceState(_ db: any DatabaseReader) throws -> [String: [String]] {
        try db.read { db in
            var state = [String: [String]]()
            for set in RecordSetSchema.all where set.isReference {
                state[set.name] = try Row.fetchAll(db, sql: "SELECT key, hex(crdt) FROM \"\(set.name)\" ORDER BY key").map { "\($0[0] as String)=\($0[1] as String)" }
            }
            return state
        }
    }

    @Test func aYearOfTwentyStoresStaysWithinItsBoundAndALongAbsentDeviceConverges() async throws {
        let dir = try Scratch()
        let hub = try HubDatabase.open(path: dir.path("hub.sqlite"), now: Self.start)
        let simulated = SimulatedHub(hub)
        simulated.now = Self.start
        var tokens = [String: String]()
        let stores = (1...20).map { String(format: "S%02d", $0) }
        for store in stores { tokens[store] = try await hub.addStore(id: store, name: store, township: nil, kind: .supermarket, now: Self.start) }

        // A device of S01 syncs on the first day and is not heard of for a year.
        let away = try AgentDatabase.create(path: dir.path("away.sqlite"), store: "S01", hub: "http://127.0.0.1:9", token: tokens["S01"]!)
        let awayClient = SyncClient(database: away, transport: simulated, clock: { simulated.now })
        _ = try await awayClient.syncOnce()
        let firstCursor = try await away.status().hubCursor

        let retainDays = 30
        var totalWrites = 0
        var cursors = [String: Int64]()
        for dayIndex in 0..<365 {
            let morning = Self.start.addingTimeInterval(Double(dayIndex) * 86_400 + 2 * 3600)
            let evening = morning.addingTimeInterval(10 * 3600)
            let date = try CalendarDate("2020-01-01").adding(days: dayIndex)
            simulated.now = evening
            if dayIndex % 7 == 0 {
                try await hub.updateCatalog(id: "vegetables", unit: nil, nameEnglish: nil, nameChinese: nil, minDays: 2 + dayIndex % 3, now: morning)
            }
            if dayIndex % 30 == 0 { _ = try await hub.postNotice("Report by 20:00 (day \(dayIndex))", now: morning) }
            for (index, store) in stores.enumerated() {
                var changes = [Change]()
                for (n, commodity) in Self.commodities.enumerated() {
                    for (round, at) in [morning, evening].enumerated() {
                        changes.append(Change(
                            set: "stock", key: "\(store)/\(commodity)/\(date)",
                            timestamp: HLCTimestamp(milliseconds: UInt64(at.timeIntervalSince1970 * 1000) + UInt64(n), counter: 0),
                            replica: nil, fields: ["on_hand": .real(Double(100 + round + index)), "price": .int(520)]
                        ))
                    }
                }
                for (round, at) in [morning, evening].enumerated() {
                    changes.append(Change(
                        set: "checkpoint", key: "\(store)/\(date)",
                        timestamp: HLCTimestamp(milliseconds: UInt64(at.timeIntervalSince1970 * 1000) + 50, counter: 0),
                        replica: nil, counters: ["checked": Int64(100 * (round + 1))]
                    ))
                }
                totalWrites += changes.count
                let request = SyncRequest(
                    store: store, replica: "\(store).till", cursor: cursors[store] ?? 0, upto: Int64(dayIndex + 1), pending: 0,
                    sentAt: Int64(evening.timeIntervalSince1970 * 1000), changes: changes
                )
                cursors[store] = try await hub.sync(request, store: store, now: evening).cursor
            }
            if dayIndex % 30 == 29 { _ = try await hub.compact(retainDays: retainDays, now: evening, chunk: 10_000) }
        }
        let end = Self.start.addingTimeInterval(365 * 86_400)
        simulated.now = end
        let report = try await hub.compact(retainDays: retainDays, now: end, chunk: 10_000)

        // The bound: before the horizon one entry per record (each day's 7 stock figures and count
        // per store, plus the reference records); within it, every write. Stated: ≤ 1.2× that.
        let (entries, usedBytes, records, recent) = try await hub.writer.read { db -> (Int, Int, Int, Int) in
            let entries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_log") ?? 0
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let records = try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM stock) + (SELECT COUNT(*) FROM checkpoint)") ?? 0
            let horizonMs = Int64((end.timeIntervalSince1970 - Double(retainDays) * 86_400) * 1000)
            let recent = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM change_log WHERE (ts >> 16) >= ? AND record_set IN ('stock', 'checkpoint')", arguments: [horizonMs]
            ) ?? 0
            return (entries, (pages - free) * size, records, recent)
        }
        let recentRecords = stores.count * (Self.commodities.count + 1) * retainDays
        let bound = Int(Double(records - recentRecords + recent + 200) * 1.2)
        #expect(entries <= bound, "\(entries) change-log entries; bound \(bound)")
        #expect(entries < totalWrites * 2 / 3, "\(entries) of \(totalWrites) writes kept")
        #expect(report.changeLogAfter == entries)
        print("compaction year: \(totalWrites) writes, \(entries) entries kept, \(usedBytes / 1024) KiB used, bound \(bound)")

        // Every record still reads as it did: the evening figures and both counts.
        let rice = try await hub.records(set: .stock, store: "S01", date: try CalendarDate("2020-03-01"), afterSeq: 0, limit: 10)
        #expect(rice.contains { $0["commodity"] == .text("rice") && $0["on_hand"] == .real(101) })
        let counts = try await hub.records(set: .checkpoint, store: "S02", date: try CalendarDate("2020-03-01"), afterSeq: 0, limit: 10)
        #expect(counts.first?["checked"] == .int(200))

        // The device away all year: behind what was compacted, it gets a snapshot and converges.
        let compactedThrough = try await hub.writer.read { db in Int64.fromDatabaseValue(try RecordStore.meta("audience_compacted_through", in: db)) ?? 0 }
        #expect(firstCursor > 0 && firstCursor < compactedThrough, "the device's cursor is behind the compaction")
        _ = try await awayClient.syncOnce()
        #expect(try referenceState(away.writer) == referenceState(hub.writer))
    }
}
