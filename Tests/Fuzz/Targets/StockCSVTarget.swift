import BaogongAgent
import Foundation

/// libFuzzer target `stock-csv`: arbitrary bytes read as `baogong-agent import stock` reads a file
/// (`StockCSV.text`, then `StockCSV.parseWithLines`).
///
/// Every input must be parsed or refused with an error; a trap or a sanitizer report is a finding.
/// The line numbers of parsed rows, which error messages of the import quote, must follow the header
/// and increase.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStockCSV(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let rows: [(line: Int, entry: StockEntry)]
    do {
        rows = try StockCSV.parseWithLines(try StockCSV.text(data))
    } catch {
        _ = "\(error)"
        return 0
    }
    var previous = 1
    for row in rows {
        guard row.line > previous else { fatalError("row line \(row.line) after line \(previous)") }
        previous = row.line
    }
    return 0
}
