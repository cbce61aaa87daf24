import ArgumentParser
import BaogongHub
import Foundation

/// `baogong-hub compact`: what `serve` does daily, now.
struct Compact: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drop history older than --retain-days that no current value depends on (serve does it daily)."
    )
    @OptionGroup var db: HubDatabaseOptions
    @Option(name: .customLong("retain-days"), help: "Days of history kept.") var retainDays = 400
    @Flag var json = false

    func run() async throws {
        try await guarded {
            let report = try await db.open().compact(retainDays: retainDays, now: Date(), chunk: 10_000)
            if json { return try printJSON(report) }
            print(
                "compacted: \(report.dropped) of \(report.scanned) change-log entries dropped (written before \(report.horizon)),"
                    + " \(report.changeLogAfter) remain; \(report.droppedLostWrites) lost write(s) and \(report.droppedRecords)"
                    + " deleted record(s) dropped; \(report.activeDevices) active device(s)"
            )
        }
    }
}
