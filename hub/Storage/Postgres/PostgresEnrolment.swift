import BaogongModel
import Foundation
import PostgresNIO

/// Enrolment, tokens and sessions on PostgreSQL: `Enrolment.swift`'s rules, in PostgreSQL's SQL.
extension PostgresHubStore {
    public func addStore(id: String, name: String, township: String?, kind: StoreKind, now: Date) async throws -> String {
        try Identifier.validate(id, field: "id")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let token = "s.\(id).\(TokenDigest.newSecret())"
        let logger = logger
        try await write { connection in
            if let county = UpstreamProtocol.county(of: id),
                try await connection.row("SELECT 1 FROM county WHERE id = $1", [.text(county)], logger: logger) != nil
            {
                throw DomainError(
                    .exists, field: "id", "'\(county).' names the stores of county '\(county)'; choose an id without that prefix"
                )
            }
            if try await connection.row("SELECT 1 FROM enrolment WHERE store = $1", [.text(id)], logger: logger) != nil {
                throw DomainError(.exists, field: "id", "store '\(id)' is already enrolled; use 'stores rotate-token' for a new token")
            }
            try await connection.execute(
                "INSERT INTO enrolment(store, token_hash, created_at) VALUES ($1, $2, $3)",
                [.text(id), .text(TokenDigest.hex(token)), .text(Timestamps.iso(now))], logger: logger
            )
            var fields: [String: FieldValue] = ["name": .text(name), "kind": .text(kind.rawValue)]
            if let township { fields["township"] = .text(township) }
            try await Self.writeAsHub(set: "stores", key: id, fields: fields, now: now, connection: connection, logger: logger)
        }
        return token
    }

