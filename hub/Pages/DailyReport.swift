import BaogongModel
import Foundation

/// The daily report (日报) for the command centre: supply table, alerts, reporting and checkpoints,
/// all from one snapshot, as CSV or as HTML that prints on A4.
public struct DailyReport {
    public enum Format: String, Sendable, CaseIterable { case csv, html }

    let snapshot: CountySnapshot
    let language: Language

    public init(snapshot: CountySnapshot, language: Language) {
        self.snapshot = snapshot
        self.language = language
    }

    public func render(_ format: Format) -> String {
        format == .csv ? csv() : htmlPage()
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

    func csv() -> String {
        let l = Labels(language: language)
        let board = CountyBoard(snapshot)
        let (supply, reporting, c, alerts) = (board.supply, board.reporting, board.checkpoints, board.alerts)
        var lines = [[String]]()
        lines.append([l.both("report_title"), snapshot.date.description, l.both("as_of"), Timestamps.iso(snapshot.asOf)])
        lines.append([])
        lines.append(["section", "commodity", "name", "unit", "on_hand", "avg_daily_sales", "days_of_supply", "band",
                      "stores_reporting", "stores_expected", "stores_at_risk", "price_min", "price_median", "price_max"])
        for r in supply.commodities {
            lines.append(["supply", r.commodity, l.commodity(r), r.unit, fmt(r.onHand), fmt(r.avgDailySales),
                          fmt(r.daysOfSupply), r.band.rawValue, "\(r.storesReporting)", "\(r.storesExpected)",
                          "\(r.storesAtRisk)", fmt(r.priceMin, 2), fmt(r.priceMedian, 2), fmt(r.priceMax, 2)])
        }
        lines.append([])
        lines.append(["section", "severity", "kind", "store", "commodity", "message"])
        for a in alerts {
            lines.append(["alert", a.severity.rawValue, a.kind, a.store ?? "", a.commodity ?? "",
                          language == .zh ? a.messageZh : a.message])
        }
        lines.append([])
        lines.append(["section", "expected", "reported", "rate", "missing", "late", "stale", "closed"])
        lines.append(["reporting", "\(reporting.expected)", "\(reporting.reported)", fmt(reporting.rate * 100, 0) + "%",
                      reporting.missing.joined(separator: " "), reporting.late.joined(separator: " "),
                      reporting.stale.joined(separator: " "), reporting.closed.joined(separator: " ")])
        lines.append([])
        lines.append(["section", "checked", "refused_fever", "refused_no_mask", "staff_checked", "disinfections",
                      "compliant_stores", "reporting_stores", "open_stores", "incidents"])
        lines.append(["checkpoints", "\(c.checked)", "\(c.refusedFever)", "\(c.refusedNoMask)", "\(c.staffChecked)",
                      "\(c.disinfections)", "\(c.compliantStores)", "\(c.reportingStores)", "\(c.openStores)", "\(c.incidents)"])
        lines.append([])
        lines.append(["section", "period", "needs_open", "offers_open", "matches", "delivered", "minutes_to_match_p50",
                      "minutes_to_match_p90"])
        for (period, stats) in matchingStats() {
            lines.append(["matching", period, "\(stats.needsOpen)", "\(stats.offersOpen)", "\(stats.matches)",
                          stats.delivered.sorted { $0.key < $1.key }.map { "\($0.key)=\(fmt($0.value))" }.joined(separator: " "),
                          fmt(stats.minutesToMatchP50, 0), fmt(stats.minutesToMatchP90, 0)])
        }
        lines.append([])
        lines.append(["section", "period", "orders", "served", "revenue", "vehicles", "staff", "groups", "quantities"])
        for (period, d) in deliveryViews() {
            lines.append(["deliveries", period, "\(d.orders)", "\(d.served)", fmt(d.revenue, 2), "\(d.vehicles)", "\(d.staff)",
                          "\(d.groups)", d.quantities.sorted { $0.key < $1.key }.map { "\($0.key)=\(fmt($0.value))" }.joined(separator: " ")])
        }
        lines.append([])
        lines.append(["section", "issued", "active"])
        lines.append(["passes", "\(snapshot.passes.count)", "\(activePasses)"])
        return lines.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
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
            <tr><th>\(l["missing"])</th><td>\(list(reporting.missing))</td></tr>
            <tr><th>\(l["late"])</th><td>\(list(reporting.late))</td></tr>
            <tr><th>\(l["stale"])</th><td>\(list(reporting.stale))</td></tr>
            <tr><th>\(l["closed"])</th><td>\(list(reporting.closed))</td></tr>
            </tbody></table>
            <h2>\(l.both("checkpoints"))</h2>
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
