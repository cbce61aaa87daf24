/// A strict pull reader of RFC 8259 JSON over a byte buffer, for the sync protocol's hot path
/// (Foundation's `JSONDecoder` took about 61 ms for a batch of 5,000 changes).
///
/// The caller walks the document it expects (`object`, `array`, `string`, `number`, …) and skips
/// what it does not know with `skipValue`, so unknown keys from newer writers are ignored as they
/// are by `JSONDecoder`. Errors name the byte offset; callers add the path (`WireFormatError.inside`).
/// Only whole, valid documents are read: invalid UTF-8, unescaped control characters, bad escapes,
/// lone surrogates, leading zeros and trailing bytes are errors, and nesting is bounded. Like
/// `JSONDecoder`, it lets a trailing comma close an object or an array.
struct JSONReader {
    private let input: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    static let maxDepth = 64

    /// A number as written: an integer literal that fits Int64, or any other number as a Double
    /// with its exact integer value when it has one.
    enum Number: Equatable {
        case int(Int64)
        case other(Double, exactInt: Int64?)

        /// The value as an Int64 when it is one exactly, as `JSONDecoder` reads an Int64: `5`,
        /// `5.0` and `5e0` are 5; `5.5`, `1e-3` and an integer literal beyond Int64 are not integers.
        var exactInt: Int64? {
            switch self {
            case .int(let v): return v
            case .other(_, let exact): return exact
            }
        }

        var doubleValue: Double {
            switch self {
            case .int(let v): return Double(v)
            case .other(let d, _): return d
            }
        }
    }

    init(_ input: UnsafeBufferPointer<UInt8>) { self.input = input }

    private func fail(_ message: String) -> WireFormatError {
        WireFormatError("\(message) at byte \(i)")
    }

    private var atEnd: Bool { i >= input.count }

    /// Skips a UTF-8 byte order mark at the start, which RFC 8259 lets a reader ignore (and
    /// JSONDecoder does; Windows tools write one). Other encodings (UTF-16, UTF-32) are refused.
    mutating func skipByteOrderMark() {
        if i == 0, input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { i = 3 }
    }

