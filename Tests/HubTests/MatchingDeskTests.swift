@testable import BaogongHub
import BaogongModel
import Foundation
import Testing

/// The matching desk at the hub: allocation in one transaction, answers folded into a match's
/// status, matches synced to the two parties only, replays changing nothing.
@Suite("Matching desk")
struct MatchingDeskTests {
    static let now = Fixture.instant("2020-02-20T01:00:00Z")
    static let ms = UInt64(now.timeIntervalSince1970 * 1000)

    /// A hub with store S01, store S02 and supplier F01.
    static func makeHub(path: String? = nil) async throws -> HubDatabase {
        try await makeHub(path.map { try HubDatabase.open(path: $0, now: now) } ?? HubDatabase.inMemory(now: now)) as! HubDatabase
    }

    static func makeHub(_ backend: Backend) async throws -> any TestHub {
        try await makeHub(backend.open(seededAt: now))
    }

    static func makeHub(_ db: any TestHub) async throws -> any TestHub {
        _ = try await db.addStore(id: "S01", name: "Shengyuan 1", township: "Town", kind: .supermarket, now: now)
        _ = try await db.addStore(id: "S02", name: "Duolefu", township: "Town", kind: .supermarket, now: now)
        _ = try await db.addStore(id: "F01", name: "Yangtang grower", township: "Yangtang", kind: .supplier, now: now)
        return db
    }

    static func change(_ set: RecordSetSchema, _ key: String, _ fields: [String: FieldValue], at offset: UInt64 = 0) -> Change {
        Change(set: set.name, key: key, timestamp: HLCTimestamp(milliseconds: ms + offset, counter: 0), replica: nil, fields: fields)
    }

    static func request(_ store: String, _ changes: [Change], upto: Int64, schema: Int = SyncProtocol.schemaVersion) -> SyncRequest {
        SyncRequest(
            schemaVersion: schema, store: store, replica: "\(store).dev1", cursor: 0, upto: upto, pending: 0,
            sentAt: Int64(ms), changes: changes
        )
    }

    static func need(_ store: String, _ id: String, _ quantity: Double, commodity: String = "vegetables", variety: String? = nil)
        -> Change
    {
        var f: [String: FieldValue] = [
            "commodity": .text(commodity), "quantity": .real(quantity), "by": .text("2020-02-22"),
            "posted_at": .text("2020-02-20T00:50:00Z"), "status": .text("open"),
        ]
        if let variety { f["variety"] = .text(variety) }
        return change(.need, "\(store)/\(id)", f)
    }

    static func offer(_ store: String, _ id: String, _ quantity: Double, commodity: String = "vegetables") -> Change {
        change(.offer, "\(store)/\(id)", [
            "commodity": .text(commodity), "quantity": .real(quantity), "until": .text("2020-02-25"),
            "posted_at": .text("2020-02-19T12:00:00Z"), "status": .text("open"),
        ])
    }

    static func answer(_ store: String, _ match: String, _ answer: MatchAnswer, received: Double? = nil, at offset: UInt64 = 1000)
        -> Change
    {
        var f: [String: FieldValue] = ["answer": .text(answer.rawValue)]
        if let received { f["received"] = .real(received) }
        return change(.matchAnswer, "\(store)/\(match)", f, at: offset)
    }

