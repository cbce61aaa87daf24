import BaogongAgent
import Foundation
import Testing

/// The committed inputs of the `stock-csv` fuzz target (Tests/Fuzz, docs/reliability.md "Fuzzing")
/// read as `baogong-agent import stock` reads a file: each seed with the outcome its name gives
/// (`ok-…` is parsed, `bad-…` is refused), and each input the target once failed on
/// (`Regressions/stock-csv/`), which must now be parsed or refused with an `AgentError`, never crash.
@Suite("Fuzzing inputs: stock CSV")
struct StockCSVFuzzInputTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String) -> [String] {
        let directory = fuzz.appendingPathComponent(folder).appendingPathComponent("stock-csv")
        let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        return (names ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The file parsed as the import parses it; the rows' lines follow the header and increase.
    static func parse(_ folder: String, _ name: String) throws -> [StockEntry] {
        let data = try Data(contentsOf: fuzz.appendingPathComponent(folder).appendingPathComponent("stock-csv").appendingPathComponent(name))
        let rows = try StockCSV.parseWithLines(try StockCSV.text(data))
        #expect(zip([1] + rows.map(\.line), rows.map(\.line)).allSatisfy { $0 < $1 }, "\(rows.map(\.line))")
        return rows.map(\.entry)
    }

    @Test(arguments: inputs("Corpus"))
    func seed(_ name: String) throws {
        if name.hasPrefix("ok-") {
            #expect(try !Self.parse("Corpus", name).isEmpty)
        } else {
            #expect(name.hasPrefix("bad-"), "a seed's name starts with ok- or bad-")
            #expect(throws: AgentError.self) { try Self.parse("Corpus", name) }
        }
    }

    @Test(arguments: inputs("Regressions"))
    func regression(_ name: String) throws {
        do { _ = try Self.parse("Regressions", name) } catch { #expect(error is AgentError, "\(error)") }
    }
}