    public func listStores() async throws -> [EnrolledStore] {
        let logger = logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT e.store, COALESCE(s.name, e.store), s.township, s.kind, e.created_at, e.revoked_at IS NOT NULL
                FROM enrolment e LEFT JOIN stores s ON s.key = e.store ORDER BY e.store
                """, logger: logger
            ).map {
                EnrolledStore(
                    id: try $0[0], name: try $0[1], township: try $0[2], kind: (try $0[3] as String?).flatMap(StoreKind.init(rawValue:)),
                    createdAt: try $0[4], revoked: try $0[5]
                )
            }
        }
    }

    public func revokeStore(id: String, now: Date) async throws {
        let logger = logger
        try await write { connection in
            let changed = try await connection.changes(
                "UPDATE enrolment SET revoked_at = $1 WHERE store = $2 RETURNING 1", [.text(Timestamps.iso(now)), .text(id)],
                logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "id", "no store '\(id)' is enrolled") }
        }
    }

    public func rotateStoreToken(id: String, now: Date) async throws -> String {
        let token = "s.\(id).\(TokenDigest.newSecret())"
        let logger = logger
        try await write { connection in
            if let county: String = try await connection.row("SELECT county FROM enrolment WHERE store = $1", [.text(id)], logger: logger)
                .flatMap({ try $0[0] })
            {
                throw DomainError(
                    .forbidden, field: "id", "store '\(id)' reports through county '\(county)': its token is issued by that county's hub"
                )
            }
            let changed = try await connection.changes(
                "UPDATE enrolment SET token_hash = $1, rotated_at = $2, revoked_at = NULL WHERE store = $3 RETURNING 1",
                [.text(TokenDigest.hex(token)), .text(Timestamps.iso(now)), .text(id)], logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "id", "no store '\(id)' is enrolled") }
        }
        return token
    }

    public func addOperator(name: String, role: OperatorRole, now: Date) async throws -> IssuedOperator {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let id = Timestamps.randomHex(4)
        let token = "o.\(id).\(TokenDigest.newSecret())"
        let logger = logger
        try await write { connection in
            try await connection.execute(
                "INSERT INTO operator(id, name, token_hash, created_at, role) VALUES ($1, $2, $3, $4, $5)",
                [.text(id), .text(name), .text(TokenDigest.hex(token)), .text(Timestamps.iso(now)), .text(role.rawValue)],
                logger: logger
            )
        }
        return IssuedOperator(id: id, role: role, token: token)
    }

    public func listOperators() async throws -> [OperatorAccount] {
        let logger = logger
        return try await read { connection in
            try await connection.rows(
                "SELECT id, name, role, created_at, revoked_at IS NOT NULL FROM operator ORDER BY created_at, id", logger: logger
            ).map {
                OperatorAccount(
                    id: try $0[0], name: try $0[1], role: OperatorRole(rawValue: try $0[2]) ?? .viewer, createdAt: try $0[3],
                    revoked: try $0[4]
                )
            }
        }
    }

    public func revokeOperator(id: String, now: Date) async throws {
        let logger = logger
        try await write { connection in
            let changed = try await connection.changes(
                "UPDATE operator SET revoked_at = $1 WHERE id = $2 RETURNING 1", [.text(Timestamps.iso(now)), .text(id)],
                logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "id", "no operator '\(id)'") }
            try await connection.execute("DELETE FROM session WHERE operator = $1", [.text(id)], logger: logger)
        }
    }

    public func authenticate(token: String) async throws -> Principal? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, let kind = parts.first, let secret = parts.last, secret.utf8.count == 64 else { return nil }
        let id = parts.dropFirst().dropLast().joined(separator: ".")
        let logger = logger
        switch kind {
        case "s":
            guard let stored = try await liveStoreTokenHash(store: id) else { return nil }
            return TokenDigest.matches(token, storedHex: stored) ? .store(id) : nil
        case "o":
            guard let row = try await client.withConnection({ connection in
                try await connection.row("SELECT token_hash, revoked_at, role FROM operator WHERE id = $1", [.text(id)], logger: logger)
            }) else { return nil }
            let revoked: String? = try row[1]
            let role = OperatorRole(rawValue: try row[2]) ?? .viewer
            return TokenDigest.matches(token, storedHex: try row[0]) && revoked == nil ? .operator(id, role) : nil
        case "c":
            guard let stored: String = try await client.withConnection({ connection in
                try await connection.row(
                    "SELECT token_hash FROM county WHERE id = $1 AND revoked_at IS NULL", [.text(id)], logger: logger
                ).flatMap { try $0[0] }
            }) else { return nil }
            return TokenDigest.matches(token, storedHex: stored) ? .county(id) : nil
        default:
            return nil
        }
    }

    public func storeTokenDigest(store: String) async throws -> Data? {
        try await liveStoreTokenHash(store: store).flatMap(TokenDigest.bytes(fromHex:)).map { Data($0) }
    }

    func liveStoreTokenHash(store: String) async throws -> String? {
        let logger = logger
        return try await client.withConnection { connection in
            try await connection.row(
                "SELECT token_hash FROM enrolment WHERE store = $1 AND revoked_at IS NULL", [.text(store)], logger: logger
            ).flatMap { try $0[0] }
        }
    }

    // MARK: Browser sessions

    public func startSession(operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String? {
        try await issue(.session, operatorToken: operatorToken, lifetime: lifetime, now: now)
    }

    public func createSignInLink(operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String? {
        try await issue(.signInLink, operatorToken: operatorToken, lifetime: lifetime, now: now)
    }

    func issue(_ kind: HubDatabase.OperatorSecret, operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String? {
        guard case .operator(let id, _)? = try await authenticate(token: operatorToken) else { return nil }
        let secret = TokenDigest.newSecret()
        let (table, hashColumn) = kind.table
        let logger = logger
        try await write { connection in
            try await connection.execute("DELETE FROM \(table) WHERE expires_at < $1", [.real(now.timeIntervalSince1970)], logger: logger)
            try await connection.execute(
                "INSERT INTO \(table)(\(hashColumn), operator, expires_at) VALUES ($1, $2, $3)",
                [.text(TokenDigest.hex(secret)), .text(id), .real(now.timeIntervalSince1970 + lifetime)], logger: logger
            )
        }
        return secret
    }

    public func redeemSignInLink(_ code: String, lifetime: TimeInterval, now: Date) async throws -> String? {
        guard code.utf8.count == 64 else { return nil }
        let session = TokenDigest.newSecret()
        let logger = logger
        return try await write { connection -> String? in
            guard let op: String = try await connection.row(
                """
                SELECT l.operator FROM sign_in_link l JOIN operator o ON o.id = l.operator
                WHERE l.code_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND o.revoked_at IS NULL
                """, [.text(TokenDigest.hex(code)), .real(now.timeIntervalSince1970)], logger: logger
            ).flatMap({ try $0[0] }) else { return nil }
            try await connection.execute(
                "UPDATE sign_in_link SET used_at = $1 WHERE code_hash = $2",
                [.real(now.timeIntervalSince1970), .text(TokenDigest.hex(code))], logger: logger
            )
            try await connection.execute(
                "INSERT INTO session(id_hash, operator, expires_at) VALUES ($1, $2, $3)",
                [.text(TokenDigest.hex(session)), .text(op), .real(now.timeIntervalSince1970 + lifetime)], logger: logger
            )
            return session
        }
    }

    public func endSession(_ session: String) async throws {
        guard session.utf8.count == 64 else { return }
        let logger = logger
        try await write { connection in
            try await connection.execute("DELETE FROM session WHERE id_hash = $1", [.text(TokenDigest.hex(session))], logger: logger)
        }
    }

    public func sessionExpiry(_ session: String, now: Date) async throws -> Date? {
        guard session.utf8.count == 64 else { return nil }
        let logger = logger
        return try await client.withConnection { connection in
            try await connection.row(
                "SELECT expires_at FROM session WHERE id_hash = $1 AND expires_at > $2",
                [.text(TokenDigest.hex(session)), .real(now.timeIntervalSince1970)], logger: logger
            ).flatMap { try $0[0] as Double? }.map { Date(timeIntervalSince1970: $0) }
        }
    }

    public func sessionOperator(_ session: String, now: Date) async throws -> Principal? {
        guard session.utf8.count == 64 else { return nil }
        let logger = logger
        return try await client.withConnection { connection in
            try await connection.row(
                """
                SELECT s.operator, o.role FROM session s JOIN operator o ON o.id = s.operator
                WHERE s.id_hash = $1 AND s.expires_at > $2 AND o.revoked_at IS NULL
                """,
                [.text(TokenDigest.hex(session)), .real(now.timeIntervalSince1970)], logger: logger
            ).map { .operator(try $0[0], OperatorRole(rawValue: try $0[1]) ?? .viewer) }
        }
    }
}
