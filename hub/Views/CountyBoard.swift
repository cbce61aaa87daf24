import BaogongModel

/// Every view of one snapshot, each computed once: what the dashboard, the daily report and the
/// demo's board show together.
public struct CountyBoard: Sendable {
    public let snapshot: CountySnapshot
    public let supply: SupplyView
    public let reporting: ReportingView
    public let checkpoints: CheckpointView
    public let alerts: [Alert]

    public init(_ snapshot: CountySnapshot) {
        self.init(snapshot, supply: snapshot.supply())
    }

    /// The views of `snapshot` around a supply view already computed from it.
    public init(_ snapshot: CountySnapshot, supply: SupplyView) {
        self.snapshot = snapshot
        self.supply = supply
        reporting = snapshot.reporting()
        checkpoints = snapshot.checkpointTotals()
        alerts = snapshot.alerts(supply: supply, reporting: reporting, checkpoints: checkpoints)
    }

    /// Store names for a list of store ids, joined with `separator`; `none` when the list is empty.
    public func storeNames(_ ids: [String], separator: String, none: String) -> String {
        guard !ids.isEmpty else { return none }
        let names = Dictionary(uniqueKeysWithValues: snapshot.stores.map { ($0.id, $0.name) })
        return ids.map { names[$0] ?? $0 }.joined(separator: separator)
    }
}
