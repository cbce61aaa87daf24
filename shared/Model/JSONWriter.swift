/// Writes JSON straight into a byte array. The sync protocol's hot path uses it, and the hub's supply view (a batch holds up to
/// 5,000 changes): Foundation's `JSONEncoder` goes through `Encodable` containers and boxes every
/// value, which cost about 38 ms per batch; see `SyncWireFormat.swift` for what is written.
///
/// The output is plain RFC 8259 JSON: strings are UTF-8 with `"`, `\` and control characters
/// escaped (a `/` is not), integers in decimal, and a `Double` in its shortest round-trip form,
/// written as an integer when it is a whole number below 2^53 (as `JSONEncoder` does).
public struct JSONWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// `"name":`
    public mutating func key(_ name: StaticString) {
        byte(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    public mutating func string(_ value: String) {
        byte(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let c = utf8[i]
                guard c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                escape(c)
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        byte(UInt8(ascii: "\""))
    }

    private mutating func escape(_ c: UInt8) {
        byte(UInt8(ascii: "\\"))
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): byte(c)
        case 0x0A: byte(UInt8(ascii: "n"))
        case 0x0D: byte(UInt8(ascii: "r"))
        case 0x09: byte(UInt8(ascii: "t"))
        case 0x08: byte(UInt8(ascii: "b"))
        case 0x0C: byte(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            raw("u00")
            byte(hex[Int(c >> 4)])
            byte(hex[Int(c & 0xF)])
        }
    }

    public mutating func int(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        guard magnitude > 0 else { return byte(UInt8(ascii: "0")) }
        // At most 20 digits; written backwards into a small stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 20
            while magnitude > 0 {
                n -= 1
                digits[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[n..<20]))
        }
    }

    public mutating func int(_ value: Int) { int(Int64(value)) }

    /// A finite double; NaN and the infinities have no JSON form.
    public mutating func double(_ value: Double) throws(WireFormatError) {
        guard value.isFinite else { throw WireFormatError("a number must be finite, not \(value)") }
        if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            int(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    public mutating func null() { raw("null") }
}
