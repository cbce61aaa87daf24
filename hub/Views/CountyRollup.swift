import BaogongModel
import Foundation

/// A city hub's views per county (`--by county`, `?by=county`): each county's figures are the
/// county views computed on the city's snapshot restricted to that county's stores, so a county's
/// row at the city reads exactly as the county's own hub would show it (given the same records),
/// and the city total beside the rows is the city-wide view of the same snapshot.
extension CountySnapshot {
    /// One group of stores at a city: a county hub, or (id nil) the stores enrolled at the city itself.
    public struct CountyGroup: Sendable, Hashable {
        public var id: String?
        public var name: String
    }

    /// The counties of the snapshot, then the city's own stores when it has any.
    public var countyGroups: [CountyGroup] {
        var groups = counties.map { CountyGroup(id: $0.id, name: $0.name) }
        if stores.contains(where: { $0.county == nil }) { groups.append(CountyGroup(id: nil, name: "directly enrolled 直属")) }
        return groups
    }

    /// The snapshot seen from one county (nil: the stores enrolled at this hub itself): its stores and
    /// their records only, with the county's own sign-off of the date.
    public func restricted(toCounty county: String?) -> CountySnapshot {
        var slice = self
        slice.stores = stores.filter { $0.county == county }
        let ids = Set(slice.stores.map(\.id))
        slice.statusEvents = statusEvents.filter { ids.contains($0.key) }
        slice.stock = stock.filter { ids.contains($0.store) }
        slice.checkpoints = checkpoints.filter { ids.contains($0.store) }
        slice.arrivals = arrivals.filter { ids.contains($0.key) }
        slice.fleet = fleet.filter { ids.contains($0.store) }
        slice.incidentsByStore = incidentsByStore.filter { ids.contains($0.key) }
        slice.incidents = slice.incidentsByStore.values.reduce(0, +)
        slice.deliveries = deliveries.filter { ids.contains($0.store) }
        slice.passes = passes.filter { ids.contains($0.store) }
        slice.matching = MatchingBook(
            needs: matching.needs.filter { ids.contains($0.store) }, offers: matching.offers.filter { ids.contains($0.store) },
            matches: matching.matches.filter { ids.contains($0.store) || ids.contains($0.supplier) }
        )
        slice.counties = counties.filter { $0.id == county }
        if let county {
            let info = counties.first { $0.id == county }
            slice.approval = info?.approvedAt.map {
                DayApproval(date: date.description, approvedAt: $0, note: info?.approvalNote, throughSeq: 0)
            }
            slice.afterApproval = []
        }
        return slice
    }

    public func supplyByCounty(unit: CommodityUnit? = nil) -> SupplyByCounty {
        var rows = [SupplyByCounty.Row]()
        for group in countyGroups {
            for line in restricted(toCounty: group.id).supply(unit: unit).commodities {
                rows.append(CountyRow(county: group.id, countyName: group.name, value: line))
            }
        }
        return SupplyByCounty(date: date.description, rows: rows, total: supply(unit: unit).commodities)
    }

    public func reportingByCounty() -> ReportingByCounty {
        let rows = countyGroups.map { group -> ReportingByCounty.Row in
            let slice = restricted(toCounty: group.id)
            let r = slice.reporting()
            return ReportingByCounty.Row(
                county: group.id, name: group.name, expected: r.expected, reported: r.reported, rate: r.rate,
                onTime: r.onTime.count, late: r.late.count, missing: r.missing.count, stale: r.stale.count,
                onTimeRate: r.onTimeRate, approved: r.approved, approvedAt: r.approvedAt, approvalNote: r.approvalNote,
                lastSyncAt: slice.counties.first?.lastSyncAt
            )
        }
        let all = reporting()
        let total = ReportingByCounty.Row(
            county: nil, name: "total 合计", expected: all.expected, reported: all.reported, rate: all.rate,
            onTime: all.onTime.count, late: all.late.count, missing: all.missing.count, stale: all.stale.count,
            onTimeRate: all.onTimeRate, approved: rows.allSatisfy(\.approved) && !rows.isEmpty, approvedAt: nil,
            approvalNote: nil, lastSyncAt: nil
        )
        return ReportingByCounty(date: all.date, asOf: all.asOf, deadline: all.deadline, rows: rows, total: total)
    }

