@testable import BaogongHub
import BaogongModel
import Crypto
import Foundation
import Testing

/// Green-channel passes: signed by the hub, verified with its public key alone, refused when a
/// single character of the code changes or another key signed it.
@Suite("Green-channel passes")
struct PassTests {
    static let now = Fixture.instant("2020-02-10T02:00:00Z")

    static func hubWithStore(_ backend: Backend = .sqlite) async throws -> any TestHub {
        let db = try await backend.open(seededAt: now)
        _ = try await db.addStore(id: "duolefu", name: "Duolefu", township: nil, kind: .supermarket, now: now)
        return db
    }

    static func publicKeys(_ db: any HubStore) async throws -> [String: [UInt8]] {
        let rows = try await db.records(set: .passKey, store: nil, date: nil, afterSeq: 0, limit: 100)
        var keys = [String: [UInt8]]()
        for row in rows {
            if case .text(let id)? = row["id"], case .text(let key)? = row["public_key"] { keys[id] = Base64URL.decode(key) }
        }
        return keys
    }

    @Test("an issued pass verifies with the published key; every single-character change is forged", arguments: Backend.all)
    func signature(_ backend: Backend) async throws {
        let db = try await Self.hubWithStore(backend)
        let pass = try await db.issuePass(
            store: "duolefu", plate: "湘L12345", driver: "Li", cargo: "rice", route: "Changsha - Yongxing",
            from: Fixture.date("2020-02-10"), to: Fixture.date("2020-02-20"), now: Self.now
        )
        let keys = try await Self.publicKeys(db)
        #expect(keys.count == 1)
        let verified = try GreenPass.verified(pass.code, publicKeys: keys)
        #expect(verified.plate == "湘L12345")
        #expect(verified.route == "Changsha - Yongxing")
        #expect(verified.store == "duolefu")
        #expect(pass.code.count < 300, "fits a QR code comfortably: \(pass.code.count) characters")

        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        let code = Array(pass.code)
        var refused = 0
        for i in code.indices {
            var altered = code
            altered[i] = alphabet.first { $0 != code[i] && ($0 == "." ) == (code[i] == ".") } ?? "A"
            #expect(throws: GreenPass.Forgery.self, "position \(i)") { try GreenPass.verified(String(altered), publicKeys: keys) }
            refused += 1
        }
        #expect(refused == code.count)
        // The last character of each part carries padding bits: a variant differing only there is refused too.
        let parts = pass.code.split(separator: ".")
        for last in ["A", "B", "C", "D", "Q", "g", "w"] {
            let variant = "\(parts[0]).\(parts[1]).\(parts[2].dropLast())\(last)"
            if variant != pass.code { #expect(throws: GreenPass.Forgery.self) { try GreenPass.verified(variant, publicKeys: keys) } }
        }
    }

    @Test("a pass signed by another hub's key is forged, even under this hub's key id", arguments: Backend.all)
    func anotherKey(_ backend: Backend) async throws {
        let db = try await Self.hubWithStore(backend)
        _ = try await db.issuePass(store: "duolefu", plate: "A1", driver: nil, cargo: nil, route: nil,
                                   from: Fixture.date("2020-02-10"), to: Fixture.date("2020-02-11"), now: Self.now)
        let keys = try await Self.publicKeys(db)
        let other = Curve25519.Signing.PrivateKey()
        let foreign = GreenPass(id: "p1", store: "duolefu", plate: "A1", driver: nil, cargo: nil, route: nil,
                                validFrom: Fixture.date("2020-02-10"), validTo: Fixture.date("2020-02-11"),
                                keyID: GreenPass.keyID(of: other.publicKey))
        let unknown = #expect(throws: GreenPass.Forgery.self) { try GreenPass.verified(try foreign.code(signedWith: other), publicKeys: keys) }
        #expect(unknown?.description.contains("not a key of this county's hub") == true)
        var impostor = foreign
        impostor.keyID = try #require(keys.keys.first)
        let mismatch = #expect(throws: GreenPass.Forgery.self) { try GreenPass.verified(try impostor.code(signedWith: other), publicKeys: keys) }
        #expect(mismatch?.description.contains("signature does not match") == true)
    }

    @Test("status by date and revocation")
    func status() {
        let pass = GreenPass(id: "p1", store: "s", plate: "A1", driver: nil, cargo: nil, route: nil,
                             validFrom: Fixture.date("2020-02-10"), validTo: Fixture.date("2020-02-20"), keyID: "k")
        #expect(PassStatus.of(pass, today: Fixture.date("2020-02-09"), revoked: false) == .notYetValid)
        #expect(PassStatus.of(pass, today: Fixture.date("2020-02-10"), revoked: false) == .valid)
        #expect(PassStatus.of(pass, today: Fixture.date("2020-02-20"), revoked: false) == .valid)
        #expect(PassStatus.of(pass, today: Fixture.date("2020-02-21"), revoked: false) == .expired)
        #expect(PassStatus.of(pass, today: Fixture.date("2020-02-15"), revoked: true) == .revoked)
    }

    @Test("issuing checks its input and writes nothing when refused; revoking publishes the revocation to every agent", arguments: Backend.all)
    func issueAndRevoke(_ backend: Backend) async throws {
        let db = try await Self.hubWithStore(backend)
        let before = try await db.fingerprint()
        let unknown = await #expect(throws: DomainError.self) {
            _ = try await db.issuePass(store: "nobody", plate: "A1", driver: nil, cargo: nil, route: nil,
                                       from: Fixture.date("2020-02-10"), to: Fixture.date("2020-02-11"), now: Self.now)
        }
        #expect(unknown?.code == .notFound)
        let backwards = await #expect(throws: DomainError.self) {
            _ = try await db.issuePass(store: "duolefu", plate: "A1", driver: nil, cargo: nil, route: nil,
                                       from: Fixture.date("2020-02-11"), to: Fixture.date("2020-02-10"), now: Self.now)
        }
        #expect(backwards?.code == .invalidDate)
        #expect(try await db.fingerprint() == before, "no key was made for a refused pass")

