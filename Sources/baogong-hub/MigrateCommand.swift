import ArgumentParser
import BaogongHub
import Foundation

/// `baogong-hub migrate`: creates or updates a hub database's schema and exits. `serve` does the same
/// at start; on PostgreSQL an advisory lock keeps two processes from migrating at once.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update the hub database's schema (PostgreSQL: --database URL) and exit."
    )
    @OptionGroup var db: HubDatabaseOptions
    @Flag var json = false

    struct Report: Encodable {
        var database: String
        var applied: [String]
    }

    func run() async throws {
        try await guarded {
            let report: Report
            switch try db.location {
            case .sqlite(let path):
                // Opening a SQLite hub migrates it (GRDB's migrator records the steps in the file).
                let before = try HubDatabase.appliedMigrations(path: path)
                _ = try db.openSQLite(create: true, for: "migrate")
                report = Report(database: path, applied: try HubDatabase.appliedMigrations(path: path).filter { !before.contains($0) })
            case .postgres(let location):
                let store = try await PostgresHubStore.open(location)
                defer { store.close() }
                report = Report(database: location.description, applied: store.appliedAtOpen)
            }
            if json { return try printJSON(report) }
            print(report.applied.isEmpty
                ? "\(report.database): schema up to date"
                : "\(report.database): applied \(report.applied.joined(separator: ", "))")
        }
    }
}
