import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import GRDBSQLite

/// Thresholds of the county views (docs/views.md); all configurable.
public struct ViewSettings: Sendable, Hashable {
    /// A price above this multiple of the store's trailing median or of the county median is an alert.
    public var priceAlertRatio = 1.2
    /// Disinfection rounds a store should make each day.
    public var requiredDisinfections: Int64 = 4
    /// Days of supply above which a store is overstocked.
    public var overstockDays = 30.0
    /// Trailing window of the average daily sales.
    public var trailingDays = 7
    /// A replica not heard from for longer than this is stale.
    public var staleAfter: TimeInterval = 6 * 3600
    /// The reporting deadline (报送时限): a day's report is on time when it first reached the hub by
    /// this time of the following day, China time (UTC+8), in minutes after midnight; later is late.
    /// Default 12:00, as in China's daily monitoring of essential goods (`serve --report-deadline`).
    public var reportDeadlineMinutes = 12 * 60

    public init() {}
}

/// A time of day `HH:MM` (24-hour), e.g. the reporting deadline given as `--report-deadline 12:00`.
public struct TimeOfDay: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after midnight, 0 to 1439.
    public let minutes: Int

    public init(minutes: Int) { self.minutes = minutes }

    public init(_ text: String, field: String = "report-deadline") throws(DomainError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60
        else { throw DomainError(.invalidValue, field: field, "'\(text)' is not a time HH:MM between 00:00 and 23:59") }
        minutes = h * 60 + m
    }

    public var description: String {
        let (h, m) = (minutes / 60, minutes % 60)
        return "\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }
}

public struct StoreInfo: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var township: String?
    public var kind: StoreKind
    public var revoked: Bool
    /// At a city hub, the county hub the store reports through; nil for a store enrolled here.
    public var county: String? = nil
}

/// A county hub enrolled at a city hub, as the views of one date see it.
public struct CountyInfo: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// When the county hub last synced upward (ISO 8601), nil if never.
    public var lastSyncAt: String?
    /// The county's standing sign-off of the date, if any (ISO 8601) and its note.
    public var approvedAt: String?
    public var approvalNote: String?
}

/// One change of a store's status: opened, authorised, closed by the store or by order.
public struct StatusEvent: Sendable, Hashable, Codable {
    public var store: String
    public var state: String
    public var authority: StatusAuthority
    public var reason: String?
    public var since: CalendarDate
    public var timestamp: HLCTimestamp
    public var open: Bool { state == "open" }
}

/// One day's stock report of one commodity at one store.
public struct StockObservation: Sendable, Hashable {
    public var store: String
    public var commodity: String
    public var day: Int
    public var onHand: Double?
    public var sold: Double?
    public var priceFen: Int64?
    public var restockDays: Int64?
    public var transportDays: Int64?
}

public struct CheckpointObservation: Sendable, Hashable {
    public var store: String
    public var checked: Int64
    public var refusedFever: Int64
    public var refusedNoMask: Int64
    public var staffChecked: Int64
    public var disinfections: Int64
}

public struct ReportArrival: Sendable, Hashable {
    public var receivedAt: Date
    public var recordedAt: Date
}

/// Everything the county views of one date need, read in one transaction so that every figure of
/// a view, a dashboard page or a daily report comes from the same consistent state.
public struct CountySnapshot: Sendable {
    public var date: CalendarDate
    public var asOf: Date
    public var settings: ViewSettings
    public var catalog: [Commodity]
    public var stores: [StoreInfo]
    public var statusEvents: [String: [StatusEvent]]
    /// Stock reports from `date - trailingDays` to `date`: the sales window and the days before `date`
    /// whose prices give each store's own median.
    public var stock: [StockObservation]
    public var checkpoints: [CheckpointObservation]
    public var arrivals: [String: ReportArrival]
    public var fleet: [FleetStatusRow]
    public var notices: [Notice]
    public var incidents: Int
    /// The matching desk as of the snapshot: needs, offers, matches.
    public var matching: MatchingBook = .empty
    /// Every store's online orders and deliveries up to `date`.
    public var deliveries: [DeliveryDay] = []
    /// Every green-channel pass issued, revoked or not.
    public var passes: [IssuedPass] = []
    /// The date's standing sign-off, if any, and the stores' writes for it merged after it.
    public var approval: DayApproval?
    public var afterApproval: [AfterApprovalWrite] = []
    /// At a city hub: the county hubs that sync to it, with their sign-offs of the date.
    public var counties: [CountyInfo] = []
    /// Fever cases of the date per store (`incidents` is their sum).
    public var incidentsByStore: [String: Int] = [:]

