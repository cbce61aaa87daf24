import BaogongModel
import Foundation

/// A need on the matching desk, as the hub holds it: what a site asked for and how much of it the
/// hub has allocated so far.
public struct NeedPosting: Sendable, Hashable, Codable {
    public var id: String
    public var store: String
    public var commodity: String
    public var variety: String?
    /// In the commodity's catalog unit.
    public var quantity: Double
    public var by: String?
    public var note: String?
    /// When the site posted it, by its own clock (ISO 8601).
    public var postedAt: String?
    public var status: PostingStatus
    /// Quantity held by matches that are not declined or cancelled.
    public var allocated: Double

    public var remaining: Double { max(0, quantity - allocated) }

    enum CodingKeys: String, CodingKey {
        case id, store, commodity, variety, quantity, by, note, postedAt = "posted_at", status, allocated, remaining
    }

    public init(
        id: String, store: String, commodity: String, variety: String?, quantity: Double, by: String?, note: String?,
        postedAt: String?, status: PostingStatus, allocated: Double = 0
    ) {
        self.id = id
        self.store = store
        self.commodity = commodity
        self.variety = variety
        self.quantity = quantity
        self.by = by
        self.note = note
        self.postedAt = postedAt
        self.status = status
        self.allocated = allocated
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), store: try c.decode(String.self, forKey: .store),
            commodity: try c.decode(String.self, forKey: .commodity), variety: try c.decodeIfPresent(String.self, forKey: .variety),
            quantity: try c.decode(Double.self, forKey: .quantity), by: try c.decodeIfPresent(String.self, forKey: .by),
            note: try c.decodeIfPresent(String.self, forKey: .note), postedAt: try c.decodeIfPresent(String.self, forKey: .postedAt),
            status: try c.decode(PostingStatus.self, forKey: .status), allocated: try c.decode(Double.self, forKey: .allocated)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(store, forKey: .store)
        try c.encode(commodity, forKey: .commodity)
        try c.encode(variety, forKey: .variety)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(by, forKey: .by)
        try c.encode(note, forKey: .note)
        try c.encode(postedAt, forKey: .postedAt)
        try c.encode(status, forKey: .status)
        try c.encode(allocated, forKey: .allocated)
        try c.encode(remaining, forKey: .remaining)
    }
}

/// A surplus on the matching desk: what a site offers and how much of it the hub has allocated.
public struct OfferPosting: Sendable, Hashable, Codable {
    public var id: String
    public var store: String
    public var commodity: String
    public var variety: String?
    public var quantity: Double
    public var until: String?
    public var location: String?
    /// Asking price in fen per catalog unit.
    public var priceFen: Int64?
    public var postedAt: String?
    public var status: PostingStatus
    public var allocated: Double

    public var remaining: Double { max(0, quantity - allocated) }

    enum CodingKeys: String, CodingKey {
        case id, store, commodity, variety, quantity, until, location, price, postedAt = "posted_at", status, allocated
        case remaining
    }

    public init(
        id: String, store: String, commodity: String, variety: String?, quantity: Double, until: String?, location: String?,
        priceFen: Int64?, postedAt: String?, status: PostingStatus, allocated: Double = 0
    ) {
        self.id = id
        self.store = store
        self.commodity = commodity
        self.variety = variety
        self.quantity = quantity
        self.until = until
        self.location = location
        self.priceFen = priceFen
        self.postedAt = postedAt
        self.status = status
        self.allocated = allocated
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), store: try c.decode(String.self, forKey: .store),
            commodity: try c.decode(String.self, forKey: .commodity), variety: try c.decodeIfPresent(String.self, forKey: .variety),
            quantity: try c.decode(Double.self, forKey: .quantity), until: try c.decodeIfPresent(String.self, forKey: .until),
            location: try c.decodeIfPresent(String.self, forKey: .location),
            priceFen: try c.decodeIfPresent(Double.self, forKey: .price).map { Int64(($0 * 100).rounded()) },
            postedAt: try c.decodeIfPresent(String.self, forKey: .postedAt),
            status: try c.decode(PostingStatus.self, forKey: .status), allocated: try c.decode(Double.self, forKey: .allocated)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(store, forKey: .store)
        try c.encode(commodity, forKey: .commodity)
        try c.encode(variety, forKey: .variety)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(until, forKey: .until)
        try c.encode(location, forKey: .location)
        try c.encode(priceFen.map { Double($0) / 100 }, forKey: .price)
        try c.encode(postedAt, forKey: .postedAt)
        try c.encode(status, forKey: .status)
        try c.encode(allocated, forKey: .allocated)
        try c.encode(remaining, forKey: .remaining)
    }
}

