/// A value that breaks a rule of the domain: a negative count, an unknown commodity, a date that is
/// not on the calendar. It names the field so that a clerk, a CLI or an HTTP client can act on it.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of rule was broken. A struct rather than an enum so that new codes are not API breaks.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let negative = Code("negative")
        public static let notANumber = Code("not_a_number")
        public static let invalidDate = Code("invalid_date")
        public static let unknownCommodity = Code("unknown_commodity")
        public static let unknownRecordSet = Code("unknown_record_set")
        public static let unknownField = Code("unknown_field")
        public static let wrongType = Code("wrong_type")
        public static let invalidIdentifier = Code("invalid_identifier")
        public static let invalidKey = Code("invalid_key")
        public static let invalidValue = Code("invalid_value")
        public static let outOfRange = Code("out_of_range")
        public static let missing = Code("missing")
        public static let wrongStore = Code("wrong_store")
    }

    public let code: Code
    /// The field (or key part, or record set) that holds the bad value, e.g. `on_hand`.
    public let field: String
    public let message: String

    public init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
