@testable import BaogongHub
import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB
import Testing

/// `history`: every write the hub has seen for a record, the ones that lost included, each once.
@Suite("Record history")
struct HistoryTests {
    typealias D = HubDatabaseTests
    static let key = "S01/rice/2020-02-10"

    func hub(_ backend: Backend = .sqlite) async throws -> any TestHub {
        let hub = try await backend.open(seededAt: D.now)
        _ = try await hub.addStore(id: "S01", name: "Longmei", township: nil, kind: .supermarket, now: D.now)
        return hub
    }

    func write(_ onHand: Double, at iso: String, from replica: String, upto: Int64, to hub: any HubStore) async throws -> SyncRequest {
        let request = D.request("S01", replica: replica, upto: upto, [D.stock(Self.key, at: iso, ["on_hand": .real(onHand), "price": .int(520)])])
        _ = try await hub.sync(request, store: "S01", now: D.now)
        return request
    }

    func lostWrites(_ hub: any TestHub) async throws -> Int {
        try await hub.count("lost_write")
    }

    @Test(arguments: Backend.all) func aWriteThatLostOnArrivalIsShownBesideTheOneThatStands(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        // The later write (device b, 09:00) reaches the hub first; device a's 08:00 write loses on arrival.
        _ = try await write(222, at: "2020-02-10T09:00:00Z", from: "S01.b", upto: 1, to: hub)
        let early = try await write(111, at: "2020-02-10T08:00:00Z", from: "S01.a", upto: 1, to: hub)
        let history = try await hub.history(set: .stock, key: Self.key)
        #expect(history.map(\.replica) == ["S01.a", "S01.b"], "oldest first, by the writers' clocks")
        #expect(history[0].fields["on_hand"] == .real(111) && history[0].won["on_hand"] == false && history[0].seq == nil)
        #expect(history[1].fields["on_hand"] == .real(222) && history[1].won["on_hand"] == true && history[1].seq != nil)
        #expect(history[0].store == "S01" && history[0].time == "2020-02-10T08:00:00Z")
        // The loser's price was the same value but an older write: it lost too.
        #expect(history[0].won["price"] == false && history[1].won["price"] == true)

        // Replaying the losing batch, or the winning one, adds nothing.
        _ = try await hub.sync(early, store: "S01", now: D.now)
        _ = try await write(222, at: "2020-02-10T09:00:00Z", from: "S01.b", upto: 1, to: hub)
        #expect(try await lostWrites(hub) == 1)
        #expect(try await hub.history(set: .stock, key: Self.key).count == 2)
    }

    @Test(arguments: Backend.all) func aSupersededWriteReplayedLaterIsListedOnce(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        let first = try await write(100, at: "2020-02-10T08:00:00Z", from: "S01.a", upto: 1, to: hub)
        _ = try await write(150, at: "2020-02-10T10:00:00Z", from: "S01.b", upto: 1, to: hub)
        // Device a never got its answer and sends its batch again, now older than what stands.
        _ = try await hub.sync(first, store: "S01", now: D.now)
        let history = try await hub.history(set: .stock, key: Self.key)
        #expect(history.count == 2)
        #expect(history.first?.seq != nil && history.first?.won["on_hand"] == false)
        #expect(history.last?.won["on_hand"] == true)
    }

    @Test(arguments: Backend.all) func countersShowEachDevicesRunningTotal(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        let key = "S01/2020-02-10"
        for (replica, total, iso) in [("S01.a", Int64(100), "2020-02-10T08:00:00Z"), ("S01.a", 130, "2020-02-10T09:00:00Z"), ("S01.b", 40, "2020-02-10T09:30:00Z")] {
            let request = D.request("S01", replica: replica, upto: total, [D.checkpoint(key, at: iso, ["checked": total])])
            _ = try await hub.sync(request, store: "S01", now: D.now)
        }
        let history = try await hub.history(set: .checkpoint, key: key)
        #expect(history.map { $0.fields["checked"] } == [.int(100), .int(130), .int(40)])
        #expect(history.map { $0.won["checked"] } == [false, true, true], "a device's earlier total is superseded by its later one")
        #expect(try await lostWrites(hub) == 0)
    }

    @Test func aStoreIdWithDotsIsNamedWhole() async throws {
        let hub = try D.hubSeeded(at: D.now)
        _ = try await hub.addStore(id: "yx.S01", name: "Longmei", township: nil, kind: .supermarket, now: D.now)
        let key = "yx.S01/rice/2020-02-10"
        let request = D.request("yx.S01", replica: "yx.S01.a", upto: 1, [D.stock(key, at: "2020-02-10T09:00:00Z", ["on_hand": .real(5)])])
        _ = try await hub.sync(request, store: "yx.S01", now: D.now)
        #expect(try await hub.history(set: .stock, key: key).map(\.store) == ["yx.S01"])
    }

    /// A bundle file's `sent_at` is when it was written: days later at the hub, that is not the
    /// device's clock being wrong, and the skew measured over the network stands.
    @Test(arguments: Backend.all) func aBundleCarriedForDaysIsNotClockSkew(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        let threeDaysAgo = D.nowMs - 3 * 86_400_000
        let skewOf = { () async throws -> Int64? in
            try await hub.fleetStatus(staleAfter: 3600, now: D.now).first { $0.replica == "S01.a" }?.clockSkewMs
        }
        let carried = D.request("S01", replica: "S01.a", upto: 1, sentAt: threeDaysAgo,
                                [D.stock(Self.key, at: "2020-02-10T08:00:00Z", ["on_hand": .real(5)])])
        _ = try await hub.sync(carried, store: "S01", now: D.now, via: .file)
        #expect(try await skewOf() == 0)
        _ = try await hub.sync(D.request("S01", replica: "S01.a", upto: 1, sentAt: D.nowMs + 90_000, []), store: "S01", now: D.now)
        #expect(try await skewOf() == 90_000, "over the network, sent_at measures the clock")
        _ = try await hub.sync(carried, store: "S01", now: D.now, via: .file)
        #expect(try await skewOf() == 90_000, "a later file keeps the last measured skew")
    }

    @Test func aRecordNeverWrittenHasNoHistory() async throws {
        #expect(try await hub().history(set: .stock, key: "S01/oil/2020-02-10").isEmpty)
    }
}
