/// Prices are stored exactly, as integer fen (1 yuan = 100 fen); never as binary floating point.
public enum Money {
    /// Parses a yuan amount such as `5.2`, `5.20` or `12` into fen. More than two decimals, signs,
    /// exponents and other characters are refused with a message naming `field`.
    public static func fen(fromYuan text: String, field: String = "price") throws(DomainError) -> Int64 {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("-") {
            throw DomainError(.negative, field: field, "must not be negative, got \(trimmed)")
        }
        let pieces = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, pieces.count <= 2, let whole = pieces.first,
            whole.allSatisfy(\.isASCIIDigit), (pieces.count == 1 || !whole.isEmpty || !pieces[1].isEmpty)
        else {
            throw DomainError(.wrongType, field: field, "'\(text)' is not an amount in yuan such as 5.20")
        }
        let fraction = pieces.count == 2 ? pieces[1] : ""
        guard fraction.count <= 2, fraction.allSatisfy(\.isASCIIDigit) else {
            throw DomainError(.wrongType, field: field, "'\(text)' must be yuan with at most two decimals (fen)")
        }
        guard whole.count <= 10 else { throw DomainError(.outOfRange, field: field, "'\(text)' is too large") }
        let yuan = Int64(whole.isEmpty ? "0" : String(whole)) ?? 0
        let fen = Int64((fraction + String(repeating: "0", count: 2 - fraction.count))) ?? 0
        return yuan * 100 + fen
    }

    /// `520` → `"5.20"`.
    public static func yuanString(fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let a = abs(fen)
        let cents = a % 100
        return "\(sign)\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Parsing of the plain numbers clerks type: quantities and counts.
public enum NumberParsing {
    /// A non-negative decimal quantity, e.g. `1000` or `12.5`.
    public static func quantity(_ text: String, field: String) throws(DomainError) -> Double {
        let t = text.trimmingSpaces
        guard !t.isEmpty, t.allSatisfy({ $0.isASCIIDigit || $0 == "." || $0 == "-" }), let v = Double(t), v.isFinite
        else {
            throw DomainError(.wrongType, field: field, "'\(text)' is not a number")
        }
        guard v >= 0 else { throw DomainError(.negative, field: field, "must not be negative, got \(t)") }
        return v
    }

    /// A non-negative whole number, e.g. a count of people or days.
    public static func count(_ text: String, field: String) throws(DomainError) -> Int64 {
        let t = text.trimmingSpaces
        if t.hasPrefix("-"), Int64(t) != nil {
            throw DomainError(.negative, field: field, "must not be negative, got \(t)")
        }
        guard let v = Int64(t) else { throw DomainError(.wrongType, field: field, "'\(text)' is not a whole number") }
        return v
    }
}
