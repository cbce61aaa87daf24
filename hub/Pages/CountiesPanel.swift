import BaogongModel
import Foundation

/// The city board's county table (`/` and `/?by=county` at a city hub): one row per county with its
/// reporting, timeliness and sign-off, and its supply per commodity (on hand, days of supply, band);
/// each county links to its own board (`/?county=ID`), which shows that county's stores.
struct CountiesPanel {
    let snapshot: CountySnapshot
    let labels: Labels
    let language: Language

    func render() -> HTML {
        let l = labels
        let reporting = snapshot.reportingByCounty()
        let supply = snapshot.supplyByCounty()
        let commodities = supply.total
        let date = snapshot.date.description
        var rows = [HTML]()
        for row in reporting.rows {
            let link: HTML
            if let id = row.county {
                link = "<a href=\"/?county=\(id)&amp;date=\(date)&amp;lang=\(language.rawValue)\">\(row.name)</a>"
            } else {
                link = "\(row.name)"
            }
            let cells = commodities.map { total -> HTML in
                guard let line = supply.rows.first(where: { $0.county == row.county && $0.line.commodity == total.commodity })?.line
                else { return "<td>–</td>" }
                let colour = bandColours[line.band] ?? "#9ca3af"
                return "<td><span class=\"dot\" style=\"background:\(colour)\"></span>\(fmt(line.onHand, 0)) · \(fmt(line.daysOfSupply))\(l["days"])</td>"
            }
            let approved: HTML = row.approved ? "\(l["approved"]) \(row.approvedAt ?? "")" : "\(l["no"])"
            rows.append(
                """
                <tr data-county="\(row.county ?? "")"><td>\(link)</td><td>\(row.reported)/\(row.expected)</td><td>\(row.onTime)</td>\
                <td>\(row.late)</td><td>\(approved)</td>\(cells.joined())</tr>
                """
            )
        }
        let totalCells = commodities.map { line -> HTML in "<td><b>\(fmt(line.onHand, 0)) · \(fmt(line.daysOfSupply))\(l["days"])</b></td>" }
        let t = reporting.total
        let head = commodities.map { line -> HTML in "<th>\(l.commodity(line)) (\(line.unit))</th>" }
        return """
            <div class="scroll"><table class="counties">
            <thead><tr><th>\(l["county"])</th><th>\(l["reported"])/\(l["expected"])</th><th>\(l["on_time"])</th><th>\(l["late"])</th>\
            <th>\(l["approved"])</th>\(head.joined())</tr></thead>
            <tbody>\(rows.joined(separator: "\n"))
            <tr class="total"><td><b>\(l["city_total"])</b></td><td>\(t.reported)/\(t.expected)</td><td>\(t.onTime)</td><td>\(t.late)</td>\
            <td></td>\(totalCells.joined())</tr></tbody>
            </table></div>
            """
    }
}
