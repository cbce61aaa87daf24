import BaogongModel
import Foundation

/// What the command line and the HTTP routes both do on the matching desk, written once.
extension HubStore {
    /// Confirms a pair with the quantity given in `unit` (nil: the commodity's catalog unit).
    public func confirmMatch(need: String, offer: String, quantity: Double, unit: CommodityUnit?, now: Date) async throws
        -> MatchRecord
    {
        let commodity = try await matchingBook().needs.first { $0.id == need || "\($0.store)/\($0.id)" == need }?.commodity
        var amount = quantity
        if let entry = try await catalog().first(where: { $0.id == commodity }) {
            amount = try Quantities.inCatalogUnit(quantity, unit: unit, commodity: entry)
        }
        return try await confirmMatch(need: need, offer: offer, quantity: amount, reason: nil, now: now)
    }

    /// The desk's view and the snapshot it was computed from (suggestions rank by its supply): the
    /// latest reported date, or today, as of `now`.
    public func matchingView(settings: ViewSettings = ViewSettings(), now: Date) async throws -> (MatchingView, CountySnapshot) {
        let today = Timestamps.today(now)
        let day = min(try await latestReportDate() ?? today, today)
        let snapshot = try await snapshot(date: day, settings: settings, now: now)
        return (MatchingView(snapshot), snapshot)
    }
}
