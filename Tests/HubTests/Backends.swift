@testable import BaogongHub
import BaogongModel
import BaogongTestSupport
import Foundation
import GRDB
import PostgresNIO
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
