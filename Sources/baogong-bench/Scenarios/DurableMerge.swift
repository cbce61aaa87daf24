import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Scenario 1: apply N stock changes to the hub's record store (`RecordStore.apply`, one transaction
/// per batch of 5,000 as agents send them) against a raw GRDB upsert of the same rows in the same run.
struct DurableMergeScenario {
    var sizes: [Int]
    var directory: URL
    var repetitions: Int
    static let batchSize = 5_000
    static let name = "1 durable merge"

    /// Rates (changes/s) of each variant, one per repetition.
    struct Rates {
        var store: [Double] = []
        var sync: [Double] = []
        var raw: [Double] = []
        var rawC: [Double] = []
        var floor: [Double] = []
        var floorC: [Double] = []
        var compactC: [Double] = []
        var blobs = RawUpsertBaseline.BlobSizes(state: 0, payload: 0)
    }

    func run() async throws -> [ResultRow] {
        var rows = [ResultRow]()
        let synchronous = try Self.recordStoreSynchronous(in: directory)
        for n in sizes {
            var rates = Rates()
            let reps = n >= 1_000_000 ? 1 : repetitions
            for rep in 0..<reps {
                rates.raw.append(try rawRate(n, blobs: nil, synchronous: synchronous, tag: "raw-\(rep)"))
                rates.rawC.append(try rawRate(n, blobs: nil, synchronous: synchronous, binding: .cAPI, tag: "rawc-\(rep)"))
                let (rate, blobs) = try storeRate(n, tag: "store-\(rep)")
                rates.store.append(rate)
                rates.floor.append(try rawRate(n, blobs: blobs, synchronous: synchronous, tag: "floor-\(rep)"))
                rates.floorC.append(try rawRate(n, blobs: blobs, synchronous: synchronous, binding: .cAPI, tag: "floorc-\(rep)"))
                rates.compactC.append(try rawRate(n, blobs: Self.compactBlobs, synchronous: synchronous, binding: .cAPI, tag: "compact-\(rep)"))
                rates.blobs = blobs
                if n <= 100_000 { await rates.sync.append(try syncRate(n, tag: "sync-\(rep)")) }
                Progress.note("merge N=\(Format.count(n)) rep \(rep + 1)/\(reps): store \(Int(rate))/s, raw \(Int(rates.raw.last!))/s")
            }
            rows += report(n, rates, reps: reps)
        }
        return rows
    }

    func report(_ n: Int, _ rates: Rates, reps: Int) -> [ResultRow] {
        let store = Measure.median(rates.store)
        let raw = Measure.median(rates.raw)
        let ratio = store / raw
        let targeted = n == 100_000
        let suffix = reps > 1 ? " (median of \(reps))" : ""
        var rows = [
            ResultRow(
                Self.name, "N=\(Format.count(n)) RecordStore.apply changes/s\(suffix)", store, unit: "/s",
                display: Format.number(store) + " /s", target: targeted ? "≥ 120,000 /s" : nil,
                met: targeted ? store >= 120_000 : nil
            ),
            ResultRow(Self.name, "N=\(Format.count(n)) raw GRDB upsert changes/s", raw, unit: "/s",
                      display: Format.number(raw) + " /s"),
            ResultRow(
                Self.name, "N=\(Format.count(n)) ratio merge / raw upsert", ratio * 100, unit: "%",
                display: String(format: "%.0f %%", ratio * 100), target: targeted ? "≥ 60 %" : nil,
                met: targeted ? ratio >= 0.6 : nil
            ),
            ResultRow(Self.name, "N=\(Format.count(n)) raw upsert, SQLite C API binding /s", Measure.median(rates.rawC),
                      unit: "/s", display: Format.number(Measure.median(rates.rawC)) + " /s"),
            ResultRow(Self.name, "N=\(Format.count(n)) raw upsert + log row + blobs (\(rates.blobs.state) + \(rates.blobs.payload) B) /s",
                      Measure.median(rates.floor), unit: "/s", display: Format.number(Measure.median(rates.floor)) + " /s",
                      note: "the design's storage floor: projection row, change-log row, blobs of the real sizes"),
            ResultRow(Self.name, "N=\(Format.count(n)) same, SQLite C API binding /s", Measure.median(rates.floorC),
                      unit: "/s", display: Format.number(Measure.median(rates.floorC)) + " /s"),
            ResultRow(Self.name, "N=\(Format.count(n)) same, C API, compact blobs (\(Self.compactBlobs.state) + \(Self.compactBlobs.payload) B) /s",
                      Measure.median(rates.compactC), unit: "/s", display: Format.number(Measure.median(rates.compactC)) + " /s"),
        ]
        if !rates.sync.isEmpty {
            let sync = Measure.median(rates.sync)
            rows.append(ResultRow(Self.name, "N=\(Format.count(n)) HubDatabase.sync (validate+merge) /s", sync, unit: "/s",
                                  display: Format.number(sync) + " /s"))
        }
        return rows
    }

