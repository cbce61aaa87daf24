@testable import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import GRDB
import PostgresNIO
import Synchronization
import Testing

/// The hub's storage backends the parameterised suites run on: SQLite always; PostgreSQL on a
/// throwaway cluster of the test process (`PostgresCluster`) whenever its server binaries are there,
/// and always in CI (`BAOGONG_REQUIRE_POSTGRES=1`, where a missing one fails rather than skips).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let all: [Backend] = PostgresCluster.shared != nil || PostgresCluster.required ? [.sqlite, .postgres] : [.sqlite]

    var testDescription: String { rawValue }

    /// A new, empty hub whose default catalog is stamped `seededAt` (its clock starts there).
    func open(seededAt instant: Date = Date()) async throws -> any TestHub {
        switch self {
        case .sqlite:
            return try HubDatabase.inMemory(now: instant)
        case .postgres:
            guard let cluster = PostgresCluster.shared else {
                throw TestFailure("no PostgreSQL for the tests: \(PostgresCluster.unavailableReason ?? "")")
            }
            return try await PostgresHubStore.open(try PostgresLocation(try cluster.newDatabase()), now: instant)
        }
    }
}

/// What the parameterised tests look at besides the `HubStore` API: row counts and a dump of every
/// table (equal before and after: nothing was written).
protocol TestHub: HubStore {
    func count(_ table: String) async throws -> Int
    func fingerprint() async throws -> [String: [String]]
    /// Writes notices as the hub, one per key (to fill the change log).
    func writeNotices(_ keys: [String], now: Date) async throws
}

extension HubDatabase: TestHub {
    func writeNotices(_ keys: [String], now: Date) async throws {
        try await writer.write { db in
            for key in keys {
                try HubDatabase.writeAsHub(set: "notices", key: key, fields: ["text": .text("notice \(key)")], now: now, in: db)
            }
        }
    }
}

extension PostgresHubStore: TestHub {
    func count(_ table: String) async throws -> Int {
        try await read { connection in
            try await connection.row("SELECT COUNT(*) FROM \"\(table)\"", logger: logger).map { try $0[0] } ?? 0
        }
    }

    func fingerprint() async throws -> [String: [String]] {
        try await read { connection in
            var result = [String: [String]]()
            let tables = try await connection.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", logger: logger
            ).map { try $0[0] as String }
            for table in tables {
                result[table] = try await connection.rows("SELECT row_to_json(t)::text FROM \"\(table)\" t", logger: logger)
                    .map { try $0[0] as String }.sorted()
            }
            return result
        }
    }

    func writeNotices(_ keys: [String], now: Date) async throws {
        try await write { connection in
            for key in keys {
                try await Self.writeAsHub(
                    set: "notices", key: key, fields: ["text": .text("notice \(key)")], now: now, connection: connection, logger: logger
                )
            }
        }
    }
}

@Suite("Storage backends")
struct BackendTests {
    @Test func postgresIsThereWhenRequired() {
        #expect(!PostgresCluster.required || PostgresCluster.shared != nil, "\(PostgresCluster.unavailableReason ?? "")")
    }

