import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import GRDBSQLite
import HTTPTypes

/// What `baogong-hub backup` wrote.
public struct BackupSummary: Sendable, Codable, Hashable {
    public var path: String
    public var bytes: Int64
    /// The last change-log sequence in the copy: what the hub had merged when the copy was taken.
    public var changeLogSeq: Int64
    /// Enrolled stores in the copy (revoked ones not counted).
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
    /// written to a file of its own beside `path` (`path.partial-<random>`, so two backups to the
    /// same name never share one), checked (`PRAGMA quick_check`), then linked to `path`, which
    /// fails if `path` exists: `path` never names a half-written file and is never overwritten,
    /// also when another backup to the same name finishes first.
    public func backup(to path: String, now: () -> Date = Date.init) throws -> BackupSummary {
        let started = now()
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw DomainError(.invalidValue, field: "out", "must name a file, not '\(path)'")
        }
        let destination = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) {
            throw Self.exists(destination.path)
        }
        var isDirectory: ObjCBool = false
        let folder = destination.deletingLastPathComponent()
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DomainError(.notFound, field: "out", "no folder \(folder.path) for the backup")
        }
        let partial = destination.path + ".partial-" + Timestamps.randomHex(6)
        func removePartial() {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? fileManager.removeItem(atPath: partial + suffix) }
        }
        do {
            let (seq, stores) = try Self.copyAndCheck(writer, to: partial)
            // link(2) refuses an existing name, so a file that appeared meanwhile is never replaced.
            if link(partial, destination.path) != 0 {
                let code = errno
                switch code {
                case EEXIST:
                    throw Self.exists(destination.path)
                case EPERM, EOPNOTSUPP, EXDEV:
                    // A file system without hard links: a rename, which also refuses an existing name here.
                    do { try fileManager.moveItem(atPath: partial, toPath: destination.path) } catch {
                        throw fileManager.fileExists(atPath: destination.path)
                            ? Self.exists(destination.path)
                            : DomainError(.failed, field: "", "could not name the copy \(destination.path)")
                    }
                default:
                    throw DomainError(
                        .failed, field: "", "could not name the copy \(destination.path): \(String(cString: strerror(code)))"
                    )
                }
            }
            removePartial()
            Self.syncFolder(folder.path)
            let bytes = (try? fileManager.attributesOfItem(atPath: destination.path)[.size] as? NSNumber)?.int64Value ?? 0
            return BackupSummary(
                path: destination.path, bytes: bytes, changeLogSeq: seq, stores: stores,
                seconds: now().timeIntervalSince(started)
            )
        } catch {
            removePartial()
            throw error
        }
    }

    /// Writes the copy to `partial` and checks it; returns its last change-log sequence and store count.
    private static func copyAndCheck(_ writer: any DatabaseWriter, to partial: String) throws -> (Int64, Int) {
        do {
            try PrivateFiles.prepare(partial)  // a backup holds the same secrets as the database
            let copy = try DatabaseQueue(path: partial)
            try writer.backup(to: copy)
            let (check, seq, stores) = try copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "",
                    try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM change_log") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM enrolment WHERE revoked_at IS NULL") ?? 0
                )
            }
            try copy.close()
            guard check == "ok" else {
                throw DomainError(.failed, field: "", "the copy failed its integrity check: \(check)")
            }
            return (seq, stores)
        } catch let error as DatabaseError {
            // SQLite's backup leaves no message on the destination connection ("not an error"): name
            // the result code instead, e.g. "database or disk is full".
            let reason = String(cString: sqlite3_errstr(error.extendedResultCode.rawValue))
            throw DomainError(.failed, field: "", "could not write the copy to \(partial): \(reason)")
        }
    }

    private static func exists(_ path: String) -> DomainError {
        DomainError(.exists, field: "", "\(path) already exists; a backup never overwrites a file, choose a new name")
    }

    /// Makes the new name durable: fsync of the folder that holds the file.
    private static func syncFolder(_ path: String) {
        guard let folder = FileHandle(forReadingAtPath: path) else { return }
        try? folder.synchronize()
        try? folder.close()
    }
}
