import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The matching desk at a site: needs and offers it posts (offline, synced like stock), the matches
/// the hub made for it, and its answers. Each write is one transaction, validated like any other.
extension AgentDatabase {
    /// A need as `need list` shows it, with what the matches this site knows of hold of it.
    public struct NeedRow: Sendable, Hashable, Codable {
        public var id: String
        public var commodity: String
        public var variety: String?
        public var quantity: Double
        public var unit: String
        public var by: String?
        public var note: String?
        public var postedAt: String?
        public var status: String
        public var matched: Double

        enum CodingKeys: String, CodingKey {
            case id, commodity, variety, quantity, unit, by, note, postedAt = "posted_at", status, matched
        }
    }

    /// An offer as `offer list` shows it.
    public struct OfferRow: Sendable, Hashable, Codable {
        public var id: String
        public var commodity: String
        public var variety: String?
        public var quantity: Double
        public var unit: String
        public var until: String?
        public var location: String?
        public var price: Double?
        public var postedAt: String?
        public var status: String
        public var matched: Double

        enum CodingKeys: String, CodingKey {
            case id, commodity, variety, quantity, unit, until, location, price, postedAt = "posted_at", status, matched
        }
    }

    /// A match the hub made that concerns this site (`matches`).
    public struct MatchRow: Sendable, Hashable, Codable {
        public var id: String
        public var need: String
        public var offer: String
        public var commodity: String
        public var variety: String?
        public var quantity: Double
        public var unit: String
        public var status: String
        /// The other site: the supplier for the receiving site, the receiving site for the supplier.
        public var counterpart: String
        public var counterpartName: String?
        public var side: String
        public var location: String?
        public var confirmedAt: String?
        public var received: Double?
        /// This site's own answer, as recorded here (it reaches the hub at the next sync).
        public var answer: String?

        enum CodingKeys: String, CodingKey {
            case id, need, offer, commodity, variety, quantity, unit, status, counterpart, counterpartName = "counterpart_name"
            case side, location, confirmedAt = "confirmed_at", received, answer
        }
    }

    /// The catalog entry of a commodity: the hub's once synced, else the defaults a new hub starts
    /// with (a site may post before its first sync). Refuses a commodity in neither.
    static func commodity(_ id: String, in db: Database) throws -> Commodity {
        let catalog = try RecordStore.catalog(in: db)
        if let entry = (catalog.isEmpty ? Commodity.defaults : catalog).first(where: { $0.id == id }) { return entry }
        let known = (catalog.isEmpty ? Commodity.defaults : catalog).map(\.id).joined(separator: ", ")
        throw AgentError(.invalidInput, "commodity: '\(id)' is not in the catalog (\(known))")
    }

