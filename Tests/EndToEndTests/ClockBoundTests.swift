import BaogongAgent
import BaogongHub
import BaogongModel
import BaogongRecordStore
import BaogongTestSupport
import Foundation
import GRDB
import Testing

/// One device's wrong clock cannot move the hub's clock or freeze a record: the hub refuses changes
/// stamped beyond the bound (`clock_ahead`, with its time), the agent re-stamps them by the hub's
/// time, and once its clock is right its corrections and other devices' later writes win as they should.
@Suite("End to end: clocks bounded", .serialized)
struct ClockBoundTests {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var offset: TimeInterval
        init(offset: TimeInterval) { self.offset = offset }
        func now() -> Date { lock.withLock { Date().addingTimeInterval(offset) } }
        func set(offset: TimeInterval) { lock.withLock { self.offset = offset } }
    }

    static let date = try! CalendarDate("2020-02-10")

    func onHand(_ hubDB: String) async throws -> Double? {
        let hub = try HubDatabase.open(path: hubDB)
        return try await hub.snapshot(date: Self.date).supply().commodities.first { $0.commodity == "rice" }?.onHand
    }

    func hubClockMilliseconds(_ hubDB: String) throws -> UInt64 {
        let queue = try DatabaseQueue(path: hubDB)
        return try queue.read { db in try RecordStore.loadClock(db).last.milliseconds }
    }

    @Test func aDeviceAYearAheadIsRestampedAndLaterWritesWin() async throws {
        let (dir, hubDB, token, hub) = try enrolledHub()
        try hub.start()
        defer { hub.stop() }
        let year: TimeInterval = 365 * 86_400
        let aheadClock = Clock(offset: year)
        let ahead = try AgentDatabase.create(path: dir.path("ahead.sqlite"), store: "S01", hub: hub.url, token: token)
        let aheadClient = SyncClient(database: ahead, clock: { aheadClock.now() })
        let right = try AgentDatabase.create(path: dir.path("right.sqlite"), store: "S01", hub: hub.url, token: token)
        let rightClient = SyncClient(database: right)
        func stock(_ onHand: Double) -> StockEntry { StockEntry(date: Self.date, commodity: "rice", onHand: onHand, priceFen: 520) }

        // A year ahead: written offline, refused at the hub, re-stamped by the hub's time, accepted.
        try await ahead.recordStock(stock(100), now: aheadClock.now())
        let first = try await aheadClient.syncOnce()
        #expect(first.sent == 1)
        #expect(try await onHand(hubDB) == 100)
        let bound = UInt64(Date().timeIntervalSince1970 * 1000) + UInt64(SyncProtocol.maxClockAheadMilliseconds)
        #expect(try hubClockMilliseconds(hubDB) <= bound, "the hub's clock did not leap a year")

        // A device with the right clock writes later: it wins.
        try await Task.sleep(for: .milliseconds(20))
        try await right.recordStock(stock(80))
        _ = try await rightClient.syncOnce()
        #expect(try await onHand(hubDB) == 80)

        // The device still a year ahead corrects its figure: stamped by the hub's time, it wins.
        try await Task.sleep(for: .milliseconds(20))
        try await ahead.recordStock(stock(70), now: aheadClock.now())
        _ = try await aheadClient.syncOnce()
        #expect(try await onHand(hubDB) == 70)

        // Its clock is put right; after its next sync, its corrections and others' later writes win in turn.
        aheadClock.set(offset: 0)
        _ = try await aheadClient.syncOnce()
        try await Task.sleep(for: .milliseconds(20))
        try await ahead.recordStock(stock(65), now: aheadClock.now())
        _ = try await aheadClient.syncOnce()
        #expect(try await onHand(hubDB) == 65)
        try await Task.sleep(for: .milliseconds(20))
        try await right.recordStock(stock(60))
        _ = try await rightClient.syncOnce()
        #expect(try await onHand(hubDB) == 60)
        #expect(try hubClockMilliseconds(hubDB) <= UInt64(Date().timeIntervalSince1970 * 1000) + UInt64(SyncProtocol.maxClockAheadMilliseconds))
    }

    @Test func theLargestTimestampIsRefusedAndFreezesNothing() async throws {
        let one = try OneStore()
        try one.hub.start()
        defer { one.hub.stop() }
        let replica = try await AgentDatabase.open(path: one.agent).identity().replica
        let change = #"{"s":"stock","k":"S01/rice/2020-02-10","t":9223372036854775807,"f":{"on_hand":1,"price":500}}"#
        let body = #"{"protocol":1,"schema":1,"store":"S01","replica":"\#(replica)","cursor":0,"upto":1,"pending":0,"sent_at":0,"changes":[\#(change)]}"#
        let answer = try run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "-H", "Authorization: Bearer \(one.token)",
                                               "-H", "Content-Type: application/json", "--data-binary", body, "\(one.hub.url)/v1/sync"])
        #expect(answer.stdout.hasSuffix("409"), "\(answer.stdout)")
        #expect(answer.stdout.contains(#""code":"clock_ahead""#))
        #expect(answer.stdout.contains(#""hub_time":"#))
        // A later honest write is stored as usual.
        #expect(try agentCLI(["stock", "record", "--db", one.agent, "--commodity", "rice", "--on-hand", "5", "--price", "5",
                              "--date", "2020-02-10"]).status == 0)
        #expect(try agentCLI(["sync", "--db", one.agent]).status == 0)
        #expect(try await onHand(one.hubDB) == 5)
    }
}
