@testable import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// County and city hubs: a county hub's stores roll up to the city under qualified ids, exactly;
/// a county writes only its own stores; acknowledgements stay in order; notices flow down and
/// sign-offs up. The HTTP exchange is tested end to end (FederationEndToEndTests); here the county's
/// batches go straight into the city's `mergeUpstream`.
@Suite("County and city hubs")
struct FederationTests {
    typealias D = HubDatabaseTests
    typealias F = Fixture
    static let date = try! CalendarDate("2020-02-10")

    /// A county hub with stores enrolled and each store's device syncing `changes`.
    static func county(_ stores: [String: [Change]]) async throws -> HubDatabase {
        try await county(stores, on: .sqlite) as! HubDatabase
    }

    static func county(_ stores: [String: [Change]], on backend: Backend) async throws -> any TestHub {
        let hub = try await backend.open(seededAt: D.now)
        try await hub.setUpstream(url: "https://city.test:8443", token: "c.county.secret", county: nil, caPEM: nil, now: D.now)
        for (store, changes) in stores.sorted(by: { $0.key < $1.key }) {
            _ = try await hub.addStore(id: store, name: "Store \(store)", township: nil, kind: .supermarket, now: D.now)
            if !changes.isEmpty {
                let request = D.request(store, replica: "\(store).dev1", upto: Int64(changes.count), changes)
                _ = try await hub.sync(request, store: store, now: D.now)
            }
        }
        return hub
    }

    static func stock(_ store: String, _ commodity: String, onHand: Double, at iso: String = "2020-02-10T08:00:00Z") -> Change {
        D.stock("\(store)/\(commodity)/2020-02-10", at: iso, ["on_hand": .real(onHand), "sold": .real(10), "price": .int(520)])
    }

    /// Syncs a county up to the city until nothing is pending; returns how many requests it took.
    @discardableResult
    static func pump(_ county: any HubStore, to city: any HubStore, as id: String, limit: Int = 5_000) async throws -> Int {
        for round in 1...100 {
            let batch = try #require(try await county.upstreamBatch(limit: limit, now: D.now))
            let response = try await city.mergeUpstream(batch.request, county: id, now: D.now)
            try await county.recordUpstreamAnswer(response, to: batch, now: D.now)
            if !response.more && batch.request.pending == 0 { return round }
        }
        Issue.record("the county never caught up")
        return 0
    }

    static func city(_ counties: [String], on backend: Backend = .sqlite) async throws -> (any TestHub, [String: String]) {
        let city = try await backend.open(seededAt: D.now)
        var tokens = [String: String]()
        for id in counties { tokens[id] = try await city.addCounty(id: id, name: "County \(id)", now: D.now) }
        return (city, tokens)
    }

    static func onHand(_ view: SupplyView, _ commodity: String) -> Double? {
        view.commodities.first { $0.commodity == commodity }?.onHand
    }

    @Test(arguments: Backend.all) func twoCountiesWithTheSameStoreIdsRollUpExactly(_ backend: Backend) async throws {
        let yongxing = try await Self.county([
            "S01": [Self.stock("S01", "rice", onHand: 100), D.checkpoint("S01/2020-02-10", at: "2020-02-10T08:00:00Z", ["checked": 10])],
            "S02": [Self.stock("S02", "rice", onHand: 50)],
        ])
        // A second device of S01 at the same county: its count adds at the city as at the county.
        _ = try await yongxing.sync(
            D.request("S01", replica: "S01.dev2", upto: 1, [D.checkpoint("S01/2020-02-10", at: "2020-02-10T09:00:00Z", ["checked": 5])]),
            store: "S01", now: D.now
        )
        let anren = try await Self.county(["S01": [Self.stock("S01", "rice", onHand: 200), Self.stock("S01", "oil", onHand: 30)]])
        let (city, _) = try await Self.city(["yongxing", "anren"], on: backend)
        try await Self.pump(yongxing, to: city, as: "yongxing")
        try await Self.pump(anren, to: city, as: "anren")

        let snapshot = try await city.snapshot(date: Self.date, now: D.now)
        #expect(snapshot.stores.map(\.id).sorted() == ["anren.S01", "yongxing.S01", "yongxing.S02"])
        #expect(snapshot.stores.allSatisfy { $0.county == UpstreamProtocol.county(of: $0.id) })
        #expect(Self.onHand(snapshot.supply(), "rice") == 350)
        #expect(snapshot.checkpointTotals().checked == 15)

        // Each county's rows at the city read exactly as the county's own view.
        let grouped = snapshot.supplyByCounty()
        for (id, county) in [("yongxing", yongxing), ("anren", anren)] {
            let own = try await county.snapshot(date: Self.date, now: D.now).supply().commodities
            let rows = grouped.rows.filter { $0.county == id }.map(\.line)
            #expect(rows == own, "county \(id)")
        }
        #expect(grouped.total == snapshot.supply().commodities)
        let checkpoints = snapshot.checkpointsByCounty()
        #expect(checkpoints.rows.map { [$0.county ?? "-": $0.view.checked] } == [["anren": 0], ["yongxing": 15]])

        // A replay of everything changes no figure and merges nothing.
        let logBefore = try await city.count("change_log")
        var replay = try #require(try await yongxing.upstreamBatch(limit: 5_000, now: D.now)).request
        replay.acked = 0
        replay.changes = try await yongxing.writer.read { db in
            try RecordStore.upwardChanges(after: 0, limit: 100, excludingReplica: "city", in: db).map(\.change)
        }
        let answer = try await city.mergeUpstream(replay, county: "yongxing", now: D.now)
        #expect(answer.merged == 0)
        #expect(try await city.count("change_log") == logBefore)
        #expect(Self.onHand(try await city.snapshot(date: Self.date, now: D.now).supply(), "rice") == 350)
    }