    /// Hub processes starting at once on a new database: one migrates and seeds the catalog, the others
    /// wait for its advisory lock and find nothing left to do.
    @Test func processesStartingAtOnceMigrateAndSeedOnce() async throws {
        guard let cluster = PostgresCluster.shared else { return }
        let location = try PostgresLocation(try cluster.newDatabase("race"))
        let stores = try await withThrowingTaskGroup(of: PostgresHubStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresHubStore.open(location) } }
            return try await group.reduce(into: [PostgresHubStore]()) { $0.append($1) }
        }
        #expect(stores.map(\.appliedAtOpen).filter { !$0.isEmpty } == [["v1-postgres"]])
        #expect(try await stores[0].catalog().map(\.id) == Commodity.defaults.map(\.id))
        #expect(try await stores[1].count("change_log") == Commodity.defaults.count)
        #expect(try await stores[2].migrate().isEmpty)
    }

    /// Syncs of eight stores, two devices each, twenty batches per device, all at once on one
    /// PostgreSQL database, while a follower reads the change log after its cursor (as a county hub's
    /// upward sync and a device's restore do): counters add exactly, positions have no gap, and the
    /// follower sees every position, because positions are handed out in commit order.
    @Test func concurrentSyncsOfManyStoresKeepTheLogInCommitOrder() async throws {
        guard let cluster = PostgresCluster.shared else { return }
        let location = try PostgresLocation(try cluster.newDatabase("concurrent"))
        let hub = try await PostgresHubStore.open(location, now: HubDatabaseTests.now)
        let stores = (1...8).map { "S0\($0)" }
        for store in stores { _ = try await hub.addStore(id: store, name: store, township: nil, kind: .supermarket, now: HubDatabaseTests.now) }
        let start = try await hub.count("change_log")
        let done = Mutex(false)
        let follower = Task { () -> Set<Int64> in
            var seen = Set<Int64>(), cursor: Int64 = 0
            while true {
                let finished = done.withLock { $0 }
                let page = try await hub.read { connection in
                    try await connection.rows("SELECT seq FROM change_log WHERE seq > $1 ORDER BY seq", [.int(cursor)], logger: hub.logger)
                        .map { try $0[0] as Int64 }
                }
                seen.formUnion(page)
                cursor = page.last ?? cursor
                if finished { return seen }
            }
        }
        let merged = try await withThrowingTaskGroup(of: Int.self) { group in
            for store in stores {
                for device in ["a", "b"] {
                    group.addTask {
                        var merged = 0
                        for batch in 1...20 {
                            let changes = [
                                HubDatabaseTests.checkpoint("\(store)/2020-02-10", at: "2020-02-10T09:00:00Z", ["checked": Int64(batch)]),
                                HubDatabaseTests.stock("\(store)/rice/2020-02-\(10 + batch % 5)", at: "2020-02-10T09:00:0\(batch % 10)Z",
                                                       ["on_hand": .real(Double(batch))]),
                            ]
                            var request = HubDatabaseTests.request(store, replica: "\(store).\(device)", upto: Int64(batch), changes)
                            request.changes[0].timestamp = HLCTimestamp(rawValue: request.changes[0].timestamp.rawValue + UInt64(batch))
                            merged += try await hub.sync(request, store: store, now: HubDatabaseTests.now).merged
                        }
                        return merged
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        done.withLock { $0 = true }
        let seen = try await follower.value
        let seqs = try await hub.read { connection in
            try await connection.rows("SELECT seq FROM change_log ORDER BY seq", logger: hub.logger).map { try $0[0] as Int64 }
        }
        #expect(seqs.count - start == merged, "every change that merged logged once")
        #expect(merged > 8 * 2 * 20, "the counts all merge, and some stock reports")
        #expect(seqs.last! - seqs.first! + 1 == Int64(seqs.count), "no gap in the positions")
        #expect(seen == Set(seqs), "the follower saw every position")
        // Each device's slot total is its last batch's count: 20 + 20 per store.
        let checkpoints = try await hub.records(set: .checkpoint, store: nil, date: nil, afterSeq: 0, limit: 100)
        #expect(checkpoints.count == 8)
        #expect(checkpoints.allSatisfy { $0["checked"] == .int(40) })
    }

    @Test(arguments: [
        ("postgres://u:p@db.example:6543/hub", "postgres://u@db.example:6543/hub"),
        ("postgresql://u@localhost/hub", "postgres://u@localhost:5432/hub"),
        ("postgres://u@/hub?host=/var/run/postgresql", "postgres://u@:5432/hub?host=/var/run/postgresql"),
    ])
    func databaseURLs(_ text: String, _ shown: String) throws {
        #expect(try PostgresLocation(text).description == shown)
        #expect(try PostgresLocation(try PostgresLocation(text).url) == PostgresLocation(text))
    }

    @Test(arguments: [
        "sqlite:///tmp/hub", "postgres://db.example/hub", "postgres://u@db.example/", "postgres://u@db.example:0/hub",
        "postgres://u@/hub?host=relative", "postgres://u@db/hub?sslmode=maybe", "postgres://u@db/hub?user=x", "postgres://u@/hub",
    ])
    func badDatabaseURLsAreRefused(_ text: String) {
        let error = #expect(throws: DomainError.self) { try PostgresLocation(text) }
        #expect(error?.code == .invalidValue)
        #expect(error?.field == "database")
    }
}
