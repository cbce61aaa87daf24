import BaogongModel
import Foundation

/// The county supply board as text, as `supply` and the demo print it.
public enum SupplyBoard {
    public static func render(_ view: SupplyView, date: CalendarDate) -> String {
        var lines = ["County supply board 全县保供看板 — \(date)"]
        lines.append("COMMODITY                UNIT      ON HAND   AVG SALES   DAYS  BAND         REPORTING  AT RISK  PRICE MIN/MEDIAN/MAX")
        for r in view.commodities {
            let name = "\(r.nameEnglish) \(r.nameChinese)"
            lines.append([
                name + String(repeating: " ", count: max(0, 24 - displayWidth(name))), r.unit.padding(toLength: 6, withPad: " ", startingAt: 0),
                String(format: "%10.1f", r.onHand), String(format: "%11.1f", r.avgDailySales),
                (r.daysOfSupply.map { String(format: "%.1f", $0) } ?? "–").leftPad(6),
                r.band.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0),
                "\(r.storesReporting)/\(r.storesExpected)".leftPad(9), String(r.storesAtRisk).leftPad(8),
                "  " + [r.priceMin, r.priceMedian, r.priceMax].map { $0.map { String(format: "%.2f", $0) } ?? "–" }.joined(separator: "/"),
            ].joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Terminal columns of a string: CJK characters take two.
func displayWidth(_ s: String) -> Int {
    s.unicodeScalars.reduce(0) { width, scalar in
        let v = scalar.value
        let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v)
        return width + (wide ? 2 : 1)
    }
}

extension String {
    /// The string right-aligned in `n` columns, for text tables.
    public func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
