import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation

/// `--profile-merge N`: only the durable merge path, for `perf record` or `valgrind --tool=callgrind`.
/// The batches are generated first, so a profile of the run is dominated by `RecordStore.apply`
/// (with callgrind, `--toggle-collect='*RecordStore*apply*'` restricts it to exactly that).
struct MergeProfile {
    var count: Int
    var directory: URL

    func run() throws {
        let batches = DurableMergeScenario.batches(count).map { store, n in
            (Workload.replica(ofStore: store), Workload.changes(store: store, count: n))
        }
        let path = directory.appendingPathComponent("profile-merge.sqlite").path
        Files.removeDatabase(path)
        defer { Files.removeDatabase(path) }
        let hub = try HubDatabase.open(path: path)
        Progress.note("profile: applying \(count) changes")
        let (_, seconds) = try Measure.time {
            for (replica, batch) in batches { _ = try hub.store.apply(batch, defaultReplica: replica) }
        }
        print("RecordStore.apply: \(count) changes in \(String(format: "%.2f", seconds)) s = \(Int(Double(count) / seconds)) changes/s")
    }
}
