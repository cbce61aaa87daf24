import BaogongModel
import Crypto
import Foundation
import PostgresNIO

/// The matching desk, green-channel passes and sign-offs on PostgreSQL. The decisions are the
/// SQLite hub's own (`HubDatabase.planMatch`, `folded`, `checkPass`, `revocation`); here they are
/// read and written in one transaction that holds the writer lock, so two confirmations from two
/// hub processes are serialised and the second sees the first's allocation.
extension PostgresHubStore {
    // MARK: Matching desk

    public func confirmMatch(need: String, offer: String, quantity: Double, reason: String?, now: Date) async throws -> MatchRecord {
        guard quantity.isFinite, quantity > 0 else {
            throw DomainError(.outOfRange, field: "quantity", "must be more than 0, got \(quantity)")
        }
        let logger = logger
        return try await write { connection in
            let book = try await Self.matchingBook(connection, logger: logger)
            let catalog = try await Self.catalog(connection, logger: logger)
            var names = [String: String]()
            for row in try await connection.rows("SELECT key, name FROM stores", logger: logger) {
                let key: String = try row[0]
                names[key] = try row[1] ?? key
            }
            let plan = try HubDatabase.planMatch(need: need, offer: offer, quantity: quantity, now: now, book: book, catalog: catalog) {
                [$0.0: names[$0.0] ?? $0.0, $0.1: names[$0.1] ?? $0.1]
            }
            for write in plan.writes {
                try await Self.writeAsHub(
                    set: RecordSetSchema.match.name, key: write.key, fields: write.fields, now: now, connection: connection, logger: logger
                )
            }
            return plan.match
        }
    }

    public func cancelMatch(id: String, reason: String?, now: Date) async throws -> MatchRecord {
        let logger = logger
        return try await write { connection in
            guard let row = try await connection.row(
                "SELECT \(Self.matchColumns) FROM \"match\" WHERE id = $1 AND side = 'need' AND deleted = 0", [.text(id)], logger: logger
            ) else { throw DomainError(.notFound, field: "id", "no match '\(id)'") }
            let match = try HubDatabase.cancelled(try Self.matchRecord(row), reason: reason, now: now)
            try await Self.publish(match, now: now, connection: connection, logger: logger)
            return match
        }
    }

    static func publish(_ match: MatchRecord, now: Date, connection: PostgresConnection, logger: Logger) async throws {
        for write in HubDatabase.statusWrites(match) {
            try await writeAsHub(
                set: RecordSetSchema.match.name, key: write.key, fields: write.fields, now: now, connection: connection, logger: logger
            )
        }
    }

    /// `HubDatabase.foldAnswers`, inside the sync transaction that brought an answer.
    static func foldAnswers(match id: String, now: Date, connection: PostgresConnection, logger: Logger) async throws {
        guard let row = try await connection.row(
            "SELECT \(matchColumns) FROM \"match\" WHERE id = $1 AND side = 'need' AND deleted = 0", [.text(id)], logger: logger
        ) else { return }  // an answer to a match this hub never made: kept, but it moves nothing
        let match = try matchRecord(row)
        func answer(_ site: String) async throws -> (MatchAnswer?, String?, Double?) {
            guard let a = try await connection.row(
                "SELECT answer, reason, received FROM match_answer WHERE key = $1 AND deleted = 0", [.text("\(site)/\(id)")],
                logger: logger
            ) else { return (nil, nil, nil) }
            return ((try a[0] as String?).flatMap(MatchAnswer.init(rawValue:)), try a[1], try a[2])
        }
        let need = try await answer(match.store)
        let (offerAnswer, offerReason, _) = try await answer(match.supplier)
        guard let next = HubDatabase.folded(match, need: need, offer: (offerAnswer, offerReason), now: now) else { return }
        try await publish(next, now: now, connection: connection, logger: logger)
    }

    // MARK: Green-channel passes

