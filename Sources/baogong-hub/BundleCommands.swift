import ArgumentParser
import BaogongHub
import BaogongRecordStore
import Foundation

/// `baogong-hub bundle import`: sync by file for a store with no network (离线数据包).
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Sync by file: import a store's bundle and write its answer (离线数据包).",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge a store's bundle as /v1/sync would; write the answer for its agent with --answer."
        )
        @OptionGroup var db: HubDatabaseOptions
        @Argument(help: "The bundle file the store's agent wrote ('baogong-agent bundle export').") var file: String
        @Option(help: "Where to write the answer file for the store's agent ('baogong-agent bundle import').")
        var answer: String?
        @Flag var json = false

        func run() async throws {
            try await guarded {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure("cannot read \(file)")
                }
                let (report, answerFile) = try await BundleImport(database: try await db.open()).run(data)
                if let answer { try PrivateFiles.writeAtomically(answerFile, to: answer) }
                if json { return try printJSON(report) }
                print(
                    "imported bundle \(report.id) from \(report.replica): \(report.changes) change(s) in \(report.batches) batch(es),"
                        + " \(report.merged) new; acknowledged up to \(report.acked)"
                )
                if let answer {
                    print("answer written to \(answer) (\(report.answered) change(s) for the store): give it back to the store")
                }
            }
        }
    }
}

/// A refusal the command makes itself, printed as its message.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
