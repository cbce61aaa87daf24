@testable import BaogongHub
import BaogongModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import BaogongTestSupport
import Testing

/// The views' cache serves what a fresh read would, whatever happened in between: a cached answer
/// is only ever a faster way to the same figures.
@Suite("Views' cache")
struct ViewCacheTests {
    typealias D = HubDatabaseTests
    static let date = try! CalendarDate("2020-02-10")

    static func hub(stores: Int = 4) async throws -> HubDatabase {
        try await hub(.sqlite, stores: stores) as! HubDatabase
    }

    static func hub(_ backend: Backend, stores: Int = 4) async throws -> any TestHub {
        let hub = try await backend.open(seededAt: D.now)
        for i in 1...stores {
            _ = try await hub.addStore(id: "S0\(i)", name: "Store \(i)", township: nil, kind: .supermarket, now: D.now)
        }
        return hub
    }

    static func report(_ hub: any HubStore, store: String, date: String, onHand: Double, upto: Int64, at iso: String = "2020-02-10T08:00:00Z")
        async throws
    {
        let change = D.stock("\(store)/rice/\(date)", at: iso, ["on_hand": .real(onHand), "sold": .real(5), "price": .int(520)])
        _ = try await hub.sync(D.request(store, replica: "\(store).dev1", upto: upto, [change]), store: store, now: D.now)
    }

