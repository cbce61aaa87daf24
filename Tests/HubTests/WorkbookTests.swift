@testable import BaogongHub
import Foundation
import Testing

/// The workbook's own rules: column letters, valid and unique sheet names, XML text, and figures
/// stored as the CSV shows them.
@Suite("Excel workbook parts")
struct WorkbookPartTests {
    @Test func columnsAreLetteredLikeASpreadsheet() {
        #expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(Workbook.columnName) == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
    }

    @Test func sheetNamesAreValidAndUniqueIgnoringCase() {
        let names = Workbook.sheetNames(["supply", "Supply", "a/b:c", "", String(repeating: "长", count: 40), String(repeating: "长", count: 40)])
        #expect(names[0] == "supply" && names[1] == "Supply (2)")
        #expect(names[2] == "a_b_c" && names[3] == "Sheet4")
        #expect(names[4].count == 31 && names[5].count == 31 && names[4] != names[5])
        #expect(Set(names.map { $0.lowercased() }).count == names.count)
    }

    @Test func textIsEscapedAndControlCharactersDropped() {
        #expect(Workbook.escape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        #expect(Workbook.escape("大米\u{0}\u{1B}\tok\n") == "大米\tok\n")
    }

    @Test func figuresAreStoredAsTheCSVShowsThem() {
        #expect(ReportCell.number(11.8499, decimals: 1).numericValue == 11.8)
        #expect(ReportCell.number(11.8499, decimals: 1).display == "11.8")
        #expect(ReportCell.number(nil, decimals: 2).numericValue == nil && ReportCell.number(nil, decimals: 2).display == "–")
        #expect(ReportCell.percent(0.8571).display == "86%" && ReportCell.percent(0.8571).numericValue == 0.86)
        #expect(Workbook.numeral(44136) == "44136" && Workbook.numeral(5.2) == "5.2")
    }

    @Test func aWorkbookIsAZipWithOneSheetPerSection() throws {
        let sections = [
            ReportSection("supply", header: ["commodity", "on_hand"], rows: [["rice", .number(12.5, decimals: 1)]]),
            ReportSection("alert", header: ["message"], rows: [["大米 <low>"]]),
        ]
        let bytes = try Workbook.xlsx(sections, title: "日报", created: Date(timeIntervalSince1970: 1_581_336_000))
        #expect(bytes.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]), "a zip file")
        #expect(Workbook.sheet(sections[0]).contains(#"<c r="B2"><v>12.5</v></c>"#))
        #expect(Workbook.sheet(sections[1]).contains("大米 &lt;low&gt;"))
        #expect(Workbook.contentTypes(sheets: 2).contains("/xl/worksheets/sheet2.xml"))
        #expect(!Workbook.contentTypes(sheets: 2).contains("/xl/worksheets/sheet3.xml"))
    }
}
