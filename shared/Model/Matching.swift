import Foundation

/// Whether a need or an offer is still on the desk. Only the posting site changes it.
public enum PostingStatus: String, CaseIterable, Sendable, Codable {
    case open
    case cancelled
}

/// Which party of a match a `match` record is addressed to.
public enum MatchSide: String, CaseIterable, Sendable, Codable {
    /// The site that posted the need (it receives the goods).
    case need
    /// The site that posted the offer (it sends the goods).
    case offer
}

/// A site's answer to a match.
public enum MatchAnswer: String, CaseIterable, Sendable, Codable {
    case accepted
    case declined
}

/// Where a match stands (docs/views.md, "Matching"):
/// `confirmed` by the hub → `accepted` by both parties → `delivered` once the receiving site records
/// the goods; or `declined` by either party, or `cancelled` by the hub. Declined and cancelled
/// release the match's quantity; they, and delivered, are final.
public enum MatchStatus: String, CaseIterable, Sendable, Codable {
    case confirmed
    case accepted
    case declined
    case delivered
    case cancelled

    /// Whether the match still holds its quantity of the need and the offer.
    public var holdsQuantity: Bool { self != .declined && self != .cancelled }

    public var isFinal: Bool { self == .declined || self == .cancelled || self == .delivered }

    /// The status after the parties' answers: final states stay; a receipt by the receiving site
    /// delivers; a decline by either party declines; acceptance by both accepts.
    public static func folding(
        _ current: MatchStatus, needAnswer: MatchAnswer?, offerAnswer: MatchAnswer?, received: Double?
    ) -> MatchStatus {
        if current.isFinal { return current }
        if received != nil { return .delivered }
        if needAnswer == .declined || offerAnswer == .declined { return .declined }
        if needAnswer == .accepted && offerAnswer == .accepted { return .accepted }
        return current
    }
}

/// Id prefixes of the matching desk, so that a clerk reading one can tell what it names.
public enum MatchingIDs {
    public static func newNeed() -> String { "n-" + Timestamps.randomHex(5) }
    public static func newOffer() -> String { "o-" + Timestamps.randomHex(5) }
    public static func newMatch() -> String { "m-" + Timestamps.randomHex(5) }
}

/// A quantity with its unit, converted into a commodity's catalog unit.
public enum Quantities {
    /// `quantity` given in `unit` (nil: already the catalog unit), in the catalog unit of `commodity`.
    public static func inCatalogUnit(_ quantity: Double, unit: CommodityUnit?, commodity: Commodity) throws(DomainError)
        -> Double
    {
        guard quantity.isFinite else { throw DomainError(.notANumber, field: "quantity", "must be a finite number") }
        guard quantity > 0 else { throw DomainError(.outOfRange, field: "quantity", "must be more than 0, got \(quantity)") }
        guard let unit, unit != commodity.unit else { return quantity }
        guard let converted = unit.convert(quantity, to: commodity.unit) else {
            throw DomainError(
                .mismatch, field: "unit",
                "\(commodity.id) is counted in \(commodity.unit.rawValue); \(unit.rawValue) does not convert to it"
            )
        }
        return converted
    }
}
