/// A report as tables: one per section, each a header and rows of cells. The daily report builds
/// its sections once and renders them as CSV (one file, sections one after another) or as an
/// Excel workbook (one sheet per section), so the two carry the same figures.
public struct ReportSection: Sendable, Hashable {
    /// The section's key: the first column of its CSV rows, and its sheet's name.
    public var name: String
    public var header: [String]
    public var rows: [[ReportCell]]

    public init(_ name: String, header: [String], rows: [[ReportCell]]) {
        self.name = name
        self.header = header
        self.rows = rows
    }
}

/// One cell: text, or a figure with the precision it is shown at. A workbook keeps a figure as a
/// number (rounded to the shown precision, so that it equals what the CSV shows), never as text.
public enum ReportCell: Sendable, Hashable {
    case text(String)
    /// A figure shown with `decimals` decimals; nil shows as "–" in CSV and as an empty cell.
    case number(Double?, decimals: Int)
    case integer(Int)
    /// A fraction (0.85) shown as a whole percentage ("85%").
    case percent(Double)

    /// What the CSV shows.
    var display: String {
        switch self {
        case .text(let text): text
        case .number(let value, let decimals): fmt(value, decimals)
        case .integer(let value): "\(value)"
        case .percent(let fraction): fmt(fraction * 100, 0) + "%"
        }
    }

    /// The number a workbook stores: rounded as shown, so that CSV and workbook agree exactly.
    var numericValue: Double? {
        switch self {
        case .text: nil
        case .number(let value, let decimals): value.flatMap { Double(fmt($0, decimals)) }
        case .integer(let value): Double(value)
        case .percent(let fraction): Double(fmt(fraction * 100, 0)).map { $0 / 100 }
        }
    }
}

extension ReportCell: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    public init(stringLiteral value: String) { self = .text(value) }
}
