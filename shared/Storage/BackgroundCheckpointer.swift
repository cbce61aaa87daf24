import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a thread of its own, instead of inside
/// the transaction whose commit crossed SQLite's threshold.
///
/// By default SQLite checkpoints when a commit leaves 1,000 pages in the WAL, on the committing
/// connection: the merge that happens to cross the line pays for writing the pages back and for
/// the `fsync` of the database file (9 % of `RecordStore.apply` in the merge profile,
/// docs/performance.md). Here a WAL hook on the writer asks a second connection to run a PASSIVE
/// checkpoint instead, which never blocks the writer or the readers. Durability is unchanged: every
/// commit is still synced to the WAL first (`synchronous = FULL`), and a checkpoint cut short by a
/// crash is simply done again. Should the WAL still grow past `inlineLimit` pages (the background
/// thread cannot keep up, say), the writer checkpoints inline as SQLite would.
final class BackgroundCheckpointer: Sendable {
    /// Pages in the WAL after a commit that start a background checkpoint (SQLite's own default).
    static let threshold: Int32 = 1_000
    /// Pages beyond which the committing connection checkpoints itself (64 MB of 4 KB pages).
    static let inlineLimit: Int32 = 16_000

    private let path: String
    private let queue = DispatchQueue(label: "baogong.checkpoint", qos: .utility)
    private let requested = Atomic<Bool>(false)
    private let connection = Mutex<ConnectionHandle?>(nil)

    init(path: String) { self.path = path }

    deinit {
        connection.withLock { handle in
            if let raw = handle?.raw { sqlite3_close_v2(raw) }
            handle = nil
        }
    }

    /// Installs the hook on the writer's connection (replacing SQLite's automatic checkpoint there).
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, walHook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Runs a checkpoint soon on the background connection; requests made meanwhile are folded in.
    func request() {
        guard !requested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            requested.store(false, ordering: .releasing)
            connection.withLock { handle in
                if handle == nil {
                    var raw: OpaquePointer?
                    guard sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let raw
                    else {
                        sqlite3_close_v2(raw)
                        return  // the next commit past the inline limit checkpoints on the writer
                    }
                    sqlite3_busy_timeout(raw, 5_000)
                    // A connection learns that the file is in WAL mode on its first read; until then a
                    // checkpoint is a no-op.
                    sqlite3_exec(raw, "SELECT COUNT(*) FROM sqlite_master", nil, nil, nil)
                    handle = ConnectionHandle(raw: raw)
                }
                sqlite3_wal_checkpoint_v2(handle!.raw, "main", SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
        }
    }
}

/// A connection used only by the checkpointer's queue.
private struct ConnectionHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Called by SQLite after each commit on the writer, with the pages now in the WAL.
private let walHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    context, connection, name, pages in
    let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context!).takeUnretainedValue()
    if pages >= BackgroundCheckpointer.inlineLimit {
        sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    } else if pages >= BackgroundCheckpointer.threshold {
        checkpointer.request()
    }
    return SQLITE_OK
}
