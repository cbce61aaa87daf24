import BaogongModel

/// Everything the agent can refuse or fail at, with one line a clerk can act on.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let notInitialised = Code("not_initialised")
        public static let alreadyInitialised = Code("already_initialised")
        public static let invalidInput = Code("invalid_input")
        public static let badCSV = Code("bad_csv")
        public static let hubUnreachable = Code("hub_unreachable")
        public static let tokenRefused = Code("token_refused")
        public static let forbidden = Code("forbidden")
        public static let schemaTooNew = Code("schema_too_new")
        public static let rejected = Code("rejected")
        public static let hubError = Code("hub_error")
        /// The hub refused changes stamped too far ahead of its clock (`clock_ahead`).
        public static let clockAhead = Code("clock_ahead")
        /// The hub's TLS certificate was refused (unknown CA, expired, another host's name).
        public static let tlsRefused = Code("tls_refused")
        /// The hub address would send the token in the clear (plain http off loopback).
        public static let insecureHub = Code("insecure_hub")
    }

    public let code: Code
    public let message: String
    /// The field at fault and what is wrong with it, when the error comes from a domain rule.
    public let field: String?
    public let detail: String?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        self.field = nil
        self.detail = nil
    }

    public init(_ error: DomainError) {
        code = .invalidInput
        message = "\(error.field): \(error.message)"
        field = error.field
        detail = error.message
    }

    /// The hub's clock (Unix ms) that came with a `clock_ahead` refusal.
    public var hubTimeMilliseconds: Int64?

    public var description: String { message }
}
