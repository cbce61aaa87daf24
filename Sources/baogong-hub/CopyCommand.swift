import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub copy --from PATH --to URL`: moves a whole SQLite hub into an empty PostgreSQL database.
struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a whole SQLite hub into an empty PostgreSQL database (agents keep their tokens and cursors).",
        discussion: "Stop the SQLite hub first (or copy while it serves, then stop it before agents move): the copy holds what it had merged when the copy began."
    )
    @Option(name: .customLong("from"), help: "The SQLite hub database to copy.")
    var from: String
    @Option(name: .customLong("to"), help: "An empty PostgreSQL database: postgres://user[:password]@host[:port]/dbname.")
    var to: String
    @Flag var json = false

    func validate() throws {
        do throws(DomainError) {
            _ = try PostgresLocation(to, field: "to")
        } catch {
            throw ValidationError("--to: \(error.message)")
        }
    }

    func run() async throws {
        try await guarded {
            let source = try HubDatabase.openExisting(path: from, field: "from")
            let summary = try await PostgresHubStore.with(try PostgresLocation(to, field: "to")) { store in
                try await store.copy(from: source, sourcePath: from)
            }
            if json { return try printJSON(summary) }
            let rows = summary.tables.values.reduce(0, +)
            print(String(
                format: "copied %@ to %@: %d rows in %d tables, change log up to %lld, in %.1f s", summary.from, summary.to, rows,
                summary.tables.count, summary.changeLogSeq, summary.seconds
            ))
        }
    }
}