    private mutating func skipWhitespace() {
        while i < input.count {
            switch input[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// The first byte of the next value (after whitespace), without consuming it.
    mutating func peek() throws(WireFormatError) -> UInt8 {
        skipWhitespace()
        guard i < input.count else { throw fail("unexpected end of the document") }
        return input[i]
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(WireFormatError) {
        guard try peek() == byte else { throw fail("expected \(what)") }
        i += 1
    }

    /// After the top-level value: only whitespace may follow.
    mutating func finish() throws(WireFormatError) {
        skipWhitespace()
        guard atEnd else { throw fail("unexpected bytes after the JSON document") }
    }

    /// `null` consumed when it is next.
    mutating func skipNull() throws(WireFormatError) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(WireFormatError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= input.count else { throw fail("unexpected end of the document") }
        for k in 0..<count where input[i + k] != word.utf8Start[k] {
            throw fail("invalid literal (expected \(word))")
        }
        i += count
    }

    // MARK: - Containers

    /// Reads an object, calling `body` with each key; `body` must read (or skip) the key's value.
    mutating func object(_ body: (inout JSONReader, String) throws(WireFormatError) -> Void) throws(WireFormatError) {
        try expect(UInt8(ascii: "{"), "an object")
        try enter()
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            try expect(UInt8(ascii: ":"), "':' after a key")
            do throws(WireFormatError) {
                try body(&self, key)
            } catch {
                throw error.inside(key: key)
            }
            switch try peek() {
            case UInt8(ascii: ","):
                i += 1
                // A trailing comma, which JSONDecoder also accepts.
                if try peek() == UInt8(ascii: "}") {
                    i += 1
                    return
                }
            case UInt8(ascii: "}"):
                i += 1
                return
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads an array, calling `body` with each element's index; `body` must read the element.
    mutating func array(_ body: (inout JSONReader, Int) throws(WireFormatError) -> Void) throws(WireFormatError) {
        try expect(UInt8(ascii: "["), "an array")
        try enter()
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "]") {
            i += 1
            return
        }
        var index = 0
        while true {
            do throws(WireFormatError) {
                try body(&self, index)
            } catch {
                throw error.inside(index: index)
            }
            index += 1
            switch try peek() {
            case UInt8(ascii: ","):
                i += 1
                if try peek() == UInt8(ascii: "]") {
                    i += 1
                    return
                }
            case UInt8(ascii: "]"):
                i += 1
                return
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    private mutating func enter() throws(WireFormatError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
    }

    /// Reads and discards one value of any kind (checking that it is valid JSON).
    mutating func skipValue() throws(WireFormatError) {
        switch try peek() {
        case UInt8(ascii: "{"): try object { (r: inout JSONReader, _: String) throws(WireFormatError) in try r.skipValue() }
        case UInt8(ascii: "["): try array { (r: inout JSONReader, _: Int) throws(WireFormatError) in try r.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try number()
        }
    }

    // MARK: - Scalars

    mutating func bool() throws(WireFormatError) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw fail("expected true or false")
        }
    }

    mutating func string() throws(WireFormatError) -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = i
        // Fast path: no escapes. The bytes are checked as UTF-8 when the String is made.
        while i < input.count {
            let c = input[i]
            if c == UInt8(ascii: "\"") {
                guard let s = String(validating: UnsafeBufferPointer(rebasing: input[start..<i]), as: UTF8.self) else {
                    throw fail("a string is not valid UTF-8")
                }
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            guard c >= 0x20 else { throw fail("a control character must be escaped in a string") }
            i += 1
        }
        guard i < input.count else { throw fail("unterminated string") }
        return try escapedString(from: start)
    }

    /// The slow path of `string()`: the string holds escapes; `i` is at the first backslash.
    private mutating func escapedString(from start: Int) throws(WireFormatError) -> String {
        var bytes = Array(UnsafeBufferPointer(rebasing: input[start..<i]))
        while i < input.count {
            let c = input[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                i += 1
                guard i < input.count else { throw fail("unterminated string") }
                let e = input[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < input.count, input[i] == UInt8(ascii: "\\"), input[i + 1] == UInt8(ascii: "u") else {
                            throw fail("a lone surrogate in a string")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail("a lone surrogate in a string")
                    }
                    bytes.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
                default: throw fail("invalid escape in a string")
                }
            default:
                guard c >= 0x20 else { throw fail("a control character must be escaped in a string") }
                bytes.append(c)
                i += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(WireFormatError) -> UInt32 {
        guard i + 4 <= input.count else { throw fail("unterminated string") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = input[i]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape in a string")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// A JSON number. An integer literal that fits Int64 comes back as `.int`; a fraction, an
    /// exponent or a larger integer as `.other`, with its Double value and, when the literal denotes an
    /// integer that fits Int64 exactly (`1e3`, `2.50e1`), that integer (an error when it overflows a Double).
    mutating func number() throws(WireFormatError) -> Number {
        _ = try peek()
        let start = i
        var negative = false
        if input[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        let digitsStart = i
        var magnitude: UInt64 = 0
        var overflow = false
        while i < input.count, input[i] >= UInt8(ascii: "0"), input[i] <= UInt8(ascii: "9") {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(input[i] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = m2
            i += 1
        }
        let digits = i - digitsStart
        guard digits > 0 else { throw fail("expected a value") }
        guard digits == 1 || input[digitsStart] != UInt8(ascii: "0") else { throw fail("a number has a leading zero") }
        let integer = digitsStart..<i
        var fraction = i..<i
        var exponent = 0
        var integral = true
        if i < input.count, input[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            let fractionStart = i
            while i < input.count, input[i] >= UInt8(ascii: "0"), input[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > fractionStart else { throw fail("a number has no digits after '.'") }
            fraction = fractionStart..<i
        }
        if i < input.count, input[i] == UInt8(ascii: "e") || input[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            var exponentSign = 1
            if i < input.count, input[i] == UInt8(ascii: "+") || input[i] == UInt8(ascii: "-") {
                if input[i] == UInt8(ascii: "-") { exponentSign = -1 }
                i += 1
            }
            let exponentStart = i
            while i < input.count, input[i] >= UInt8(ascii: "0"), input[i] <= UInt8(ascii: "9") {
                // Capped far above any digit count a 16 MiB body can hold, so the cap never changes
                // the exact value below (a larger exponent makes a Double overflow or underflow anyway).
                exponent = min(exponent * 10 + Int(input[i] - UInt8(ascii: "0")), 1_000_000_000)
                i += 1
            }
            guard i > exponentStart else { throw fail("a number has no digits in its exponent") }
            exponent *= exponentSign
        }
        if integral && !overflow {
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)) }
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("a number is out of range") }
        let exact = integral ? nil : exactInteger(negative: negative, integer: integer, fraction: fraction, exponent: exponent)
        return .other(value, exactInt: exact)
    }

    /// The exact value of `integer.fraction × 10^exponent` when it is an integer within Int64,
    /// computed on the decimal digits (a Double above 2^53 is always whole, but `…902.7` is not).
    private func exactInteger(negative: Bool, integer: Range<Int>, fraction: Range<Int>, exponent: Int) -> Int64? {
        var digits = Array(UnsafeBufferPointer(rebasing: input[integer])) + Array(UnsafeBufferPointer(rebasing: input[fraction]))
        var scale = exponent - fraction.count
        while scale < 0, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            scale += 1
        }
        var magnitude: UInt64 = 0
        for d in digits {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(d - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            magnitude = m2
        }
        if magnitude == 0 { return 0 }
        if scale < 0 { return nil }
        for _ in 0..<scale {
            let (m, o) = magnitude.multipliedReportingOverflow(by: 10)
            if o { return nil }
            magnitude = m
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// A number that is exactly an Int64.
    mutating func int64() throws(WireFormatError) -> Int64 {
        switch try peek() {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): break
        case UInt8(ascii: "\""): throw fail("expected an integer, not a string")
        case UInt8(ascii: "{"): throw fail("expected an integer, not an object")
        case UInt8(ascii: "["): throw fail("expected an integer, not an array")
        case UInt8(ascii: "t"), UInt8(ascii: "f"): throw fail("expected an integer, not true or false")
        case UInt8(ascii: "n"): throw fail("expected an integer, not null")
        default: throw fail("expected an integer")
        }
        guard let value = try number().exactInt else { throw fail("expected an integer") }
        return value
    }

    mutating func int() throws(WireFormatError) -> Int {
        let value = try int64()
        guard let v = Int(exactly: value) else { throw fail("integer out of range") }
        return v
    }
}
