import BaogongModel
import Foundation

/// Everything the hub keeps, as the HTTP routes, the views and the CLI need it, and nothing more.
///
/// Every method is `async`: an implementation suspends while it waits for its database instead of
/// blocking a thread of Swift's cooperative pool. `HubDatabase` (embedded SQLite, GRDB) implements it
/// today; a PostgreSQL store for several hub processes implements the same protocol with the same
/// results. Callers never see SQL, and the types here are the hub's own, not a backend's.
/// How a store's batch reached the hub.
public enum SyncChannel: Sendable, Hashable {
    /// `POST /v1/sync`: sent moments ago, so `sent_at` measures the device's clock.
    case network
    /// A bundle file (`baogong-hub bundle import`): written at `sent_at`, carried for an unknown time.
    case file
}

public protocol HubStore: Sendable {
    // MARK: Sync

    /// Checks, merges and answers a store's batch (docs/protocol.md). Replays change nothing.
    /// `channel` says how the batch came: only a batch over the network measures the device's clock,
    /// since a bundle file's `sent_at` is when it was written, perhaps days before it arrived.
    func sync(_ request: SyncRequest, store: String, now: Date, via channel: SyncChannel) async throws -> SyncResponse

    // MARK: Identity

    /// The store or operator a bearer token belongs to; nil when unknown, malformed or revoked.
    func authenticate(token: String) async throws -> Principal?
    /// The SHA-256 of an enrolled, unrevoked store's token (the key to its bundle files); nil otherwise.
    func storeTokenDigest(store: String) async throws -> Data?
    /// Starts a dashboard session for an operator token; returns the cookie value, or nil.
    func startSession(operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String?
    /// The operator of a live session, with its role; nil for an unknown or expired one.
    func sessionOperator(_ session: String, now: Date) async throws -> Principal?
    /// A single-use sign-in link code (10 minutes) for an operator token; nil for a refused token.
    func createSignInLink(operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String?
    /// Spends a sign-in link code for a fresh session; nil for an unknown, spent or expired code.
    func redeemSignInLink(_ code: String, lifetime: TimeInterval, now: Date) async throws -> String?
    /// Ends a session (signing out); an unknown one is ignored.
    func endSession(_ session: String) async throws
    /// When a live session ends; nil for an unknown or expired one.
    func sessionExpiry(_ session: String, now: Date) async throws -> Date?

    // MARK: Enrolment

    /// Enrols a store and returns its token (shown once; only its digest is kept).
    func addStore(id: String, name: String, township: String?, kind: StoreKind, now: Date) async throws -> String
    func listStores() async throws -> [EnrolledStore]
    func revokeStore(id: String, now: Date) async throws
    /// A new token for a store (lifting a revocation); the old one stops working at once.
    func rotateStoreToken(id: String, now: Date) async throws -> String
    func addOperator(name: String, role: OperatorRole, now: Date) async throws -> IssuedOperator
    func listOperators() async throws -> [OperatorAccount]
    /// Refuses an operator's token from now on and ends its sessions.
    func revokeOperator(id: String, now: Date) async throws

    // MARK: Reference data (written by the hub, sent down to agents)

    func setCatalog(_ commodity: Commodity, now: Date) async throws
    /// Changes only the given fields of a commodity; a new one needs its unit.
    @discardableResult
    func updateCatalog(
        id: String, unit: CommodityUnit?, nameEnglish: String?, nameChinese: String?, minDays: Int?, now: Date
    ) async throws -> Commodity
    func catalog() async throws -> [Commodity]
    /// Posts a notice to every store; returns its id.
    func postNotice(_ text: String, now: Date) async throws -> String
    func notices() async throws -> [Notice]
    /// Records the bureau's decision on a store: authorised to open, or closed by order.
    func setStoreStatus(
        store: String, open: Bool, authority: StatusAuthority, reason: String?, since: CalendarDate, now: Date
    ) async throws

    // MARK: Matching desk

    /// Needs, offers and matches, from one consistent read.
    func matchingBook() async throws -> MatchingBook
    /// Allocates `quantity` (catalog unit) of an offer to a need in one transaction; refuses with
    /// `over_allocated` rather than allocate either beyond its quantity.
    func confirmMatch(need: String, offer: String, quantity: Double, reason: String?, now: Date) async throws -> MatchRecord
    /// Cancels an open match, releasing its quantity.
    func cancelMatch(id: String, reason: String?, now: Date) async throws -> MatchRecord

    // MARK: Green-channel passes and deliveries

    /// Signs and issues a pass to an enrolled store.
    func issuePass(
        store: String, plate: String, driver: String?, cargo: String?, route: String?, from: CalendarDate, to: CalendarDate,
        now: Date
    ) async throws -> IssuedPass
    func passes() async throws -> [IssuedPass]
    func pass(id: String) async throws -> IssuedPass?
    /// Revokes a pass; agents refuse it from their next sync.
    func revokePass(id: String, reason: String?, now: Date) async throws -> IssuedPass
    /// Every store's delivery records of the days `from`…`to` (nil: unbounded).
    func deliveries(from: CalendarDate?, to: CalendarDate?) async throws -> [DeliveryDay]

    // MARK: Reads

    func fleetStatus(staleAfter: TimeInterval, now: Date) async throws -> [FleetStatusRow]
    /// Current values of a record set in change-log order after `afterSeq`, for paging clients.
    func records(set: RecordSetSchema, store: String?, date: CalendarDate?, afterSeq: Int64, limit: Int) async throws
        -> [[String: FieldValue]]
    /// A page of what `store`'s devices wrote (`GET /v1/restore`): merged in order on a new device, it
    /// rebuilds the store's records there. `cursor` is the last change-log position in the page.
    func storeRecords(store: String, after seq: Int64, limit: Int) async throws -> SyncResponse
    /// Drops history older than `retainDays` that no current value depends on (see `HubDatabase`).
    func compact(retainDays: Int, now: Date, chunk: Int) async throws -> CompactionReport
    /// Every write the hub has seen for one record, oldest first, and which of its values stand.
    func history(set: RecordSetSchema, key: String) async throws -> [RecordWrite]
    /// Everything the county views of one date need, from one consistent read.
    func snapshot(date: CalendarDate, settings: ViewSettings, now: Date) async throws -> CountySnapshot
    /// The same, with the stock window taken from an earlier snapshot of the date (the views' cache
    /// passes it when no stock record of the window has changed since).
    func snapshot(date: CalendarDate, settings: ViewSettings, now: Date, reusingStock: [StockObservation]?) async throws
        -> CountySnapshot
    /// Where the data the views read stands: the change log's last position and a counter per table
    /// the views read besides it. Equal versions mean equal snapshots (given the same time).
    func dataVersion() async throws -> DataVersion
    /// What the change log gained after `seq`: its record sets and the dates of its stock and
    /// checkpoint records; nil when more than `limit` entries came (the cache then starts afresh).
    func changeSummary(after seq: Int64, limit: Int) async throws -> ChangeSummary?
    /// The most recent date with any stock report (views default to it).
    func latestReportDate() async throws -> CalendarDate?

    // MARK: Sign-off (审核)

    /// Signs off a date's figures (again, if it was): later writes for it are flagged.
    func approve(date: CalendarDate, note: String?, now: Date) async throws -> DayApproval
    /// Withdraws a date's sign-off; a date not signed off is refused (`not_found`).
    func unapprove(date: CalendarDate, now: Date) async throws

    // MARK: County and city hubs (at a city)

    /// Enrols a county hub and returns its token (shown once).
    func addCounty(id: String, name: String, now: Date) async throws -> String
    func listCounties() async throws -> [EnrolledCounty]
    func revokeCounty(id: String, now: Date) async throws
    func rotateCountyToken(id: String, now: Date) async throws -> String
    /// Checks and merges a county hub's upward batch, keeps its registry and sign-offs, and answers
    /// with the city's notices. Replays change nothing.
    func mergeUpstream(_ request: UpstreamRequest, county: String, now: Date) async throws -> UpstreamResponse

    // MARK: County and city hubs (at a county)

    func setUpstream(url: String, token: String, county: String?, caPEM: String?, allowInsecureHTTP: Bool, now: Date) async throws
    func clearUpstream() async throws
    /// Nil when no city hub is set.
    func upstreamStatus() async throws -> UpstreamStatus?
    /// The next upward batch; nil when no city hub is set.
    func upstreamBatch(limit: Int, now: Date) async throws -> UpstreamBatch?
    func recordUpstreamAnswer(_ response: UpstreamResponse, to batch: UpstreamBatch, now: Date) async throws
    func recordUpstreamFailure(_ message: String, now: Date) async throws
}

extension HubDatabase: HubStore {}

extension HubStore {
    /// A batch that came over the network.
    public func sync(_ request: SyncRequest, store: String, now: Date) async throws -> SyncResponse {
        try await sync(request, store: store, now: now, via: .network)
    }
}

/// The defaults callers leave out (the time is now, a store is a supermarket, a session lasts 12 h),
/// for code that holds `any HubStore`.
extension HubStore {
    public func addStore(id: String, name: String, township: String?, kind: StoreKind = .supermarket) async throws -> String {
        try await addStore(id: id, name: name, township: township, kind: kind, now: Date())
    }

    public func addOperator(name: String, role: OperatorRole = .viewer) async throws -> IssuedOperator {
        try await addOperator(name: name, role: role, now: Date())
    }

    public func addOperator(name: String, now: Date) async throws -> IssuedOperator {
        try await addOperator(name: name, role: .viewer, now: now)
    }

    public func revokeStore(id: String) async throws { try await revokeStore(id: id, now: Date()) }

    public func setUpstream(url: String, token: String, county: String?, caPEM: String?, now: Date) async throws {
        try await setUpstream(url: url, token: token, county: county, caPEM: caPEM, allowInsecureHTTP: false, now: now)
    }

    public func startSession(operatorToken: String, now: Date) async throws -> String? {
        try await startSession(operatorToken: operatorToken, lifetime: 12 * 3600, now: now)
    }

    public func fleetStatus(now: Date) async throws -> [FleetStatusRow] {
        try await fleetStatus(staleAfter: 6 * 3600, now: now)
    }

    public func snapshot(date: CalendarDate, now: Date) async throws -> CountySnapshot {
        try await snapshot(date: date, settings: ViewSettings(), now: now)
    }

    public func setStoreStatus(store: String, open: Bool, authority: StatusAuthority, reason: String?, since: CalendarDate)
        async throws
    {
        try await setStoreStatus(store: store, open: open, authority: authority, reason: reason, since: since, now: Date())
    }
}
