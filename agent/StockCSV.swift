import BaogongModel
import Foundation

/// Reads a point-of-sale stock export: RFC 4180 CSV with a header row and the columns
/// `date,commodity,on_hand,sold,received,price,source,restock_days,transport_days,channel,note`.
/// A bad row is reported by its line number and column; nothing is returned for a bad file.
public enum StockCSV {
    public static let columns = [
        "date", "commodity", "on_hand", "sold", "received", "price", "source", "restock_days", "transport_days",
        "channel", "note",
    ]

    /// The file's text, refusing bytes that are not UTF-8 with the line they are on (a lossy
    /// decoding would turn them into U+FFFD and import a wrong name without a word).
    public static func text(_ data: Data) throws -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        let bytes = [UInt8](data)
        var line = 1, start = 0
        var i = 0
        while i <= bytes.count {
            let end = i == bytes.count || bytes[i] == 0x0A || (bytes[i] == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A))
            if end {
                if String(validating: bytes[start..<i], as: UTF8.self) == nil {
                    throw AgentError(.badCSV, "line \(line): the text is not UTF-8 (save the export as UTF-8)")
                }
                line += 1
                start = i + 1
            }
            i += 1
        }
        throw AgentError(.badCSV, "the file is not UTF-8 (save the export as UTF-8)")
    }

    /// Splits CSV text into records of fields, following RFC 4180 quoting ("" is a quote inside a
    /// quoted field; quoted fields may hold commas and line breaks). Returns each record's first line.
    public static func records(_ text: String) throws -> [(line: Int, fields: [String])] {
        var result: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var afterQuote = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { result.append((recordLine, fields)) }
            fields = []
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
            } else {
                switch b {
                case 0x2C: endField()
                case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                    break  // CRLF: the LF ends the record
                case 0x0D:
                    // A bare CR ends a line too (old Mac exports).
                    endRecord()
                    line += 1
                    recordLine = line
                case 0x0A:
                    endRecord()
                    line += 1
                    recordLine = line
                case 0x22:
                    guard field.isEmpty && !afterQuote else {
                        throw AgentError(.badCSV, "line \(line): a quote inside an unquoted field (RFC 4180 needs the whole field quoted)")
                    }
                    inQuotes = true
                default:
                    guard !afterQuote else {
                        throw AgentError(.badCSV, "line \(line): characters after a closing quote")
                    }
                    field.append(b)
                }
            }
            i += 1
        }
        if inQuotes { throw AgentError(.badCSV, "line \(recordLine): a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return result
    }

    /// Parses and validates a whole export. The error names the line and the column at fault.
    public static func parse(_ text: String) throws -> [StockEntry] { try parseWithLines(text).map(\.entry) }

    /// Like `parse`, with each entry's line in the file (a quoted cell may span lines).
    public static func parseWithLines(_ text: String) throws -> [(line: Int, entry: StockEntry)] {
        let rows = try records(text)
        guard let header = rows.first else { throw AgentError(.badCSV, "the file is empty; expected a header row") }
        let names = header.fields.map { $0.trimmingCharacters(in: " \u{FEFF}").lowercased() }
        var index = [String: Int]()
        for (i, name) in names.enumerated() {
            if index[name] != nil { throw AgentError(.badCSV, "line 1: the column '\(name)' appears twice in the header") }
            index[name] = i
        }
        for required in ["date", "commodity", "on_hand", "price"] where index[required] == nil {
            throw AgentError(.badCSV, "line 1: the header has no '\(required)' column (expected \(columns.joined(separator: ",")))")
        }
        if let unknown = names.first(where: { !columns.contains($0) }) {
            throw AgentError(.badCSV, "line 1: unknown column '\(unknown)' (expected \(columns.joined(separator: ",")))")
        }
        var entries = [(line: Int, entry: StockEntry)]()
        entries.reserveCapacity(rows.count - 1)
        for row in rows.dropFirst() {
            guard row.fields.count == names.count else {
                throw AgentError(.badCSV, "line \(row.line): \(row.fields.count) columns, the header has \(names.count)")
            }
            func cell(_ name: String) -> String? {
                guard let i = index[name] else { return nil }
                let v = row.fields[i].trimmingCharacters(in: " ")
                return v.isEmpty ? nil : v
            }
            func required(_ name: String) throws -> String {
                guard let v = cell(name) else { throw DomainError(.missing, field: name, "is required") }
                return v
            }
            do {
                let date = try CalendarDate(try required("date"))
                let commodity = try required("commodity")
                try Identifier.validate(commodity, field: "commodity")
                let onHand = try NumberParsing.quantity(try required("on_hand"), field: "on_hand")
                let sold = try cell("sold").map { v throws(DomainError) in try NumberParsing.quantity(v, field: "sold") }
                let received = try cell("received").map { v throws(DomainError) in
                    try NumberParsing.quantity(v, field: "received")
                }
                let price = try Money.fen(fromYuan: try required("price"))
                let restock = try cell("restock_days").map { v throws(DomainError) in
                    try NumberParsing.count(v, field: "restock_days")
                }
                let transport = try cell("transport_days").map { v throws(DomainError) in
                    try NumberParsing.count(v, field: "transport_days")
                }
                entries.append((row.line,
                    StockEntry(
                        date: date, commodity: commodity, onHand: onHand, sold: sold, received: received, priceFen: price,
                        source: cell("source"), restockDays: restock, transportDays: transport, channel: cell("channel"),
                        note: cell("note")
                    )
                ))
            } catch let error as DomainError {
                throw AgentError(.badCSV, "line \(row.line), column \(error.field): \(error.message)")
            }
        }
        return entries
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
