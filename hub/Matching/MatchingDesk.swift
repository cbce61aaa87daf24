import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The matching desk on the embedded SQLite store: reads the book, allocates, folds the sites'
/// answers into each match's status.
///
/// Allocation is a decision, not a merge: `confirmMatch` reads what is allocated and writes the match
/// in one IMMEDIATE transaction, so two confirmations (from two operators, or two processes on one
/// database file) are serialised by SQLite's write lock and the second one sees the first.
extension HubDatabase {
    public func matchingBook() async throws -> MatchingBook {
        try await writer.read { db in try Self.matchingBook(in: db) }
    }

    static func matchingBook(in db: Database) throws -> MatchingBook {
        let needs = try Row.fetchAll(
            db, sql: """
                SELECT id, store, commodity, variety, quantity, "by", note, posted_at, status FROM need
                WHERE deleted = 0 AND quantity IS NOT NULL AND commodity IS NOT NULL ORDER BY store, id
                """
        ).map { row in
            NeedPosting(
                id: row[0], store: row[1], commodity: row[2], variety: nonEmpty(row[3]), quantity: row[4], by: row[5],
                note: nonEmpty(row[6]), postedAt: row[7], status: PostingStatus(rawValue: row[8] ?? "") ?? .open
            )
        }
        let offers = try Row.fetchAll(
            db, sql: """
                SELECT id, store, commodity, variety, quantity, "until", location, price, posted_at, status FROM offer
                WHERE deleted = 0 AND quantity IS NOT NULL AND commodity IS NOT NULL ORDER BY store, id
                """
        ).map { row in
            OfferPosting(
                id: row[0], store: row[1], commodity: row[2], variety: nonEmpty(row[3]), quantity: row[4], until: row[5],
                location: nonEmpty(row[6]), priceFen: row[7], postedAt: row[8],
                status: PostingStatus(rawValue: row[9] ?? "") ?? .open
            )
        }
        let matches = try Row.fetchAll(
            db, sql: """
                SELECT id, need, offer, need_store, offer_store, commodity, variety, quantity, unit, status, posted_at,
                       confirmed_at, received, closed_at, reason
                FROM "match" WHERE side = 'need' AND deleted = 0 ORDER BY confirmed_at, id
                """
        ).map(matchRecord)
        return MatchingBook(needs: needs, offers: offers, matches: matches)
    }

    static func matchRecord(_ row: Row) -> MatchRecord {
        MatchRecord(
            id: row[0], need: row[1], offer: row[2], store: row[3], supplier: row[4], commodity: row[5],
            variety: nonEmpty(row[6]), quantity: row[7], unit: row[8] ?? "", status: MatchStatus(rawValue: row[9] ?? "") ?? .confirmed,
            postedAt: row[10], confirmedAt: row[11] ?? "", received: row[12], closedAt: row[13], reason: row[14]
        )
    }

