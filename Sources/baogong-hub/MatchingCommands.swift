import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// `baogong-hub matching …`: the matching desk (供需对接) from the command line.
struct MatchingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matching", abstract: "The matching desk (供需对接): pair needs with surpluses.",
        subcommands: [Suggest.self, Confirm.self, Cancel.self, List.self, Stats.self]
    )

    /// The snapshot suggestions are ranked with: the latest reported date's supply, as of now.
    static func view(_ hub: any HubStore) async throws -> (MatchingView, CountySnapshot) {
        try await hub.matchingView(now: Date())
    }

    struct Suggest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open needs paired with open offers, most urgent first.")
        @OptionGroup var db: HubDatabaseOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let (view, snapshot) = try await MatchingCommand.view(try await db.open())
                let rows = view.suggestions(supply: snapshot.supply().stores)
                if json { return try printJSON(rows) }
                if rows.isEmpty { return print("no open need has a matching open offer") }
                for r in rows {
                    print("\(r.need) ← \(r.offer)\t\(r.store) ← \(r.supplier)\t\(r.commodity)\(r.variety.map { " (\($0))" } ?? "")"
                          + "\t\(formatQuantity(r.quantity)) \(r.unit)\t\(r.reason)")
                }
            }
        }
    }

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allocate a quantity of an offer to a need; refuses (exit 1, over_allocated) rather than over-allocate."
        )
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "The need's id (or SITE/ID).") var need: String
        @Option(help: "The offer's id (or SITE/ID).") var offer: String
        @Option(parsing: .unconditional, help: "Quantity to allocate.") var quantity: String
        @Option(help: "Unit of --quantity (default: the commodity's catalog unit).") var unit: CommodityUnit?
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let hub = try await db.open()
                let amount = try NumberParsing.quantity(quantity, field: "quantity")
                let match: MatchRecord
                do {
                    match = try await hub.confirmMatch(need: need, offer: offer, quantity: amount, unit: unit, now: Date())
                } catch let error as DomainError where error.code == .overAllocated || error.code == .notOpen || error.code == .mismatch {
                    // The code leads the line, so scripts can tell a refusal from a failure.
                    CommandLineTool.refuse("baogong-hub", "\(error.code): \(error.description)")
                    throw ExitCode(1)
                }
                if json { return try printJSON(match) }
                print("\(match.id): \(formatQuantity(match.quantity)) \(match.unit) of \(match.commodity) from \(match.supplier) to \(match.store)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an open match; its quantity is released.")
        @OptionGroup var db: HubDatabaseOptions
        @Argument(help: "The match's id.") var id: String
        @Option var reason: String?
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let match = try await db.open().cancelMatch(id: id, reason: reason, now: Date())
                if json { return try printJSON(match) }
                print("cancelled \(match.id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Matches, newest first.")
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "confirmed, accepted, declined, delivered or cancelled.") var status: MatchStatus?
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let (view, _) = try await MatchingCommand.view(try await db.open())
                let rows = view.matches(status: status)
                if json { return try printJSON(rows) }
                for m in rows {
                    let minutes = m.minutesToMatch.map { String(format: "%.0f min", $0) } ?? "?"
                    print("\(m.id)\t\(m.status.rawValue)\t\(m.supplier) → \(m.store)\t\(m.commodity)\(m.variety.map { " (\($0))" } ?? "")"
                          + "\t\(formatQuantity(m.quantity)) \(m.unit)\tmatched in \(minutes)")
                }
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open needs and offers, matches, deliveries and time to match.")
        @OptionGroup var db: HubDatabaseOptions
        @OptionGroup var period: PeriodOptions
        @Flag var json = false
        func run() async throws {
            try await guarded {
                let (view, _) = try await MatchingCommand.view(try await db.open())
                let (from, to) = try period.dates()
                let stats = view.stats(from: from, to: to)
                if json { return try printJSON(stats) }
                print("open needs \(stats.needsOpen), open offers \(stats.offersOpen), matches \(stats.matches)")
                for (c, q) in stats.delivered.sorted(by: { $0.key < $1.key }) { print("delivered \(c): \(formatQuantity(q))") }
                let p50 = stats.minutesToMatchP50.map { String(format: "%.0f", $0) } ?? "-"
                let p90 = stats.minutesToMatchP90.map { String(format: "%.0f", $0) } ?? "-"
                print("minutes to match: p50 \(p50), p90 \(p90)")
            }
        }
    }
}

func formatQuantity(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.2f", v)
}

extension MatchStatus: ExpressibleByArgument {}
extension OperatorRole: ExpressibleByArgument {}

/// `--from` and `--to` of a period, each a day `YYYY-MM-DD` or absent (unbounded).
struct PeriodOptions: ParsableArguments {
    @Option(help: "First day, YYYY-MM-DD (default: unbounded).") var from: String?
    @Option(help: "Last day, YYYY-MM-DD (default: unbounded).") var to: String?

    func validate() throws {
        try CommandLineTool.validateDate(from, option: "--from")
        try CommandLineTool.validateDate(to, option: "--to")
    }

    func dates() throws -> (from: CalendarDate?, to: CalendarDate?) {
        (try from.map { t throws(DomainError) in try CalendarDate(t) }, try to.map { t throws(DomainError) in try CalendarDate(t) })
    }
}
