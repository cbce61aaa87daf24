@testable import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import HTTPTypes
import Synchronization
import Testing

/// Enrolment, authentication, merge and fleet status on an in-memory hub database.
@Suite("Hub database")
struct HubDatabaseTests {
    typealias F = Fixture

    /// The hub's clock in these tests: 2020-02-10 12:00 UTC (20:00 in the county).
    static let now = F.instant("2020-02-10T12:00:00Z")
    static let nowMs = Int64(1_581_336_000_000)

    static func stock(_ key: String, at iso: String, _ fields: [String: FieldValue]) -> Change {
        Change(set: "stock", key: key, timestamp: F.hlc(iso), replica: nil, fields: fields)
    }

    static func checkpoint(_ key: String, at iso: String, _ counters: [String: Int64]) -> Change {
        Change(set: "checkpoint", key: key, timestamp: F.hlc(iso), replica: nil, counters: counters)
    }

    static func request(
        _ store: String, replica: String, cursor: Int64 = 0, upto: Int64, pending: Int64 = 0, sentAt: Int64 = nowMs,
        _ changes: [Change]
    ) -> SyncRequest {
        SyncRequest(store: store, replica: replica, cursor: cursor, upto: upto, pending: pending, sentAt: sentAt, changes: changes)
    }

    /// An in-memory hub whose clock starts at `instant` (`inMemory()` seeds its catalog at the real
    /// wall clock, so every later hub write would outrank store writes stamped in 2020).
    static func hubSeeded(at instant: Date) throws -> HubDatabase {
        let db = HubDatabase(store: try RecordStore.inMemory(migrations: HubDatabase.migrations))
        try db.seedCatalogIfNew(now: instant)
        return db
    }

    /// Every table and column scanned for `needle` as text or as bytes inside a blob.
    /// The same search on any backend: every table's rows as text (PostgreSQL shows bytes as hex).
    static func databaseContains(_ db: any TestHub, _ needle: String) async throws -> Bool {
        if let db = db as? HubDatabase { return try sqliteContains(db, needle) }
        let hex = Data(needle.utf8).map { String(format: "%02x", $0) }.joined()
        return try await db.fingerprint().values.joined().contains { $0.contains(needle) || $0.contains(hex) }
    }

