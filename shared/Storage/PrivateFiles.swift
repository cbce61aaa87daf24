import Foundation

/// Database files hold secrets (the agent's store token, the hub's token digests and pass-signing
/// key): only their owner may read them. SQLite creates a database's -wal and -shm files with the
/// database file's own permissions, so making the database file 0600 before SQLite opens it covers
/// all three.
public enum PrivateFiles {
    /// Creates `path` empty with mode 0600 if it does not exist; tightens an existing file to 0600.
    public static func prepare(_ path: String) throws {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // Not ours to create (a read-only folder): SQLite will report it with a clearer message.
            return
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        if info.st_mode & 0o077 != 0 { _ = fchmod(fd, 0o600) }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            _ = chmod(path + suffix, 0o600)
        }
    }
}

extension PrivateFiles {
    /// Writes `data` to `path` whole or not at all, readable by its owner only: into a partial file
    /// beside it, flushed to disk, then renamed over `path`.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let fd = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PrivateFileError("cannot create \(partial): \(String(cString: strerror(errno)))") }
        var failed: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failed == nil && fsync(fd) != 0 { failed = String(cString: strerror(errno)) }
        close(fd)
        if let failed {
            try? FileManager.default.removeItem(atPath: partial)
            throw PrivateFileError("cannot write \(path): \(failed)")
        }
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw PrivateFileError("cannot write \(path): \(reason)")
        }
    }
}

/// A file could not be written; the message names it and why.
public struct PrivateFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