    public init(
        date: CalendarDate, asOf: Date, settings: ViewSettings = ViewSettings(), catalog: [Commodity] = Commodity.defaults,
        stores: [StoreInfo] = [], statusEvents: [String: [StatusEvent]] = [:], stock: [StockObservation] = [],
        checkpoints: [CheckpointObservation] = [], arrivals: [String: ReportArrival] = [:], fleet: [FleetStatusRow] = [],
        notices: [Notice] = [], incidents: Int = 0
    ) {
        self.date = date
        self.asOf = asOf
        self.settings = settings
        self.catalog = catalog
        self.stores = stores
        self.statusEvents = statusEvents
        self.stock = stock
        self.checkpoints = checkpoints
        self.arrivals = arrivals
        self.fleet = fleet
        self.notices = notices
        self.incidents = incidents
    }

    /// Whether `store` was open on `day`, from the status events in effect by then (latest by date,
    /// then by clock). A closure order of the bureau stands until the bureau lifts it, whatever the
    /// store records; a store may always close itself. A store with no status event is open.
    public func isOpen(_ store: String, day: Int) -> Bool {
        guard let events = statusEvents[store] else { return true }
        var bureau: StatusEvent?
        var own: StatusEvent?
        for e in events where e.since.dayNumber <= day {
            if e.authority == .store {
                if own.map({ ($0.since, $0.timestamp) < (e.since, e.timestamp) }) ?? true { own = e }
            } else if bureau.map({ ($0.since, $0.timestamp) < (e.since, e.timestamp) }) ?? true {
                bureau = e
            }
        }
        if let bureau, !bureau.open { return false }
        guard let own else { return bureau?.open ?? true }
        if let bureau, (bureau.since, bureau.timestamp) > (own.since, own.timestamp) { return bureau.open }
        return own.open
    }

    /// Enrolled, non-revoked sites of every kind.
    public var activeStores: [StoreInfo] { stores.filter { !$0.revoked } }

    /// Enrolled, non-revoked sites that report stock: every kind but suppliers, which post surpluses
    /// on the matching desk and are never expected to report (nor counted as missing).
    public var reportingStores: [StoreInfo] { stores.filter { !$0.revoked && $0.kind != .supplier } }
}

extension HubDatabase {
    /// Reads everything the views of `date` need, in one read transaction.
    public func snapshot(date: CalendarDate, settings: ViewSettings = ViewSettings(), now: Date = Date()) async throws
        -> CountySnapshot
    {
        try await snapshot(date: date, settings: settings, now: now, reusingStock: nil)
    }

