import BaogongModel
import Foundation

/// The daily report (日报) for the command centre: supply table, alerts, reporting and checkpoints,
/// all from one snapshot, as CSV or as HTML that prints on A4.
public struct DailyReport {
    public enum Format: String, Sendable, CaseIterable { case csv, html, xlsx }

    let snapshot: CountySnapshot
    let language: Language

    public init(snapshot: CountySnapshot, language: Language) {
        self.snapshot = snapshot
        self.language = language
    }

    /// The report in `format`, as the bytes of a file.
    public func render(_ format: Format) throws -> Data {
        switch format {
        case .csv: Data(csv().utf8)
        case .html: Data(htmlPage().utf8)
        case .xlsx: try xlsx()
        }
    }

    /// One CSV cell. A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return: a store named `=HYPERLINK(…)`) is prefixed with `'`, so that it
    /// shows as text; a number that merely has a minus sign is left as it is.
    static func csvField(_ raw: String) -> String {
        var s = raw
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(s) == nil { s = "'" + s }
        return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The report's tables, in order: what the CSV lists one after another and the workbook shows
    /// one per sheet.
    public func sections() -> [ReportSection] {
        let l = Labels(language: language)
        let board = CountyBoard(snapshot)
        let (supply, reporting, c, alerts) = (board.supply, board.reporting, board.checkpoints, board.alerts)
        var sections = [ReportSection]()
        sections.append(ReportSection(
            "supply",
            header: ["commodity", "name", "unit", "on_hand", "avg_daily_sales", "days_of_supply", "band", "stores_reporting",
                     "stores_expected", "stores_at_risk", "price_min", "price_median", "price_max"],
            rows: supply.commodities.map { r in
                [.text(r.commodity), .text(l.commodity(r)), .text(r.unit), .number(r.onHand, decimals: 1),
                 .number(r.avgDailySales, decimals: 1), .number(r.daysOfSupply, decimals: 1), .text(r.band.rawValue),
                 .integer(r.storesReporting), .integer(r.storesExpected), .integer(r.storesAtRisk),
                 .number(r.priceMin, decimals: 2), .number(r.priceMedian, decimals: 2), .number(r.priceMax, decimals: 2)]
            }
        ))
        sections.append(ReportSection(
            "alert", header: ["severity", "kind", "store", "commodity", "message"],
            rows: alerts.map { a in
                [.text(a.severity.rawValue), .text(a.kind), .text(a.store ?? ""), .text(a.commodity ?? ""),
                 .text(language == .zh ? a.messageZh : a.message)]
            }
        ))
        sections.append(ReportSection(
            "reporting",
            header: ["expected", "reported", "rate", "missing", "late", "stale", "closed", "on_time", "on_time_rate", "deadline",
                     "approved_at", "after_approval"],
            rows: [[.integer(reporting.expected), .integer(reporting.reported), .percent(reporting.rate),
                    .text(reporting.missing.joined(separator: " ")), .text(reporting.late.joined(separator: " ")),
                    .text(reporting.stale.joined(separator: " ")), .text(reporting.closed.joined(separator: " ")),
                    .integer(reporting.onTime.count), .percent(reporting.onTimeRate), .text(reporting.deadline),
                    .text(reporting.approvedAt ?? ""), .integer(reporting.afterApproval.count)]]
        ))
        if !snapshot.counties.isEmpty {
            // A city hub: completeness, timeliness and sign-off per county, then the city total.
            let byCounty = snapshot.reportingByCounty()
            sections.append(ReportSection(
                "counties",
                header: ["county", "name", "expected", "reported", "rate", "on_time", "late", "on_time_rate", "approved_at",
                         "last_sync_at"],
                rows: (byCounty.rows + [byCounty.total]).map { r in
                    [.text(r.county ?? ""), .text(r.name), .integer(r.expected), .integer(r.reported), .percent(r.rate),
                     .integer(r.onTime), .integer(r.late), .percent(r.onTimeRate), .text(r.approvedAt ?? ""), .text(r.lastSyncAt ?? "")]
                }
            ))
        }
        sections.append(ReportSection(
            "checkpoints",
            header: ["checked", "refused_fever", "refused_no_mask", "staff_checked", "disinfections", "compliant_stores",
                     "reporting_stores", "open_stores", "incidents"],
            rows: [[.integer(Int(c.checked)), .integer(Int(c.refusedFever)), .integer(Int(c.refusedNoMask)),
                    .integer(Int(c.staffChecked)), .integer(Int(c.disinfections)), .integer(c.compliantStores),
                    .integer(c.reportingStores), .integer(c.openStores), .integer(Int(c.incidents))]]
        ))
        sections.append(ReportSection(
            "matching",
            header: ["period", "needs_open", "offers_open", "matches", "delivered", "minutes_to_match_p50", "minutes_to_match_p90"],
            rows: matchingStats().map { period, stats in
                [.text(period), .integer(stats.needsOpen), .integer(stats.offersOpen), .integer(stats.matches),
                 .text(stats.delivered.sorted { $0.key < $1.key }.map { "\($0.key)=\(fmt($0.value))" }.joined(separator: " ")),
                 .number(stats.minutesToMatchP50, decimals: 0), .number(stats.minutesToMatchP90, decimals: 0)]
            }
        ))
        sections.append(ReportSection(
            "deliveries", header: ["period", "orders", "served", "revenue", "vehicles", "staff", "groups", "quantities"],
            rows: deliveryViews().map { period, d in
                [.text(period), .integer(Int(d.orders)), .integer(Int(d.served)), .number(d.revenue, decimals: 2),
                 .integer(Int(d.vehicles)), .integer(Int(d.staff)), .integer(Int(d.groups)),
                 .text(d.quantities.sorted { $0.key < $1.key }.map { "\($0.key)=\(fmt($0.value))" }.joined(separator: " "))]
            }
        ))
        sections.append(ReportSection(
            "passes", header: ["issued", "active"], rows: [[.integer(snapshot.passes.count), .integer(activePasses)]]
        ))
        sections.append(storeSection(supply, l))
        return sections
    }

    /// Stores × commodities: each store's stock, days of supply and band per commodity, one row per
    /// store and commodity (the dashboard's grid as a table).
    func storeSection(_ supply: SupplyView, _ l: Labels) -> ReportSection {
        let names = Dictionary(snapshot.stores.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows = supply.stores.sorted { ($0.store, $0.commodity) < ($1.store, $1.commodity) }.map { s -> [ReportCell] in
            [.text(s.store), .text(names[s.store] ?? s.store), .text(s.commodity), .number(s.onHand, decimals: 1),
             .number(s.avgDailySales, decimals: 1), .number(s.daysOfSupply, decimals: 1), .text(s.band.rawValue),
             .text(s.reportedToday ? "yes" : "no"), .number(s.price, decimals: 2)]
        }
        return ReportSection(
            "stores",
            header: ["store", "name", "commodity", "on_hand", "avg_daily_sales", "days_of_supply", "band", "reported_today", "price"],
            rows: rows
        )
    }

    /// The CSV: a title line, then each section (its rows led by the section's name), a blank line
    /// between them. It starts with a UTF-8 byte-order mark, so that Excel reads Chinese text as such.
    func csv() -> String {
        let l = Labels(language: language)
        var lines = [[String]]()
        lines.append([l.both("report_title"), snapshot.date.description, l.both("as_of"), Timestamps.iso(snapshot.asOf)])
        for section in sections() {
            lines.append([])
            lines.append(["section"] + section.header)
            for row in section.rows { lines.append([section.name] + row.map(\.display)) }
        }
        return "\u{FEFF}" + lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The workbook: one sheet per section.
    public func xlsx() throws -> Data {
        let l = Labels(language: language)
        return try Workbook.xlsx(sections(), title: "\(l.both("report_title")) \(snapshot.date)", created: snapshot.asOf)
    }

    func htmlPage() -> String { page().description }

    /// Deliveries on the report's day, and from the start up to it.
    func deliveryViews() -> [(String, DeliveriesView)] {
        [("day", DeliveriesView(snapshot.deliveries.filter { $0.date == snapshot.date }, from: snapshot.date, to: snapshot.date)),
         ("to_date", DeliveriesView(snapshot.deliveries, to: snapshot.date))]
    }

    var activePasses: Int { snapshot.passes.filter { $0.isActive(on: snapshot.date) }.count }

    func deliveryRows(_ l: Labels) -> HTML {
        let rows: [HTML] = deliveryViews().map { period, d in
            """
            <tr><th>\(period == "day" ? l["date"] + " " + snapshot.date.description : l["to_date"])</th>\
            <td class="n">\(d.orders)</td><td class="n">\(d.served)</td><td class="n">\(fmt(d.revenue, 2))</td>\
            <td class="n">\(d.vehicles)</td><td class="n">\(d.staff)</td><td class="n">\(d.groups)</td></tr>

            """
        }
        return rows.joined()
    }

    /// The matching desk on the report's day, and from the start up to it.
    func matchingStats() -> [(String, MatchingStats)] {
        let view = MatchingView(snapshot)
        return [("day", view.stats(from: snapshot.date, to: snapshot.date)), ("to_date", view.stats(to: snapshot.date))]
    }

    func matchingRows(_ l: Labels) -> HTML {
        let names = Dictionary(snapshot.catalog.map { ($0.id, language == .zh ? $0.nameChinese : $0.nameEnglish) },
                               uniquingKeysWith: { a, _ in a })
        let rows: [HTML] = matchingStats().map { period, s in
            let delivered = s.delivered.sorted { $0.key < $1.key }.map { "\(names[$0.key] ?? $0.key) \(fmt($0.value))" }
            return """
                <tr><th>\(period == "day" ? l["date"] + " " + snapshot.date.description : l["to_date"])</th>\
                <td class="n">\(s.needsOpen)</td><td class="n">\(s.offersOpen)</td><td class="n">\(s.matches)</td>\
                <td>\(delivered.isEmpty ? "–" : delivered.joined(separator: "、"))</td>\
                <td class="n">\(fmt(s.minutesToMatchP50, 0)) / \(fmt(s.minutesToMatchP90, 0)) \(l["minutes"])</td></tr>

                """
        }
        return rows.joined()
    }

    /// At a city hub: reporting, timeliness and sign-off per county, and the city total.
    func countyTable(_ l: Labels) -> HTML {
        guard !snapshot.counties.isEmpty else { return "" }
        let byCounty = snapshot.reportingByCounty()
        let rows = (byCounty.rows + [byCounty.total]).map { r -> HTML in
            """
            <tr><td>\(r.name)</td><td class="n">\(r.reported)/\(r.expected) (\(fmt(r.rate * 100, 0))%)</td>\
            <td class="n">\(r.onTime) (\(fmt(r.onTimeRate * 100, 0))%)</td><td class="n">\(r.late)</td>\
            <td>\(r.county == nil ? "" : r.approved ? "\(l["approved"]) \(r.approvedAt ?? "")" : l["no"])</td></tr>

            """
        }
        return """
            <h2>\(l.both("counties"))</h2>
            <table id="counties"><thead><tr><th>\(l["county"])</th><th>\(l["rate"])</th><th>\(l["on_time"])</th>\
            <th>\(l["late"])</th><th>\(l["approved"])</th></tr></thead>
            <tbody>
            \(rows.joined())</tbody></table>

            """
    }

    func page() -> HTML {
        let l = Labels(language: language)
        let board = CountyBoard(snapshot)
        let (supply, reporting, c, alerts) = (board.supply, board.reporting, board.checkpoints, board.alerts)
        func list(_ ids: [String]) -> String { board.storeNames(ids, separator: "、", none: l["none"]) }
        let rows: [HTML] = supply.commodities.map { r in
            """
            <tr><td>\(l.commodity(r))</td><td>\(r.unit)</td><td class="n">\(fmt(r.onHand))</td>\
            <td class="n">\(fmt(r.avgDailySales))</td><td class="n b-\(r.band.rawValue)">\(fmt(r.daysOfSupply))</td>\
            <td>\(l["band.\(r.band.rawValue)"])</td><td class="n">\(r.storesReporting)/\(r.storesExpected)</td>\
            <td class="n">\(r.storesAtRisk)</td><td class="n">\(fmt(r.priceMin, 2))</td>\
            <td class="n">\(fmt(r.priceMedian, 2))</td><td class="n">\(fmt(r.priceMax, 2))</td></tr>

            """
        }
        let alertItems: HTML = alerts.isEmpty
            ? "<li>\(l["no_alerts"])</li>"
            : alerts.map { a -> HTML in "<li>\(language == .zh ? a.messageZh : a.message)</li>" }
                .joined(separator: "\n")
        return """
            <!doctype html><html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <title>\(l["report_title"]) \(snapshot.date)</title>
            <style>
            @page{size:A4;margin:15mm}body{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;\
            font-size:10.5pt;color:#000;max-width:180mm;margin:0 auto}
            h1{font-size:16pt;text-align:center;margin:0 0 4pt}.meta{text-align:center;margin:0 0 10pt}\
            h2{font-size:12pt;border-bottom:1px solid #000;margin:12pt 0 4pt}
            table{border-collapse:collapse;width:100%;page-break-inside:avoid}\
            th,td{border:1px solid #444;padding:2pt 4pt}td.n{text-align:right}
            .b-stock_out,.b-critical{font-weight:bold;color:#b91c1c}.b-at_risk{font-weight:bold;color:#b45309}\
            ul{margin:0;padding-left:16pt}
            </style></head><body>
            <h1>\(l.both("report_title"))</h1>
            <p class="meta">\(l["date"]) \(snapshot.date) · \(l["as_of"]) \(Timestamps.countyTime(snapshot.asOf)) \
            (UTC+8)</p>
            <h2>\(l.both("supply"))</h2>
            <table><thead><tr><th>\(l["commodity"])</th><th>\(l["unit"])</th><th>\(l["on_hand"])</th>
            <th>\(l["avg_sales"])</th><th>\(l["days_of_supply"])</th><th></th><th>\(l["stores_reporting"])</th>
            <th>\(l["stores_at_risk"])</th><th>\(l["price_min"])</th><th>\(l["price_median"])</th>\
            <th>\(l["price_max"])</th></tr></thead>
            <tbody>
            \(rows.joined())</tbody></table>
            <h2>\(l.both("alerts"))</h2>
            <ul>\(alertItems)</ul>
            <h2>\(l.both("reporting"))</h2>
            <table><tbody>
            <tr><th>\(l["rate"])</th><td>\(reporting.reported)/\(reporting.expected) \
            (\(fmt(reporting.rate * 100, 0))%)</td></tr>
            <tr><th>\(l["on_time"])</th><td>\(reporting.onTime.count)/\(reporting.expected) \
            (\(fmt(reporting.onTimeRate * 100, 0))%) · \(l["deadline"]) \(Timestamps.countyTime(snapshot.lateDeadline))</td></tr>
            <tr><th>\(l["missing"])</th><td>\(list(reporting.missing))</td></tr>
            <tr><th>\(l["late"])</th><td>\(list(reporting.late))</td></tr>
            <tr><th>\(l["stale"])</th><td>\(list(reporting.stale))</td></tr>
            <tr><th>\(l["closed"])</th><td>\(list(reporting.closed))</td></tr>
            </tbody></table>
            \(countyTable(l))<h2>\(l.both("checkpoints"))</h2>
            <table><tbody>
            <tr><th>\(l["checked"])</th><td class="n">\(c.checked)</td>\
            <th>\(l["refused_fever"])</th><td class="n">\(c.refusedFever)</td></tr>
            <tr><th>\(l["refused_no_mask"])</th><td class="n">\(c.refusedNoMask)</td>\
            <th>\(l["staff_checked"])</th><td class="n">\(c.staffChecked)</td></tr>
            <tr><th>\(l["disinfections"])</th><td class="n">\(c.disinfections)</td>\
            <th>\(l["compliance"])</th><td class="n">\(c.compliantStores)/\(c.reportingStores)</td></tr>
            <tr><th>\(l["incidents"])</th><td class="n">\(c.incidents)</td><td></td><td></td></tr>
            </tbody></table>
            <h2>\(l.both("matching"))</h2>
            <table id="matching"><thead><tr><th></th><th>\(l["open_needs"])</th><th>\(l["open_offers"])</th>\
            <th>\(l["recent_matches"])</th><th>\(l["matches_delivered"])</th><th>\(l["time_to_match"]) p50 / p90</th></tr></thead>
            <tbody>
            \(matchingRows(l))</tbody></table>
            <h2>\(l.both("deliveries"))</h2>
            <table id="deliveries"><thead><tr><th></th><th>\(l["orders"])</th><th>\(l["served"])</th><th>\(l["revenue"])</th>\
            <th>\(l["vehicles"])</th><th>\(l["staff"])</th><th>\(l["groups"])</th></tr></thead>
            <tbody>
            \(deliveryRows(l))</tbody></table>
            <h2>\(l.both("passes"))</h2>
            <p id="passes">\(l["passes_issued"]) \(snapshot.passes.count) · \(l["passes_active"]) \(activePasses)</p>
            </body></html>

            """
    }
}
