import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

@Suite("Hybrid logical clock")
struct ClockTests {
    let day: UInt64 = 86_400_000
    let now: UInt64 = 1_581_300_000_000  // 2020-02-10

    @Test func tickIsStrictlyMonotonicEvenWhenTheWallClockJumpsBack() {
        var clock = HybridLogicalClock()
        let a = clock.tick(wallMilliseconds: now)
        let b = clock.tick(wallMilliseconds: now - 3_600_000)  // wall clock set back an hour
        let c = clock.tick(wallMilliseconds: now - 3_600_000)
        #expect(a < b)
        #expect(b < c)
        #expect(b.milliseconds == now)
        #expect(b.counter == 1)
        let d = clock.tick(wallMilliseconds: now + 5)
        #expect(d == HLCTimestamp(milliseconds: now + 5, counter: 0))
    }

    @Test func counterOverflowCarriesIntoMilliseconds() {
        var clock = HybridLogicalClock(last: HLCTimestamp(milliseconds: now, counter: .max))
        let t = clock.tick(wallMilliseconds: now)
        #expect(t == HLCTimestamp(milliseconds: now + 1, counter: 0))
    }

    @Test func packedOrderIsMillisecondsThenCounter() throws {
        let t = HLCTimestamp(milliseconds: now, counter: 7)
        #expect(t.milliseconds == now)
        #expect(t.counter == 7)
        #expect(HLCTimestamp(milliseconds: now, counter: 65535) < HLCTimestamp(milliseconds: now + 1, counter: 0))
        let json = try JSONEncoder().encode(t)
        #expect(try JSONDecoder().decode(HLCTimestamp.self, from: json) == t)
    }

    /// A device whose wall clock is a day behind still wins with a write it made after seeing the other's.
    @Test func causallyLaterWriteWinsDespiteSlowWallClock() throws {
        let store = try RecordStore.inMemory()
        let behind = try RecordStore.inMemory()
        var fast = HybridLogicalClock()
        let first = Change(
            set: "stock", key: "S01/rice/2020-02-10", timestamp: fast.tick(wallMilliseconds: now), replica: "S01.fast",
            fields: ["on_hand": .real(100)]
        )
        let slowNow = Date(timeIntervalSince1970: Double(now - day) / 1000)
        _ = try behind.apply([first], defaultReplica: "S01.fast", now: slowNow)  // the slow device syncs first
        let second = try behind.writer.write { db -> Change in
            let ts = try RecordStore.tick(now: slowNow, in: db)
            let c = Change(set: "stock", key: "S01/rice/2020-02-10", timestamp: ts, replica: "S01.slow", fields: ["on_hand": .real(80)])
            _ = try RecordStore.apply([c], defaultReplica: "S01.slow", now: slowNow, in: db)
            return c
        }
        #expect(second.timestamp > first.timestamp)
        #expect(second.timestamp.milliseconds == now, "the clock carried the causal past, not the slow wall clock")
        // The hub receives them in the wrong order: the later write still wins.
        _ = try store.apply([second], defaultReplica: "x")
        _ = try store.apply([first], defaultReplica: "x")
        let value = try store.writer.read { db in try RecordStore.state(set: "stock", key: "S01/rice/2020-02-10", in: db)?["on_hand"] }
        #expect(value == .real(80))
    }

    /// A timestamp a day in the future is merged (never dropped) and reported as skew.
    @Test func farFutureTimestampIsMergedAndFlagged() throws {
        let store = try RecordStore.inMemory()
        let future = Change(
            set: "checkpoint", key: "S01/2020-02-10", timestamp: HLCTimestamp(milliseconds: now + day, counter: 0),
            replica: "S01.ahead", counters: ["checked": 12]
        )
        let result = try store.apply([future], defaultReplica: "S01.ahead", now: Date(timeIntervalSince1970: Double(now) / 1000))
        #expect(result.merged == 1)
        #expect(result.skewed == 1)
        #expect(result.maxForwardSkewMilliseconds == day)
        let checked = try store.writer.read { db in try RecordStore.state(set: "checkpoint", key: "S01/2020-02-10", in: db)?["checked"] }
        #expect(checked == .int(12))
        var clock = HybridLogicalClock()
        let observation = clock.receive(HLCTimestamp(milliseconds: now + 1000, counter: 0), wallMilliseconds: now)
        #expect(!observation.isSkewed, "a second ahead is ordinary drift, not skew")
    }

    /// A corrupt timestamp at the end of time is merged and flagged, but does not drag the clock
    /// there: later local writes keep ordinary, increasing timestamps.
    @Test func aTimestampAtTheEndOfTimeDoesNotFreezeTheClock() {
        var clock = HybridLogicalClock()
        let end = HLCTimestamp(milliseconds: HLCTimestamp.maxMilliseconds, counter: .max)
        let observation = clock.receive(end, wallMilliseconds: now)
        #expect(observation.isSkewed)
        let a = clock.tick(wallMilliseconds: now + 1)
        let b = clock.tick(wallMilliseconds: now + 1)
        #expect(a.milliseconds == now + 1, "the clock kept running from the wall clock")
        #expect(b > a, "the clock kept running from the wall clock")
        // Within the adoption bound (30 days) a remote timestamp still carries causality forward.
        clock.receive(HLCTimestamp(milliseconds: now + day, counter: 0), wallMilliseconds: now)
        #expect(clock.tick(wallMilliseconds: now).milliseconds == now + day)
    }
}
