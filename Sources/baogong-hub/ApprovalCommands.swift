import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub approve --date D [--note TEXT]`: sign off a date's figures (审核). Writes for the
/// date that reach the hub afterwards are still merged, and `reporting` lists them under
/// `after_approval`.
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign off the county's figures for a date (审核); later writes for it are flagged."
    )
    @OptionGroup var db: HubDatabaseOptions
    @Option(help: "YYYY-MM-DD") var date: String
    @Option(help: "A note kept with the sign-off (at most 500 bytes).") var note: String?
    @Flag var json = false

    func validate() throws { try CommandLineTool.validateDate(date) }

    func run() async throws {
        try await guarded {
            let approval = try await db.open().approve(date: try CalendarDate(date), note: note, now: Date())
            if json { return try printJSON(approval) }
            print("signed off (已审核) \(approval.date) at \(approval.approvedAt); later writes for it will be flagged")
        }
    }
}

/// `baogong-hub unapprove --date D`: withdraw a sign-off.
struct Unapprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw the sign-off of a date (撤销审核).")
    @OptionGroup var db: HubDatabaseOptions
    @Option(help: "YYYY-MM-DD") var date: String

    func validate() throws { try CommandLineTool.validateDate(date) }

    func run() async throws {
        try await guarded {
            try await db.open().unapprove(date: try CalendarDate(date), now: Date())
            print("sign-off of \(date) withdrawn (已撤销审核)")
        }
    }
}
