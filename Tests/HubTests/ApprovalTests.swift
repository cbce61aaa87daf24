@testable import BaogongHub
import BaogongModel
import Foundation
import Testing

/// Sign-off (审核): a signed-off date still merges later writes, and lists them.
@Suite("Sign-off of a date")
struct ApprovalTests {
    typealias D = HubDatabaseTests
    static let date = try! CalendarDate("2020-02-10")

    func hub(_ backend: Backend = .sqlite) async throws -> any TestHub {
        let hub = try await backend.open(seededAt: D.now)
        _ = try await hub.addStore(id: "S01", name: "Longmei", township: nil, kind: .supermarket, now: D.now)
        return hub
    }

    func record(_ hub: any HubStore, _ key: String, onHand: Double, at iso: String, upto: Int64) async throws {
        let request = D.request("S01", replica: "S01.a", upto: upto, [D.stock(key, at: iso, ["on_hand": .real(onHand), "price": .int(520)])])
        _ = try await hub.sync(request, store: "S01", now: D.now)
    }

    func reporting(_ hub: any HubStore) async throws -> ReportingView {
        try await hub.snapshot(date: Self.date, now: D.now).reporting()
    }

    @Test(arguments: Backend.all) func aLaterWriteIsMergedAndFlaggedUntilTheSignOffIsWithdrawn(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        try await record(hub, "S01/rice/2020-02-10", onHand: 100, at: "2020-02-10T08:00:00Z", upto: 1)
        #expect(try await reporting(hub).approved == false)

        let approval = try await hub.approve(date: Self.date, note: "checked by phone 电话核实", now: D.now)
        var r = try await reporting(hub)
        #expect(r.approved && r.approvedAt == approval.approvedAt && r.approvalNote == "checked by phone 电话核实")
        #expect(r.afterApproval.isEmpty)

        // A correction for the date arrives after the sign-off; a write for another date does not count.
        try await record(hub, "S01/rice/2020-02-10", onHand: 80, at: "2020-02-10T09:00:00Z", upto: 2)
        try await record(hub, "S01/rice/2020-02-11", onHand: 70, at: "2020-02-10T10:00:00Z", upto: 3)
        r = try await reporting(hub)
        #expect(r.afterApproval.map(\.key) == ["S01/rice/2020-02-10"])
        #expect(r.afterApproval.first?.store == "S01" && r.afterApproval.first?.set == "stock")
        #expect(r.afterApproval.first?.time == "2020-02-10T09:00:00Z")
        let supply = try await hub.snapshot(date: Self.date, now: D.now).supply()
        #expect(supply.commodities.first { $0.commodity == "rice" }?.onHand == 80, "the later write is merged, not held back")

        // Withdrawn: nothing is flagged; withdrawing again is refused; signing off again starts afresh.
        try await hub.unapprove(date: Self.date, now: D.now)
        r = try await reporting(hub)
        #expect(!r.approved && r.approvedAt == nil && r.afterApproval.isEmpty)
        let again = await #expect(throws: DomainError.self) { try await hub.unapprove(date: Self.date, now: D.now) }
        #expect(again?.code == .notFound)
        _ = try await hub.approve(date: Self.date, note: nil, now: D.now)
        r = try await reporting(hub)
        #expect(r.approved && r.approvalNote == nil && r.afterApproval.isEmpty)
    }

    @Test(arguments: Backend.all) func anOverlongNoteIsRefusedAndNothingIsSignedOff(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        let refused = await #expect(throws: DomainError.self) {
            try await hub.approve(date: Self.date, note: String(repeating: "审", count: 200), now: D.now)
        }
        #expect(refused?.field == "note")
        #expect(try await reporting(hub).approved == false)
    }

    @Test(arguments: Backend.all) func theDashboardMarksASignedOffDay(_ backend: Backend) async throws {
        let hub = try await hub(backend)
        try await record(hub, "S01/rice/2020-02-10", onHand: 100, at: "2020-02-10T08:00:00Z", upto: 1)
        _ = try await hub.approve(date: Self.date, note: "<b>ok</b>", now: D.now)
        try await record(hub, "S01/rice/2020-02-10", onHand: 90, at: "2020-02-10T10:00:00Z", upto: 2)
        let page = DashboardPage(snapshot: try await hub.snapshot(date: Self.date, now: D.now), language: .en).render()
        #expect(page.contains("✔ Signed off"))
        #expect(page.contains("&lt;b&gt;ok&lt;/b&gt;"), "the note is text, never markup")
        #expect(page.contains("1 write(s) arrived after sign-off"))
        #expect(page.contains("On time (timeliness): <strong>1/1</strong> (100%) · deadline 2020-02-11 12:00"), "timeliness beside completeness")
    }
}