    @Test(arguments: Backend.all) func aCountyWritesOnlyItsOwnStoresAndARefusalChangesNothing(_ backend: Backend) async throws {
        let yongxing = try await Self.county(["S01": [Self.stock("S01", "rice", onHand: 100)]], on: backend)
        let (city, _) = try await Self.city(["yongxing", "anren"], on: backend)
        try await Self.pump(yongxing, to: city, as: "yongxing")
        let before = try await city.fingerprint()
        let good = try #require(try await yongxing.upstreamBatch(limit: 5_000, now: D.now)).request

        func refused(_ request: UpstreamRequest, as county: String = "yongxing") async -> DomainError? {
            await #expect(throws: DomainError.self) { try await city.mergeUpstream(request, county: county, now: D.now) }
        }
        // Claiming to be another county (a token set at the wrong county hub).
        var claim = good
        claim.county = "anren"
        #expect(await refused(claim)?.code == .forbidden)
        // The city's reference data is not a county's to write.
        var catalog = good
        catalog.changes = [Change(set: "catalog", key: "rice", timestamp: F.hlc("2020-02-10T08:00:00Z"), replica: "hub",
                                  fields: ["min_days": .int(1)])]
        #expect(await refused(catalog)?.code == .forbidden)
        // A store the county never registered.
        var unknown = good
        unknown.changes = [Change(set: "stock", key: "S09/rice/2020-02-10", timestamp: F.hlc("2020-02-10T08:00:00Z"),
                                  replica: "S09.dev1", fields: ["on_hand": .real(1)])]
        #expect(await refused(unknown)?.field == "key")
        // One store's device writing another store's record.
        var borrowed = good
        borrowed.changes = [Change(set: "stock", key: "S01/rice/2020-02-10", timestamp: F.hlc("2020-02-10T08:00:00Z"),
                                   replica: "S02.dev1", fields: ["on_hand": .real(1)])]
        #expect(await refused(borrowed)?.code == .wrongStore)
        // A change without its replica.
        var anonymous = good
        anonymous.changes = [Self.stock("S01", "rice", onHand: 1)]
        #expect(await refused(anonymous)?.field == "r")
        #expect(try await city.fingerprint() == before)

        // A revoked county is refused even with a batch that was fine.
        try await city.revokeCounty(id: "yongxing", now: D.now)
        let revoked = try await city.fingerprint()
        #expect(await refused(good)?.code == .forbidden)
        #expect(try await city.fingerprint() == revoked)
    }

