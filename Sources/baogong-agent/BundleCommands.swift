import ArgumentParser
import BaogongAgent
import BaogongModel
import BaogongRecordStore
import Foundation

/// `baogong-agent bundle export|import`: sync by file when there is no network (离线数据包).
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Sync by file when there is no network (离线数据包).",
        subcommands: [Export.self, Import.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write what the hub has not acknowledged to a file for the hub ('baogong-hub bundle import')."
        )
        @OptionGroup var db: DatabaseOptions
        @Option(help: "The bundle file to write.") var out: String
        @Flag(help: "Everything this device ever recorded, not only what the hub has not acknowledged.") var all = false
        @Flag var json = false

        func run() async throws {
            try await guarded {
                let export = try await db.open().exportBundle(all: all)
                try PrivateFiles.writeAtomically(export.file, to: out)
                if json { return try printJSON(export.header) }
                print(
                    "wrote bundle \(export.header.id) to \(out): \(export.header.changes) change(s) in \(export.header.batches)"
                        + " batch(es), \(export.file.count) bytes; take it to the hub, then import its answer here"
                )
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the hub's answer file to this device.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The answer file the hub wrote ('baogong-hub bundle import … --answer FILE').") var file: String
        @Flag var json = false

        func run() async throws {
            try await guarded {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw AgentError(.invalidInput, "cannot read \(file)")
                }
                let report = try await db.open().importAnswer(data)
                if json { return try printJSON(report) }
                print(
                    "applied answer \(report.id): received \(report.received) change(s); acknowledged up to \(report.acked),"
                        + " \(report.pending) still pending"
                )
            }
        }
    }
}
