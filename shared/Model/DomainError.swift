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
        /// A thing named by id that does not exist (a store, an operator, a record set).
        public static let notFound = Code("not_found")
        /// A thing that exists already (a store enrolled twice, a file a backup would overwrite).
        public static let exists = Code("exists")
        /// A sync request in a protocol version this side does not speak.
        public static let unsupportedProtocol = Code("unsupported_protocol")
        /// A sync request from a newer schema than this side knows.
        public static let schemaTooNew = Code("schema_too_new")
        /// More changes in one batch than the protocol allows.
        public static let batchTooLarge = Code("batch_too_large")
        /// A sync request whose schema version is not a valid one.
        public static let badSchema = Code("bad_schema")
        /// A body or file that cannot be read as the format it claims (JSON, gzip).
        public static let malformed = Code("malformed")
        /// Confirming a match would allocate more of a need or an offer than it holds.
        public static let overAllocated = Code("over_allocated")
        /// A need, offer or match that is no longer open to the operation asked (cancelled, declined).
        public static let notOpen = Code("not_open")
        /// A request that does not fit what is stored: a need and an offer of different commodities or
        /// of one site, a unit that does not convert to the commodity's.
        public static let mismatch = Code("mismatch")
        /// The caller may not do this (an operator role without the right, a site that is not a party).
        public static let forbidden = Code("forbidden")
        /// A change stamped further ahead of the hub's clock than the protocol allows.
        public static let clockAhead = Code("clock_ahead")
        /// The machine failed (a disk full, a file that cannot be written), not the input.
        public static let failed = Code("failed")
    }

    public let code: Code
    /// The field (or key part, or record set) that holds the bad value, e.g. `on_hand`.
    public let field: String
    public let message: String
    /// The position of the offending change in a sync batch, when the error is about one.
    public var change: Int?

    public init(_ code: Code, field: String, _ message: String, change: Int? = nil) {
        self.code = code
        self.field = field
        self.message = message
        self.change = change
    }

    /// The same error, located at change `index` of a batch.
    public func at(change index: Int) -> DomainError {
        var located = self
        located.change = index
        return located
    }

    /// `field: message`, or the message alone where no field is at fault (`field` empty).
    public var description: String {
        let text = field.isEmpty ? message : "\(field): \(message)"
        return change.map { "change \($0): \(text)" } ?? text
    }
}