    /// The same, taking the stock window (the largest read by far) from an earlier snapshot of the
    /// same date and settings when the caller knows no stock record of the window has changed since.
    public func snapshot(date: CalendarDate, settings: ViewSettings, now: Date, reusingStock stock: [StockObservation]?)
        async throws -> CountySnapshot
    {
        try await writer.readOnQueue { db in
            var snapshot = CountySnapshot(date: date, asOf: now, settings: settings)
            // A date whose deadline has passed is judged as of its deadline, not as of today.
            let deadline = snapshot.lateDeadline
            if deadline < now { snapshot.asOf = deadline }
            snapshot.fleet = try Self.fleetStatus(staleAfter: settings.staleAfter, now: now, in: db)
            if snapshot.judgedAtDeadline {
                let heard = try Self.heardDuring(from: snapshot.reportingWindowStart, to: deadline, in: db)
                for i in snapshot.fleet.indices {
                    let row = snapshot.fleet[i]
                    snapshot.fleet[i].stale = !(heard.stores.contains(row.store) || row.replica.map(heard.replicas.contains) == true)
                }
            }
            snapshot.catalog = try RecordStore.catalog(in: db)
            snapshot.stores = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.store, COALESCE(s.name, e.store), s.township, COALESCE(s.kind, 'supermarket'),
                           e.revoked_at IS NOT NULL, e.county
                    FROM enrolment e LEFT JOIN stores s ON s.key = e.store ORDER BY e.store
                    """
            ).map {
                StoreInfo(
                    id: $0[0], name: $0[1], township: $0[2],
                    kind: StoreKind(rawValue: $0[3] as String) ?? .supermarket, revoked: $0[4], county: $0[5]
                )
            }
            snapshot.counties = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.name, k.last_heard_at, a.approved_at, a.note
                    FROM county c LEFT JOIN county_link k ON k.county = c.id
                    LEFT JOIN county_approval a ON a.county = c.id AND a.date = ? AND a.withdrawn_at IS NULL
                    ORDER BY c.id
                    """,
                arguments: [date.description]
            ).map { row in
                let heard: Double? = row[2]
                let approved: Double? = row[3]
                return CountyInfo(
                    id: row[0], name: row[1], lastSyncAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) },
                    approvedAt: approved.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) }, approvalNote: row[4]
                )
            }
            snapshot.statusEvents = Self.statusEvents(try RecordStore.history(set: "store_status", in: db))
            snapshot.matching = try Self.matchingBook(in: db)
            snapshot.deliveries = try Self.deliveries(from: nil, to: date, in: db)
            snapshot.passes = try Self.passes(id: nil, in: db)
            snapshot.stock = try stock ?? Self.stockWindow(from: date.adding(days: -settings.trailingDays), to: date, in: db)
            snapshot.checkpoints = try Row.fetchAll(
                db,
                sql: """
                    SELECT store, COALESCE(checked, 0), COALESCE(refused_fever, 0), COALESCE(refused_no_mask, 0),
                           COALESCE(staff_checked, 0), COALESCE(disinfections, 0)
                    FROM checkpoint WHERE date = ? AND deleted = 0 ORDER BY store
                    """,
                arguments: [date.description]
            ).map {
                CheckpointObservation(
                    store: $0[0], checked: $0[1], refusedFever: $0[2], refusedNoMask: $0[3], staffChecked: $0[4],
                    disinfections: $0[5]
                )
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT store, first_received_at, first_recorded_ms FROM report_arrival WHERE date = ?",
                arguments: [date.description]
            ) {
                let received: Double = row[1]
                let recorded: Int64 = row[2]
                snapshot.arrivals[row[0]] = ReportArrival(
                    receivedAt: Date(timeIntervalSince1970: received),
                    recordedAt: Date(timeIntervalSince1970: Double(recorded) / 1000)
                )
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT store, COUNT(*) FROM incident WHERE date = ? AND deleted = 0 GROUP BY store",
                arguments: [date.description]
            ) {
                snapshot.incidentsByStore[row[0]] = row[1]
            }
            snapshot.incidents = snapshot.incidentsByStore.values.reduce(0, +)
            snapshot.notices = try RecordStore.notices(limit: 20, in: db)
            snapshot.approval = try Self.approval(of: date, in: db)
            if let approval = snapshot.approval {
                snapshot.afterApproval = try Self.writes(for: date, after: approval.throughSeq, in: db)
            }
            return snapshot
        }
    }

    /// Every store's status events, from the change log of `store_status` (oldest first).
    static func statusEvents(_ log: [RecordStore.LoggedChange]) -> [String: [StatusEvent]] {
        var events = [String: [StatusEvent]]()
        for logged in log {
            let f = logged.change.fields
            guard let state = f["state"]?.textValue, let sinceText = f["since"]?.textValue, let since = try? CalendarDate(sinceText)
            else { continue }
            events[logged.change.key, default: []].append(
                StatusEvent(
                    store: logged.change.key, state: state,
                    authority: f["authority"]?.textValue.flatMap(StatusAuthority.init(rawValue:)) ?? .store,
                    reason: f["reason"]?.textValue, since: since, timestamp: logged.change.timestamp
                )
            )
        }
        return events
    }

    /// Who the hub heard from between two instants, as far as it keeps track: devices first or last
    /// heard then, and stores whose reports (of any date) first arrived then.
    static func heardDuring(from start: Date, to end: Date, in db: Database) throws -> (stores: Set<String>, replicas: Set<String>) {
        let bounds: [any DatabaseValueConvertible] = [start.timeIntervalSince1970, end.timeIntervalSince1970]
        let replicas = try String.fetchSet(
            db, sql: """
                SELECT replica FROM replica_status
                WHERE first_heard_at BETWEEN ?1 AND ?2 OR last_heard_at BETWEEN ?1 AND ?2
                """, arguments: StatementArguments(bounds)
        )
        let stores = try String.fetchSet(
            db, sql: "SELECT DISTINCT store FROM report_arrival WHERE first_received_at BETWEEN ?1 AND ?2",
            arguments: StatementArguments(bounds)
        )
        // At a city hub, a county's stores are heard through their county hub.
        let counties = try String.fetchSet(
            db, sql: """
                SELECT county || '.hub' FROM county_link
                WHERE first_heard_at BETWEEN ?1 AND ?2 OR last_heard_at BETWEEN ?1 AND ?2
                """, arguments: StatementArguments(bounds)
        )
        return (stores, replicas.union(counties))
    }

    /// Stock reports between two dates, read through the SQLite C API: this is the views' hot path
    /// (8 days × 7 commodities × 1,000 stores = 56,000 rows per request in a large county).
    static func stockWindow(from first: CalendarDate, to last: CalendarDate, in db: Database) throws -> [StockObservation] {
        let statement = try db.cachedStatement(sql: """
            SELECT store, commodity, date, on_hand, sold, price, restock_days, transport_days
            FROM stock WHERE date BETWEEN ? AND ? AND deleted = 0
            """)
        try statement.setArguments([first.description, last.description])
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        func text(_ column: Int32) -> String {
            guard let bytes = sqlite3_column_text(handle, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
        }
        func double(_ column: Int32) -> Double? {
            sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
        }
        func int(_ column: Int32) -> Int64? {
            sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
        }
        /// `YYYY-MM-DD` to a day number without making a String (the column holds validated dates).
        func dayNumber(_ column: Int32) -> Int {
            guard let b = sqlite3_column_text(handle, column), sqlite3_column_bytes(handle, column) == 10 else { return 0 }
            func n(_ from: Int, _ count: Int) -> Int { (from..<from + count).reduce(0) { $0 * 10 + Int(b[$1] &- 48) } }
            return (try? CalendarDate(year: n(0, 4), month: n(5, 2), day: n(8, 2)).dayNumber) ?? 0
        }
        var result = [StockObservation]()
        while true {
            let step = sqlite3_step(handle)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: step)) }
            result.append(
                StockObservation(
                    store: text(0), commodity: text(1), day: dayNumber(2), onHand: double(3), sold: double(4), priceFen: int(5),
                    restockDays: int(6), transportDays: int(7)
                )
            )
        }
        return result
    }

    /// The most recent date with any stock report (the demo and the dashboard default to it).
    public func latestReportDate() async throws -> CalendarDate? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT MAX(date) FROM stock WHERE deleted = 0").flatMap { try? CalendarDate($0) }
        }
    }
}