    @Test("confirming never allocates a need or an offer beyond its quantity", arguments: Backend.all)
    func overAllocation(_ backend: Backend) async throws {
        let db = try await Self.makeHub(backend)
        _ = try await db.sync(Self.request("S01", [Self.need("S01", "n-1", 1500)], upto: 1), store: "S01", now: Self.now)
        _ = try await db.sync(Self.request("S02", [Self.need("S02", "n-2", 1000)], upto: 1), store: "S02", now: Self.now)
        _ = try await db.sync(Self.request("F01", [Self.offer("F01", "o-1", 1750)], upto: 1), store: "F01", now: Self.now)

        let first = try await db.confirmMatch(need: "n-1", offer: "o-1", quantity: 1500, reason: nil, now: Self.now)
        #expect(first.status == .confirmed)
        #expect(first.minutesToMatch == 10)
        let needFull = await #expect(throws: DomainError.self) {
            _ = try await db.confirmMatch(need: "n-1", offer: "o-1", quantity: 0.5, reason: nil, now: Self.now)
        }
        #expect(needFull?.code == .overAllocated)
        let offerShort = await #expect(throws: DomainError.self) {
            _ = try await db.confirmMatch(need: "n-2", offer: "o-1", quantity: 300, reason: nil, now: Self.now)
        }
        #expect(offerShort?.code == .overAllocated)
        #expect(offerShort?.message.contains("at most 250") == true)
        _ = try await db.confirmMatch(need: "S02/n-2", offer: "F01/o-1", quantity: 250, reason: nil, now: Self.now)

        let book = try await db.matchingBook()
        #expect(book.offers.first?.remaining == 0)
        #expect(book.needs.first { $0.id == "n-2" }?.remaining == 750)
    }

    @Test("refusals name the problem: unknown ids, cancelled needs, other commodities, one site on both sides", arguments: Backend.all)
    func refusals(_ backend: Backend) async throws {
        let db = try await Self.makeHub(backend)
        _ = try await db.sync(
            Self.request("S01", [Self.need("S01", "n-1", 100), Self.need("S01", "n-rice", 100, commodity: "rice"),
                                 Self.offer("S01", "o-own", 100)], upto: 3),
            store: "S01", now: Self.now
        )
        _ = try await db.sync(Self.request("F01", [Self.offer("F01", "o-1", 100)], upto: 1), store: "F01", now: Self.now)
        let before = try await db.fingerprint()
        let cases: [(String, String, DomainError.Code)] = [
            ("n-404", "o-1", .notFound), ("n-1", "o-404", .notFound), ("n-rice", "o-1", .mismatch), ("n-1", "o-own", .mismatch),
        ]
        for (need, offer, code) in cases {
            let error = await #expect(throws: DomainError.self) {
                _ = try await db.confirmMatch(need: need, offer: offer, quantity: 10, reason: nil, now: Self.now)
            }
            #expect(error?.code == code, "\(need) × \(offer)")
        }
        _ = try await db.sync(
            Self.request("S01", [Self.change(.need, "S01/n-1", ["status": .text("cancelled")], at: 5)], upto: 4),
            store: "S01", now: Self.now
        )
        let cancelled = await #expect(throws: DomainError.self) {
            _ = try await db.confirmMatch(need: "n-1", offer: "o-1", quantity: 10, reason: nil, now: Self.now)
        }
        #expect(cancelled?.code == .notOpen)
        #expect(try await db.count("match") == 0)
        #expect(try await db.fingerprint()["match"] == before["match"])
    }

    @Test("answers move a match: both accept, then receipt delivers; a decline releases the quantity; replays change nothing", arguments: Backend.all)
    func answers(_ backend: Backend) async throws {
        let db = try await Self.makeHub(backend)
        _ = try await db.sync(Self.request("S01", [Self.need("S01", "n-1", 1500)], upto: 1), store: "S01", now: Self.now)
        _ = try await db.sync(Self.request("F01", [Self.offer("F01", "o-1", 1500)], upto: 1), store: "F01", now: Self.now)
        let m = try await db.confirmMatch(need: "n-1", offer: "o-1", quantity: 1500, reason: nil, now: Self.now)

        _ = try await db.sync(Self.request("F01", [Self.answer("F01", m.id, .accepted)], upto: 2), store: "F01", now: Self.now)
        #expect(try await db.matchingBook().matches.first?.status == .confirmed)
        _ = try await db.sync(Self.request("S01", [Self.answer("S01", m.id, .accepted)], upto: 2), store: "S01", now: Self.now)
        #expect(try await db.matchingBook().matches.first?.status == .accepted)

        let receipt = Self.request("S01", [Self.answer("S01", m.id, .accepted, received: 1500, at: 2000)], upto: 3)
        _ = try await db.sync(receipt, store: "S01", now: Self.now)
        let delivered = try #require(try await db.matchingBook().matches.first)
        #expect(delivered.status == .delivered)
        #expect(delivered.received == 1500)

        // A later decline cannot undo a delivery, and replaying the receipt changes nothing but the
        // bookkeeping of the sync itself (how often the device was heard).
        let before = try await db.fingerprint()
        let replay = try await db.sync(receipt, store: "S01", now: Self.now)
        #expect(replay.merged == 0)
        var after = try await db.fingerprint()
        // The device's status row, and the views' counter that notes its change.
        for table in ["replica_status", "view_version"] { after[table] = before[table] }
        #expect(after == before)
        _ = try await db.sync(Self.request("F01", [Self.answer("F01", m.id, .declined, at: 3000)], upto: 3), store: "F01", now: Self.now)
        #expect(try await db.matchingBook().matches.first?.status == .delivered)

        // A second match declined by the supplier releases its quantity for another offer.
        _ = try await db.sync(Self.request("S02", [Self.need("S02", "n-2", 500)], upto: 1), store: "S02", now: Self.now)
        _ = try await db.sync(Self.request("F01", [Self.offer("F01", "o-2", 500)], upto: 4), store: "F01", now: Self.now)
        let second = try await db.confirmMatch(need: "n-2", offer: "o-2", quantity: 500, reason: nil, now: Self.now)
        var decline = Self.answer("F01", second.id, .declined, at: 4000)
        decline.fields["reason"] = .text("truck broke down")
        _ = try await db.sync(Self.request("F01", [decline], upto: 5), store: "F01", now: Self.now)
        let declined = try #require(try await db.matchingBook().matches.first { $0.id == second.id })
        #expect(declined.status == .declined)
        #expect(declined.reason == "truck broke down")
        #expect(try await db.matchingBook().needs.first { $0.id == "n-2" }?.remaining == 500)
        _ = try await db.confirmMatch(need: "n-2", offer: "o-2", quantity: 500, reason: nil, now: Self.now)
    }

    @Test("a match syncs down to its two sites only, and not to agents of schema 1", arguments: Backend.all)
    func audience(_ backend: Backend) async throws {
        let db = try await Self.makeHub(backend)
        _ = try await db.sync(Self.request("S01", [Self.need("S01", "n-1", 100)], upto: 1), store: "S01", now: Self.now)
        _ = try await db.sync(Self.request("F01", [Self.offer("F01", "o-1", 100)], upto: 1), store: "F01", now: Self.now)
        let m = try await db.confirmMatch(need: "n-1", offer: "o-1", quantity: 100, reason: nil, now: Self.now)
        func matchKeys(_ store: String, schema: Int = SyncProtocol.schemaVersion) async throws -> [String] {
            let answer = try await db.sync(Self.request(store, [], upto: 0, schema: schema), store: store, now: Self.now)
            return answer.changes.filter { $0.set == "match" }.map(\.key)
        }
        #expect(try await matchKeys("S01") == ["S01/\(m.id)"])
        #expect(try await matchKeys("F01") == ["F01/\(m.id)"])
        #expect(try await matchKeys("S02").isEmpty)
        #expect(try await matchKeys("S01", schema: 1).isEmpty)
        let fromOld = #expect(throws: DomainError.self) {
            _ = try SyncValidation.validate(Self.request("S01", [Self.need("S01", "n-9", 1)], upto: 1, schema: 1), authenticatedStore: "S01")
        }
        #expect(fromOld?.code == .unknownRecordSet)
        #expect(fromOld?.change == 0)
    }

    @Test("a store cannot write another site's need, nor a match")
    func ownership() async throws {
        let forged = #expect(throws: DomainError.self) {
            _ = try SyncValidation.validate(Self.request("S01", [Self.need("S02", "n-1", 1)], upto: 1), authenticatedStore: "S01")
        }
        #expect(forged?.code == .wrongStore)
        let match = #expect(throws: DomainError.self) {
            _ = try SyncValidation.validate(
                Self.request("S01", [Self.change(.match, "S01/m-1", ["status": .text("delivered")])], upto: 1),
                authenticatedStore: "S01"
            )
        }
        #expect(match?.code == .wrongStore)
    }

    /// Any interleaving of confirms, declines and cancels, run concurrently against one database file,
    /// leaves no need or offer over-allocated; replaying every sync afterwards changes nothing.
    @Test(
        "property: concurrent confirms, declines and cancels never over-allocate; replays change nothing",
        arguments: Backend.all, 0..<12
    )
    func interleavings(_ backend: Backend, seed: UInt64) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("matching-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = backend == .sqlite
            ? try await Self.makeHub(path: dir.appendingPathComponent("hub.sqlite").path) : try await Self.makeHub(backend)
        var random = SeededRandom(seed: seed)
        let sites = ["S01", "S02", "F01"]
        var upto = [String: Int64]()
        var sent = [(String, SyncRequest)]()
        func send(_ store: String, _ changes: [Change]) async throws {
            upto[store, default: 0] += Int64(changes.count)
            let request = Self.request(store, changes, upto: upto[store]!)
            sent.append((store, request))
            _ = try await db.sync(request, store: store, now: Self.now)
        }
        for (i, store) in sites.enumerated() {
            let needs = (0..<3).map { Self.need(store, "n-\(i)\($0)", Double(Int.random(in: 5...40, using: &random))) }
            let offers = (0..<3).map { Self.offer(store, "o-\(i)\($0)", Double(Int.random(in: 5...40, using: &random))) }
            try await send(store, needs + offers)
        }
        let book = try await db.matchingBook()
        enum Operation: Sendable {
            case confirm(need: String, offer: String, quantity: Double)
            case decline(store: String, index: Int, offset: UInt64)
            case cancelNeed(key: String, offset: UInt64)
            case cancelMatch(index: Int)
        }
        var operations = [Operation]()
        for step in 0..<40 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<6:
                let n = book.needs.randomElement(using: &random)!, o = book.offers.randomElement(using: &random)!
                operations.append(.confirm(need: "\(n.store)/\(n.id)", offer: "\(o.store)/\(o.id)",
                                           quantity: Double(Int.random(in: 1...15, using: &random))))
            case 6..<8:
                operations.append(.decline(store: sites.randomElement(using: &random)!, index: Int.random(in: 0..<40, using: &random),
                                           offset: UInt64(10_000 + step)))
            case 8:
                let n = book.needs.randomElement(using: &random)!
                operations.append(.cancelNeed(key: "\(n.store)/\(n.id)", offset: UInt64(10_000 + step)))
            default:
                operations.append(.cancelMatch(index: Int.random(in: 0..<40, using: &random)))
            }
        }
        // Two workers take the operations in turn and run them at once against the same file.
        let collected = try await withThrowingTaskGroup(of: [(String, SyncRequest)].self) { group in
            for worker in 0..<2 {
                let mine = operations.enumerated().filter { $0.offset % 2 == worker }.map(\.element)
                group.addTask {
                    var requests = [(String, SyncRequest)]()
                    var counter: Int64 = 1000 * Int64(worker + 1)
                    for operation in mine {
                        switch operation {
                        case .confirm(let need, let offer, let quantity):
                            do {
                                _ = try await db.confirmMatch(need: need, offer: offer, quantity: quantity, reason: nil, now: Self.now)
                            } catch let error as DomainError
                                where [.overAllocated, .notOpen, .mismatch].contains(error.code) {}
                        case .decline(let store, let index, let offset):
                            let matches = try await db.matchingBook().matches.filter { $0.store == store || $0.supplier == store }
                            guard !matches.isEmpty else { continue }
                            let m = matches[index % matches.count]
                            counter += 1
                            let request = SyncRequest(
                                store: store, replica: "\(store).w\(worker)", cursor: 0, upto: counter, pending: 0, sentAt: Int64(Self.ms),
                                changes: [Self.answer(store, m.id, .declined, at: offset)]
                            )
                            requests.append((store, request))
                            _ = try await db.sync(request, store: store, now: Self.now)
                        case .cancelNeed(let key, let offset):
                            let store = String(key.split(separator: "/")[0])
                            counter += 1
                            let request = SyncRequest(
                                store: store, replica: "\(store).w\(worker)", cursor: 0, upto: counter, pending: 0, sentAt: Int64(Self.ms),
                                changes: [Self.change(.need, key, ["status": .text("cancelled")], at: offset)]
                            )
                            requests.append((store, request))
                            _ = try await db.sync(request, store: store, now: Self.now)
                        case .cancelMatch(let index):
                            let open = try await db.matchingBook().matches.filter { !$0.status.isFinal }
                            guard !open.isEmpty else { continue }
                            do {
                                _ = try await db.cancelMatch(id: open[index % open.count].id, reason: "test", now: Self.now)
                            } catch let error as DomainError where error.code == .notOpen {}  // the other worker got there first
                        }
                    }
                    return requests
                }
            }
            var all = [(String, SyncRequest)]()
            for try await requests in group { all += requests }
            return all
        }
        sent += collected

        let after = try await db.matchingBook()
        #expect(!after.matches.isEmpty)
        for n in after.needs { #expect(n.allocated <= n.quantity + 1e-9, "need \(n.store)/\(n.id) over-allocated") }
        for o in after.offers { #expect(o.allocated <= o.quantity + 1e-9, "offer \(o.store)/\(o.id) over-allocated") }
        // Two records per match, and both parties' records agree on its status.
        #expect(try await db.count("match") == 2 * after.matches.count)

        let before = try await db.fingerprint()
        for (store, request) in sent {
            let replay = try await db.sync(request, store: store, now: Self.now)
            #expect(replay.merged == 0)
        }
        var settled = try await db.fingerprint()
        // Replays move only bookkeeping of the sync itself (sync counts, last heard, and the views'
        // counter that notes it), never the desk.
        for table in ["replica_status", "meta", "view_version"] { settled[table] = before[table] }
        #expect(settled == before)
    }
}