        let pass = try await db.issuePass(store: "duolefu", plate: "A1", driver: nil, cargo: nil, route: nil,
                                          from: Fixture.date("2020-02-10"), to: Fixture.date("2020-02-11"), now: Self.now)
        let revoked = try await db.revokePass(id: pass.id, reason: "truck sold", now: Self.now)
        #expect(revoked.revokedAt != nil)
        let again = await #expect(throws: DomainError.self) { _ = try await db.revokePass(id: pass.id, reason: nil, now: Self.now) }
        #expect(again?.code == .notOpen)
        #expect(try await db.passes().first?.reason == "truck sold")

        // What agents receive: the key and the revocation go to every store, the pass to its own.
        _ = try await db.addStore(id: "other", name: "Other", township: nil, kind: .supermarket, now: Self.now)
        func sets(_ store: String) async throws -> [String] {
            let request = SyncRequest(store: store, replica: "\(store).d1", cursor: 0, upto: 0, pending: 0, sentAt: 0, changes: [])
            return try await db.sync(request, store: store, now: Self.now).changes.map(\.set).filter { $0.hasPrefix("pass") }.sorted()
        }
        #expect(try await sets("duolefu") == ["pass", "pass_key", "pass_revocation"])
        #expect(try await sets("other") == ["pass_key", "pass_revocation"])
    }
}

@Suite("Deliveries view")
struct DeliveriesViewTests {
    @Test("counts add over days and stores; the fleet is each store's largest, summed over stores")
    func totals() throws {
        func day(_ store: String, _ date: String, orders: Int64, vehicles: Int64?, rice: Double) -> DeliveryDay {
            DeliveryDay(store: store, date: Fixture.date(date), orders: orders, served: orders * 2, revenueFen: orders * 1050,
                        vehicles: vehicles, staff: vehicles.map { $0 * 2 }, groups: 3, townships: nil, quantities: ["rice": rice])
        }
        let view = DeliveriesView([
            day("A", "2020-02-01", orders: 10, vehicles: 4, rice: 100.5), day("A", "2020-02-02", orders: 5, vehicles: 6, rice: 50),
            day("B", "2020-02-02", orders: 7, vehicles: nil, rice: 0.25),
        ])
        #expect(view.orders == 22)
        #expect(view.served == 44)
        #expect(view.revenue == 231)
        #expect(view.vehicles == 6, "A's largest fleet (6) plus B's (none recorded)")
        #expect(view.staff == 12)
        #expect(view.groups == 6)
        #expect(view.quantities == ["rice": 150.75])
        #expect(view.byDay.map(\.orders) == [10, 12])
        #expect(view.byStore.map(\.store) == ["A", "B"])
    }
}