    /// What the cache serves and what a fresh read gives, as the API sends them.
    static func compare(_ cache: ViewCache, _ hub: any HubStore, now: Date = D.now, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let cached = try await cache.views(date: Self.date, settings: ViewSettings(), now: now, database: hub)
        let fresh = try await hub.snapshot(date: Self.date, now: now)
        let encoder = JSONResponse.encoder
        #expect(
            try cached.supplyJSON { try $0.jsonData() } == encoder.encode(fresh.supply()), "supply", sourceLocation: sourceLocation
        )
        // The directly written JSON is the encoder's, byte for byte, in every unit.
        for unit in [nil, CommodityUnit.jin] {
            let view = fresh.supply(unit: unit)
            #expect(try view.jsonData() == encoder.encode(view), "supply JSON in \(unit?.rawValue ?? "catalog units")", sourceLocation: sourceLocation)
        }
        #expect(try encoder.encode(cached.board.reporting) == encoder.encode(fresh.reporting()), "reporting", sourceLocation: sourceLocation)
        #expect(try encoder.encode(cached.board.alerts) == encoder.encode(fresh.alerts()), "alerts", sourceLocation: sourceLocation)
        #expect(cached.snapshot.asOf == fresh.asOf, sourceLocation: sourceLocation)
    }

    @Test(arguments: Backend.all)
    func nothingNewIsAHitAndAnotherDatesSyncKeepsTheStockAndTheSupplyView(_ backend: Backend) async throws {
        let hub = try await Self.hub(backend)
        try await Self.report(hub, store: "S01", date: "2020-02-10", onHand: 100, upto: 1)
        let cache = ViewCache()
        try await Self.compare(cache, hub)
        #expect(cache.statistics == .init(hits: 0, stockKept: 0, supplyKept: 0, misses: 1))
        try await Self.compare(cache, hub)
        #expect(cache.statistics.hits == 1)

        // A report for a date outside the window: the stock window and the supply view are kept.
        try await Self.report(hub, store: "S02", date: "2020-03-01", onHand: 7, upto: 1)
        try await Self.compare(cache, hub)
        #expect(cache.statistics.stockKept == 1 && cache.statistics.supplyKept == 1 && cache.statistics.misses == 1)

        // A report for the date itself: read afresh.
        try await Self.report(hub, store: "S02", date: "2020-02-10", onHand: 50, upto: 2)
        try await Self.compare(cache, hub)
        #expect(cache.statistics.misses == 2)
        let rice = try await cache.views(date: Self.date, settings: ViewSettings(), now: D.now, database: hub).supply()
            .commodities.first { $0.commodity == "rice" }
        #expect(rice?.onHand == 150)
    }

    /// Two hub processes on one PostgreSQL database, each with its own cache: what one writes, the
    /// other's views show at once, be it a merge or a write beside the change log (a revocation).
    @Test func twoProcessesOnOnePostgreSQLDatabaseServeTheSameViews() async throws {
        guard Backend.all.contains(.postgres), let cluster = PostgresCluster.shared else { return }
        let url = try cluster.newDatabase()
        let first = try await PostgresHubStore.open(try PostgresLocation(url), now: D.now)
        let second = try await PostgresHubStore.open(try PostgresLocation(url), now: D.now)
        for i in 1...3 { _ = try await first.addStore(id: "S0\(i)", name: "Store \(i)", township: nil, kind: .supermarket, now: D.now) }
        let (cacheA, cacheB) = (ViewCache(), ViewCache())
        try await Self.report(first, store: "S01", date: "2020-02-10", onHand: 100, upto: 1)
        try await Self.compare(cacheA, first)
        try await Self.compare(cacheB, second)
        // A merge through the second process: the first's cache reads afresh.
        try await Self.report(second, store: "S02", date: "2020-02-10", onHand: 40, upto: 1)
        try await Self.compare(cacheA, first)
        let rice = try await cacheA.views(date: Self.date, settings: ViewSettings(), now: D.now, database: first).supply()
            .commodities.first { $0.commodity == "rice" }
        #expect(rice?.onHand == 140)
        // A revocation (no change-log entry) through the first: the second's cache sees it.
        try await first.revokeStore(id: "S03", now: D.now)
        let views = try await cacheB.views(date: Self.date, settings: ViewSettings(), now: D.now, database: second)
        #expect(views.snapshot.activeStores.map(\.id) == ["S01", "S02"])
        try await Self.compare(cacheB, second)
    }

    @Test func writesBesideTheChangeLogAndThePassingOfTimeAreSeen() async throws {
        let hub = try await Self.hub()
        try await Self.report(hub, store: "S01", date: "2020-02-10", onHand: 100, upto: 1)
        let cache = ViewCache()
        try await Self.compare(cache, hub)
        // A revocation writes no change-log entry; a sign-off neither: both are seen.
        try await hub.revokeStore(id: "S04", now: D.now)
        try await Self.compare(cache, hub)
        #expect(try await cache.views(date: Self.date, settings: ViewSettings(), now: D.now, database: hub).snapshot.activeStores.count == 3)
        _ = try await hub.approve(date: Self.date, note: "ok", now: D.now)
        try await Self.compare(cache, hub)
        #expect(try await cache.views(date: Self.date, settings: ViewSettings(), now: D.now, database: hub).board.reporting.approved)
        // Seven hours on, S01's device has gone stale; after the deadline the date is judged at it.
        try await Self.compare(cache, hub, now: D.now.addingTimeInterval(7 * 3600))
        try await Self.compare(cache, hub, now: D.now.addingTimeInterval(30 * 3600))
        let late = try await cache.views(date: Self.date, settings: ViewSettings(), now: D.now.addingTimeInterval(30 * 3600), database: hub)
        #expect(late.snapshot.judgedAtDeadline)
    }

    @Test func aLongRandomRunServesWhatAFreshReadGives() async throws {
        let hub = try await Self.hub(stores: 6)
        let cache = ViewCache()
        var random = SeededRandom(seed: 11)
        var upto = [String: Int64]()
        var statusDay = 0
        for step in 0..<60 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6:
                let store = "S0\(Int.random(in: 1...6, using: &random))"
                let date = Self.date.adding(days: Int.random(in: -12...3, using: &random))
                upto[store, default: 0] += 1
                try await Self.report(
                    hub, store: store, date: date.description, onHand: Double(Int.random(in: 0...500, using: &random)),
                    upto: upto[store]!, at: "2020-02-10T0\(step % 10):00:00Z"
                )
            case 6:
                statusDay += 1
                try await hub.setStoreStatus(
                    store: "S0\(Int.random(in: 1...6, using: &random))", open: Bool.random(using: &random), authority: .order,
                    reason: nil, since: Self.date.adding(days: -statusDay % 5), now: D.now
                )
            case 7:
                _ = try await hub.approve(date: Self.date, note: "step \(step)", now: D.now)
            case 8:
                try await hub.updateCatalog(id: "rice", unit: nil, nameEnglish: nil, nameChinese: nil,
                                            minDays: Int.random(in: 1...9, using: &random), now: D.now)
            default:
                break  // a refresh with nothing new
            }
            try await Self.compare(cache, hub, now: D.now.addingTimeInterval(Double(step) * 900))
        }
        let counts = cache.statistics
        #expect(counts.hits > 0 && counts.stockKept > 0 && counts.misses > 0, "\(counts)")
    }

    /// The dashboard and the supply view from a hub with the cache and one without, on one database:
    /// the same bytes, for a bearer token and for a browser session (with its CSRF token in the forms).
    @Test func cachedPagesAreTheBytesAFreshRenderGives() async throws {
        let hub = try await Self.hub()
        try await Self.report(hub, store: "S01", date: "2020-02-10", onHand: 100, upto: 1)
        let admin = try await hub.addOperator(name: "Admin", role: .admin, now: D.now)
        let session = try #require(try await hub.startSession(operatorToken: admin.token, lifetime: 3600, now: D.now))
        var clock = D.now
        let now = Mutex(D.now)
        func app(cached: Bool) -> some ApplicationProtocol {
            var context = HubContext(database: hub, logger: Logger(label: "view-cache-tests"), clock: { now.withLock { $0 } })
            if !cached { context.viewCache = nil }
            return Application(router: buildHubRouter(context))
        }
        let (cached, fresh) = (app(cached: true), app(cached: false))
        func body(_ app: some ApplicationProtocol, _ uri: String, cookie: Bool) async throws -> String {
            var headers: HTTPFields = [:]
            if cookie { headers[.cookie] = "\(HubServerSettings.sessionCookie)=\(session)" } else { headers[.authorization] = "Bearer \(admin.token)" }
            let sent = headers
            return try await app.test(.router) { client in
                try await client.execute(uri: uri, method: .get, headers: sent) { response in
                    #expect(response.status == .ok)
                    return String(buffer: response.body)
                }
            }
        }
        for round in 0..<3 {
            for uri in ["/?date=2020-02-10&lang=en", "/?date=2020-02-10&lang=zh", "/v1/views/supply?date=2020-02-10"] {
                for cookie in [false, true] {
                    let a = try await body(cached, uri, cookie: cookie)
                    let b = try await body(fresh, uri, cookie: cookie)
                    #expect(a == b, "round \(round) \(uri) cookie \(cookie)")
                    #expect(!a.contains(PageMarkers.asOf) && !a.contains(PageMarkers.csrf))
                }
            }
            // Time moves on (the "as of" line changes), then new data arrives.
            clock = clock.addingTimeInterval(600)
            now.withLock { $0 = clock }
            if round == 1 { try await Self.report(hub, store: "S02", date: "2020-02-10", onHand: 40, upto: 1) }
        }
    }

    /// The supply view's JSON written directly equals the encoder's, for views with every field
    /// present and absent, price alerts, odd prices and a converted unit.
    @Test func theSupplyJSONIsTheEncodersByteForByte() throws {
        var random = SeededRandom(seed: 2020)
        let stores = (1...40).map { Fixture.store(String(format: "S%02d", $0)) }
        var stock = [StockObservation]()
        for store in stores {
            for commodity in Commodity.defaults.map(\.id) {
                for offset in 0...7 where Int.random(in: 0..<4, using: &random) > 0 {
                    let day = Self.date.adding(days: -offset).description
                    stock.append(Fixture.stock(
                        store.id, commodity, day,
                        onHand: Bool.random(using: &random) ? Double(Int.random(in: 0...90_000, using: &random)) / 7 : nil,
                        sold: Bool.random(using: &random) ? Double(Int.random(in: 0...9_000, using: &random)) / 3 : nil,
                        price: Int.random(in: 0..<5, using: &random) > 0 ? Int64.random(in: 1...99_999, using: &random) : nil,
                        restock: Int64.random(in: 0...5, using: &random), transport: Int64.random(in: 0...3, using: &random)
                    ))
                }
            }
        }
        let snapshot = CountySnapshot(date: Self.date, asOf: D.now, stores: stores, stock: stock)
        for unit in [nil, CommodityUnit.kg, .jin] {
            let view = snapshot.supply(unit: unit)
            #expect(!view.priceAlerts.isEmpty && view.stores.count > 200)
            #expect(try view.jsonData() == JSONResponse.encoder.encode(view), "\(unit?.rawValue ?? "catalog units")")
        }
    }
}