@Suite("Matching views")
struct MatchingViewTests {
    static let today = Fixture.date("2020-02-20")

    @Test("the folding of answers into a status")
    func folding() {
        #expect(MatchStatus.folding(.confirmed, needAnswer: nil, offerAnswer: .accepted, received: nil) == .confirmed)
        #expect(MatchStatus.folding(.confirmed, needAnswer: .accepted, offerAnswer: .accepted, received: nil) == .accepted)
        #expect(MatchStatus.folding(.accepted, needAnswer: .accepted, offerAnswer: .declined, received: nil) == .declined)
        #expect(MatchStatus.folding(.confirmed, needAnswer: nil, offerAnswer: nil, received: 10) == .delivered)
        #expect(MatchStatus.folding(.declined, needAnswer: .accepted, offerAnswer: .accepted, received: 10) == .declined)
        #expect(MatchStatus.folding(.cancelled, needAnswer: nil, offerAnswer: nil, received: 10) == .cancelled)
    }

    /// The worked example of docs/views.md, "Ranking suggestions".
    @Test("ranking: what arrives in time first, then urgency, then transport days")
    func ranking() throws {
        let stores = [
            StoreInfo(id: "shengyuan-1", name: "Shengyuan 1", township: "Town", kind: .supermarket, revoked: false),
            StoreInfo(id: "duolefu", name: "Duolefu", township: "Town", kind: .supermarket, revoked: false),
            StoreInfo(id: "yangtang", name: "Yangtang grower", township: "Yangtang", kind: .supplier, revoked: false),
            StoreInfo(id: "town-farm", name: "Town farm", township: "Town", kind: .supplier, revoked: false),
        ]
        let needs = [
            NeedPosting(id: "n-a", store: "shengyuan-1", commodity: "vegetables", variety: "Chinese cabbage", quantity: 1500,
                        by: "2020-02-21", note: nil, postedAt: nil, status: .open),
            NeedPosting(id: "n-b", store: "duolefu", commodity: "vegetables", variety: nil, quantity: 800, by: "2020-02-25",
                        note: nil, postedAt: nil, status: .open),
        ]
        let offers = [
            OfferPosting(id: "o-y", store: "yangtang", commodity: "vegetables", variety: "Chinese cabbage", quantity: 1750,
                         until: nil, location: "Yangtang", priceFen: nil, postedAt: nil, status: .open),
            OfferPosting(id: "o-t", store: "town-farm", commodity: "vegetables", variety: "red cabbage stalks", quantity: 500,
                         until: nil, location: nil, priceFen: nil, postedAt: nil, status: .open),
        ]
        let supply = [
            StoreSupply(store: "shengyuan-1", commodity: "vegetables", onHand: 40, avgDailySales: 100, daysOfSupply: 0.4,
                        band: .critical, reportedToday: true, price: nil, leadDays: 2),
            StoreSupply(store: "duolefu", commodity: "vegetables", onHand: 900, avgDailySales: 150, daysOfSupply: 6,
                        band: .adequate, reportedToday: true, price: nil, leadDays: 2),
        ]
        let view = MatchingView(
            book: MatchingBook(needs: needs, offers: offers, matches: []), stores: stores, catalog: Commodity.defaults,
            today: Self.today, transportDays: ["shengyuan-1/vegetables": 3]
        )
        let rows = view.suggestions(supply: supply)
        // n-a × o-t is not a pair (Chinese cabbage against red cabbage stalks).
        #expect(rows.map { "\($0.need)×\($0.offer)" } == ["n-b×o-t", "n-b×o-y", "n-a×o-y"])
        // n-a is the most urgent (0.4 − 2 = −1.6 days), but Yangtang is 3 days away and the need is due
        // tomorrow: it cannot arrive in time, so the pairs that can come first; of those, the one from
        // the same township (0 days) before the one from Yangtang (1 day, Duolefu's default).
        #expect(rows[2].arrivesInTime == false)
        #expect(rows[2].transportDays == 3)
        #expect(close(rows[2].urgencyDays, -1.6))
        #expect(rows[2].reason.contains("cannot arrive by the need-by date"))
        #expect(rows[0].transportDays == 0)
        #expect(rows[0].quantity == 500)
        #expect(rows[1].transportDays == 1)
        #expect(rows[1].quantity == 800)
    }

