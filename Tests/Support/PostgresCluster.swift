import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for the tests: its own data directory under /tmp, a free loopback
/// port, trust authentication, started once per test process and stopped (and deleted) by a watchdog
/// when the test process ends, however it ends. Never a system service.
///
/// Each test takes a database of its own (`newDatabase()`), so tests run in parallel without sharing
/// state. Needs Debian's `postgresql` server binaries (`/usr/lib/postgresql/*/bin`); as root, the
/// server runs as the `postgres` user. Without them, `shared` is nil and `unavailableReason` says why:
/// the suites then run on SQLite only, unless `BAOGONG_REQUIRE_POSTGRES=1` (CI), where that is a failure.
public final class PostgresCluster: Sendable {
    public let port: Int
    public let directory: String
    private let binaries: String
    private let counter = Mutex(0)

    public static let shared: PostgresCluster? = {
        do { return try PostgresCluster() } catch {
            startFailure.withLock { $0 = "\(error)" }
            return nil
        }
    }()

    /// Whether the suites must run on PostgreSQL too (CI sets it: a machine without it is a failure there).
    public static var required: Bool { ProcessInfo.processInfo.environment["BAOGONG_REQUIRE_POSTGRES"] == "1" }

    /// Why there is no cluster, when there is none.
    public static var unavailableReason: String? {
        shared == nil ? startFailure.withLock { $0 } ?? "PostgreSQL did not start" : nil
    }

    private static let startFailure = Mutex<String?>(nil)

    private init() throws {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let version = versions.compactMap(Int.init).max(),
            FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb")
        else { throw TestFailure("no PostgreSQL server binaries under \(root) (Debian: apt-get install postgresql)") }
        binaries = "\(root)/\(version)/bin"
        port = freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baogong-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let asPostgres = getuid() == 0 ? "runuser -u postgres -- " : ""
        if getuid() == 0 { _ = Self.spawnAndWait(["/bin/chown", "postgres", directory]) }
        // The watchdog outlives this script and stops the cluster once the test process is gone.
        let script = """
            set -e
            \(asPostgres)\(binaries)/initdb -D \(directory)/data -A trust -U postgres >\(directory)/initdb.log 2>&1
            \(asPostgres)\(binaries)/pg_ctl -D \(directory)/data -l \(directory)/log -w start \
              -o "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
            ( while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
              \(asPostgres)\(binaries)/pg_ctl -D \(directory)/data -m immediate stop
              rm -rf \(directory) ) </dev/null >/dev/null 2>&1 &
            """
        guard Self.spawnAndWait(["/bin/bash", "-c", script]) == 0 else {
            let log = (try? String(contentsOfFile: "\(directory)/initdb.log", encoding: .utf8)) ?? ""
            throw TestFailure("PostgreSQL did not start: \(log.suffix(400))")
        }
    }

    /// A new, empty database on the cluster; returns its URL.
    public func newDatabase(_ prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(getpid())_\(counter.withLock { $0 += 1; return $0 })"
        let status = Self.spawnAndWait(["\(binaries)/createdb", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name])
        guard status == 0 else { throw TestFailure("createdb \(name) exited with \(status)") }
        return url(name)
    }

    /// Runs a program to its end with posix_spawn and waitpid, its output discarded. Not Foundation's
    /// Process: that learns of a child's exit through Dispatch, which can starve while the tests'
    /// threads wait on this cluster's one-time start (a hang seen here on 2 cores).
    static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }

    public func url(_ database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }
}

