import BaogongModel
import Foundation
import ZIPFoundation

/// An Excel workbook (Office Open XML, .xlsx) of report sections, one sheet per section: the header
/// row in bold, figures as numbers, percentages as numbers with a percent format, text as inline
/// strings (Chinese intact, never read as a formula). ZIPFoundation makes the container; the parts
/// are the few SpreadsheetML files every reader needs (ECMA-376 part 1, §18).
public enum Workbook {
    /// The workbook's bytes. Sheet names are the sections' names, made valid and unique.
    public static func xlsx(_ sections: [ReportSection], title: String, created: Date) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let names = sheetNames(sections.map(\.name))
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheets: sections.count)),
            ("_rels/.rels", rootRelationships),
            ("docProps/core.xml", coreProperties(title: title, created: created)),
            ("xl/workbook.xml", workbook(names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheets: sections.count)),
            ("xl/styles.xml", styles),
        ]
        for (i, section) in sections.enumerated() {
            parts.append(("xl/worksheets/sheet\(i + 1).xml", sheet(section)))
        }
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: created,
                compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let bytes = archive.data else { throw DomainError(.failed, field: "format", "the workbook could not be assembled") }
        return bytes
    }

    // MARK: Parts

    static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func contentTypes(sheets: Int) -> String {
        let overrides = (0..<sheets).map { $0 + 1 }.map {
            #"<Override PartName="/xl/worksheets/sheet\#($0).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }.joined()
        return header + #"""
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\#
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\#
            <Default Extension="xml" ContentType="application/xml"/>\#
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\#
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\#
            <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\#
            \#(overrides)</Types>
            """#
    }

    static let rootRelationships = header + #"""
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\#
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\#
        </Relationships>
        """#

    static func coreProperties(title: String, created: Date) -> String {
        header + #"""
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \#
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \#
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\#
            <dc:title>\#(escape(title))</dc:title><dc:creator>Baogong</dc:creator>\#
            <dcterms:created xsi:type="dcterms:W3CDTF">\#(Timestamps.iso(created))</dcterms:created>\#
            </cp:coreProperties>
            """#
    }

    static func workbook(_ names: [String]) -> String {
        let sheets = names.enumerated().map { i, name in
            #"<sheet name="\#(escape(name))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
        }.joined()
        return header + #"<workbook xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipNamespace)"><sheets>\#(sheets)</sheets></workbook>"#
    }

    static func workbookRelationships(sheets: Int) -> String {
        var relationships = (0..<sheets).map { i in
            #"<Relationship Id="rId\#(i + 1)" Type="\#(relationshipNamespace)/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        relationships.append(#"<Relationship Id="rId\#(sheets + 1)" Type="\#(relationshipNamespace)/styles" Target="styles.xml"/>"#)
        return header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\#(relationships.joined())</Relationships>"#
    }

    /// Cell formats: 0 plain, 1 bold (the header row), 2 a percentage (built-in format 9, "0%").
    static let styles = header + #"""
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\#
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\#
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\#
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\#
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\#
        <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\#
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\#
        <xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\#
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\#
        </styleSheet>
        """#

    static func sheet(_ section: ReportSection) -> String {
        var rows = [String]()
        rows.append(row(1, section.header.map { ReportCell.text($0) }, style: 1))
        for (i, cells) in section.rows.enumerated() { rows.append(row(i + 2, cells, style: nil)) }
        return header + #"<worksheet xmlns="\#(mainNamespace)"><sheetData>\#(rows.joined())</sheetData></worksheet>"#
    }

    static func row(_ number: Int, _ cells: [ReportCell], style: Int?) -> String {
        var xml = #"<row r="\#(number)">"#
        for (column, cell) in cells.enumerated() {
            let reference = columnName(column) + "\(number)"
            let bold = style.map { #" s="\#($0)""# } ?? ""
            switch cell {
            case .text(let text):
                guard !text.isEmpty else { continue }
                xml += #"<c r="\#(reference)" t="inlineStr"\#(bold)><is><t xml:space="preserve">\#(escape(text))</t></is></c>"#
            case .percent:
                guard let value = cell.numericValue else { continue }
                xml += #"<c r="\#(reference)" s="2"><v>\#(numeral(value))</v></c>"#
            case .number, .integer:
                guard let value = cell.numericValue else { continue }
                xml += #"<c r="\#(reference)"\#(bold)><v>\#(numeral(value))</v></c>"#
            }
        }
        return xml + "</row>"
    }

    // MARK: Helpers

    /// A number as SpreadsheetML stores it (xsd:double): whole numbers without a decimal point,
    /// others in Swift's shortest form that reads back to the same value.
    static func numeral(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// Column letters: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }

    /// Sheet names: at most 31 characters, none of `[]:*?/\`, not blank, unique regardless of case.
    static func sheetNames(_ wanted: [String]) -> [String] {
        var used = Set<String>()
        return wanted.enumerated().map { i, raw in
            var name = String(raw.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(31))
            if name.trimmingCharacters(in: .whitespaces).isEmpty { name = "Sheet\(i + 1)" }
            var candidate = name
            var n = 2
            while used.contains(candidate.lowercased()) {
                let suffix = " (\(n))"
                candidate = String(name.prefix(31 - suffix.count)) + suffix
                n += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    /// XML text: escaped as HTML text is (`HTML.escape`), after dropping the characters XML 1.0
    /// cannot hold (controls other than tab, newline and carriage return, U+FFFE and U+FFFF).
    static func escape(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let forbidden = (scalar.value < 0x20 && !["\t", "\n", "\r"].contains(scalar)) || scalar.value == 0xFFFE || scalar.value == 0xFFFF
            if !forbidden { kept.append(scalar) }
        }
        return HTML.escape(String(kept))
    }
}
