import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Green-channel passes at a site (verified from the local database alone) and the site's online
/// orders and deliveries (counted by every device, added at the hub).
extension AgentDatabase {
    /// A pass the hub issued to this store (`baogong-agent passes`).
    public struct PassRow: Sendable, Hashable, Codable {
        public var id: String
        public var plate: String
        public var driver: String?
        public var cargo: String?
        public var route: String?
        public var validFrom: String
        public var validTo: String
        public var code: String
        public var revoked: Bool

        enum CodingKeys: String, CodingKey {
            case id, plate, driver, cargo, route, validFrom = "valid_from", validTo = "valid_to", code, revoked
        }
    }

    public func passes() async throws -> [PassRow] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT p.id, p.plate, p.driver, p.cargo, p.route, p.valid_from, p.valid_to, p.code, r.key IS NOT NULL
                    FROM pass p LEFT JOIN pass_revocation r ON r.key = p.id AND r.deleted = 0
                    WHERE p.deleted = 0 ORDER BY p.valid_from, p.id
                    """
            ).map {
                PassRow(
                    id: $0[0], plate: $0[1] ?? "", driver: $0[2], cargo: $0[3], route: $0[4], validFrom: $0[5] ?? "",
                    validTo: $0[6] ?? "", code: $0[7] ?? "", revoked: $0[8]
                )
            }
        }
    }

    /// What `pass verify` answers: the status, why, and the pass's fields when the code reads as one.
    public struct PassCheck: Sendable, Hashable, Codable {
        public var status: PassStatus
        public var reason: String
        public var pass: GreenPass?

        enum CodingKeys: String, CodingKey { case status, reason, pass }

        public func encode(to encoder: any Encoder) throws {
            // Flat: {"status", "reason", "id", "store", "plate", …}, the pass's keys beside the verdict.
            try pass?.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(reason, forKey: .reason)
        }
    }

    /// Verifies a pass code against the hub keys and revocations this device holds: no network.
    public func verifyPass(_ code: String, now: Date = Date()) async throws -> PassCheck {
        try await writer.read { db in
            var keys = [String: [UInt8]]()
            for row in try Row.fetchAll(db, sql: "SELECT id, public_key FROM pass_key WHERE deleted = 0") {
                if let text: String = row[1], let raw = Base64URL.decode(text) { keys[row[0]] = raw }
            }
            guard !keys.isEmpty else {
                return PassCheck(
                    status: .forged, reason: "this device holds no hub key yet: sync once with the hub, then verify", pass: nil
                )
            }
            let pass: GreenPass
            do throws(GreenPass.Forgery) {
                pass = try GreenPass.verified(code, publicKeys: keys)
            } catch {
                return PassCheck(status: .forged, reason: error.description, pass: nil)
            }
            let revocation = try Row.fetchOne(
                db, sql: "SELECT revoked_at, reason FROM pass_revocation WHERE key = ? AND deleted = 0", arguments: [pass.id]
            )
            let today = Timestamps.today(now)
            let status = PassStatus.of(pass, today: today, revoked: revocation != nil)
            let reason: String
            switch status {
            case .valid: reason = "valid from \(pass.validFrom) to \(pass.validTo): \(pass.plate) to \(pass.store)"
            case .notYetValid: reason = "not valid before \(pass.validFrom) (today is \(today))"
            case .expired: reason = "expired on \(pass.validTo) (today is \(today))"
            case .revoked:
                let at: String? = revocation?[0], why: String? = revocation?[1]
                reason = "revoked by the bureau\(at.map { " at \($0)" } ?? "")\(why.map { ": \($0)" } ?? "")"
            case .forged: reason = "forged"
            }
            return PassCheck(status: status, reason: reason, pass: pass)
        }
    }

    /// A day's online orders and deliveries, as `delivery record` adds them.
    public struct DeliveryEntry: Sendable, Hashable {
        public var date: CalendarDate
        public var orders: Int64
        public var served: Int64
        public var revenueFen: Int64
        public var vehicles: Int64?
        public var staff: Int64?
        public var groups: Int64?
        public var townships: String?
        /// Commodity → amount in its catalog unit.
        public var quantities: [String: Double]

        public init(
            date: CalendarDate, orders: Int64, served: Int64 = 0, revenueFen: Int64 = 0, vehicles: Int64? = nil, staff: Int64? = nil,
            groups: Int64? = nil, townships: String? = nil, quantities: [String: Double] = [:]
        ) {
            self.date = date
            self.orders = orders
            self.served = served
            self.revenueFen = revenueFen
            self.vehicles = vehicles
            self.staff = staff
            self.groups = groups
            self.townships = townships
            self.quantities = quantities
        }
    }

    /// Adds a day's counts (two devices recording 10 orders each make 20) and sets the fleet figures,
    /// in one transaction.
    public func recordDelivery(_ entry: DeliveryEntry, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let validator = try Self.validator(db)
            var fields = [String: FieldValue]()
            if let v = entry.vehicles { fields["vehicles"] = .int(v) }
            if let v = entry.staff { fields["staff"] = .int(v) }
            if let v = entry.groups { fields["groups"] = .int(v) }
            if let t = entry.townships, !t.isEmpty { fields["townships"] = .text(t) }
            try Self.recordLocal(
                set: RecordSetSchema.delivery.name, key: "\(identity.store)/\(entry.date)", fields: fields,
                counterIncrements: ["orders": entry.orders, "served": entry.served, "revenue": entry.revenueFen],
                identity: identity, validator: validator, now: now, in: db
            )
            for (commodity, amount) in entry.quantities.sorted(by: { $0.key < $1.key }) {
                let known = try Self.commodity(commodity, in: db)
                guard amount.isFinite, amount >= 0 else {
                    throw AgentError(.invalidInput, "quantity: \(commodity) must be a positive number")
                }
                try Self.recordLocal(
                    set: RecordSetSchema.deliveryQuantity.name, key: "\(identity.store)/\(entry.date)/\(known.id)",
                    counterIncrements: ["milli": Int64((amount * 1000).rounded())], identity: identity, validator: validator,
                    now: now, in: db
                )
            }
        }
    }

    /// This store's delivery days as this device knows them (its own counts and what it merged).
    public struct DeliveryRow: Sendable, Hashable, Codable {
        public var date: String
        public var orders: Int64
        public var served: Int64
        public var revenue: Double
        public var vehicles: Int64?
        public var staff: Int64?
        public var groups: Int64?
        public var townships: String?
        public var quantities: [String: Double]
    }

    public func deliveries() async throws -> [DeliveryRow] {
        try await writer.read { db in
            var rows = [String: DeliveryRow]()
            for r in try Row.fetchAll(
                db, sql: """
                    SELECT date, COALESCE(orders, 0), COALESCE(served, 0), COALESCE(revenue, 0), vehicles, staff, groups, townships
                    FROM delivery WHERE deleted = 0 ORDER BY date
                    """
            ) {
                let fen: Int64 = r[3]
                rows[r[0]] = DeliveryRow(
                    date: r[0], orders: r[1], served: r[2], revenue: Double(fen) / 100, vehicles: r[4], staff: r[5], groups: r[6],
                    townships: r[7], quantities: [:]
                )
            }
            for r in try Row.fetchAll(db, sql: "SELECT date, commodity, COALESCE(milli, 0) FROM delivery_quantity WHERE deleted = 0") {
                let date: String = r[0], milli: Int64 = r[2]
                if rows[date] == nil {
                    rows[date] = DeliveryRow(
                        date: date, orders: 0, served: 0, revenue: 0, vehicles: nil, staff: nil, groups: nil, townships: nil, quantities: [:]
                    )
                }
                rows[date]!.quantities[r[1], default: 0] += Double(milli) / 1000
            }
            return rows.values.sorted { $0.date < $1.date }
        }
    }
}
