import BaogongModel
import Foundation

/// The county board served at `/`: server-rendered HTML with inline SVG charts, no external assets
/// (the hub may have no internet), readable on a phone, refreshed every minute.
struct DashboardPage {
    let snapshot: CountySnapshot
    /// The snapshot's views when already computed (the views' cache); nil computes them.
    var board: CountyBoard? = nil
    let language: Language
    /// The signed-in operator's role: the matching panel shows its confirm forms only to dispatchers.
    var role: OperatorRole? = nil
    /// The session's CSRF token, put in every form that posts.
    var csrfToken: String? = nil
    /// At a city hub: the county whose board this is (`/?county=ID`), nil for the city's board.
    var county: CountyInfo? = nil
    /// Rendered in place of the "as of" time, for a page the views' cache keeps and fills in.
    var asOfMarker: String? = nil

    func render() -> String { page().description }

    func page() -> HTML {
        let l = Labels(language: language)
        let board = self.board ?? CountyBoard(snapshot)
        let (supply, checkpoints, alerts) = (board.supply, board.checkpoints, board.alerts)
        let date = snapshot.date.description
        var sections = [
            section("alerts", l["alerts"], alertsList(alerts, l)),
            section("dos", l["days_of_supply"], daysOfSupplyChart(supply, l)),
            section("supply", l["supply"], supplyTable(supply, l)),
            section("grid", l["grid"], storeGrid(supply, l)),
            section("prices", l["price_trend"], priceTrend(l)),
            section("checkpoints", l["checkpoints"], checkpointTable(checkpoints, l)),
            section("reporting", l["reporting"], reportingBlock(board, l)),
            section("deliveries", l["deliveries"], DeliveriesPanel(snapshot: snapshot, labels: l).render()),
            section(
                "matching", l["matching"],
                MatchingPanel(snapshot: snapshot, supply: supply, labels: l, role: role, csrfToken: csrfToken).render()
            ),
            section("notices", l["notices"], noticesList(l)),
        ]
        if county == nil && !snapshot.counties.isEmpty {
            sections.insert(section("counties", l["counties"], CountiesPanel(snapshot: snapshot, labels: l, language: language).render()), at: 0)
        }
        return """
            <!doctype html>
            <html lang="\(language == .zh ? "zh-CN" : "en")">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="60">
            <title>\(title(l)) · \(date)</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header>
              <h1>保供 Baogong · \(title(l))</h1>
              <form method="get" action="/">
                <label>\(l["date"]) <input type="date" name="date" value="\(date)"></label>
                <input type="hidden" name="lang" value="\(language.rawValue)">
                <button type="submit">\(l["show"])</button>
                <a href="/?date=\(date)&amp;lang=zh">中文</a> · <a href="/?date=\(date)&amp;lang=en">English</a>
              </form>
              <p class="asof">\(l["as_of"]) \(asOfMarker ?? Timestamps.countyTime(snapshot.asOf)) (UTC+8)</p>
              \(countyMark(l))
              \(approvalMark(l))
              <form method="post" action="/logout?lang=\(language.rawValue)" class="signout"><button type="submit">\(l["sign_out"])</button></form>
            </header>
            <main>
            \(sections.joined())</main>
            </body>
            </html>

            """
    }

    /// A city hub's own board is the city's; a county's board at a city, or a county hub's, the county's.
    func title(_ l: Labels) -> String {
        county == nil && !snapshot.counties.isEmpty ? l["city_title"] : l["title"]
    }

    /// On a county's board at a city hub: which county, and the way back to the city's board.
    func countyMark(_ l: Labels) -> HTML {
        guard let county else { return "" }
        return """
            <p class="county">\(l["county"]): <b>\(county.name)</b> · \
            <a href="/?date=\(snapshot.date.description)&amp;lang=\(language.rawValue)">\(l["back_to_city"])</a></p>
            """
    }

    func section(_ id: String, _ title: String, _ body: HTML) -> HTML {
        "<section id=\"\(id)\"><h2>\(title)</h2>\n\(body)</section>\n"
    }