    /// Posts a need; returns its id. `quantity` is in `unit` (default: the catalog unit).
    public func postNeed(
        commodity: String, variety: String?, quantity: Double, unit: CommodityUnit?, by: CalendarDate, note: String?,
        now: Date = Date()
    ) async throws -> NeedRow {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let entry = try Self.commodity(commodity, in: db)
            let amount: Double
            do throws(DomainError) { amount = try Quantities.inCatalogUnit(quantity, unit: unit, commodity: entry) } catch { throw AgentError(error) }
            guard by >= Timestamps.today(now) else {
                throw AgentError(.invalidInput, "by: \(by) has passed; a need is for today or later")
            }
            let id = MatchingIDs.newNeed()
            var fields: [String: FieldValue] = [
                "commodity": .text(entry.id), "quantity": .real(amount), "by": .text(by.description),
                "posted_at": .text(Timestamps.iso(now)), "status": .text(PostingStatus.open.rawValue),
            ]
            if let variety, !variety.isEmpty { fields["variety"] = .text(variety) }
            if let note, !note.isEmpty { fields["note"] = .text(note) }
            try Self.recordLocal(
                set: RecordSetSchema.need.name, key: "\(identity.store)/\(id)", fields: fields, identity: identity,
                validator: try Self.validator(db), now: now, in: db
            )
            return try Self.needs(in: db).first { $0.id == id }!
        }
    }

    /// Posts a surplus; returns its id. `price` is in fen per catalog unit.
    public func postOffer(
        commodity: String, variety: String?, quantity: Double, unit: CommodityUnit?, until: CalendarDate?, location: String?,
        priceFen: Int64?, now: Date = Date()
    ) async throws -> OfferRow {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let entry = try Self.commodity(commodity, in: db)
            let amount: Double
            do throws(DomainError) { amount = try Quantities.inCatalogUnit(quantity, unit: unit, commodity: entry) } catch { throw AgentError(error) }
            if let until, until < Timestamps.today(now) {
                throw AgentError(.invalidInput, "until: \(until) has passed; an offer runs until today or later")
            }
            let id = MatchingIDs.newOffer()
            var fields: [String: FieldValue] = [
                "commodity": .text(entry.id), "quantity": .real(amount), "posted_at": .text(Timestamps.iso(now)),
                "status": .text(PostingStatus.open.rawValue),
            ]
            if let variety, !variety.isEmpty { fields["variety"] = .text(variety) }
            if let until { fields["until"] = .text(until.description) }
            if let location, !location.isEmpty { fields["location"] = .text(location) }
            if let priceFen {
                // The price was given per `unit`; it is kept per catalog unit.
                let perCatalogUnit = unit.flatMap { $0.convert(1, to: entry.unit) }.map { Double(priceFen) / $0 } ?? Double(priceFen)
                fields["price"] = .int(Int64(perCatalogUnit.rounded()))
            }
            try Self.recordLocal(
                set: RecordSetSchema.offer.name, key: "\(identity.store)/\(id)", fields: fields, identity: identity,
                validator: try Self.validator(db), now: now, in: db
            )
            return try Self.offers(in: db).first { $0.id == id }!
        }
    }

    /// Cancels this site's own need or offer (the hub stops suggesting it; matches made stand).
    public func cancelPosting(_ set: RecordSetSchema, id: String, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let key = "\(identity.store)/\(id)"
            guard let status = try String.fetchOne(
                db, sql: "SELECT COALESCE(status, 'open') FROM \(set.name) WHERE key = ? AND deleted = 0", arguments: [key]
            ) else {
                throw AgentError(.invalidInput, "no \(set.name) '\(id)' was posted at this site")
            }
            guard status == PostingStatus.open.rawValue else {
                throw AgentError(.invalidInput, "\(set.name) '\(id)' is already \(status)")
            }
            try Self.recordLocal(
                set: set.name, key: key, fields: ["status": .text(PostingStatus.cancelled.rawValue)], identity: identity,
                validator: try Self.validator(db), now: now, in: db
            )
        }
    }

    public func needs() async throws -> [NeedRow] { try await writer.read { db in try Self.needs(in: db) } }
    public func offers() async throws -> [OfferRow] { try await writer.read { db in try Self.offers(in: db) } }
    public func matches() async throws -> [MatchRow] { try await writer.read { db in try Self.matches(in: db) } }

    static func units(in db: Database) throws -> [String: String] {
        let catalog = try RecordStore.catalog(in: db)
        return Dictionary((catalog.isEmpty ? Commodity.defaults : catalog).map { ($0.id, $0.unit.rawValue) },
                          uniquingKeysWith: { a, _ in a })
    }

    /// Quantity held by this site's matches of each of its needs (`need`) or offers (`offer`).
    static func matched(side: MatchSide, in db: Database) throws -> [String: Double] {
        let column = side == .need ? "need" : "offer"
        let rows = try Row.fetchAll(
            db, sql: """
                SELECT \(column), SUM(quantity) FROM "match"
                WHERE deleted = 0 AND side = ? AND status NOT IN ('declined', 'cancelled') GROUP BY \(column)
                """, arguments: [side.rawValue]
        )
        return Dictionary(rows.map { (($0[0] as String?) ?? "", ($0[1] as Double?) ?? 0) }, uniquingKeysWith: +)
    }

    static func needs(in db: Database) throws -> [NeedRow] {
        let units = try units(in: db)
        let matched = try matched(side: .need, in: db)
        return try Row.fetchAll(
            db, sql: """
                SELECT id, commodity, variety, quantity, "by", note, posted_at, COALESCE(status, 'open') FROM need
                WHERE deleted = 0 ORDER BY posted_at, id
                """
        ).map { row in
            let id: String = row[0]
            let commodity: String = row[1] ?? ""
            return NeedRow(
                id: id, commodity: commodity, variety: row[2], quantity: row[3] ?? 0, unit: units[commodity] ?? "",
                by: row[4], note: row[5], postedAt: row[6], status: row[7], matched: matched[id] ?? 0
            )
        }
    }

    static func offers(in db: Database) throws -> [OfferRow] {
        let units = try units(in: db)
        let matched = try matched(side: .offer, in: db)
        return try Row.fetchAll(
            db, sql: """
                SELECT id, commodity, variety, quantity, "until", location, price, posted_at, COALESCE(status, 'open') FROM offer
                WHERE deleted = 0 ORDER BY posted_at, id
                """
        ).map { row in
            let id: String = row[0]
            let commodity: String = row[1] ?? ""
            return OfferRow(
                id: id, commodity: commodity, variety: row[2], quantity: row[3] ?? 0, unit: units[commodity] ?? "",
                until: row[4], location: row[5], price: (row[6] as Int64?).map { Double($0) / 100 }, postedAt: row[7],
                status: row[8], matched: matched[id] ?? 0
            )
        }
    }

    static func matches(in db: Database) throws -> [MatchRow] {
        try Row.fetchAll(
            db, sql: """
                SELECT m.id, m.need, m.offer, m.commodity, m.variety, m.quantity, m.unit, m.status, m.side, m.need_store,
                       m.offer_store, m.counterpart_name, m.location, m.confirmed_at, m.received, a.answer, a.received
                FROM "match" m LEFT JOIN match_answer a ON a.key = m.key AND a.deleted = 0
                WHERE m.deleted = 0 ORDER BY m.confirmed_at DESC, m.id
                """
        ).map { row in
            let side: String = row[8] ?? ""
            let localReceived: Double? = row[16]
            return MatchRow(
                id: row[0], need: row[1] ?? "", offer: row[2] ?? "", commodity: row[3] ?? "", variety: row[4],
                quantity: row[5] ?? 0, unit: row[6] ?? "", status: row[7] ?? "confirmed",
                counterpart: (side == MatchSide.need.rawValue ? row[10] : row[9]) ?? "", counterpartName: row[11], side: side,
                location: row[12], confirmedAt: row[13], received: (row[14] as Double?) ?? localReceived,
                answer: localReceived != nil ? "received" : row[15]
            )
        }
    }

    /// Accepts or declines a match the hub made for this site.
    public func answerMatch(id: String, answer: MatchAnswer, reason: String?, now: Date = Date()) async throws {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let match = try Self.localMatch(id, identity: identity, in: db)
            if ["delivered", "cancelled", "declined"].contains(match.status) {
                throw AgentError(.invalidInput, "match \(id) is already \(match.status)")
            }
            var fields: [String: FieldValue] = ["answer": .text(answer.rawValue)]
            if let reason, !reason.isEmpty { fields["reason"] = .text(reason) }
            try Self.recordLocal(
                set: RecordSetSchema.matchAnswer.name, key: "\(identity.store)/\(id)", fields: fields, identity: identity,
                validator: try Self.validator(db), now: now, in: db
            )
        }
    }

    /// Records what arrived for a match at the receiving site, and adds it to that day's `received`
    /// stock of the commodity, in one transaction. `quantity` is in `unit` (default: catalog unit).
    public func recordReceipt(id: String, quantity: Double, unit: CommodityUnit?, now: Date = Date()) async throws -> Double {
        try await writer.write { db in
            let identity = try Self.identity(db)
            let match = try Self.localMatch(id, identity: identity, in: db)
            guard match.side == MatchSide.need.rawValue else {
                throw AgentError(.invalidInput, "match \(id) sends goods from this site; the receiving site records the receipt")
            }
            if ["cancelled", "declined"].contains(match.status) {
                throw AgentError(.invalidInput, "match \(id) was \(match.status); nothing is expected to arrive")
            }
            if match.answer == "received" {
                throw AgentError(.invalidInput, "the receipt of match \(id) is already recorded")
            }
            let entry = try Self.commodity(match.commodity, in: db)
            let amount: Double
            do throws(DomainError) { amount = try Quantities.inCatalogUnit(quantity, unit: unit, commodity: entry) } catch { throw AgentError(error) }
            let validator = try Self.validator(db)
            try Self.recordLocal(
                set: RecordSetSchema.matchAnswer.name, key: "\(identity.store)/\(id)",
                fields: ["answer": .text(MatchAnswer.accepted.rawValue), "received": .real(amount),
                         "received_at": .text(Timestamps.iso(now))],
                identity: identity, validator: validator, now: now, in: db
            )
            let stockKey = "\(identity.store)/\(entry.id)/\(Timestamps.today(now))"
            let already = try Double.fetchOne(db, sql: "SELECT received FROM stock WHERE key = ? AND deleted = 0", arguments: [stockKey])
            try Self.recordLocal(
                set: RecordSetSchema.stock.name, key: stockKey, fields: ["received": .real((already ?? 0) + amount)],
                identity: identity, validator: validator, now: now, in: db
            )
            return amount
        }
    }

    static func localMatch(_ id: String, identity: Identity, in db: Database) throws -> MatchRow {
        guard let match = try matches(in: db).first(where: { $0.id == id }) else {
            throw AgentError(.invalidInput, "no match '\(id)' has reached this site; sync first")
        }
        return match
    }
}