    /// Blob sizes of a compact encoding of a stock report: one (timestamp, replica) for the fields
    /// written together and field numbers from the schema instead of names (a proposal; see docs).
    static let compactBlobs = RawUpsertBaseline.BlobSizes(state: 80, payload: 56)

    /// Batches of one store each, as the hub receives them; generated outside the timed part.
    static func batches(_ n: Int) -> [(store: String, count: Int)] {
        stride(from: 0, to: n, by: batchSize).enumerated().map { i, start in
            (Workload.storeID(i + 1), min(batchSize, n - start))
        }
    }

    func path(_ tag: String, _ n: Int) -> String {
        directory.appendingPathComponent("merge-\(tag)-\(n).sqlite").path
    }

    /// The `synchronous` pragma the record store runs with: the baseline must use the same.
    static func recordStoreSynchronous(in directory: URL) throws -> Int {
        let path = directory.appendingPathComponent("merge-probe.sqlite").path
        defer { Files.removeDatabase(path) }
        return try RecordStore(path: path).writer.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2 }
    }

    /// The record store's rate and the sizes of the blobs it wrote.
    func storeRate(_ n: Int, tag: String) throws -> (Double, RawUpsertBaseline.BlobSizes) {
        let path = path(tag, n)
        defer { Files.removeDatabase(path) }
        let hub = try HubDatabase.open(path: path)
        var elapsed = 0.0
        var merged = 0
        for (store, count) in Self.batches(n) {
            let batch = Workload.changes(store: store, count: count)
            let replica = Workload.replica(ofStore: store)
            let (result, seconds) = try Measure.time { try hub.store.apply(batch, defaultReplica: replica) }
            elapsed += seconds
            merged += result.merged
        }
        guard merged == n else { throw BenchError("merge: \(merged) of \(n) changes merged") }
        let blobs = try hub.store.writer.read { db in
            let state = try Double.fetchOne(db, sql: "SELECT AVG(LENGTH(crdt)) FROM stock") ?? 0
            let payload = try Double.fetchOne(db, sql: "SELECT AVG(LENGTH(payload)) FROM change_log WHERE record_set = 'stock'") ?? 0
            return RawUpsertBaseline.BlobSizes(state: Int(state.rounded()), payload: Int(payload.rounded()))
        }
        return (Double(n) / elapsed, blobs)
    }

    func rawRate(
        _ n: Int, blobs: RawUpsertBaseline.BlobSizes?, synchronous: Int, binding: RawUpsertBaseline.Binding = .grdb, tag: String
    ) throws -> Double {
        let path = path(tag, n)
        defer { Files.removeDatabase(path) }
        var baseline = try RawUpsertBaseline(path: path, synchronous: synchronous, withLog: blobs, binding: binding)
        var elapsed = 0.0
        for (store, count) in Self.batches(n) {
            let batch = Workload.changes(store: store, count: count)
            let replica = Workload.replica(ofStore: store)
            elapsed += try Measure.time { try baseline.apply(batch, replica: replica) }.1
        }
        return Double(n) / elapsed
    }

    /// The hub's whole merge path of `POST /v1/sync` without HTTP and JSON: validation, merge,
    /// acknowledgement, replica status, report arrivals and the downstream query.
    func syncRate(_ n: Int, tag: String) async throws -> Double {
        let path = path(tag, n)
        defer { Files.removeDatabase(path) }
        let hub = try HubDatabase.open(path: path)
        var elapsed = 0.0
        var cursor: Int64 = 0
        for (store, count) in Self.batches(n) {
            let request = SyncRequest(
                store: store, replica: Workload.replica(ofStore: store), cursor: cursor, upto: Int64(count), pending: 0,
                sentAt: Int64(Workload.nowMilliseconds()), changes: Workload.changes(store: store, count: count)
            )
            let (response, seconds) = try await Measure.time { try await hub.sync(request, store: store) }
            cursor = response.cursor
            elapsed += seconds
        }
        return Double(n) / elapsed
    }
}