    /// Horizontal bars of county days of supply per commodity, each with its at-risk line.
    func daysOfSupplyChart(_ supply: SupplyView, _ l: Labels) -> HTML {
        let rows = supply.commodities
        let maxDays = max(14, rows.compactMap(\.daysOfSupply).max() ?? 0, Double(rows.map(\.minDays).max() ?? 0))
        let scale = maxDays * 1.1
        let rowHeight = 34.0, labelWidth = 150.0, width = 640.0, chartWidth = width - labelWidth - 60
        let height = Double(rows.count) * rowHeight + 30
        var bars = [HTML]()
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight + 6
            let days = row.daysOfSupply ?? 0
            let w = min(chartWidth, days / scale * chartWidth)
            let riskX = labelWidth + Double(row.minDays) / scale * chartWidth
            let colour = bandColours[row.band] ?? "#9ca3af"
            bars.append("""
                <g class="bar" data-commodity="\(row.commodity)" data-days="\(fmt(row.daysOfSupply))" \
                data-band="\(row.band.rawValue)">
                <text x="\(Int(labelWidth - 8))" y="\(fmt(y + 17, 0))" text-anchor="end">\(l.commodity(row))</text>
                <rect x="\(Int(labelWidth))" y="\(fmt(y, 1))" width="\(fmt(w, 1))" height="24" fill="\(colour)">\
                <title>\(l.commodity(row)): \(fmt(row.daysOfSupply)) \(l["days"])</title></rect>
                <text x="\(fmt(labelWidth + w + 6, 1))" y="\(fmt(y + 17, 0))">\
                \(row.daysOfSupply == nil ? "–" : fmt(row.daysOfSupply))</text>
                <line class="risk-line" x1="\(fmt(riskX, 1))" x2="\(fmt(riskX, 1))" y1="\(fmt(y - 3, 1))" \
                y2="\(fmt(y + 27, 1))" stroke="#b91c1c" stroke-width="2" stroke-dasharray="4 2"/>
                </g>

                """)
        }
        return """
            <svg id="dos-chart" role="img" aria-label="\(l["days_of_supply"])" \
            viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" preserveAspectRatio="xMinYMin meet">
            \(bars.joined())<text x="\(Int(labelWidth))" y="\(Int(height - 6))" class="legend">\
            ┆ \(l["at_risk_line"]) (\(l["days"]))</text>
            </svg>
            """
    }

    func supplyTable(_ supply: SupplyView, _ l: Labels) -> HTML {
        let rows: [HTML] = supply.commodities.map { r in
            """
            <tr data-commodity="\(r.commodity)"><td>\(l.commodity(r))</td><td>\(r.unit)</td>\
            <td class="num on-hand">\(fmt(r.onHand))</td><td class="num avg">\(fmt(r.avgDailySales))</td>\
            <td class="num dos band-\(r.band.rawValue)">\(fmt(r.daysOfSupply))</td>\
            <td class="num">\(r.storesReporting)/\(r.storesExpected)</td><td class="num">\(r.storesAtRisk)</td>\
            <td class="num">\(fmt(r.priceMin, 2))</td><td class="num">\(fmt(r.priceMedian, 2))</td>\
            <td class="num">\(fmt(r.priceMax, 2))</td></tr>

            """
        }
        return """
            <div class="scroll"><table id="supply-table"><thead><tr>
            <th>\(l["commodity"])</th><th>\(l["unit"])</th><th>\(l["on_hand"])</th>
            <th>\(l["avg_sales"])</th><th>\(l["days_of_supply"])</th><th>\(l["stores_reporting"])</th>
            <th>\(l["stores_at_risk"])</th><th>\(l["price_min"])</th><th>\(l["price_median"])</th>
            <th>\(l["price_max"])</th></tr></thead><tbody>
            \(rows.joined())</tbody></table></div>

            """
    }

    /// The date's sign-off (审核), and how many writes for it arrived after it.
    func approvalMark(_ l: Labels) -> HTML {
        guard let approval = snapshot.approval else { return "" }
        let at = Timestamps.parse(approval.approvedAt).map(Timestamps.countyTime) ?? approval.approvedAt
        let note: HTML = approval.note.map { " · \($0)" } ?? ""
        let after: HTML = snapshot.afterApproval.isEmpty
            ? "" : " · <strong class=\"after-approval\">\(snapshot.afterApproval.count) \(l["after_approval"])</strong>"
        return "<p class=\"approved\">✔ \(l["approved"]) \(at)\(note)\(after)</p>"
    }

    func storeGrid(_ supply: SupplyView, _ l: Labels) -> HTML {
        var cells = [String: StoreSupply]()
        for s in supply.stores { cells[s.store + "/" + s.commodity] = s }
        let day = snapshot.date.dayNumber
        let headings: [HTML] = supply.commodities.map { c in "<th>\(l.commodity(c))</th>" }
        // Problems first; a county of thousands of stores shows its worst rows here and the rest in the API.
        let worst = Dictionary(grouping: supply.stores, by: \.store).mapValues { $0.map(\.band).min() ?? .noData }
        let ordered = snapshot.reportingStores.sorted {
            (worst[$0.id] ?? .noData, $0.id) < (worst[$1.id] ?? .noData, $1.id)
        }
        let shown = ordered.prefix(Self.gridRows)
        var rows = [HTML]()
        for store in shown {
            let open = snapshot.isOpen(store.id, day: day)
            let closedNote: HTML = open ? "" : " <small>(\(l["closed"]))</small>"
            let rowCells: [HTML] = supply.commodities.map { c in
                let cell = cells[store.id + "/" + c.commodity]
                let band = cell?.band ?? .noData
                let title = "\(l["band.\(band.rawValue)"]) · \(fmt(cell?.daysOfSupply)) \(l["days"])"
                let background = open ? bandColours[band]! : "#e5e7eb"
                // The cell links to the record's history (审计): who wrote the figure, and what it replaced.
                let record = "\(store.id)/\(c.commodity)/\(snapshot.date)"
                let history = "/history?set=stock&key=\(record.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? record)"
                    + "&lang=\(l.language.rawValue)"
                return """
                    <td class="cell" data-band="\(band.rawValue)" style="background:\(background)" \
                    title="\(title)"><a href="\(history)">\(open ? fmt(cell?.daysOfSupply) : "")</a></td>
                    """
            }
            rows.append(
                "<tr data-store=\"\(store.id)\"><th>\(store.name)\(closedNote)</th>\(rowCells.joined())</tr>\n"
            )
        }
        let more: HTML = ordered.count > shown.count
            ? "<p class=\"legend\">+\(ordered.count - shown.count) … /v1/views/supply</p>\n" : ""
        let key: [HTML] = SupplyBand.allCases.map { band in
            "<span class=\"key\" style=\"background:\(bandColours[band]!)\"></span>\(l["band.\(band.rawValue)"]) "
        }
        return """
            <div class="scroll"><table id="store-grid"><thead><tr><th>\(l["store"])</th>\(headings.joined())\
            </tr></thead><tbody>
            \(rows.joined())</tbody></table></div>
            \(more)<p class="legend">\(key.joined())</p>

            """
    }

    /// Small multiples: the county median price of each commodity over the window.
    func priceTrend(_ l: Labels) -> HTML {
        let trend = snapshot.priceTrend()
        let first = snapshot.date.adding(days: -snapshot.settings.trailingDays).dayNumber
        let last = snapshot.date.dayNumber
        let figures: [HTML] = snapshot.catalog.map { c in
            let points = trend[c.id] ?? []
            let w = 200.0, h = 80.0, pad = 8.0
            let values = points.map(\.median)
            let lo = (values.min() ?? 0) * 0.85, hi = max((values.max() ?? 1) * 1.15, lo + 0.01)
            func x(_ d: Int) -> Double { pad + Double(d - first) / Double(max(1, last - first)) * (w - 2 * pad) }
            func y(_ v: Double) -> Double { h - pad - (v - lo) / (hi - lo) * (h - 2 * pad) }
            let polyline = points.map { "\(fmt(x($0.day.dayNumber), 1)),\(fmt(y($0.median), 1))" }
                .joined(separator: " ")
            let circles: [HTML] = points.map { p in
                """
                <circle cx="\(fmt(x(p.day.dayNumber), 1))" cy="\(fmt(y(p.median), 1))" r="2.5" fill="#1d4ed8">\
                <title>\(p.day) \(fmt(p.median, 2))</title></circle>
                """
            }
            let name = language == .zh ? c.nameChinese : c.nameEnglish
            return """
                <figure class="trend" data-commodity="\(c.id)"><figcaption>\(name) \(fmt(values.last, 2))</figcaption>
                <svg viewBox="0 0 \(Int(w)) \(Int(h))" width="100%" role="img" aria-label="\(name)">
                <rect x="0" y="0" width="\(Int(w))" height="\(Int(h))" fill="#f9fafb"/>
                <polyline points="\(polyline)" fill="none" stroke="#1d4ed8" stroke-width="2"/>
                \(circles.joined())
                </svg></figure>

                """
        }
        return "<div class=\"trends\">\n\(figures.joined())</div>\n"
    }

    func checkpointTable(_ c: CheckpointView, _ l: Labels) -> HTML {
        """
        <table id="checkpoint-totals"><tbody>
        <tr><th>\(l["checked"])</th><td class="num" data-key="checked">\(c.checked)</td></tr>
        <tr><th>\(l["refused_fever"])</th><td class="num" data-key="refused_fever">\(c.refusedFever)</td></tr>
        <tr><th>\(l["refused_no_mask"])</th><td class="num" data-key="refused_no_mask">\(c.refusedNoMask)</td></tr>
        <tr><th>\(l["staff_checked"])</th><td class="num" data-key="staff_checked">\(c.staffChecked)</td></tr>
        <tr><th>\(l["disinfections"])</th><td class="num" data-key="disinfections">\(c.disinfections)</td></tr>
        <tr><th>\(l["compliance"]) (≥\(c.requiredDisinfections))</th>\
        <td class="num">\(c.compliantStores)/\(c.reportingStores)</td></tr>
        <tr><th>\(l["incidents"])</th><td class="num">\(c.incidents)</td></tr>
        </tbody></table>

        """
    }

    func reportingBlock(_ board: CountyBoard, _ l: Labels) -> HTML {
        let r = board.reporting
        func list(_ ids: [String]) -> String { board.storeNames(ids, separator: "、", none: l["none"]) }
        return """
            <p id="reporting-rate">\(l["rate"]): <strong>\(r.reported)/\(r.expected)</strong> \
            (\(fmt(r.rate * 100, 0))%)</p>
            <p id="on-time-rate">\(l["on_time"]): <strong>\(r.onTime.count)/\(r.expected)</strong> \
            (\(fmt(r.onTimeRate * 100, 0))%) · \(l["deadline"]) \(Timestamps.countyTime(snapshot.lateDeadline))</p>
            <table id="reporting"><tbody>
            <tr><th>\(l["missing"])</th><td data-key="missing">\(list(r.missing))</td></tr>
            <tr><th>\(l["stale"])</th><td data-key="stale">\(list(r.stale))</td></tr>
            <tr><th>\(l["late"])</th><td data-key="late">\(list(r.late))</td></tr>
            <tr><th>\(l["closed"])</th><td data-key="closed">\(list(r.closed))</td></tr>
            </tbody></table>

            """
    }

    func alertsList(_ alerts: [Alert], _ l: Labels) -> HTML {
        guard !alerts.isEmpty else { return "<p>\(l["no_alerts"])</p>\n" }
        let items: [HTML] = alerts.prefix(50).map { a in
            let message = language == .zh ? a.messageZh : a.message
            return "<li class=\"sev-\(a.severity.rawValue)\" data-kind=\"\(a.kind)\">\(message)</li>\n"
        }
        let more: HTML = alerts.count > 50 ? "<li>… +\(alerts.count - 50)</li>\n" : ""
        return "<ul id=\"alerts-list\">\n\(items.joined())\(more)</ul>\n"
    }

    func noticesList(_ l: Labels) -> HTML {
        guard !snapshot.notices.isEmpty else { return "<p>\(l["none"])</p>\n" }
        let items: [HTML] = snapshot.notices.map { n in
            let posted = n.postedAt.flatMap(Timestamps.parse).map(Timestamps.countyTime) ?? ""
            return "<li><time>\(posted)</time> \(n.text)</li>\n"
        }
        return "<ul id=\"notices-list\">\n\(items.joined())</ul>\n"
    }

    /// Rows of the store grid on one page.
    static let gridRows = 150

    /// Fixed style sheet, trusted: its font names need their quotes.
    static let css = HTML(trusted: """
        body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;\
        color:#111827;background:#f3f4f6}
        header{background:#991b1b;color:#fff;padding:12px 16px}header h1{font-size:1.25rem;margin:0 0 6px}
        header a{color:#fde68a}header form{display:flex;flex-wrap:wrap;gap:8px;align-items:center}\
        .asof{margin:4px 0 0;font-size:.85rem}
        .approved{margin:2px 0 0;font-size:.85rem;color:#bbf7d0}.after-approval{color:#fde68a}
        main{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:12px;padding:12px}
        section{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px #0002;min-width:0}
        section h2{font-size:1rem;margin:0 0 8px}#counties,#supply,#grid{grid-column:1/-1}span.dot{display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.3em}\
        @media(min-width:760px){#dos{grid-column:span 2}}
        table{border-collapse:collapse;width:100%;font-size:.85rem}\
        th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left}
        td.num{text-align:right;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}
        td.cell{color:#fff;text-align:center;min-width:48px}td.cell a{color:inherit;text-decoration:none;display:block}\
        .key{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}
        .legend{font-size:.8rem;fill:#6b7280;color:#6b7280}svg text{font-size:15px}
        .trends{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}figure{margin:0}\
        figcaption{font-size:.8rem}
        .sev-critical{color:#b91c1c;font-weight:600}.sev-warning{color:#b45309}.sev-info{color:#374151}
        .band-stock_out,.band-critical{color:#b91c1c;font-weight:700}.band-at_risk{color:#b45309;font-weight:700}
        """)
}