    private static func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }

    /// Allocates `quantity` (in the commodity's catalog unit) of an offer to a need and publishes the
    /// match to both sites. Refuses with `over_allocated` when the need or the offer would be
    /// allocated beyond its quantity, counting every match that is not declined or cancelled.
    public func confirmMatch(need: String, offer: String, quantity: Double, reason: String? = nil, now: Date = Date())
        async throws -> MatchRecord
    {
        guard quantity.isFinite, quantity > 0 else {
            throw DomainError(.outOfRange, field: "quantity", "must be more than 0, got \(quantity)")
        }
        return try await writer.writeWithoutTransaction { db in
            var confirmed: MatchRecord?
            try db.inTransaction(.immediate) {
                confirmed = try Self.confirmMatch(need: need, offer: offer, quantity: quantity, now: now, in: db)
                return .commit
            }
            return confirmed!
        }
    }

    static func confirmMatch(need needRef: String, offer offerRef: String, quantity: Double, now: Date, in db: Database) throws
        -> MatchRecord
    {
        let book = try matchingBook(in: db)
        let catalog = try RecordStore.catalog(in: db)
        let plan = try planMatch(need: needRef, offer: offerRef, quantity: quantity, now: now, book: book, catalog: catalog) { stores in
            try Dictionary(
                Row.fetchAll(db, sql: "SELECT key, name FROM stores WHERE key IN (?, ?)", arguments: [stores.0, stores.1])
                    .map { (($0[0] as String), ($0[1] as String?) ?? ($0[0] as String)) },
                uniquingKeysWith: { a, _ in a }
            )
        }
        for write in plan.writes {
            try writeAsHub(set: RecordSetSchema.match.name, key: write.key, fields: write.fields, now: now, in: db)
        }
        return plan.match
    }

    /// A confirmation decided on one consistent read (the book, the catalog, the two sites' names):
    /// the match and the two records that publish it, or the refusal. The same for every backend.
    static func planMatch(
        need needRef: String, offer offerRef: String, quantity: Double, now: Date, book: MatchingBook, catalog: [Commodity],
        names lookup: ((String, String)) throws -> [String: String]
    ) throws -> (match: MatchRecord, writes: [(key: String, fields: [String: FieldValue])]) {
        let need = try resolve(needRef, in: book.needs.map { ($0.store, $0.id, $0) }, what: "need", field: "need")
        let offer = try resolve(offerRef, in: book.offers.map { ($0.store, $0.id, $0) }, what: "offer", field: "offer")
        guard need.status == .open else {
            throw DomainError(.notOpen, field: "need", "need \(need.id) of \(need.store) was cancelled")
        }
        guard offer.status == .open else {
            throw DomainError(.notOpen, field: "offer", "offer \(offer.id) of \(offer.store) was cancelled")
        }
        let today = Timestamps.today(now).description
        if let until = offer.until, until < today {
            throw DomainError(.notOpen, field: "offer", "offer \(offer.id) was open until \(until)")
        }
        guard need.commodity == offer.commodity else {
            throw DomainError(
                .mismatch, field: "offer", "need \(need.id) asks for \(need.commodity); offer \(offer.id) is \(offer.commodity)"
            )
        }
        if let a = need.variety, let b = offer.variety, a.lowercased() != b.lowercased() {
            throw DomainError(.mismatch, field: "offer", "need \(need.id) asks for \(a); offer \(offer.id) is \(b)")
        }
        guard need.store != offer.store else {
            throw DomainError(.mismatch, field: "offer", "need and offer were both posted by \(need.store)")
        }
        let unit = catalog.first { $0.id == need.commodity }?.unit.rawValue ?? CommodityUnit.kg.rawValue
        // Floating-point slack (a billionth of the quantity), so that 3,000 jin converted to 1,500 kg fits a 1,500 kg need.
        let epsilon = 1e-9 * max(1, need.quantity)
        guard need.allocated + quantity <= need.quantity + epsilon else {
            throw DomainError(
                .overAllocated, field: "quantity",
                "need \(need.id) of \(need.store) is for \(format(need.quantity)) \(unit); \(format(need.allocated)) \(unit) are allocated,"
                    + " so \(format(quantity)) \(unit) more would over-allocate it (at most \(format(need.remaining)))"
            )
        }
        guard offer.allocated + quantity <= offer.quantity + 1e-9 * max(1, offer.quantity) else {
            throw DomainError(
                .overAllocated, field: "quantity",
                "offer \(offer.id) of \(offer.store) is for \(format(offer.quantity)) \(unit); \(format(offer.allocated)) \(unit) are allocated,"
                    + " so \(format(quantity)) \(unit) more would over-allocate it (at most \(format(offer.remaining)))"
            )
        }
        let names = try lookup((need.store, offer.store))
        let id = MatchingIDs.newMatch()
        let confirmedAt = Timestamps.iso(now)
        var fields: [String: FieldValue] = [
            "need": .text(need.id), "offer": .text(offer.id), "need_store": .text(need.store),
            "offer_store": .text(offer.store), "commodity": .text(need.commodity), "quantity": .real(quantity),
            "unit": .text(unit), "status": .text(MatchStatus.confirmed.rawValue), "confirmed_at": .text(confirmedAt),
        ]
        if let variety = need.variety ?? offer.variety { fields["variety"] = .text(variety) }
        if let location = offer.location { fields["location"] = .text(location) }
        if let posted = need.postedAt { fields["posted_at"] = .text(posted) }
        var writes = [(key: String, fields: [String: FieldValue])]()
        for side in MatchSide.allCases {
            var own = fields
            own["side"] = .text(side.rawValue)
            let counterpart = side == .need ? offer.store : need.store
            own["counterpart_name"] = .text(names[counterpart] ?? counterpart)
            writes.append(("\(side == .need ? need.store : offer.store)/\(id)", own))
        }
        let match = MatchRecord(
            id: id, need: need.id, offer: offer.id, store: need.store, supplier: offer.store, commodity: need.commodity,
            variety: need.variety ?? offer.variety, quantity: quantity, unit: unit, status: .confirmed, postedAt: need.postedAt,
            confirmedAt: confirmedAt, received: nil, closedAt: nil, reason: nil
        )
        return (match, writes)
    }

    /// A need or offer named by `id` or `store/id`; an id two sites share must be given with its site.
    private static func resolve<T>(_ ref: String, in postings: [(String, String, T)], what: String, field: String) throws -> T {
        let parts = ref.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let found = parts.count == 2
            ? postings.filter { $0.0 == parts[0] && $0.1 == parts[1] }
            : postings.filter { $0.1 == ref }
        guard let first = found.first else { throw DomainError(.notFound, field: field, "no \(what) '\(ref)' has reached the hub") }
        guard found.count == 1 else {
            throw DomainError(
                .invalidValue, field: field,
                "\(found.count) sites posted a \(what) '\(ref)'; name it as SITE/\(ref): \(found.map(\.0).joined(separator: ", "))"
            )
        }
        return first.2
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int64(v)) : String(format: "%.3f", v).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    /// Cancels a match at the hub (the goods will not move): its quantity is released. A delivered,
    /// declined or cancelled match is final and is refused.
    public func cancelMatch(id: String, reason: String?, now: Date = Date()) async throws -> MatchRecord {
        try await writer.writeWithoutTransaction { db in
            var cancelled: MatchRecord?
            try db.inTransaction(.immediate) {
                guard let row = try Row.fetchOne(
                    db, sql: """
                        SELECT id, need, offer, need_store, offer_store, commodity, variety, quantity, unit, status, posted_at,
                               confirmed_at, received, closed_at, reason
                        FROM "match" WHERE id = ? AND side = 'need' AND deleted = 0
                        """, arguments: [id]
                ) else { throw DomainError(.notFound, field: "id", "no match '\(id)'") }
                let match = try Self.cancelled(Self.matchRecord(row), reason: reason, now: now)
                try Self.publishStatus(match, now: now, in: db)
                cancelled = match
                return .commit
            }
            return cancelled!
        }
    }

    /// Writes a match's status (and what arrived, when, why) to both parties' records.
    static func publishStatus(_ match: MatchRecord, now: Date, in db: Database) throws {
        for write in statusWrites(match) {
            try writeAsHub(set: RecordSetSchema.match.name, key: write.key, fields: write.fields, now: now, in: db)
        }
    }

    /// The records that publish a match's status (and what arrived, when, why) to both parties.
    static func statusWrites(_ match: MatchRecord) -> [(key: String, fields: [String: FieldValue])] {
        var fields: [String: FieldValue] = ["status": .text(match.status.rawValue)]
        if let received = match.received { fields["received"] = .real(received) }
        if let closed = match.closedAt { fields["closed_at"] = .text(closed) }
        if let reason = match.reason { fields["reason"] = .text(reason) }
        return [match.store, match.supplier].map { ("\($0)/\(match.id)", fields) }
    }

    /// A match cancelled at the hub, or the refusal when it is already final.
    static func cancelled(_ match: MatchRecord, reason: String?, now: Date) throws -> MatchRecord {
        guard !match.status.isFinal else {
            throw DomainError(.notOpen, field: "id", "match \(match.id) is already \(match.status.rawValue)")
        }
        var match = match
        match.status = .cancelled
        match.closedAt = Timestamps.iso(now)
        match.reason = reason
        return match
    }

    /// A match with both parties' answers folded into its status; nil when nothing changes.
    static func folded(
        _ match: MatchRecord, need: (answer: MatchAnswer?, reason: String?, received: Double?),
        offer: (answer: MatchAnswer?, reason: String?), now: Date
    ) -> MatchRecord? {
        var next = match
        next.status = MatchStatus.folding(match.status, needAnswer: need.answer, offerAnswer: offer.answer, received: need.received)
        if next.status == .delivered, let received = need.received { next.received = received }
        if next.status != match.status {
            next.closedAt = next.status.isFinal ? Timestamps.iso(now) : nil
            if next.status == .declined { next.reason = need.answer == .declined ? need.reason : offer.reason }
        }
        return next == match ? nil : next
    }

    /// Folds the two parties' answers into a match's status, inside the sync transaction that brought
    /// an answer. Writes only when something changes, so a replayed answer changes nothing.
    static func foldAnswers(match id: String, now: Date, in db: Database) throws {
        guard let row = try Row.fetchOne(
            db, sql: """
                SELECT id, need, offer, need_store, offer_store, commodity, variety, quantity, unit, status, posted_at,
                       confirmed_at, received, closed_at, reason
                FROM "match" WHERE id = ? AND side = 'need' AND deleted = 0
                """, arguments: [id]
        ) else { return }  // an answer to a match this hub never made: kept, but it moves nothing
        let match = matchRecord(row)
        func answer(_ site: String) throws -> (MatchAnswer?, String?, Double?) {
            guard let a = try Row.fetchOne(
                db, sql: "SELECT answer, reason, received FROM match_answer WHERE key = ? AND deleted = 0",
                arguments: ["\(site)/\(id)"]
            ) else { return (nil, nil, nil) }
            return ((a[0] as String?).flatMap(MatchAnswer.init(rawValue:)), a[1], a[2])
        }
        let need = try answer(match.store)
        let (offerAnswer, offerReason, _) = try answer(match.supplier)
        guard let next = folded(match, need: need, offer: (offerAnswer, offerReason), now: now) else { return }
        try publishStatus(next, now: now, in: db)
    }
}