    @Test(arguments: Backend.all) func theCityAcknowledgesACountysLogInOrderAndANewLogFromZero(_ backend: Backend) async throws {
        let yongxing = try await Self.county(["S01": (1...30).map { Self.stock("S01", "c\($0)", onHand: Double($0)) }], on: backend)
        try await yongxing.updateCatalog(id: "c1", unit: .kg, nameEnglish: nil, nameChinese: nil, minDays: nil, now: D.now)
        let (city, _) = try await Self.city(["yongxing"], on: backend)
        // Small batches: several requests, and the city holds the whole log at the end.
        let rounds = try await Self.pump(yongxing, to: city, as: "yongxing", limit: 7)
        #expect(rounds >= 5)
        let status = try #require(try await yongxing.upstreamStatus())
        #expect(status.pending == 0 && status.county == "yongxing" && status.lastError == nil)
        // A new token for the same city keeps the county learned from it: a token of another county
        // would be refused by the city, not take this county's records under its name.
        try await yongxing.setUpstream(url: "https://city.test:8443", token: "c.anren.secret", county: nil, caPEM: nil, now: D.now)
        #expect(try await yongxing.upstreamStatus()?.county == "yongxing")
        let claim = try #require(try await yongxing.upstreamBatch(limit: 5, now: D.now)).request
        let refused = await #expect(throws: DomainError.self) { try await city.mergeUpstream(claim, county: "anren", now: D.now) }
        #expect(refused?.code == .forbidden && refused?.field == "county")

        // A county that believes the city holds more than it does is told what the city holds.
        var ahead = try #require(try await yongxing.upstreamBatch(limit: 5, now: D.now)).request
        ahead.acked += 1_000
        ahead.upto = ahead.acked + 5
        let answer = try await city.mergeUpstream(ahead, county: "yongxing", now: D.now)
        #expect(answer.acked == status.ackedSeq)
        // A county hub restored from an older backup believes the city holds less, and its log grows
        // anew from there: the city acknowledges only what the batch covers, never its own position
        // in the old log, so the county sends everything after it again.
        var behind = ahead
        behind.acked = 2
        behind.upto = 4
        #expect(try await city.mergeUpstream(behind, county: "yongxing", now: D.now).acked == 4)
        // A rebuilt county hub starts a new log: acknowledged from 0, not from the old log's position.
        var fresh = ahead
        fresh.log = "log-rebuilt"
        fresh.acked = 0
        fresh.upto = 3
        #expect(try await city.mergeUpstream(fresh, county: "yongxing", now: D.now).acked == 3)
    }

    @Test(arguments: Backend.all) func noticesFlowDownAndSignOffsFlowUp(_ backend: Backend) async throws {
        let yongxing = try await Self.county(["S01": [Self.stock("S01", "rice", onHand: 100)]], on: backend)
        let (city, _) = try await Self.city(["yongxing"], on: backend)
        let notice = try await city.postNotice("全市统一调运 city-wide dispatch", now: D.now)
        try await Self.pump(yongxing, to: city, as: "yongxing")
        let notices = try await yongxing.notices()
        #expect(notices.contains { $0.id == notice && $0.text == "全市统一调运 city-wide dispatch" })
        // It reaches the county's stores at their next sync.
        let down = try await yongxing.sync(D.request("S01", replica: "S01.dev1", upto: 0, []), store: "S01", now: D.now)
        #expect(down.changes.contains { $0.set == "notices" && $0.key == notice && $0.replica == UpstreamProtocol.cityReplica })
        // Nothing the city sent goes back up.
        #expect(try await yongxing.upstreamStatus()?.pending == 0)

        var row = try await city.snapshot(date: Self.date, now: D.now).reportingByCounty().rows.first
        #expect(row?.county == "yongxing" && row?.approved == false)
        let approval = try await yongxing.approve(date: Self.date, note: "核实 checked", now: D.now)
        try await Self.pump(yongxing, to: city, as: "yongxing")
        row = try await city.snapshot(date: Self.date, now: D.now).reportingByCounty().rows.first
        #expect(row?.approved == true && row?.approvedAt == approval.approvedAt && row?.approvalNote == "核实 checked")
        #expect(row?.expected == 1 && row?.reported == 1)

        try await yongxing.unapprove(date: Self.date, now: D.now.addingTimeInterval(60))
        try await Self.pump(yongxing, to: city, as: "yongxing")
        row = try await city.snapshot(date: Self.date, now: D.now).reportingByCounty().rows.first
        #expect(row?.approved == false)
    }

