import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Scenario 5: the cost of merging a 1,000-change batch (`RecordStore.apply`, one transaction) as
/// the hub grows from 10K to 10M records. Two kinds of batch at each size: new records of one store
/// (a day's sync) and updates to records picked at random across the whole table (the worst case
/// for the B-tree caches). It must stay flat: within 2× from the smallest to the largest hub.
struct ScalingScenario {
    var levels: [Int]
    var directory: URL
    var repetitions = 5
    static let batch = 1_000
    static let name = "5 scaling"

    struct Level {
        var records: Int
        var fillSeconds: Double
        var insert: LatencySample
        var update: LatencySample
        /// The same batches with a bigger page cache and memory-mapped reads on the writer connection.
        var tunedInsert = LatencySample()
        var tunedUpdate = LatencySample()
        var fileBytes: Int
    }

    func run() throws -> [ResultRow] {
        let path = directory.appendingPathComponent("hub-scaling.sqlite").path
        Files.removeDatabase(path)
        defer { Files.removeDatabase(path) }
        let hub = try HubDatabase.open(path: path)
        var filler = try HubFiller(hub: hub)
        var results = [Level]()
        var random = SeededRandom(seed: 42)
        for (l, n) in levels.enumerated() {
            let added = n - filler.filled
            let fillSeconds = try filler.fill(to: n)
            Progress.note("scaling: hub holds \(Format.count(n)) records (added \(Format.count(added)) in \(Int(fillSeconds)) s, "
                          + "\(Format.number(Double(added) / max(fillSeconds, 0.001))) /s)")
            var level = Level(records: n, fillSeconds: fillSeconds, insert: LatencySample(), update: LatencySample(),
                              fileBytes: Files.size(path) + Files.size(path + "-wal"))
            for tuned in [false, true] {
                try setCache(hub, tuned: tuned)
                for rep in 0..<repetitions {
                    let store = HubFiller.store(Int(random.next() % UInt64(filler.stores)))
                    let offset = ((l * 2 + (tuned ? 1 : 0)) * repetitions + rep) * 150
                    let fresh = Workload.changes(store: store, count: Self.batch, dayOffset: offset)
                    let insert = try Measure.time { _ = try hub.store.apply(fresh, defaultReplica: Workload.replica(ofStore: store)) }.1
                    let updates = randomUpdates(filled: n, random: &random)
                    let update = try Measure.time { _ = try hub.store.apply(updates, defaultReplica: "bench") }.1
                    if tuned {
                        level.tunedInsert.add(insert)
                        level.tunedUpdate.add(update)
                    } else {
                        level.insert.add(insert)
                        level.update.add(update)
                    }
                }
            }
            try setCache(hub, tuned: false)
            Progress.note("scaling \(Format.count(n)): insert batch \(Format.milliseconds(level.insert.p50)), update batch "
                          + "\(Format.milliseconds(level.update.p50)); tuned cache: \(Format.milliseconds(level.tunedInsert.p50)), "
                          + "\(Format.milliseconds(level.tunedUpdate.p50))")
            results.append(level)
        }
        return report(results)
    }

    /// SQLite's defaults (2 MB page cache, no mmap), or what a hub could set on its writer connection:
    /// a 256 MB page cache and 1 GB of memory-mapped reads. (The bench sets it on the pool's single
    /// writer connection, the one `apply` runs on.)
    static let tunedCache = (cacheKiB: 262_144, mmapBytes: 1 << 30)

    func setCache(_ hub: HubDatabase, tuned: Bool) throws {
        try hub.writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -\(tuned ? Self.tunedCache.cacheKiB : 2_000)")
            try db.execute(sql: "PRAGMA mmap_size = \(tuned ? Self.tunedCache.mmapBytes : 0)")
        }
    }

    /// 1,000 newer writes to records spread over the whole table, each from its own store's replica.
    func randomUpdates(filled: Int, random: inout SeededRandom) -> [Change] {
        let now = Workload.nowMilliseconds()
        return (0..<Self.batch).map { j in
            let i = Int(random.next() % UInt64(filled))
            let key = HubFiller.key(i)
            let store = String(key.prefix(6))
            return Change(set: "stock", key: key, timestamp: HLCTimestamp(milliseconds: now, counter: UInt16(j)),
                          replica: Workload.replica(ofStore: store), fields: Workload.entry(index: i).fields)
        }
    }

    func report(_ levels: [Level]) -> [ResultRow] {
        var rows = [ResultRow]()
        for level in levels {
            let label = "hub of \(Format.count(level.records))"
            rows.append(ResultRow(Self.name, "\(label): 1K new records of one store, median batch", level.insert.p50, unit: "s",
                                  display: "\(Format.milliseconds(level.insert.p50)) (\(Format.number(Double(Self.batch) / level.insert.p50)) /s)"))
            rows.append(ResultRow(Self.name, "\(label): 1K updates at random keys, median batch", level.update.p50, unit: "s",
                                  display: "\(Format.milliseconds(level.update.p50)) (\(Format.number(Double(Self.batch) / level.update.p50)) /s)"))
            rows.append(ResultRow(Self.name, "\(label): same with 256 MB cache + mmap: new / updates", level.tunedUpdate.p50, unit: "s",
                                  display: "\(Format.milliseconds(level.tunedInsert.p50)) / \(Format.milliseconds(level.tunedUpdate.p50))"))
            rows.append(ResultRow(Self.name, "\(label): database size; fill time", Double(level.fileBytes), unit: "B",
                                  display: "\(Format.bytes(Double(level.fileBytes))); \(String(format: "%.0f", level.fillSeconds)) s"))
        }
        if let first = levels.first, let last = levels.last, levels.count > 1 {
            let span = "\(Format.count(first.records)) → \(Format.count(last.records))"
            let insertGrowth = last.insert.p50 / first.insert.p50
            let updateGrowth = last.update.p50 / first.update.p50
            rows.append(ResultRow(Self.name, "growth of new-record batch cost, \(span)", insertGrowth, unit: "×",
                                  display: String(format: "%.2f×", insertGrowth), target: "≤ 2×", met: insertGrowth <= 2))
            rows.append(ResultRow(Self.name, "growth of random-update batch cost, \(span)", updateGrowth, unit: "×",
                                  display: String(format: "%.2f×", updateGrowth), target: "≤ 2×", met: updateGrowth <= 2))
            let tunedGrowth = last.tunedUpdate.p50 / first.tunedUpdate.p50
            rows.append(ResultRow(Self.name, "growth of random-update cost with 256 MB cache + mmap", tunedGrowth, unit: "×",
                                  display: String(format: "%.2f×", tunedGrowth)))
        }
        return rows
    }
}
