import BaogongModel
import Foundation

/// The dashboard's "线上订单与配送" panel (orders per day as an SVG bar chart, totals to date) and the
/// green-channel passes line.
struct DeliveriesPanel {
    let snapshot: CountySnapshot
    let labels: Labels

    func render() -> HTML {
        let l = labels
        let view = DeliveriesView(snapshot.deliveries, to: snapshot.date)
        let days = view.byDay
        let width = 640.0, height = 160.0, left = 40.0, bottom = 20.0
        let peak = max(1, days.map(\.orders).max() ?? 1)
        let step = days.isEmpty ? 0 : (width - left) / Double(days.count)
        var bars = [HTML]()
        for (i, d) in days.enumerated() {
            let h = Double(d.orders) / Double(peak) * (height - bottom - 10)
            let x = left + Double(i) * step
            bars.append("""
                <rect class="orders" data-date="\(d.date)" data-orders="\(d.orders)" x="\(fmt(x, 1))" \
                y="\(fmt(height - bottom - h, 1))" width="\(fmt(max(1, step - 1), 1))" height="\(fmt(h, 1))" fill="#2563eb">\
                <title>\(d.date): \(d.orders)</title></rect>

                """)
        }
        let first = days.first.map { "<text x=\"\(Int(left))\" y=\"\(Int(height - 4))\" class=\"legend\">\($0.date)</text>" as HTML } ?? ""
        let last = days.last.map {
            "<text x=\"\(Int(width))\" y=\"\(Int(height - 4))\" text-anchor=\"end\" class=\"legend\">\($0.date)</text>" as HTML
        } ?? ""
        let chart: HTML = days.isEmpty ? "" : """
            <svg id="orders-chart" role="img" aria-label="\(l["orders_per_day"])" viewBox="0 0 \(Int(width)) \(Int(height))" \
            width="100%" preserveAspectRatio="xMinYMin meet">
            <text x="0" y="12" class="legend">\(peak)</text>
            \(bars.joined())\(first)\(last)</svg>

            """
        let names = Dictionary(snapshot.catalog.map { ($0.id, (l.language == .zh ? $0.nameChinese : $0.nameEnglish, $0.unit.rawValue)) },
                               uniquingKeysWith: { a, _ in a })
        let quantities: [HTML] = view.quantities.sorted { $0.key < $1.key }.map { c, q in
            "<tr data-commodity=\"\(c)\"><td>\(names[c]?.0 ?? c)</td><td class=\"num\">\(fmt(q, 0))</td><td>\(names[c]?.1 ?? "")</td></tr>\n"
        }
        let totals: HTML = """
            <table id="delivery-totals"><tbody>
            <tr><th>\(l["orders"])</th><td class="num" data-key="orders">\(view.orders)</td></tr>
            <tr><th>\(l["served"])</th><td class="num" data-key="served">\(view.served)</td></tr>
            <tr><th>\(l["revenue"])</th><td class="num" data-key="revenue">\(fmt(view.revenue, 2))</td></tr>
            <tr><th>\(l["vehicles"])</th><td class="num" data-key="vehicles">\(view.vehicles)</td></tr>
            <tr><th>\(l["staff"])</th><td class="num" data-key="staff">\(view.staff)</td></tr>
            <tr><th>\(l["groups"])</th><td class="num" data-key="groups">\(view.groups)</td></tr>
            \(quantities.joined())</tbody></table>

            """
        let today = snapshot.date
        let active = snapshot.passes.filter { $0.isActive(on: today) }.count
        let passes: HTML = """
            <p id="passes-line">\(l["passes"]): \(l["passes_issued"]) <b data-key="passes-issued">\(snapshot.passes.count)</b> · \
            \(l["passes_active"]) <b data-key="passes-active">\(active)</b></p>

            """
        return "\(passes)\(chart)\(totals)"
    }
}
