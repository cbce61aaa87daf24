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
