import BaogongTestSupport
import Foundation
import Testing

/// `approve` and `unapprove` on the command line: the sign-off shows in `reporting --json` and in
/// the daily report; bad input is refused with one line.
@Suite("End to end: sign-off of a date")
struct ApprovalEndToEndTests {
    func hub(_ arguments: [String]) throws -> CommandResult { try run(Executables.hub, arguments) }

    func object(_ result: CommandResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func signOffShowsInReportingAndTheDailyReportAndCanBeWithdrawn() throws {
        let dir = try Scratch()
        let db = dir.path("hub.sqlite")
        _ = try enrol(db, "S01")
        let approval = try object(hub(["approve", "--db", db, "--date", "2020-02-10", "--note", "核实 ok", "--json"]))
        #expect(approval["date"] as? String == "2020-02-10" && approval["note"] as? String == "核实 ok")
        #expect(approval["approved_at"] is String && approval["through_seq"] is Int)

        let reporting = try object(hub(["reporting", "--db", db, "--date", "2020-02-10", "--json"]))
        #expect(reporting["approved"] as? Bool == true && reporting["approved_at"] as? String == approval["approved_at"] as? String)
        #expect((reporting["after_approval"] as? [Any])?.isEmpty == true)
        let csv = try hub(["report", "daily", "--db", db, "--date", "2020-02-10", "--format", "csv"]).stdout
        #expect(csv.contains(approval["approved_at"] as? String ?? "?"), "the reporting section carries approved_at")

        #expect(try hub(["unapprove", "--db", db, "--date", "2020-02-10"]).status == 0)
        #expect(try object(hub(["reporting", "--db", db, "--date", "2020-02-10", "--json"]))["approved"] as? Bool == false)
        let twice = try hub(["unapprove", "--db", db, "--date", "2020-02-10"])
        #expect(twice.status == 1 && twice.stderr.contains("2020-02-10 is not signed off"), "\(twice.stderr)")
        let badDate = try hub(["approve", "--db", db, "--date", "2020-02-30"])
        #expect(badDate.status == 2, "\(badDate.stderr)")
        #expect(try object(hub(["reporting", "--db", db, "--date", "2020-02-10", "--json"]))["approved"] as? Bool == false, "nothing signed off")
    }
}
