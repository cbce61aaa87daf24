import ArgumentParser
import BaogongCommandLine
import BaogongHub
import BaogongModel
import Foundation

/// Options shared by the view commands: which database and which date.
struct ViewOptions: ParsableArguments {
    @OptionGroup var db: HubDatabaseOptions
    @Option(help: "YYYY-MM-DD (default: the latest reported date).") var date: String?
    @OptionGroup var deadline: DeadlineOptions
    @Option(help: "At a city hub: 'county' shows one row per county beside the city total.") var by: ViewGrouping?
    @Option(help: "At a city hub: only this county's stores (its id, as in 'counties list').") var county: String?
    @Flag var json = false

    func validate() throws { try CommandLineTool.validateDate(date) }

    /// Grouped by county (`--by county`).
    var byCounty: Bool { by == .county }

    func snapshot() async throws -> CountySnapshot {
        let hub = try await db.open()
        var day = try date.map { t throws(DomainError) in try CalendarDate(t) }
        if day == nil { day = try await hub.latestReportDate() }
        let snapshot = try await hub.snapshot(date: day ?? Timestamps.today(), settings: deadline.settings, now: Date())
        guard let county else { return snapshot }
        guard snapshot.counties.contains(where: { $0.id == county }) else {
            throw DomainError(.notFound, field: "county", "no county '\(county)' is enrolled at this hub")
        }
        return snapshot.restricted(toCounty: county)
    }
}

/// How a city hub's views group their rows.
enum ViewGrouping: String, ExpressibleByArgument, CaseIterable {
    case county
}

/// `--report-deadline HH:MM`: the time of the following day (China time) by which a day's report is
/// on time; the same option as `serve` has, so that a view on the command line judges as the hub does.
struct DeadlineOptions: ParsableArguments {
    @Option(
        name: .customLong("report-deadline"),
        help: "HH:MM of the following day (China time) by which a day's report is on time (default 12:00).",
        transform: { text in try TimeOfDay(text) }
    )
    var reportDeadline: TimeOfDay = TimeOfDay(minutes: 12 * 60)

    var settings: ViewSettings {
        var settings = ViewSettings()
        settings.reportDeadlineMinutes = reportDeadline.minutes
        return settings
    }
}


struct Supply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "County supply and days of supply per commodity (可供天数).")
    @OptionGroup var options: ViewOptions
    @Option(help: "Show mass quantities and prices in this unit (kg or jin).") var unit: CommodityUnit?

    func validate() throws {
        if let unit, unit.kilograms == nil { throw ValidationError("--unit: only mass units convert: use kg or jin") }
    }

    func run() async throws {
        try await guarded {
            let snapshot = try await options.snapshot()
            if options.byCounty {
                let grouped = snapshot.supplyByCounty(unit: unit)
                if options.json { return try printJSON(grouped) }
                print("Supply by county 分区县供应 — \(grouped.date)")
                for row in grouped.rows {
                    let days = row.line.daysOfSupply.map { String(format: "%.1f", $0) } ?? "-"
                    print("\(row.county ?? "-")\t\(row.line.commodity)\ton hand \(row.line.onHand) \(row.line.unit)\t\(days) days\t\(row.line.band.rawValue)")
                }
                for line in grouped.total {
                    print("total 合计\t\(line.commodity)\ton hand \(line.onHand) \(line.unit)")
                }
                return
            }
            let view = snapshot.supply(unit: unit)
            if options.json { return try printJSON(view) }
            print(SupplyBoard.render(view, date: snapshot.date))
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Alerts of a date (预警): supply, prices, reporting, hygiene.")
    @OptionGroup var options: ViewOptions
    func run() async throws {
        try await guarded {
            let snapshot = try await options.snapshot()
            if options.byCounty {
                let grouped = snapshot.alertsByCounty()
                if options.json { return try printJSON(grouped) }
                if grouped.rows.isEmpty { print("no alerts 无预警") }
                for r in grouped.rows { print("\(r.county ?? "-")\t[\(r.alert.severity.rawValue)] \(r.alert.message) / \(r.alert.messageZh)") }
                return
            }
            let alerts = snapshot.alerts()
            if options.json { return try printJSON(alerts) }
            if alerts.isEmpty { print("no alerts 无预警") }
            for a in alerts { print("[\(a.severity.rawValue)] \(a.message) / \(a.messageZh)") }
        }
    }
}

struct Checkpoints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Entrance checkpoint totals and disinfection compliance.")
    @OptionGroup var options: ViewOptions
    func run() async throws {
        try await guarded {
            let snapshot = try await options.snapshot()
            if options.byCounty {
                let grouped = snapshot.checkpointsByCounty()
                if options.json { return try printJSON(grouped) }
                print("Checkpoints by county 分区县测温点 — \(grouped.date)")
                for r in grouped.rows {
                    print("\(r.county ?? "-")\tchecked \(r.view.checked)\trefused fever \(r.view.refusedFever)\tcompliant \(r.view.compliantStores)/\(r.view.reportingStores)")
                }
                print("total 合计\tchecked \(grouped.total.checked)\trefused fever \(grouped.total.refusedFever)")
                return
            }
            let c = snapshot.checkpointTotals()
            if options.json { return try printJSON(c) }
            print("Checkpoints 测温点 — \(c.date)")
            print("checked 测温 \(c.checked), refused fever 发热劝返 \(c.refusedFever), refused no mask 未戴口罩 \(c.refusedNoMask)")
            print("staff checked 员工测温 \(c.staffChecked), disinfections 消毒 \(c.disinfections), fever cases 发热病例 \(c.incidents)")
            print("disinfection compliance 消毒达标 (≥\(c.requiredDisinfections)/day): \(c.compliantStores)/\(c.reportingStores) stores that reported checkpoints")
        }
    }
}