    public func checkpointsByCounty() -> CheckpointsByCounty {
        let rows = countyGroups.map { group in
            CountyRow(county: group.id, countyName: group.name, value: restricted(toCounty: group.id).checkpointTotals())
        }
        return CheckpointsByCounty(date: date.description, rows: rows, total: checkpointTotals())
    }

    public func alertsByCounty() -> AlertsByCounty {
        var rows = [AlertsByCounty.Row]()
        for group in countyGroups {
            for alert in restricted(toCounty: group.id).alerts() {
                rows.append(CountyRow(county: group.id, countyName: group.name, value: alert))
            }
        }
        return AlertsByCounty(date: date.description, rows: rows)
    }
}

/// A row of a county view with the county it belongs to: its JSON is the row's own, with `county`
/// and `county_name` added.
public struct CountyRow<Value: Encodable & Sendable>: Sendable, Encodable {
    public var county: String?
    public var countyName: String
    public var value: Value

    enum Keys: String, CodingKey { case county, countyName = "county_name" }

    public func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(county, forKey: .county)
        try c.encode(countyName, forKey: .countyName)
    }
}

extension CountyRow where Value == CommoditySupply {
    /// The county's row of one commodity.
    public var line: CommoditySupply { value }
}

extension CountyRow where Value == CheckpointView {
    /// The county's checkpoint view.
    public var view: CheckpointView { value }
}

extension CountyRow where Value == Alert {
    public var alert: Alert { value }
}

/// `supply --by county`: one row per county and commodity (the county view's commodity row with
/// `county` and `county_name`), and the city-wide rows as `total`.
public struct SupplyByCounty: Sendable, Encodable {
    public typealias Row = CountyRow<CommoditySupply>

    public var date: String
    public var by = "county"
    public var rows: [Row]
    public var total: [CommoditySupply]
}

/// `reporting --by county`: completeness, timeliness and sign-off per county, and the city total.
public struct ReportingByCounty: Sendable, Encodable {
    public struct Row: Sendable, Encodable {
        public var county: String?
        public var name: String
        public var expected: Int
        public var reported: Int
        public var rate: Double
        /// Stores whose report reached this hub by the deadline.
        public var onTime: Int
        public var late: Int
        public var missing: Int
        public var stale: Int
        public var onTimeRate: Double
        /// Whether the county signed off (审核) the date, and when.
        public var approved: Bool
        public var approvedAt: String?
        public var approvalNote: String?
        /// When the county hub last synced upward.
        public var lastSyncAt: String?

        enum CodingKeys: String, CodingKey {
            case county, name, expected, reported, rate, onTime = "on_time", late, missing, stale, onTimeRate = "on_time_rate"
            case approved, approvedAt = "approved_at", approvalNote = "approval_note", lastSyncAt = "last_sync_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(county, forKey: .county)
            try c.encode(name, forKey: .name)
            try c.encode(expected, forKey: .expected)
            try c.encode(reported, forKey: .reported)
            try c.encode(rate, forKey: .rate)
            try c.encode(onTime, forKey: .onTime)
            try c.encode(late, forKey: .late)
            try c.encode(missing, forKey: .missing)
            try c.encode(stale, forKey: .stale)
            try c.encode(onTimeRate, forKey: .onTimeRate)
            try c.encode(approved, forKey: .approved)
            try c.encode(approvedAt, forKey: .approvedAt)
            try c.encode(approvalNote, forKey: .approvalNote)
            try c.encode(lastSyncAt, forKey: .lastSyncAt)
        }
    }

    public var date: String
    public var asOf: String
    public var deadline: String
    public var by = "county"
    public var rows: [Row]
    public var total: Row

    enum CodingKeys: String, CodingKey { case date, asOf = "as_of", deadline, by, rows, total }
}

/// `checkpoints --by county`: the county checkpoint view per county (with `county`), and the city total.
public struct CheckpointsByCounty: Sendable, Encodable {
    public typealias Row = CountyRow<CheckpointView>

    public var date: String
    public var by = "county"
    public var rows: [Row]
    public var total: CheckpointView
}

/// `alerts --by county`: each county's alerts (with `county`).
public struct AlertsByCounty: Sendable, Encodable {
    public typealias Row = CountyRow<Alert>

    public var date: String
    public var by = "county"
    public var rows: [Row]
}