    static func sqliteContains(_ db: HubDatabase, _ needle: String) throws -> Bool {
        let bytes = Data(needle.utf8)
        return try db.writer.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            #expect(tables.contains("enrolment"))
            #expect(tables.contains("operator"))
            #expect(tables.contains("change_log"))
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for value in row.databaseValues {
                        switch value.storage {
                        case .string(let s) where s.contains(needle): return true
                        case .blob(let d) where d.range(of: bytes) != nil: return true
                        default: continue
                        }
                    }
                }
            }
            return false
        }
    }

    // MARK: - Enrolment and tokens

    /// FIPS 180-4 / NIST vectors: one block, the empty message, two blocks, more blocks.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func tokenDigestIsSHA256(message: String, digest: String) {
        #expect(TokenDigest.hex(message) == digest)
        #expect(TokenDigest.matches(message, storedHex: digest))
    }

    @Test func tokenDigestOfAMillionBytes() {
        let digest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(TokenDigest.hex(String(repeating: "a", count: 1_000_000)) == digest)
    }

    @Test func aDigestMatchesOnlyItsOwnSecret() {
        let secret = TokenDigest.newSecret()
        #expect(secret.wholeMatch(of: /[0-9a-f]{64}/) != nil)
        #expect(secret != TokenDigest.newSecret())
        let stored = TokenDigest.hex(secret)
        #expect(TokenDigest.matches(secret, storedHex: stored))
        #expect(!TokenDigest.matches(secret + "0", storedHex: stored))
        #expect(!TokenDigest.matches(secret, storedHex: String(stored.dropLast())))
        #expect(!TokenDigest.matches(secret, storedHex: stored.uppercased().replacingOccurrences(of: "A", with: "Z")))
    }

    @Test func enrolmentReturnsATokenAndKeepsOnlyItsHash() async throws {
        let db = try HubDatabase.inMemory()
        let token = try await db.addStore(id: "S01", name: "Qijia Supermarket", township: "Chengguan", kind: .supermarket, now: Self.now)
        #expect(token.wholeMatch(of: /s\.S01\.[0-9a-f]{64}/) != nil)
        let secret = String(token.dropFirst("s.S01.".count))
        let stored = try await db.writer.read { db in try String.fetchOne(db, sql: "SELECT token_hash FROM enrolment WHERE store = 'S01'") }
        #expect(stored == TokenDigest.hex(token))
        #expect(try await !Self.databaseContains(db, token))
        #expect(try await !Self.databaseContains(db, secret))
        // The hash is there (so the search can find what is stored).
        #expect(try await Self.databaseContains(db, TokenDigest.hex(token)))

        let op = try await db.addOperator(name: "Bureau duty officer", now: Self.now)
        #expect(op.token.wholeMatch(of: /o\.[0-9a-f]{8}\.[0-9a-f]{64}/) != nil)
        #expect(op.token.hasPrefix("o.\(op.id)."))
        #expect(try await !Self.databaseContains(db, op.token))
        #expect(try await !Self.databaseContains(db, String(op.token.suffix(64))))
        // A second enrolment of the same store is refused; rotate instead.
        let again = await #expect(throws: DomainError.self) {
            try await db.addStore(id: "S01", name: "Again", township: nil, kind: .market)
        }
        #expect(again?.code == .exists)
    }

    @Test(arguments: Backend.all) func storeTokensAreCheckedStrictly(_ backend: Backend) async throws {
        let db = try await backend.open()
        let token = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        let secret = String(token.suffix(64))
        #expect(try await db.authenticate(token: token) == .store("S01"))
        // Wrong secret (last hex digit changed), same store.
        let wrong = String(token.dropLast()) + (token.last == "0" ? "1" : "0")
        #expect(try await db.authenticate(token: wrong) == nil)
        // Another store's id with S01's secret.
        #expect(try await db.authenticate(token: "s.S02.\(secret)") == nil)
        // S01's secret presented as an operator token.
        #expect(try await db.authenticate(token: "o.S01.\(secret)") == nil)
        // Malformed: too few parts, short secret, unknown kind, empty.
        for bad in ["", "s.S01", "s.S01.abc", "x.S01.\(secret)", "s..\(secret)", token + "0"] {
            #expect(try await db.authenticate(token: bad) == nil, "\(bad)")
        }
        // Revoked: refused.
        try await db.revokeStore(id: "S01", now: Self.now)
        #expect(try await db.authenticate(token: token) == nil)
        // Rotation lifts the revocation; the old token stays refused, the new one works.
        let rotated = try await db.rotateStoreToken(id: "S01", now: Self.now)
        #expect(rotated != token)
        #expect(rotated.hasPrefix("s.S01."))
        #expect(try await db.authenticate(token: token) == nil)
        #expect(try await db.authenticate(token: rotated) == .store("S01"))
        #expect(try await db.listStores().first { $0.id == "S01" }?.revoked == false)
        let unknown = await #expect(throws: DomainError.self) { try await db.revokeStore(id: "S99") }
        #expect(unknown?.code == .notFound)
    }

    @Test(arguments: Backend.all) func dottedStoreIdsAuthenticate(_ backend: Backend) async throws {
        let db = try await backend.open()
        let token = try await db.addStore(id: "CG.S01", name: "Dotted", township: nil, kind: .mall, now: Self.now)
        // The store id is the text between the first and the last dot.
        #expect(try await db.authenticate(token: token) == .store("CG.S01"))
    }

    @Test(arguments: Backend.all) func operatorTokensAndSessions(_ backend: Backend) async throws {
        let db = try await backend.open()
        let op = try await db.addOperator(name: "Duty officer", now: Self.now)
        let other = try await db.addOperator(name: "Second", now: Self.now)
        #expect(try await db.authenticate(token: op.token) == .operator(op.id, .viewer))
        let secret = String(op.token.suffix(64))
        #expect(try await db.authenticate(token: "o.\(other.id).\(secret)") == nil)
        #expect(try await db.authenticate(token: "s.\(op.id).\(secret)") == nil)
        let wrong = String(op.token.dropLast()) + (op.token.last == "a" ? "b" : "a")
        #expect(try await db.authenticate(token: wrong) == nil)

        // A session lasts 12 h and dies with the operator.
        let session = try #require(try await db.startSession(operatorToken: op.token, now: Self.now))
        #expect(try await !Self.databaseContains(db, session))
        #expect(try await db.sessionOperator(session, now: Self.now.addingTimeInterval(11 * 3600)) == .operator(op.id, .viewer))
        #expect(try await db.sessionOperator(session, now: Self.now.addingTimeInterval(12 * 3600 + 1)) == nil)
        #expect(try await db.startSession(operatorToken: wrong, now: Self.now) == nil)
        try await db.revokeOperator(id: op.id, now: Self.now)
        #expect(try await db.authenticate(token: op.token) == nil)
        #expect(try await db.sessionOperator(session, now: Self.now) == nil)
        #expect(try await db.authenticate(token: other.token) == .operator(other.id, .viewer))
    }

    // MARK: - Sync

    @Test(arguments: Backend.all) func syncMergesAcknowledgesAndAnswersWithTheCatalog(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        // Hub log so far: 7 catalog rows + 2 store registry rows = 9.
        #expect(try await db.count("change_log") == 9)
        let batch = Self.request("S01", replica: "S01.0b047020", upto: 12, [
            Self.stock("S01/rice/2020-02-10", at: "2020-02-10T11:00:00Z",
                       ["on_hand": .int(1000), "sold": .int(100), "price": .int(520), "restock_days": .int(2),
                        "transport_days": .int(1), "source": .text("Qijia Gaofeng Agriculture")]),
            Self.checkpoint("S01/2020-02-10", at: "2020-02-10T11:00:01Z", ["checked": 100, "refused_fever": 1, "disinfections": 2]),
            Self.checkpoint("S01/2020-02-10", at: "2020-02-10T11:30:00Z", ["checked": 150, "disinfections": 4]),
        ])
        let first = try await db.sync(batch, store: "S01", now: Self.now)
        #expect(first.acked == 12)
        #expect(first.merged == 3)
        #expect(!first.more)
        // The three changes are logged as 10, 11 and 12.
        #expect(first.cursor == 12)
        // Downstream: the 7 catalog rows and S01's own registry row (not S02's), each from the hub; not
        // S01's own changes.
        #expect(first.changes.count == 8)
        #expect(first.changes.filter { $0.set == "catalog" }.map(\.key) == Commodity.defaults.map(\.id))
        #expect(first.changes.filter { $0.set == "stores" }.map(\.key) == ["S01"])
        #expect(first.changes.allSatisfy { $0.replica == "hub" })
        let rice = try #require(first.changes.first { $0.key == "rice" })
        #expect(rice.fields["unit"] == .text("kg"))
        #expect(rice.fields["min_days"] == .int(7))
        #expect(rice.fields["name_zh"] == .text("大米"))

        let stock = try await db.records(set: .stock, store: "S01", date: CalendarDate("2020-02-10"), afterSeq: 0, limit: 10)
        #expect(stock.count == 1)
        #expect(stock.first?["on_hand"] == .real(1000))
        #expect(stock.first?["price"] == .int(520))
        let cp = try await db.records(set: .checkpoint, store: "S01", date: nil, afterSeq: 0, limit: 10)
        // Slot totals: the later 150 replaces 100 (same device), fever stays 1, disinfections 4.
        #expect(cp.first?["checked"] == .int(150))
        #expect(cp.first?["refused_fever"] == .int(1))
        #expect(cp.first?["disinfections"] == .int(4))

        // Replay after a lost answer: nothing merged, same acked, no new log rows, same values.
        let logRows = try await db.count("change_log")
        let records = try await db.fingerprint().filter { ["stock", "checkpoint", "change_log"].contains($0.key) }
        let again = try await db.sync(batch, store: "S01", now: Self.now.addingTimeInterval(60))
        #expect(again.merged == 0)
        #expect(again.acked == 12)
        #expect(again.cursor == 12)
        #expect(try await db.count("change_log") == logRows)
        #expect(try await db.fingerprint().filter { ["stock", "checkpoint", "change_log"].contains($0.key) } == records)

        // With the cursor raised to 12 nothing comes down; an older `upto` never lowers `acked`.
        let caughtUp = try await db.sync(Self.request("S01", replica: "S01.0b047020", cursor: 12, upto: 5, []), store: "S01", now: Self.now)
        #expect(caughtUp.changes.isEmpty)
        #expect(caughtUp.acked == 12)
        #expect(caughtUp.cursor == 12)
        #expect(caughtUp.merged == 0)
    }

    @Test(arguments: Backend.all) func hubWrittenStatusGoesOnlyToItsStore(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        try await db.setStoreStatus(store: "S01", open: false, authority: .order, reason: "case nearby", since: F.date("2020-02-10"), now: Self.now)
        let noticeID = try await db.postNotice("Markets stay closed", now: Self.now)
        let s01 = try await db.sync(Self.request("S01", replica: "S01.a", cursor: 9, upto: 0, []), store: "S01", now: Self.now)
        let s02 = try await db.sync(Self.request("S02", replica: "S02.a", cursor: 9, upto: 0, []), store: "S02", now: Self.now)
        // Log: 9 reference rows, 10 = S01's closure order, 11 = the notice.
        #expect(s01.changes.map(\.set) == ["store_status", "notices"])
        #expect(s01.changes.first?.fields["authority"] == .text("order"))
        #expect(s02.changes.map(\.key) == [noticeID])
        #expect(s01.cursor == 11)
        #expect(s02.cursor == 11)
        // A cursor beyond the log (a hub restored from backup) starts over from 0: all of S01's come down:
        // 7 catalog rows, its own registry row, its closure order and the notice (not S02's registry row).
        let restored = try await db.sync(Self.request("S01", replica: "S01.a", cursor: 500, upto: 0, []), store: "S01", now: Self.now)
        #expect(restored.changes.count == 10)
        #expect(restored.cursor == 11)
    }

    @Test(arguments: Backend.all) func downstreamIsPagedBeyondMaxResponseChanges(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        let limit = SyncProtocol.maxResponseChanges
        // 7 catalog + 1 registry = 8 so far; notices bring the log to exactly `limit` rows.
        func addNotices(_ range: ClosedRange<Int>) async throws {
            try await db.writeNotices(range.map { "n\($0)" }, now: Self.now)
        }
        try await addNotices(1...(limit - 8))
        let exact = try await db.sync(Self.request("S01", replica: "S01.a", upto: 0, []), store: "S01", now: Self.now)
        // Exactly 5,000 waiting: one page, no more.
        #expect(exact.changes.count == limit)
        #expect(!exact.more)
        #expect(exact.cursor == Int64(limit))

        try await addNotices((limit - 7)...(limit - 7))
        let page1 = try await db.sync(Self.request("S01", replica: "S01.a", upto: 0, []), store: "S01", now: Self.now)
        // 5,001 waiting: the first 5,000, cursor at the 5,000th, more.
        #expect(page1.changes.count == limit)
        #expect(page1.more)
        #expect(page1.cursor == Int64(limit))
        let page2 = try await db.sync(Self.request("S01", replica: "S01.a", cursor: page1.cursor, upto: 0, []), store: "S01", now: Self.now)
        #expect(page2.changes.map(\.key) == ["n\(limit - 7)"])
        #expect(!page2.more)
        #expect(page2.cursor == Int64(limit + 1))
    }

    @Test(arguments: Backend.all) func twoDevicesOfOneStoreAddUp(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        let key = "S01/2020-02-10"
        let east = Self.request("S01", replica: "S01.east", upto: 1, [Self.checkpoint(key, at: "2020-02-10T09:00:00Z", ["checked": 100])])
        let west = Self.request("S01", replica: "S01.west", upto: 1, [Self.checkpoint(key, at: "2020-02-10T09:00:00Z", ["checked": 50])])
        #expect(try await db.sync(east, store: "S01", now: Self.now).merged == 1)
        #expect(try await db.sync(west, store: "S01", now: Self.now).merged == 1)
        func checked() async throws -> FieldValue? {
            try await db.records(set: .checkpoint, store: "S01", date: nil, afterSeq: 0, limit: 1).first?["checked"]
        }
        // 100 + 50 = 150.
        #expect(try await checked() == .int(150))
        // Either batch again: still 150, not 250.
        #expect(try await db.sync(east, store: "S01", now: Self.now).merged == 0)
        #expect(try await checked() == .int(150))
        // East counts 30 more: its slot total becomes 130, so 130 + 50 = 180.
        let more = Self.request("S01", replica: "S01.east", upto: 2, [Self.checkpoint(key, at: "2020-02-10T10:00:00Z", ["checked": 130])])
        _ = try await db.sync(more, store: "S01", now: Self.now)
        #expect(try await checked() == .int(180))
        // An old slot total arriving late does not lower it.
        _ = try await db.sync(east, store: "S01", now: Self.now)
        #expect(try await checked() == .int(180))
    }

    @Test(arguments: Backend.all) func aRefusedBatchWritesNothing(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        let before = try await db.fingerprint()
        let batch = Self.request("S01", replica: "S01.a", upto: 2, [
            Self.stock("S01/rice/2020-02-10", at: "2020-02-10T09:00:00Z", ["on_hand": .int(10)]),
            Self.stock("S02/rice/2020-02-10", at: "2020-02-10T09:00:00Z", ["on_hand": .int(0)]),
        ])
        let error = await #expect(throws: DomainError.self) { try await db.sync(batch, store: "S01", now: Self.now) }
        #expect(error?.code == .wrongStore)
        #expect(error?.change == 1)
        #expect(error.map { HubError($0).status } == .forbidden)
        #expect(error.map { HubError($0).code } == "forbidden")
        #expect(try await db.fingerprint() == before)
    }

    // MARK: - Fleet status

    @Test(arguments: Backend.all) func fleetStatusShowsSkewStalenessAndSilentStores(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        // The device's wall clock is a day behind: sent_at = now − 86,400,000 ms.
        // A change stamped 10 minutes ahead of the hub's clock (beyond the 5-minute bound) is refused
        // with clock_ahead; one 4 minutes ahead is within it and merged.
        let ahead = Self.request("S01", replica: "S01.a", upto: 7, pending: 3, sentAt: Self.nowMs - 86_400_000, [
            Self.stock("S01/rice/2020-02-10", at: "2020-02-10T12:10:00Z", ["on_hand": .int(10)]),
        ])
        let refused = await #expect(throws: DomainError.self) { _ = try await db.sync(ahead, store: "S01", now: Self.now) }
        #expect(refused?.code == .clockAhead)
        let batch = Self.request("S01", replica: "S01.a", upto: 7, pending: 3, sentAt: Self.nowMs - 86_400_000, [
            Self.stock("S01/rice/2020-02-10", at: "2020-02-10T12:04:00Z", ["on_hand": .int(10)]),
        ])
        _ = try await db.sync(batch, store: "S01", now: Self.now)

        let fresh = try await db.fleetStatus(staleAfter: 6 * 3600, now: Self.now.addingTimeInterval(6 * 3600))
        try #require(fresh.count == 2)
        // Problems first: S02 never synced.
        let silent = fresh[0]
        #expect(silent.store == "S02")
        #expect(silent.replica == nil)
        #expect(silent.stale)
        #expect(silent.lastHeardAt == nil)
        #expect(silent.ackedSeq == 0)
        let device = fresh[1]
        #expect(device.store == "S01")
        #expect(device.replica == "S01.a")
        #expect(device.name == "One")
        #expect(device.clockSkewMs == -86_400_000)
        #expect(device.ackedSeq == 7)
        #expect(device.pendingReported == 3)
        #expect(device.futureChanges == 0, "nothing beyond the bound is ever merged")
        #expect(device.lastHeardAt == "2020-02-10T12:00:00Z")
        // Heard exactly 6 h ago: not yet stale; one second later: stale.
        #expect(!device.stale)
        let later = try await db.fleetStatus(staleAfter: 6 * 3600, now: Self.now.addingTimeInterval(6 * 3600 + 1))
        #expect(later.first { $0.replica == "S01.a" }?.stale == true)

        // A later sync with a correct clock clears the skew.
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 7, sentAt: Self.nowMs + 60_000 + 500, []), store: "S01",
                        now: Self.now.addingTimeInterval(60))
        let row = try #require(try await db.fleetStatus(now: Self.now.addingTimeInterval(60)).first { $0.replica == "S01.a" })
        #expect(row.clockSkewMs == 500)
        #expect(row.futureChanges == 0)
        #expect(row.pendingReported == 0)
    }

    // MARK: - From synced records to views

    @Test(arguments: Backend.all) func arrivalIsTheFirstReceiptAndLateReportsAreMarked(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        // S01 reports 02-10 at 20:00 China time; a correction at 09:00 the next day does not move it.
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1,
                                     [Self.stock("S01/rice/2020-02-10", at: "2020-02-10T11:00:00Z", ["on_hand": .int(10)])]),
                        store: "S01", now: Self.now)
        let nextMorning = F.instant("2020-02-11T01:00:00Z")
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 2,
                                     [Self.stock("S01/rice/2020-02-10", at: "2020-02-11T00:59:00Z", ["on_hand": .int(12)])]),
                        store: "S01", now: nextMorning)
        // S02's device was offline: it recorded at 19:00 China time and synced at 09:00 the next day.
        _ = try await db.sync(Self.request("S02", replica: "S02.a", upto: 1,
                                     [Self.checkpoint("S02/2020-02-10", at: "2020-02-10T11:00:00Z", ["checked": 10])]),
                        store: "S02", now: nextMorning)
        let snapshot = try await db.snapshot(date: F.date("2020-02-10"), settings: ViewsFormulaTests.midnightDeadline, now: nextMorning)
        #expect(snapshot.arrivals["S01"]?.receivedAt == Self.now)
        #expect(snapshot.arrivals["S02"]?.receivedAt == nextMorning)
        #expect(snapshot.arrivals["S02"]?.recordedAt == F.instant("2020-02-10T11:00:00Z"))
        let reporting = snapshot.reporting()
        #expect(reporting.reported == 2)
        #expect(reporting.late == ["S02"], "after a midnight deadline")
        // Past its midnight deadline the date is judged as of the deadline: S02's device was not heard
        // from during the day.
        #expect(reporting.stale == ["S02"])
        // By the default deadline, 12:00 the next day, 09:00 is on time.
        let byNoon = try await db.snapshot(date: F.date("2020-02-10"), now: nextMorning).reporting()
        #expect(byNoon.late.isEmpty && byNoon.onTime == ["S01", "S02"] && byNoon.onTimeRate == 1)
        #expect(byNoon.asOf == Timestamps.iso(nextMorning), "before its deadline a date is judged as of now")
    }

    /// A past date is judged as of its deadline: the "as of" time is the deadline, and a device is
    /// stale for the date only when the hub heard nothing from it during the date's reporting window
    /// (however long ago it last synced).
    @Test(arguments: Backend.all) func aPastDateIsJudgedAsOfItsDeadline(_ backend: Backend) async throws {
        let db = try await backend.open()
        for store in ["S01", "S02", "S03"] {
            _ = try await db.addStore(id: store, name: store, township: nil, kind: .supermarket, now: Self.now)
        }
        // S01 reports 02-10 during the day; S02 synced only on 02-08; S03 reports 02-10 late, on 02-12.
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1,
                                           [Self.stock("S01/rice/2020-02-10", at: "2020-02-10T11:00:00Z", ["on_hand": .int(10)])]),
                              store: "S01", now: F.instant("2020-02-10T12:00:00Z"))
        _ = try await db.sync(Self.request("S02", replica: "S02.a", upto: 1,
                                           [Self.stock("S02/rice/2020-02-08", at: "2020-02-08T11:00:00Z", ["on_hand": .int(10)])]),
                              store: "S02", now: F.instant("2020-02-08T12:00:00Z"))
        _ = try await db.sync(Self.request("S03", replica: "S03.a", upto: 1,
                                           [Self.stock("S03/rice/2020-02-10", at: "2020-02-12T01:00:00Z", ["on_hand": .int(10)])]),
                              store: "S03", now: F.instant("2020-02-12T01:00:00Z"))
        let monthLater = F.instant("2020-03-10T00:00:00Z")
        let snapshot = try await db.snapshot(date: F.date("2020-02-10"), now: monthLater)
        #expect(snapshot.asOf == F.instant("2020-02-11T04:00:00Z") && snapshot.judgedAtDeadline)
        let reporting = snapshot.reporting()
        #expect(reporting.asOf == "2020-02-11T04:00:00Z")
        #expect(reporting.onTime == ["S01"] && reporting.late == ["S03"] && reporting.missing == ["S02"])
        #expect(reporting.stale == ["S02", "S03"], "heard during 02-10 up to its deadline: S01 only")
        let stale = snapshot.alerts().filter { $0.kind == "stale_store" }
        #expect(stale.first?.message == "S02 was not heard from between 2020-02-10 and the deadline (2020-02-11 12:00)")
        // Today (a month later) every device is stale; the fleet status says so, the past date does not.
        #expect(try await db.fleetStatus(staleAfter: 6 * 3600, now: monthLater).allSatisfy(\.stale))
    }

    @Test(arguments: Backend.all) func syncedWorkedExampleGivesTheSameFigures(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        _ = try await db.addStore(id: "S09", name: "Gone", township: nil, kind: .market, now: Self.now)
        let rows: [(String, String, Int, Int, Int)] = [
            ("S01", "2020-02-08", 90, 1200, 520), ("S01", "2020-02-09", 110, 1100, 520), ("S01", "2020-02-10", 100, 1000, 520),
            ("S02", "2020-02-08", 40, 600, 500), ("S02", "2020-02-09", 60, 550, 500), ("S02", "2020-02-10", 50, 500, 650),
            ("S09", "2020-02-10", 1, 9999, 9999),
        ]
        for (store, date, sold, onHand, price) in rows {
            let lead: Int64 = store == "S01" ? 2 : 3
            _ = try await db.sync(
                Self.request(store, replica: "\(store).a", upto: 1, [
                    Self.stock("\(store)/rice/\(date)", at: "2020-02-10T10:00:00Z",
                               ["sold": .int(Int64(sold)), "on_hand": .int(Int64(onHand)), "price": .int(Int64(price)),
                                "restock_days": .int(lead), "transport_days": .int(1)])
                ]),
                store: store, now: Self.now
            )
        }
        try await db.revokeStore(id: "S09", now: Self.now)
        #expect(try await db.latestReportDate() == F.date("2020-02-10"))
        let supply = try await db.snapshot(date: F.date("2020-02-10"), now: Self.now).supply()
        let rice = try #require(supply.commodities.first { $0.commodity == "rice" })
        // As worked example 1: 1500 on hand, 150 a day, 10.0 days; the revoked S09 is left out.
        #expect(rice.onHand == 1500)
        #expect(rice.avgDailySales == 150)
        #expect(close(rice.daysOfSupply, 10))
        #expect(rice.storesExpected == 2)
        #expect(close(rice.priceMedian, 5.85))
        #expect(supply.priceAlerts.map(\.store) == ["S02"])
    }

    @Test(arguments: Backend.all) func statusHistoryFromTheBureauAndTheStore(_ backend: Backend) async throws {
        let db = try await backend.open(seededAt: F.instant("2020-02-01T00:00:00Z"))
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: F.instant("2020-02-01T00:00:00Z"))
        try await db.setStoreStatus(store: "S01", open: false, authority: .order, reason: "case nearby",
                              since: F.date("2020-02-05"), now: F.instant("2020-02-05T01:00:00Z"))
        // The store records itself open from 02-07 (later by date and by clock): the order still stands.
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1, [
            Change(set: "store_status", key: "S01", timestamp: F.hlc("2020-02-07T01:00:00Z"), replica: nil,
                   fields: ["state": .text("open"), "since": .text("2020-02-07"), "authority": .text("store")])
        ]), store: "S01", now: F.instant("2020-02-07T01:00:00Z"))
        func open(_ date: String) async throws -> Bool {
            try await db.snapshot(date: F.date(date), now: Self.now).isOpen("S01", day: F.day(date))
        }
        // Both events are in the history: the store's is later by clock, so it won the LWW merge.
        let events = try await db.snapshot(date: F.date("2020-02-08"), now: Self.now).statusEvents["S01"] ?? []
        #expect(events.map(\.authority) == [.order, .store])
        #expect(try await db.records(set: .storeStatus, store: "S01", date: nil, afterSeq: 0, limit: 1).first?["state"] == .text("open"))
        #expect(try await !open("2020-02-08"))
        try await db.setStoreStatus(store: "S01", open: true, authority: .authorised, reason: nil,
                              since: F.date("2020-02-09"), now: F.instant("2020-02-09T01:00:00Z"))
        #expect(try await !open("2020-02-08"))
        #expect(try await open("2020-02-09"))
        #expect(try await open("2020-02-04"))
        // A store may not write the bureau's authorities.
        let forged = Self.request("S01", replica: "S01.a", upto: 2, [
            Change(set: "store_status", key: "S01", timestamp: F.hlc("2020-02-10T01:00:00Z"), replica: nil,
                   fields: ["state": .text("open"), "since": .text("2020-02-10"), "authority": .text("authorised")])
        ])
        let error = await #expect(throws: DomainError.self) { try await db.sync(forged, store: "S01", now: Self.now) }
        #expect(error?.code == .wrongStore)
        #expect(error?.field == "authority")
        #expect(error.map { HubError($0).status } == .forbidden)
        let unknown = await #expect(throws: DomainError.self) {
            try await db.setStoreStatus(store: "S99", open: false, authority: .order, reason: nil, since: F.date("2020-02-10"))
        }
        #expect(unknown?.code == .notFound)
    }

    /// A store that closed itself while offline syncs after the bureau wrote a later status: the
    /// store's event loses the LWW merge, so it is not logged, and the status history (read from the
    /// change log) never learns that the store was closed on those days.
    @Test(arguments: Backend.all) func anOfflineClosureThatLosesTheMergeStillCountsInHistory(_ backend: Backend) async throws {
        let db = try await backend.open(seededAt: F.instant("2020-02-01T00:00:00Z"))
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: F.instant("2020-02-01T00:00:00Z"))
        // 02-10 01:00: the store's device closes the store from 02-10 (offline, not synced yet).
        let closure = Change(set: "store_status", key: "S01", timestamp: F.hlc("2020-02-10T01:00:00Z"), replica: nil,
                             fields: ["state": .text("closed"), "since": .text("2020-02-10"), "authority": .text("store"),
                                      "reason": .text("staff ill")])
        // 02-12 01:00: the bureau orders it closed from 02-12 on.
        try await db.setStoreStatus(store: "S01", open: false, authority: .order, reason: "case nearby",
                              since: F.date("2020-02-12"), now: F.instant("2020-02-12T01:00:00Z"))
        // 02-12 02:00: the device syncs its closure.
        let response = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1, [closure]), store: "S01",
                                   now: F.instant("2020-02-12T02:00:00Z"))
        #expect(response.acked == 1)
        // docs/views.md: status on D comes from the events with since ≤ D; on 02-11 that is the store's own closure.
        let snapshot = try await db.snapshot(date: F.date("2020-02-11"), now: F.instant("2020-02-12T02:00:00Z"))
        #expect(!snapshot.isOpen("S01", day: F.day("2020-02-11")))
        #expect(snapshot.reporting().closed == ["S01"])
    }

    // MARK: - Hostile or broken input from an authenticated store

    /// A device sending sent_at = Int64.min must not overflow `sent_at − now` and trap the hub
    /// (every store would lose its hub); it is refused as negative.
    @Test func anExtremeSentAtDoesNotCrashTheHub() async {
        do {
            await #expect(processExitsWith: .success) {
                let db = try HubDatabase.inMemory()
                _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket)
                let request = SyncRequest(store: "S01", replica: "S01.a", cursor: 0, upto: 0, pending: 0, sentAt: .min, changes: [])
                _ = try? await db.sync(request, store: "S01")
            }
        }
    }

    /// Checkpoint counters have a maximum of 1e12 (RecordSets.swift); at the maximum, two stores add up exactly.
    @Test(arguments: Backend.all) func checkpointCountersAreBoundedAndAddUp(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        let before = try await db.fingerprint()
        // 1e12 + 1 people checked at one entrance in one day: refused, nothing written.
        let tooMany = Self.request("S01", replica: "S01.a", upto: 1, [
            Self.checkpoint("S01/2020-02-10", at: "2020-02-10T09:00:00Z", ["checked": 1_000_000_000_001])
        ])
        let error = await #expect(throws: DomainError.self) { try await db.sync(tooMany, store: "S01", now: Self.now) }
        #expect(error?.code == .outOfRange)
        #expect(error?.field == "checked")
        #expect(error?.change == 0)
        #expect(error.map { HubError($0).status } == .unprocessableContent)
        #expect(try await db.fingerprint() == before)
        // Exactly 1e12 at each of two stores: the county total is 2e12, no overflow.
        for store in ["S01", "S02"] {
            _ = try await db.sync(Self.request(store, replica: "\(store).a", upto: 1, [
                Self.checkpoint("\(store)/2020-02-10", at: "2020-02-10T09:00:00Z", ["checked": 1_000_000_000_000])
            ]), store: store, now: Self.now)
        }
        #expect(try await db.snapshot(date: F.date("2020-02-10"), now: Self.now).checkpointTotals().checked == 2_000_000_000_000)
    }

    /// Decrement slots (`d`) are accepted for every checkpoint counter, so a store can drive the
    /// county's "people checked" below zero, which protocol.md says is an integer ≥ 0.
    @Test(arguments: Backend.all) func checkpointCountsNeverGoNegative(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        let change = Change(set: "checkpoint", key: "S01/2020-02-10", timestamp: F.hlc("2020-02-10T09:00:00Z"), replica: nil,
                            counters: ["checked": 10], decrements: ["checked": 50])
        _ = try? await db.sync(Self.request("S01", replica: "S01.a", upto: 1, [change]), store: "S01", now: Self.now)
        let totals = try await db.snapshot(date: F.date("2020-02-10"), now: Self.now).checkpointTotals()
        #expect(totals.checked >= 0)
    }

    /// A change stamped with the largest `t` a request can carry (Int64.max) is refused with
    /// `clock_ahead` and writes nothing: the hub clock stays where it was, and the hub's next writes
    /// travel as valid timestamps every agent decodes.
    @Test(arguments: Backend.all) func aFarFutureTimestampDoesNotBreakEveryAgentsSync(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.addStore(id: "S02", name: "Two", township: nil, kind: .market, now: Self.now)
        let poison = Change(set: "stock", key: "S01/rice/2020-02-10", timestamp: HLCTimestamp(rawValue: UInt64(Int64.max)),
                            replica: nil, fields: ["on_hand": .int(1)])
        let before = try await db.fingerprint()
        let refused = await #expect(throws: DomainError.self) {
            _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1, [poison]), store: "S01", now: Self.now)
        }
        #expect(refused?.code == .clockAhead)
        #expect(refused?.change == 0)
        #expect(try await db.fingerprint() == before)
        try await db.postNotice("Markets stay closed", now: Self.now)
        let answer = try await db.sync(Self.request("S02", replica: "S02.a", cursor: 9, upto: 0, []), store: "S02", now: Self.now)
        #expect(answer.changes.map(\.set) == ["notices"])
        // What the agent does with the answer (SyncTransport.swift): JSON-decode it.
        let decoded = try JSONDecoder().decode(SyncResponse.self, from: try JSONEncoder().encode(answer))
        #expect(decoded.changes.first?.timestamp == answer.changes.first?.timestamp)
    }

    /// docs/views.md: the default date is "the latest date with any stock report", and "deleted records
    /// are skipped". A clerk who mistyped 2029 for 2020 and deleted the record must not leave every
    /// default view (dashboard, CLI, /v1/views/*) on an empty day in 2029.
    @Test(arguments: Backend.all) func aDeletedTypoDoesNotMoveTheDefaultDate(_ backend: Backend) async throws {
        let db = try await backend.open()
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 3, [
            Self.stock("S01/rice/2020-02-10", at: "2020-02-10T09:00:00Z", ["on_hand": .int(100)]),
            Self.stock("S01/rice/2029-02-10", at: "2020-02-10T09:01:00Z", ["on_hand": .int(100)]),
            Self.stock("S01/rice/2029-02-10", at: "2020-02-10T09:02:00Z", ["_deleted": .int(1)]),
        ]), store: "S01", now: Self.now)
        // The typo is gone from the records…
        #expect(try await db.records(set: .stock, store: "S01", date: CalendarDate("2029-02-10"), afterSeq: 0, limit: 5).isEmpty)
        // …so the latest reported date is 02-10.
        let latest = try await db.latestReportDate()
        #expect(latest == F.date("2020-02-10"))
    }

    /// One store sending a timestamp at the end of time must not freeze the hub's clock: it is refused
    /// (clock_ahead), and the bureau's later catalog edits apply in order (3, then 9, then 5 leaves 5).
    @Test(arguments: Backend.all) func aPoisonedTimestampDoesNotFreezeHubWrites(_ backend: Backend) async throws {
        let db = try await backend.open(seededAt: Self.now)
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: Self.now)
        let poison = Change(set: "stock", key: "S01/rice/2020-02-10",
                            timestamp: HLCTimestamp(milliseconds: HLCTimestamp.maxMilliseconds, counter: .max),
                            replica: nil, fields: ["on_hand": .int(1)])
        let refused = await #expect(throws: DomainError.self) {
            _ = try await db.sync(Self.request("S01", replica: "S01.a", upto: 1, [poison]), store: "S01", now: Self.now)
        }
        #expect(refused?.code == .clockAhead)
        for days in [3, 9, 5] {
            try await db.setCatalog(Commodity(id: "rice", unit: .kg, nameEnglish: "Rice", nameChinese: "大米", minDays: days), now: Self.now)
        }
        #expect(try await db.catalog().first { $0.id == "rice" }?.minDays == 5)
        #expect(try await db.records(set: .stock, store: "S01", date: nil, afterSeq: 0, limit: 5).isEmpty, "nothing was merged")
    }

    /// The views read a few rows out of large tables (720K change-log rows and 630K stock rows in a
    /// county of 1,000 stores over 90 days): none of the snapshot's statements may walk a whole table.
    /// The status history once walked the change log in seq order to save a sort, 52 ms per view.
    @Test func theSnapshotScansNoLargeTable() async throws {
        let db = try Self.hubSeeded(at: F.instant("2020-02-01T00:00:00Z"))
        _ = try await db.addStore(id: "S01", name: "One", township: nil, kind: .supermarket, now: F.instant("2020-02-01T00:00:00Z"))
        try await db.setStoreStatus(store: "S01", open: false, authority: .order, reason: nil,
                              since: F.date("2020-02-05"), now: F.instant("2020-02-05T01:00:00Z"))
        let statements = Mutex<[String]>([])
        try await db.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { statements.withLock { $0.append(statement.expandedSQL) } }
            }
        }
        _ = try await db.snapshot(date: F.date("2020-02-08"), now: Self.now)
        let traced = statements.withLock { $0 }
        #expect(traced.contains { $0.contains("record_set = 'store_status'") }, "the status history was read")
        let plans = try await db.writer.writeWithoutTransaction { db in
            db.trace(options: []) { _ in }
            return try traced.filter { $0.hasPrefix("SELECT") }.map { sql in
                (sql, try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)").map { $0["detail"] as String })
            }
        }
        for (sql, details) in plans {
            for table in ["change_log", "stock", "checkpoint"] {
                #expect(!details.contains("SCAN \(table)"), "full scan of \(table): \(sql)")
            }
        }
    }
}