/// The sign-in form: an operator pastes a token once; the hub answers with a session cookie.
struct SignInPage {
    let language: Language
    let failed: Bool

    func render() -> String { page().description }

    func page() -> HTML {
        let l = Labels(language: language)
        let refusal: HTML = failed ? "<p style=\"color:#b91c1c\">token refused / 令牌无效</p>" : ""
        return """
            <!doctype html><html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">\
            <title>\(l["sign_in"]) · Baogong</title>
            <style>body{font-family:system-ui,sans-serif;max-width:420px;margin:40px auto;padding:0 16px}\
            input{width:100%;padding:8px;margin:8px 0}</style>
            </head><body><h1>保供 Baogong</h1><h2>\(l["sign_in"])</h2>
            \(refusal)
            <form method="post" action="/login?lang=\(language.rawValue)"><label>\(l["token"])\
            <input type="password" name="token" autocomplete="off" required></label>
            <button type="submit">\(l["sign_in"])</button></form></body></html>
            """
    }
}

/// A short page that says why a form was refused, with a way back to the board.
struct RefusalPage {
    let language: Language
    let message: String

    func render() -> String {
        let l = Labels(language: language)
        let page: HTML = """
            <!doctype html><html lang="\(language == .zh ? "zh-CN" : "en")"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>Baogong</title>
            <style>body{font-family:system-ui,sans-serif;max-width:640px;margin:40px auto;padding:0 16px}</style>
            </head><body><h1>保供 Baogong</h1>
            <p id="refusal" style="color:#b91c1c">\(message)</p>
            <p><a href="/?lang=\(language.rawValue)#matching">\(l["title"])</a></p></body></html>
            """
        return page.description
    }
}