struct Reporting: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Who reported, who is missing, late or stale (报送情况).")
    @OptionGroup var options: ViewOptions
    func run() async throws {
        try await guarded {
            let snapshot = try await options.snapshot()
            if options.byCounty {
                let grouped = snapshot.reportingByCounty()
                if options.json { return try printJSON(grouped) }
                print("Reporting by county 分区县报送 — \(grouped.date) (deadline 时限 \(grouped.deadline))")
                print("COUNTY\tEXPECTED\tREPORTED\tON TIME\tLATE\tAPPROVED 审核")
                for r in grouped.rows + [grouped.total] {
                    print("\(r.county ?? r.name)\t\(r.expected)\t\(r.reported)\t\(r.onTime)\t\(r.late)\t\(r.approved ? r.approvedAt ?? "yes" : "no")")
                }
                return
            }
            let r = snapshot.reporting()
            if options.json { return try printJSON(r) }
            print("Reporting 报送情况 — \(r.date): \(r.reported)/\(r.expected) expected stores reported (\(Int((r.rate * 100).rounded()))%)")
            print("missing 未报: \(r.missing.isEmpty ? "none" : r.missing.joined(separator: ", "))")
            print("late 迟报: \(r.late.isEmpty ? "none" : r.late.joined(separator: ", "))")
            print("stale 未同步: \(r.stale.isEmpty ? "none" : r.stale.joined(separator: ", "))")
            print("closed 停业: \(r.closed.isEmpty ? "none" : r.closed.joined(separator: ", "))")
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Reports for the command centre.",
                                                    subcommands: [Daily.self])

    struct Daily: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The daily report (日报) from one consistent snapshot.")
        @OptionGroup var db: HubDatabaseOptions
        @Option(help: "YYYY-MM-DD") var date: String
        @Option(help: "csv, html or xlsx (an Excel workbook, one sheet per section)") var format: DailyReport.Format
        @Option(help: "zh or en") var lang: Language = .zh
        @Option(help: "Write to this file instead of standard output.") var out: String?
        @OptionGroup var deadline: DeadlineOptions

        func validate() throws {
            try CommandLineTool.validateDate(date)
            if format == .xlsx, out == nil, isatty(STDOUT_FILENO) == 1 {
                throw ValidationError("an xlsx workbook is a binary file: give --out FILE (or redirect standard output)")
            }
        }

        func run() async throws {
            try await guarded {
                let snapshot = try await db.open().snapshot(date: try CalendarDate(date), settings: deadline.settings, now: Date())
                let bytes = try DailyReport(snapshot: snapshot, language: lang).render(format)
                if let out {
                    let tmp = out + ".tmp"
                    try bytes.write(to: URL(fileURLWithPath: tmp))
                    guard rename(tmp, out) == 0 else {
                        throw DomainError(.failed, field: "out", "cannot write \(out): \(String(cString: strerror(errno)))")
                    }
                    print("wrote \(out)")
                } else {
                    FileHandle.standardOutput.write(bytes)
                }
            }
        }
    }
}

struct OpenAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the OpenAPI document of the hub's API.")
    func run() async throws { print(OpenAPIDocument.json) }
}

extension DailyReport.Format: ExpressibleByArgument {}
extension Language: ExpressibleByArgument {}