    /// The hub's signing key, made (and its public half published) on first use.
    static func signingKey(now: Date, connection: PostgresConnection, logger: Logger) async throws
        -> (id: String, key: Curve25519.Signing.PrivateKey)
    {
        if let row = try await connection.row(
            "SELECT id, private_key FROM signing_key WHERE retired_at IS NULL ORDER BY created_at LIMIT 1", logger: logger
        ) {
            return (try row[0], try Curve25519.Signing.PrivateKey(rawRepresentation: try row[1] as Data))
        }
        let key = Curve25519.Signing.PrivateKey()
        let id = GreenPass.keyID(of: key.publicKey)
        try await connection.execute(
            "INSERT INTO signing_key(id, private_key, created_at) VALUES ($1, $2, $3)",
            [.text(id), .blob(Array(key.rawRepresentation)), .text(Timestamps.iso(now))], logger: logger
        )
        try await writeAsHub(
            set: RecordSetSchema.passKey.name, key: id,
            fields: ["public_key": .text(Base64URL.encode(Array(key.publicKey.rawRepresentation))), "created_at": .text(Timestamps.iso(now))],
            now: now, connection: connection, logger: logger
        )
        return (id, key)
    }

    public func issuePass(
        store: String, plate: String, driver: String?, cargo: String?, route: String?, from: CalendarDate, to: CalendarDate, now: Date
    ) async throws -> IssuedPass {
        let plate = try HubDatabase.checkPass(plate: plate, driver: driver, cargo: cargo, route: route, from: from, to: to)
        let logger = logger
        return try await write { connection in
            guard let revoked: Bool = try await connection.row(
                "SELECT revoked_at IS NOT NULL FROM enrolment WHERE store = $1", [.text(store)], logger: logger
            ).map({ try $0[0] }) else {
                throw DomainError(.notFound, field: "store", "no store '\(store)' is enrolled")
            }
            guard !revoked else { throw DomainError(.notOpen, field: "store", "store '\(store)' is revoked") }
            let (keyID, key) = try await Self.signingKey(now: now, connection: connection, logger: logger)
            let (id, fields) = try HubDatabase.passRecord(
                store: store, plate: plate, driver: driver, cargo: cargo, route: route, from: from, to: to, keyID: keyID, key: key,
                now: now
            )
            try await Self.writeAsHub(
                set: RecordSetSchema.pass.name, key: "\(store)/\(id)", fields: fields, now: now, connection: connection, logger: logger
            )
            return try await Self.passes(id: id, connection, logger: logger).first!
        }
    }

    public func revokePass(id: String, reason: String?, now: Date) async throws -> IssuedPass {
        let logger = logger
        return try await write { connection in
            let existing = try await Self.passes(id: id, connection, logger: logger).first
            let (pass, fields) = try HubDatabase.revocation(of: existing, id: id, reason: reason, now: now)
            try await Self.writeAsHub(
                set: RecordSetSchema.passRevocation.name, key: id, fields: fields, now: now, connection: connection, logger: logger
            )
            return pass
        }
    }

    // MARK: Sign-off (审核)

    public func approve(date: CalendarDate, note: String?, now: Date) async throws -> DayApproval {
        if let note, note.utf8.count > HubDatabase.approvalNoteLimit {
            throw DomainError(.invalidValue, field: "note", "at most \(HubDatabase.approvalNoteLimit) bytes, got \(note.utf8.count)")
        }
        let logger = logger
        return try await write { connection in
            let through = try await Self.lastSeq(connection, logger: logger)
            try await connection.execute(
                """
                INSERT INTO approval(date, approved_at, note, through_seq, withdrawn_at) VALUES ($1, $2, $3, $4, NULL)
                ON CONFLICT (date) DO UPDATE SET approved_at = excluded.approved_at, note = excluded.note,
                    through_seq = excluded.through_seq, withdrawn_at = NULL
                """,
                [.text(date.description), .real(now.timeIntervalSince1970), SQLValue(note), .int(through)], logger: logger
            )
            return DayApproval(date: date.description, approvedAt: Timestamps.iso(now), note: note, throughSeq: through)
        }
    }

    public func unapprove(date: CalendarDate, now: Date) async throws {
        let logger = logger
        try await write { connection in
            let changed = try await connection.changes(
                "UPDATE approval SET withdrawn_at = $1 WHERE date = $2 AND withdrawn_at IS NULL RETURNING 1",
                [.real(now.timeIntervalSince1970), .text(date.description)], logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "date", "\(date) is not signed off") }
        }
    }
}
