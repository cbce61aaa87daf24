import BaogongModel
import Foundation

/// A suggested pair of the matching desk (`matching suggest`).
public struct MatchSuggestion: Sendable, Hashable, Codable {
    public var need: String
    public var offer: String
    /// The site that posted the need.
    public var store: String
    /// The site that posted the offer.
    public var supplier: String
    public var commodity: String
    public var variety: String?
    /// What the pair can move: the smaller of what is left of the need and of the offer.
    public var quantity: Double
    public var unit: String
    public var reason: String
    public var needBy: String?
    /// Days until the store runs short: the sooner of its need-by date and the day its stock falls
    /// under its lead time.
    public var urgencyDays: Double
    public var transportDays: Int
    public var arrivesInTime: Bool

    enum CodingKeys: String, CodingKey {
        case need, offer, store, supplier, commodity, variety, quantity, unit, reason, needBy = "need_by"
        case urgencyDays = "urgency_days", transportDays = "transport_days", arrivesInTime = "arrives_in_time"
    }
}

/// `matching stats`: the desk over a period.
public struct MatchingStats: Sendable, Hashable, Codable {
    public var from: String?
    public var to: String?
    /// Open needs with quantity left to allocate.
    public var needsOpen: Int
    /// Open, unexpired offers with quantity left to allocate.
    public var offersOpen: Int
    /// Matches confirmed in the period.
    public var matches: Int
    /// What the receiving sites recorded as arrived, per commodity, in the catalog unit.
    public var delivered: [String: Double]
    public var minutesToMatchP50: Double?
    public var minutesToMatchP90: Double?

    enum CodingKeys: String, CodingKey {
        case from, to, needsOpen = "needs_open", offersOpen = "offers_open", matches, delivered
        case minutesToMatchP50 = "minutes_to_match_p50", minutesToMatchP90 = "minutes_to_match_p90"
    }
}

/// The matching desk's views, computed from a `MatchingBook` and the county's supply (docs/views.md,
/// "Matching").
public struct MatchingView: Sendable {
    public let book: MatchingBook
    public let stores: [StoreInfo]
    public let catalog: [Commodity]
    public let today: CalendarDate
    /// Transport days each store last recorded per commodity (`store/commodity`).
    let transportDays: [String: Int64]

    public init(
        book: MatchingBook, stores: [StoreInfo], catalog: [Commodity], today: CalendarDate, transportDays: [String: Int64] = [:]
    ) {
        self.book = book
        self.stores = stores
        self.catalog = catalog
        self.today = today
        self.transportDays = transportDays
    }

    public init(_ snapshot: CountySnapshot) {
        var latest = [String: (Int, Int64)]()
        // Transport days matter only to rank open needs: a desk without any skips the county's stock.
        let needing = Set(snapshot.matching.needs.filter { $0.status == .open }.map(\.store))
        for o in snapshot.stock where needing.contains(o.store) {
            guard let days = o.transportDays else { continue }
            let key = o.store + "/" + o.commodity
            if latest[key].map({ $0.0 <= o.day }) ?? true { latest[key] = (o.day, days) }
        }
        self.init(
            book: snapshot.matching, stores: snapshot.stores, catalog: snapshot.catalog, today: Timestamps.today(snapshot.asOf),
            transportDays: latest.mapValues(\.1)
        )
    }

    func unit(_ commodity: String) -> String { catalog.first { $0.id == commodity }?.unit.rawValue ?? "kg" }

    /// Needs that are open with something left to allocate, most urgent first.
    public var openNeeds: [NeedPosting] {
        book.needs.filter { $0.status == .open && $0.remaining > 1e-9 }
            .sorted { ($0.by ?? "9999", $0.postedAt ?? "", $0.id) < ($1.by ?? "9999", $1.postedAt ?? "", $1.id) }
    }

    /// Offers that are open, not expired, with something left to allocate; those expiring first first.
    public var openOffers: [OfferPosting] {
        let day = today.description
        return book.offers.filter { $0.status == .open && $0.remaining > 1e-9 && ($0.until.map { $0 >= day } ?? true) }
            .sorted { ($0.until ?? "9999", $0.postedAt ?? "", $0.id) < ($1.until ?? "9999", $1.postedAt ?? "", $1.id) }
    }