    @Test("stats: delivered per commodity and nearest-rank percentiles of time to match")
    func stats() {
        func match(_ id: String, minutes: Double, status: MatchStatus, received: Double?) -> MatchRecord {
            let confirmed = Fixture.instant("2020-02-20T02:00:00Z")
            return MatchRecord(
                id: id, need: "n-\(id)", offer: "o-\(id)", store: "S01", supplier: "F01", commodity: "vegetables", variety: nil,
                quantity: 100, unit: "kg", status: status, postedAt: Timestamps.iso(confirmed.addingTimeInterval(-minutes * 60)),
                confirmedAt: Timestamps.iso(confirmed), received: received, closedAt: nil, reason: nil
            )
        }
        let matches = [
            match("1", minutes: 8, status: .delivered, received: 90), match("2", minutes: 20, status: .delivered, received: 100),
            match("3", minutes: 40, status: .declined, received: nil), match("4", minutes: 120, status: .confirmed, received: nil),
        ]
        let view = MatchingView(book: MatchingBook(needs: [], offers: [], matches: matches), stores: [], catalog: Commodity.defaults,
                                today: Self.today)
        let stats = view.stats()
        #expect(stats.matches == 4)
        #expect(stats.delivered == ["vegetables": 190])
        #expect(stats.minutesToMatchP50 == 20)
        #expect(stats.minutesToMatchP90 == 120)
        #expect(view.stats(from: Fixture.date("2020-02-21")).matches == 0)
    }
}