    @Test(arguments: Backend.all) func countyTokensAuthenticateOnlyWhileLive(_ backend: Backend) async throws {
        let (city, tokens) = try await Self.city(["yongxing"], on: backend)
        let token = try #require(tokens["yongxing"])
        #expect(try await city.authenticate(token: token) == .county("yongxing"))
        #expect(try await city.authenticate(token: String(token.dropLast()) + "x") == nil)
        let rotated = try await city.rotateCountyToken(id: "yongxing", now: D.now)
        #expect(try await city.authenticate(token: token) == nil)
        #expect(try await city.authenticate(token: rotated) == .county("yongxing"))
        try await city.revokeCounty(id: "yongxing", now: D.now)
        #expect(try await city.authenticate(token: rotated) == nil)

        let duplicate = await #expect(throws: DomainError.self) { try await city.addCounty(id: "yongxing", name: "Again", now: D.now) }
        #expect(duplicate?.code == .exists)
        let dotted = await #expect(throws: DomainError.self) { try await city.addCounty(id: "yong.xing", name: "Dotted", now: D.now) }
        #expect(dotted?.code == .invalidIdentifier)
        // A store enrolled at the city cannot take a county's prefix.
        let prefixed = await #expect(throws: DomainError.self) {
            try await city.addStore(id: "yongxing.S01", name: "Impostor", township: nil, kind: .supermarket, now: D.now)
        }
        #expect(prefixed?.code == .exists)
    }

    @Test func upstreamSetRefusesWhatCannotWorkAndPlainHTTPBeyondThisMachine() async throws {
        let hub = try D.hubSeeded(at: D.now)
        func refused(_ url: String, _ token: String = "c.yongxing.secret", insecure: Bool = false) async -> DomainError? {
            await #expect(throws: DomainError.self) {
                try await hub.setUpstream(url: url, token: token, county: nil, caPEM: nil, allowInsecureHTTP: insecure, now: D.now)
            }
        }
        #expect(await refused("http://10.0.0.5:8080")?.field == "url")
        #expect(await refused("ftp://city.example")?.field == "url")
        #expect(await refused("https://city.example", "s.S01.secret")?.field == "token")
        #expect(try await hub.upstreamStatus() == nil, "nothing was set")
        try await hub.setUpstream(
            url: "http://10.0.0.5:8080", token: "c.yongxing.secret", county: nil, caPEM: nil, allowInsecureHTTP: true, now: D.now
        )
        try await hub.setUpstream(url: "https://city.example", token: "c.yongxing.secret", county: "yongxing", caPEM: nil, now: D.now)
        #expect(try await hub.upstreamStatus()?.url == "https://city.example")
    }

    @Test(arguments: Backend.all) func onlyACountyTokenMaySyncUpward(_ backend: Backend) async throws {
        let (city, tokens) = try await Self.city(["yongxing"], on: backend)
        let store = try await city.addStore(id: "S01", name: "City store", township: nil, kind: .supermarket, now: D.now)
        let op = try await city.addOperator(name: "Duty officer", now: D.now)
        let context = HubContext(database: city, logger: Logger(label: "federation-tests"), clock: { D.now })
        let app = Application(router: buildHubRouter(context))
        let body = #"{"protocol":1,"schema":2,"log":"log-1","cursor":0,"upto":0,"acked":0,"pending":0,"sent_at":1581336000000,"changes":[]}"#
        try await app.test(.router) { client in
            for (token, status, code) in [
                (nil, HTTPResponse.Status.unauthorized, "unauthorized"), (store, .forbidden, "forbidden"),
                (op.token, .forbidden, "forbidden"), ("c.yongxing." + String(repeating: "0", count: 64), .unauthorized, "unauthorized"),
            ] {
                try await client.execute(
                    uri: "/v1/upstream/sync", method: .post, headers: HubRouteTests.headers(bearer: token), body: ByteBuffer(string: body)
                ) { response in try HubRouteTests.expectError(response, status, code) }
            }
            try await client.execute(
                uri: "/v1/upstream/sync", method: .post, headers: HubRouteTests.headers(bearer: tokens["yongxing"]),
                body: ByteBuffer(string: "{\"protocol\":1}")
            ) { response in try HubRouteTests.expectError(response, .badRequest, "bad_request") }
            try await client.execute(
                uri: "/v1/upstream/sync", method: .post, headers: HubRouteTests.headers(bearer: tokens["yongxing"]),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                let answer = try JSONDecoder().decode(UpstreamResponse.self, from: Data(String(buffer: response.body).utf8))
                #expect(answer.county == "yongxing" && answer.acked == 0)
            }
            // A county token is no operator: the views and the dashboard refuse it.
            try await client.execute(uri: "/v1/views/supply", method: .get, headers: HubRouteTests.headers(bearer: tokens["yongxing"])) {
                response in try HubRouteTests.expectError(response, .forbidden, "forbidden")
            }
        }
    }
}