    /// Suggested pairs, best first (docs/views.md, "Ranking suggestions"):
    /// 1. pairs whose goods can arrive by the need-by date first;
    /// 2. then by urgency: days until the store runs short, the sooner of its need-by date and the
    ///    day its days of supply fall under its lead time (restock + transport days);
    /// 3. then by transport days (0 within one township, else the store's own transport days for
    ///    the commodity, at least 1);
    /// 4. then the larger quantity, then the earlier need.
    public func suggestions(supply: [StoreSupply]) -> [MatchSuggestion] {
        let needs = openNeeds, offers = openOffers
        guard !needs.isEmpty, !offers.isEmpty else { return [] }
        let byStore = Dictionary(stores.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let supplyOf = Dictionary(supply.map { ($0.store + "/" + $0.commodity, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = [MatchSuggestion]()
        for need in needs {
            let daysLeft = need.by.flatMap { try? CalendarDate($0) }.map { Double($0.dayNumber - today.dayNumber) }
            let own = supplyOf[need.store + "/" + need.commodity]
            // Days until stock falls under the lead time: what is left after the goods' own lead time.
            let cover = own.flatMap { s in s.daysOfSupply.map { $0 - Double(s.leadDays) } }
            let urgency = [daysLeft, cover].compactMap { $0 }.min() ?? 30
            for offer in offers where offer.commodity == need.commodity && offer.store != need.store {
                if let a = need.variety, let b = offer.variety, a.lowercased() != b.lowercased() { continue }
                let quantity = min(need.remaining, offer.remaining)
                let sameTownship = byStore[need.store]?.township.map { t in
                    byStore[offer.store]?.township?.lowercased() == t.lowercased()
                } ?? false
                let transport = sameTownship ? 0 : max(1, Int(transportDays[need.store + "/" + need.commodity] ?? 1))
                let inTime = daysLeft.map { Double(transport) <= $0 } ?? true
                let u = unit(need.commodity)
                var why = [String]()
                if let by = need.by, let d = daysLeft {
                    why.append(d < 0 ? "needed by \(by) (overdue)" : "needed by \(by) (in \(Int(d)) day\(d == 1 ? "" : "s"))")
                }
                if let s = own, let days = s.daysOfSupply {
                    why.append(String(format: "%.1f days of supply against a %d-day lead time", days, s.leadDays))
                }
                let township = byStore[offer.store]?.township
                why.append(sameTownship ? "same township (\(township ?? ""))" : "\(transport) day\(transport == 1 ? "" : "s") to deliver from \(township ?? offer.location ?? offer.store)")
                if !inTime { why.append("cannot arrive by the need-by date") }
                why.append("\(Self.format(quantity)) of \(Self.format(need.remaining)) \(u) still needed")
                rows.append(MatchSuggestion(
                    need: need.id, offer: offer.id, store: need.store, supplier: offer.store, commodity: need.commodity,
                    variety: need.variety ?? offer.variety, quantity: quantity, unit: u, reason: why.joined(separator: "; "),
                    needBy: need.by, urgencyDays: urgency, transportDays: transport, arrivesInTime: inTime
                ))
            }
        }
        return rows.sorted {
            if $0.arrivesInTime != $1.arrivesInTime { return $0.arrivesInTime }
            if $0.urgencyDays != $1.urgencyDays { return $0.urgencyDays < $1.urgencyDays }
            if $0.transportDays != $1.transportDays { return $0.transportDays < $1.transportDays }
            if $0.quantity != $1.quantity { return $0.quantity > $1.quantity }
            return ($0.needBy ?? "9999", $0.need, $0.offer) < ($1.needBy ?? "9999", $1.need, $1.offer)
        }
    }

    public func matches(status: MatchStatus? = nil) -> [MatchRecord] {
        book.matches.filter { status == nil || $0.status == status }.sorted { ($0.confirmedAt, $0.id) > ($1.confirmedAt, $1.id) }
    }

    /// The desk over the county days `from`…`to` (by confirmation date; open counts are as of now).
    public func stats(from: CalendarDate? = nil, to: CalendarDate? = nil) -> MatchingStats {
        let inPeriod = book.matches.filter { m in
            guard let confirmed = Timestamps.parse(m.confirmedAt) else { return false }
            let day = Timestamps.today(confirmed)
            return (from.map { day >= $0 } ?? true) && (to.map { day <= $0 } ?? true)
        }
        var delivered = [String: Double]()
        for m in inPeriod where m.status == .delivered { delivered[m.commodity, default: 0] += m.received ?? m.quantity }
        let minutes = inPeriod.compactMap(\.minutesToMatch).sorted()
        return MatchingStats(
            from: from?.description, to: to?.description, needsOpen: openNeeds.count, offersOpen: openOffers.count,
            matches: inPeriod.count, delivered: delivered,
            minutesToMatchP50: Self.percentile(minutes, 0.5).map { ($0 * 10).rounded() / 10 },
            minutesToMatchP90: Self.percentile(minutes, 0.9).map { ($0 * 10).rounded() / 10 }
        )
    }

    /// The nearest-rank percentile (the smallest value with at least `p` of the values at or below it).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int64(v)) : String(format: "%.1f", v)
    }
}
