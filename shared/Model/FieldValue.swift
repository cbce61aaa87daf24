/// The value held by a last-writer-wins register: a JSON scalar.
public enum FieldValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case int(Int64)
    case real(Double)
    case text(String)

    public var intValue: Int64? {
        switch self {
        case .int(let v): return v
        case .real(let v) where v.rounded() == v && abs(v) < 9e18: return Int64(v)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }

    public var textValue: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .null: return "null"
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        }
    }

    /// A total order on values, used only to break a tie between two writes with the same timestamp
    /// and replica (which a correct replica never makes), so that merge stays commutative regardless.
    static func tieBreak(_ a: FieldValue, _ b: FieldValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.real(let x), .real(let y)): return x.bitPattern < y.bitPattern
        case (.text(let x), .text(let y)): return Array(x.utf8).lexicographicallyPrecedes(y.utf8)
        default: return a.rank < b.rank
        }
    }

    private var rank: Int {
        switch self {
        case .null: return 0
        case .int: return 1
        case .real: return 2
        case .text: return 3
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let v = try? container.decode(Int64.self) {
            self = .int(v)
        } else if let v = try? container.decode(Double.self) {
            self = .real(v)
        } else if let v = try? container.decode(String.self) {
            self = .text(v)
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a field value must be a number, a string or null")
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .int(let v): try container.encode(v)
        case .real(let v): try container.encode(v)
        case .text(let v): try container.encode(v)
        }
    }
}
