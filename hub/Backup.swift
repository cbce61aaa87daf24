import Foundation
import GRDB

/// What `baogong-hub backup` wrote.
public struct BackupSummary: Sendable, Codable, Hashable {
    public var path: String
    public var bytes: Int64
    /// The last change-log sequence in the copy: what the hub had merged when the copy was taken.
    public var changeLogSeq: Int64
    public var stores: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case path, bytes, changeLogSeq = "change_log_seq", stores, seconds
    }
}

extension HubDatabase {
    /// Copies the database to a new file at `path` while the hub keeps serving.
    ///
    /// The copy is one read transaction of SQLite's online backup, so it is consistent even while
    /// another process syncs: it holds exactly what the hub had merged when the copy began. It is
    /// written to `path.partial`, checked (`PRAGMA quick_check`), then renamed into place, so `path`
    /// never names a half-written file. An existing `path` is refused, never overwritten.
    public func backup(to path: String, now: () -> Date = Date.init) throws -> BackupSummary {
        let started = now()
        let destination = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) {
            throw HubError.badRequest("\(path) already exists; a backup never overwrites a file, choose a new name")
        }
        var isDirectory: ObjCBool = false
        let folder = destination.deletingLastPathComponent()
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HubError.notFound("no folder \(folder.path) for the backup")
        }
        let partial = destination.path + ".partial"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: partial + suffix) }
        do {
            let copy = try DatabaseQueue(path: partial)
            try writer.backup(to: copy)
            let (check, seq, stores) = try copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "",
                    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM change_log") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM enrolment") ?? 0
                )
            }
            guard check == "ok" else { throw HubError(.internalServerError, "internal", "the copy failed its integrity check: \(check)") }
            try copy.close()
            try fileManager.moveItem(atPath: partial, toPath: destination.path)
            Self.syncFolder(folder.path)
            let bytes = (try? fileManager.attributesOfItem(atPath: destination.path)[.size] as? NSNumber)?.int64Value ?? 0
            return BackupSummary(
                path: destination.path, bytes: bytes, changeLogSeq: seq, stores: stores,
                seconds: now().timeIntervalSince(started)
            )
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: partial + suffix) }
            throw error
        }
    }

    /// Makes a rename durable: fsync of the folder that holds the file.
    private static func syncFolder(_ path: String) {
        guard let folder = FileHandle(forReadingAtPath: path) else { return }
        try? folder.synchronize()
        try? folder.close()
    }
}