/// A match as the hub lists it (`matching list`, `GET /v1/matching/matches`).
public struct MatchRecord: Sendable, Hashable, Codable {
    public var id: String
    public var need: String
    public var offer: String
    /// The site that receives the goods (it posted the need).
    public var store: String
    /// The site that sends them (it posted the offer).
    public var supplier: String
    public var commodity: String
    public var variety: String?
    public var quantity: Double
    public var unit: String
    public var status: MatchStatus
    /// When the need was posted, by the site's own clock.
    public var postedAt: String?
    public var confirmedAt: String
    /// What the receiving site recorded as arrived, in the catalog unit.
    public var received: Double?
    /// When the match was delivered, declined or cancelled.
    public var closedAt: String?
    public var reason: String?

    /// From the need's posting (the site's clock, offline time included) to the hub's confirmation.
    public var minutesToMatch: Double? {
        guard let posted = postedAt.flatMap(Timestamps.parse), let confirmed = Timestamps.parse(confirmedAt) else { return nil }
        return max(0, confirmed.timeIntervalSince(posted) / 60)
    }

    enum CodingKeys: String, CodingKey {
        case id, need, offer, store, supplier, commodity, variety, quantity, unit, status, postedAt = "posted_at"
        case confirmedAt = "confirmed_at", received, closedAt = "closed_at", reason, minutesToMatch = "minutes_to_match"
    }

    public init(
        id: String, need: String, offer: String, store: String, supplier: String, commodity: String, variety: String?,
        quantity: Double, unit: String, status: MatchStatus, postedAt: String?, confirmedAt: String, received: Double?,
        closedAt: String?, reason: String?
    ) {
        self.id = id
        self.need = need
        self.offer = offer
        self.store = store
        self.supplier = supplier
        self.commodity = commodity
        self.variety = variety
        self.quantity = quantity
        self.unit = unit
        self.status = status
        self.postedAt = postedAt
        self.confirmedAt = confirmedAt
        self.received = received
        self.closedAt = closedAt
        self.reason = reason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), need: try c.decode(String.self, forKey: .need),
            offer: try c.decode(String.self, forKey: .offer), store: try c.decode(String.self, forKey: .store),
            supplier: try c.decode(String.self, forKey: .supplier), commodity: try c.decode(String.self, forKey: .commodity),
            variety: try c.decodeIfPresent(String.self, forKey: .variety), quantity: try c.decode(Double.self, forKey: .quantity),
            unit: try c.decode(String.self, forKey: .unit), status: try c.decode(MatchStatus.self, forKey: .status),
            postedAt: try c.decodeIfPresent(String.self, forKey: .postedAt),
            confirmedAt: try c.decode(String.self, forKey: .confirmedAt),
            received: try c.decodeIfPresent(Double.self, forKey: .received),
            closedAt: try c.decodeIfPresent(String.self, forKey: .closedAt), reason: try c.decodeIfPresent(String.self, forKey: .reason)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(need, forKey: .need)
        try c.encode(offer, forKey: .offer)
        try c.encode(store, forKey: .store)
        try c.encode(supplier, forKey: .supplier)
        try c.encode(commodity, forKey: .commodity)
        try c.encode(variety, forKey: .variety)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(unit, forKey: .unit)
        try c.encode(status, forKey: .status)
        try c.encode(postedAt, forKey: .postedAt)
        try c.encode(confirmedAt, forKey: .confirmedAt)
        try c.encode(received, forKey: .received)
        try c.encode(closedAt, forKey: .closedAt)
        try c.encode(reason, forKey: .reason)
        try c.encode(minutesToMatch.map { ($0 * 10).rounded() / 10 }, forKey: .minutesToMatch)
    }
}

/// Everything on the matching desk, read in one transaction: needs and offers with what is
/// allocated of each, and every match.
public struct MatchingBook: Sendable, Hashable {
    public var needs: [NeedPosting]
    public var offers: [OfferPosting]
    public var matches: [MatchRecord]

    public init(needs: [NeedPosting], offers: [OfferPosting], matches: [MatchRecord]) {
        var allocatedNeed = [String: Double](), allocatedOffer = [String: Double]()
        for m in matches where m.status.holdsQuantity {
            allocatedNeed[m.store + "/" + m.need, default: 0] += m.quantity
            allocatedOffer[m.supplier + "/" + m.offer, default: 0] += m.quantity
        }
        self.needs = needs.map { var n = $0; n.allocated = allocatedNeed[n.store + "/" + n.id] ?? 0; return n }
        self.offers = offers.map { var o = $0; o.allocated = allocatedOffer[o.store + "/" + o.id] ?? 0; return o }
        self.matches = matches
    }

    public static let empty = MatchingBook(needs: [], offers: [], matches: [])
}
