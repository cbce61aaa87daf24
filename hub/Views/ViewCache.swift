import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Synchronization

/// Where the data the views read stands (`HubStore.dataVersion`).
public struct DataVersion: Sendable, Hashable {
    /// The change log's last position.
    public var seq: Int64
    /// Per table the views read besides the change log, a counter every write bumps.
    public var tables: [String: Int64]
}

/// What the change log gained after a position (`HubStore.changeSummary`).
public struct ChangeSummary: Sendable, Hashable {
    public var sets: Set<String> = []
    /// Dates of the stock records written.
    public var stockDates: Set<String> = []
}

extension HubDatabase {
    public func dataVersion() async throws -> DataVersion {
        try await writer.read { db in
            let seq = try RecordStore.lastSeq(in: db)
            var tables = [String: Int64]()
            for row in try Row.fetchAll(db, sql: "SELECT name, n FROM view_version") { tables[row[0]] = row[1] }
            return DataVersion(seq: seq, tables: tables)
        }
    }

    public func changeSummary(after seq: Int64, limit: Int) async throws -> ChangeSummary? {
        try await writer.read { db in
            guard try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM change_log WHERE seq > ? LIMIT ?)", arguments: [seq, limit + 1]
            )! <= limit else { return nil }
            var summary = ChangeSummary()
            let rows = try Row.fetchCursor(db, sql: "SELECT record_set, key FROM change_log WHERE seq > ?", arguments: [seq])
            while let row = try rows.next() {
                let set: String = row[0]
                summary.sets.insert(set)
                if set == "stock", let key = row[1] as String?, let slash = key.lastIndex(of: "/") {
                    summary.stockDates.insert(String(key[key.index(after: slash)...]))
                }
            }
            return summary
        }
    }
}

/// The views of one date as the dashboard and `/v1/views/*` serve them, from a snapshot that the
/// cache may have kept: each view computed at most once per snapshot, the supply JSON encoded once,
/// the dashboard rendered once per language and role.
public final class CachedViews: Sendable {
    public let snapshot: CountySnapshot
    /// What does not depend on `as_of`: shared by the copies `ViewCache` makes as time moves on.
    let shared: Shared
    private let computedBoard = Mutex<CountyBoard?>(nil)

    final class Shared: Sendable {
        struct Parts {
            var supply = [String: SupplyView]()
            var supplyJSON = [String: Data]()
            var pages = [String: String]()
        }
        let parts: Mutex<Parts>
        init(_ parts: Parts = Parts()) { self.parts = Mutex(parts) }
    }

    init(snapshot: CountySnapshot, shared: Shared = Shared()) {
        self.snapshot = snapshot
        self.shared = shared
    }

    public func supply(unit: CommodityUnit? = nil) -> SupplyView {
        let key = unit?.rawValue ?? ""
        if let cached = shared.parts.withLock({ $0.supply[key] }) { return cached }
        let view = snapshot.supply(unit: unit)
        shared.parts.withLock { $0.supply[key] = view }
        return view
    }

    /// `GET /v1/views/supply` as sent.
    public func supplyJSON(unit: CommodityUnit? = nil, encode: (SupplyView) throws -> Data) rethrows -> Data {
        let key = unit?.rawValue ?? ""
        if let cached = shared.parts.withLock({ $0.supplyJSON[key] }) { return cached }
        let data = try encode(supply(unit: unit))
        shared.parts.withLock { $0.supplyJSON[key] = data }
        return data
    }

    /// A page rendered once under `key`, with markers for what changes between requests (the time
    /// it is as of, a session's CSRF token) that the caller fills in.
    func page(_ key: String, render: () -> String) -> String {
        if let cached = shared.parts.withLock({ $0.pages[key] }) { return cached }
        let page = render()
        shared.parts.withLock { $0.pages[key] = page }
        return page
    }

    /// Every view of the snapshot (the dashboard's and the daily report's).
    public var board: CountyBoard {
        if let cached = computedBoard.withLock({ $0 }) { return cached }
        let computed = CountyBoard(snapshot, supply: supply())
        computedBoard.withLock { $0 = computed }
        return computed
    }

    /// What carries over to a snapshot whose supply inputs are unchanged.
    var supplyParts: Shared.Parts {
        shared.parts.withLock { Shared.Parts(supply: $0.supply, supplyJSON: $0.supplyJSON) }
    }
}

