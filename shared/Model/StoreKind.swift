/// What kind of site a store is, as the bureau enrols it (`baogong-hub stores add --kind`).
public enum StoreKind: String, CaseIterable, Sendable, Codable {
    case supermarket
    case market
    case mall
    /// A farm, co-operative, e-commerce seller or village collection point: posts surpluses on the
    /// matching desk, runs the same agent, and is not expected to report stock (never "missing").
    case supplier

    /// The accepted values, for messages: "supermarket, market, mall or supplier".
    public static var accepted: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Parses a kind as given on the wire or a command line.
    public init(parsing text: String) throws(DomainError) {
        guard let kind = StoreKind(rawValue: text) else {
            throw DomainError(.invalidValue, field: "kind", "must be \(Self.accepted), got '\(text)'")
        }
        self = kind
    }
}

/// Who set a store's open/closed status: the store itself, or the bureau (an authorisation to open,
/// or a closure order). The bureau's decisions outrank the store's (docs/views.md).
public enum StatusAuthority: String, CaseIterable, Sendable, Codable {
    case store
    case authorised
    case order
}
