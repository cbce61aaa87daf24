import ArgumentParser
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub history`: every write the hub has seen for one record (审计), the losing ones too.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every write the hub has seen for one record, oldest first, and which values stand (审计)."
    )
    @OptionGroup var db: HubDatabaseOptions
    @Option(help: "The record set, e.g. stock, checkpoint, store_status.") var set: String
    @Option(help: "The record's key, e.g. S01/rice/2020-02-10 for stock.") var key: String
    @Flag var json = false

    func run() async throws {
        try await guarded {
            guard let schema = RecordSetSchema.named(set) else {
                throw DomainError(
                    .invalidValue, field: "set", "'\(set)' is not a record set; known: \(RecordSetSchema.all.map(\.name).joined(separator: ", "))"
                )
            }
            let writes = try await db.open().history(set: schema, key: key)
            if json { return try printJSON(writes) }
            guard !writes.isEmpty else {
                print("no write of \(set) \(key) has reached this hub")
                return
            }
            print("History 审计 — \(set) \(key): \(writes.count) write(s), oldest first; ✓ the value that stands, ✗ one that lost")
            for write in writes {
                let values = write.fields.keys.sorted().map { name in
                    "\(name)=\(write.fields[name]!)\(write.won[name] == true ? " ✓" : " ✗")"
                }
                let position = write.seq.map { "#\($0)" } ?? "lost on arrival"
                print("\(write.time)  \(write.replica)  \(position)  \(values.joined(separator: "  "))")
            }
        }
    }
}