/// The views' cache (docs/performance.md, "Warm views"): a dashboard refresh or a view request
/// with no new data is answered from the last snapshot of its date, and a change is read for what
/// it touches.
///
/// - Every request first reads the data version (the change log's last position and the counters
///   of `view_version`, one small read). Equal, and the time has not crossed a threshold (a device
///   going stale, the report deadline): the cached views are served as they are.
/// - Changed: the change log's new entries say what changed. When no stock record of the date's
///   window is among them, the stock window (56,000 rows at 1,000 stores) is kept and the rest read
///   again; when the stores, their statuses and the catalog are also unchanged, so is the supply
///   view, and its JSON. Otherwise the date is read afresh.
/// - Other processes writing to the database (the CLI, a second hub process) are seen the same
///   way: the version and the triggers behind it are in the database.
public final class ViewCache: Sendable {
    struct Key: Hashable {
        var date: CalendarDate
        var settings: ViewSettings
    }

    struct Entry {
        var version: DataVersion
        var views: CachedViews
        /// The snapshot holds until then: a device going stale, or the date's report deadline.
        var validUntil: Date
    }

    /// What the cache did, for the bench and the tests.
    public struct Counts: Sendable, Hashable {
        public var hits = 0
        public var stockKept = 0
        public var supplyKept = 0
        public var misses = 0
    }

    private let entries = Mutex([Key: Entry]())
    private let counts = Mutex(Counts())
    /// Dates kept at once (today, yesterday, and a few more an operator looks back at).
    let capacity: Int
    /// Larger gaps in the change log are not read through: the date is read afresh.
    let summaryLimit: Int

    public init(capacity: Int = 8, summaryLimit: Int = 50_000) {
        self.capacity = capacity
        self.summaryLimit = summaryLimit
    }

    public var statistics: Counts { counts.withLock { $0 } }

    public func views(date: CalendarDate, settings: ViewSettings, now: Date, database: any HubStore) async throws -> CachedViews {
        let key = Key(date: date, settings: settings)
        let version = try await database.dataVersion()
        let previous = entries.withLock { $0[key] }
        if let previous, previous.version == version, now < previous.validUntil {
            counts.withLock { $0.hits += 1 }
            return Self.at(previous.views, now: now)
        }
        var keptStock: [StockObservation]?
        if let previous, previous.version.seq <= version.seq {
            if previous.version.seq == version.seq {
                keptStock = previous.views.snapshot.stock
            } else if let summary = try await database.changeSummary(after: previous.version.seq, limit: summaryLimit) {
                let window = Set((0...settings.trailingDays).map { date.adding(days: -$0).description })
                if summary.stockDates.isDisjoint(with: window) { keptStock = previous.views.snapshot.stock }
            }
        }
        let snapshot = try await database.snapshot(date: date, settings: settings, now: now, reusingStock: keptStock)
        var views = CachedViews(snapshot: snapshot)
        if keptStock != nil, let previous {
            let old = previous.views.snapshot
            if old.stores == snapshot.stores && old.statusEvents == snapshot.statusEvents && old.catalog == snapshot.catalog {
                views = CachedViews(snapshot: snapshot, shared: .init(previous.views.supplyParts))
                counts.withLock { $0.supplyKept += 1 }
            }
            counts.withLock { $0.stockKept += 1 }
        } else {
            counts.withLock { $0.misses += 1 }
        }
        let entry = Entry(version: version, views: views, validUntil: Self.validUntil(snapshot, now: now))
        entries.withLock { entries in
            if entries[key] == nil && entries.count >= capacity, let oldest = entries.min(by: { $0.key.date < $1.key.date })?.key {
                entries.removeValue(forKey: oldest)
            }
            entries[key] = entry
        }
        return views
    }

    /// The cached views as of `now`: only `as_of` moves while nothing else changes.
    static func at(_ views: CachedViews, now: Date) -> CachedViews {
        guard !views.snapshot.judgedAtDeadline, views.snapshot.asOf != now else { return views }
        var snapshot = views.snapshot
        snapshot.asOf = now
        return CachedViews(snapshot: snapshot, shared: views.shared)
    }

    /// When the snapshot stops being true with no new data: a device heard recently goes stale, or
    /// the date's deadline passes (it is then judged as of its deadline).
    static func validUntil(_ snapshot: CountySnapshot, now: Date) -> Date {
        guard !snapshot.judgedAtDeadline else { return .distantFuture }
        var until = snapshot.lateDeadline
        for row in snapshot.fleet where !row.stale {
            if let heard = row.lastHeardAt.flatMap(Timestamps.parse) {
                until = min(until, heard.addingTimeInterval(snapshot.settings.staleAfter))
            }
        }
        return max(until, now)
    }
}
