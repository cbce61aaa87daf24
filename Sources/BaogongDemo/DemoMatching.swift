import BaogongAgent
import BaogongHub
import BaogongModel
import Foundation

/// The demo's matching desk: each delivery of `MatchingScenario` goes the way a real one would.
/// The sites post offline and sync, the hub confirms in one transaction, both sites sync and accept,
/// and the receiving site records what arrived (which also adds to its day's received stock).
struct DemoMatching {
    let hub: HubDatabase
    let clock: SimulatedClock
    /// The first device of every site, suppliers included.
    let devices: [String: DemoRunner.Device]

    /// A delivery in flight: confirmed, waiting to be received.
    struct Confirmed {
        var delivery: MatchingScenario.Delivery
        var match: String
        /// In the catalog unit.
        var quantity: Double
    }

    func sync(_ sites: String..., at time: Date) async throws {
        clock.set(time)
        for site in sites { _ = try await devices[site]!.client.syncOnce() }
    }

    /// Posts the need and the offer, syncs them, confirms at the hub, syncs the match down, accepts.
    func postAndConfirm(_ d: MatchingScenario.Delivery, on day: CalendarDate) async throws -> Confirmed {
        let store = devices[d.store]!.database, supplier = devices[d.supplier]!.database
        let base = CountyScenario.time(day, hour: d.hour)
        let offerAt = d.offerFirst ? base : base.addingTimeInterval(-3600)
        let needAt = d.offerFirst ? base.addingTimeInterval(600) : base
        clock.set(offerAt)
        let offer = try await supplier.postOffer(
            commodity: d.commodity, variety: d.variety, quantity: d.quantity, unit: d.unit, until: day.adding(days: 2),
            location: CountyScenario.suppliers.first { $0.id == d.supplier }?.township, priceFen: nil, now: clock.now()
        )
        try await sync(d.supplier, at: offerAt.addingTimeInterval(60))
        clock.set(needAt)
        let need = try await store.postNeed(
            commodity: d.commodity, variety: d.variety, quantity: d.quantity, unit: d.unit, by: day.adding(days: 2),
            note: d.receivedNextDay ? "urgent: our supplier cannot deliver 供应商断供，急需" : nil, now: clock.now()
        )
        try await sync(d.store, at: needAt.addingTimeInterval(60))
        clock.set(needAt.addingTimeInterval(Double(d.minutesToConfirm) * 60))
        let match = try await hub.confirmMatch(
            need: "\(d.store)/\(need.id)", offer: "\(d.supplier)/\(offer.id)", quantity: need.quantity, reason: nil, now: clock.now()
        )
        let answered = clock.now().addingTimeInterval(300)
        try await sync(d.supplier, d.store, at: answered)
        try await supplier.answerMatch(id: match.id, answer: .accepted, reason: nil, now: clock.now())
        try await store.answerMatch(id: match.id, answer: .accepted, reason: nil, now: clock.now())
        try await sync(d.supplier, d.store, at: answered.addingTimeInterval(60))
        return Confirmed(delivery: d, match: match.id, quantity: need.quantity)
    }

    /// The receiving site records the goods (in the unit they were ordered in) and syncs.
    func receive(_ c: Confirmed, at time: Date) async throws {
        clock.set(time)
        _ = try await devices[c.delivery.store]!.database.recordReceipt(
            id: c.match, quantity: c.delivery.quantity, unit: c.delivery.unit, now: clock.now()
        )
        try await sync(c.delivery.store, at: time.addingTimeInterval(60))
    }
}

extension DemoMatching {
    /// The matching desk's part of the board, from the hub's own records (nothing here is a constant).
    static func board(_ book: MatchingBook, names: [String: String]) -> [String] {
        let groups = Dictionary(MatchingScenario.suppliers.map { ($0.site.id, $0.group) }, uniquingKeysWith: { a, _ in a })
        let delivered = book.matches.filter { $0.status == .delivered }
        func kg(_ v: Double) -> String { v == v.rounded() ? Int64(v).formatted() : String(format: "%.1f", v) }
        func stores(_ rows: [MatchRecord]) -> String {
            Array(Set(rows.map(\.store))).sorted().map { names[$0] ?? $0 }.joined(separator: ", ")
        }
        let alliums: Set<String> = ["scallion", "garlic"]
        var lines = ["Matching desk 供需对接: \(book.matches.count) matches, \(delivered.count) delivered"]
        let farms = delivered.filter { groups[$0.supplier] == .farm }
        let farmRice = farms.filter { $0.commodity == "rice" }.reduce(0) { $0 + ($1.received ?? 0) }
        let farmVeg = farms.filter { $0.commodity == "vegetables" }.reduce(0) { $0 + ($1.received ?? 0) }
        lines.append("  From farms 农场: \(kg(farmRice)) kg of rice and \(kg(farmVeg)) kg of vegetables to \(stores(farms))")
        let points = delivered.filter { groups[$0.supplier] == .collectionPoint }
        let pointVeg = points.filter { $0.commodity == "vegetables" && !alliums.contains($0.variety?.lowercased() ?? "") }
            .reduce(0) { $0 + ($1.received ?? 0) }
        let pointAllium = points.filter { alliums.contains($0.variety?.lowercased() ?? "") }.reduce(0) { $0 + ($1.received ?? 0) }
        lines.append("  From collection points 收购点: \(kg(pointVeg)) kg of vegetables and \(kg(pointAllium * 2)) jin"
                     + " (\(kg(pointAllium)) kg) of scallion and garlic")
        for m in book.matches where groups[m.supplier] == .grower && m.store == "shengyuan-1" {
            lines.append("  Urgent need 急需: \(names[m.store] ?? m.store), \(kg(m.quantity * 2)) jin of \(m.variety ?? m.commodity)"
                         + " from \(names[m.supplier] ?? m.supplier), matched in \(Int((m.minutesToMatch ?? 0).rounded())) minutes"
                         + " (\(m.status.rawValue))")
        }
        let surplus = book.matches.filter { $0.supplier == "smallholder" }
        if !surplus.isEmpty {
            let offers = Dictionary(book.offers.map { ($0.store + "/" + $0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let minutes = surplus.compactMap { m -> Double? in
                guard let posted = offers[m.supplier + "/" + m.offer]?.postedAt.flatMap(Timestamps.parse),
                    let confirmed = Timestamps.parse(m.confirmedAt)
                else { return nil }
                return confirmed.timeIntervalSince(posted) / 60
            }.max() ?? 0
            let what = surplus.map { "\(kg($0.quantity * 2)) jin of \($0.variety ?? $0.commodity)" }.joined(separator: " and ")
            lines.append("  Unsold surplus 滞销: a farmer's \(what) matched to \(stores(surplus)) within \(Int(minutes.rounded()))"
                         + " minutes of posting")
        }
        return lines
    }
}
