import BaogongModel
import Foundation
import GRDB
import HTTPTypes

/// Store enrolment, operator tokens and dashboard sessions. A token is `s.<store>.<secret>` or `o.<operator>.<secret>`
/// with a 256-bit random secret; only its SHA-256 is stored, and it is compared in constant time.
extension HubDatabase {
    /// Enrols a store and returns its token (shown once; the hub keeps only its hash).
    public func addStore(
        id: String, name: String, township: String?, kind: StoreKind = .supermarket, now: Date = Date()
    ) async throws -> String {
        try Identifier.validate(id, field: "id")
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let token = "s.\(id).\(TokenDigest.newSecret())"
        try await writer.write { db in
            if let county = UpstreamProtocol.county(of: id),
                try Bool.fetchOne(db, sql: "SELECT 1 FROM county WHERE id = ?", arguments: [county]) == true
            {
                throw DomainError(
                    .exists, field: "id", "'\(county).' names the stores of county '\(county)'; choose an id without that prefix"
                )
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM enrolment WHERE store = ?", arguments: [id]) == true {
                throw DomainError(
                    .exists, field: "id", "store '\(id)' is already enrolled; use 'stores rotate-token' for a new token"
                )
            }
            try db.execute(
                sql: "INSERT INTO enrolment(store, token_hash, created_at) VALUES (?, ?, ?)",
                arguments: [id, TokenDigest.hex(token), Timestamps.iso(now)]
            )
            var fields: [String: FieldValue] = ["name": .text(name), "kind": .text(kind.rawValue)]
            if let township { fields["township"] = .text(township) }
            try Self.writeAsHub(set: "stores", key: id, fields: fields, now: now, in: db)
        }
        return token
    }

    public func listStores() async throws -> [EnrolledStore] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.store, COALESCE(s.name, e.store), s.township, s.kind, e.created_at, e.revoked_at IS NOT NULL
                    FROM enrolment e LEFT JOIN stores s ON s.key = e.store ORDER BY e.store
                    """
            ).map {
                EnrolledStore(
                    id: $0[0], name: $0[1], township: $0[2], kind: ($0[3] as String?).flatMap(StoreKind.init(rawValue:)),
                    createdAt: $0[4], revoked: $0[5]
                )
            }
        }
    }

    public func revokeStore(id: String, now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE enrolment SET revoked_at = ? WHERE store = ?", arguments: [Timestamps.iso(now), id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, field: "id", "no store '\(id)' is enrolled") }
        }
    }

    /// Issues a new token for a store (and lifts a revocation); the old token stops working at once.
    public func rotateStoreToken(id: String, now: Date = Date()) async throws -> String {
        let token = "s.\(id).\(TokenDigest.newSecret())"
        try await writer.write { db in
            if let county = try String.fetchOne(db, sql: "SELECT county FROM enrolment WHERE store = ?", arguments: [id]) {
                throw DomainError(
                    .forbidden, field: "id",
                    "store '\(id)' reports through county '\(county)': its token is issued by that county's hub"
                )
            }
            try db.execute(
                sql: "UPDATE enrolment SET token_hash = ?, rotated_at = ?, revoked_at = NULL WHERE store = ?",
                arguments: [TokenDigest.hex(token), Timestamps.iso(now), id]
            )
            guard db.changesCount == 1 else { throw DomainError(.notFound, field: "id", "no store '\(id)' is enrolled") }
        }
        return token
    }

    /// Adds an operator (views and the dashboard; more by role) and returns the token, shown once.
    public func addOperator(name: String, role: OperatorRole = .viewer, now: Date = Date()) async throws -> IssuedOperator {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let id = Timestamps.randomHex(4)
        let token = "o.\(id).\(TokenDigest.newSecret())"
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO operator(id, name, token_hash, created_at, role) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, TokenDigest.hex(token), Timestamps.iso(now), role.rawValue]
            )
        }
        return IssuedOperator(id: id, role: role, token: token)
    }

    public func revokeOperator(id: String, now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE operator SET revoked_at = ? WHERE id = ?", arguments: [Timestamps.iso(now), id])
            guard db.changesCount == 1 else { throw DomainError(.notFound, field: "id", "no operator '\(id)'") }
            try db.execute(sql: "DELETE FROM session WHERE operator = ?", arguments: [id])
        }
    }

    public func listOperators() async throws -> [OperatorAccount] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, role, created_at, revoked_at IS NOT NULL FROM operator ORDER BY created_at")
                .map {
                    OperatorAccount(
                        id: $0[0], name: $0[1], role: OperatorRole(rawValue: $0[2]) ?? .viewer, createdAt: $0[3], revoked: $0[4]
                    )
                }
        }
    }

    /// Resolves a bearer token to its store or operator; nil for unknown, malformed or revoked tokens.
    public func authenticate(token: String) async throws -> Principal? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, let kind = parts.first, let secret = parts.last, secret.utf8.count == 64 else { return nil }
        let id = parts.dropFirst().dropLast().joined(separator: ".")
        return try await writer.read { db -> Principal? in
            switch kind {
            case "s":
                guard let stored = try Self.liveStoreTokenHash(store: id, in: db) else { return nil }
                return TokenDigest.matches(token, storedHex: stored) ? .store(id) : nil
            case "o":
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT token_hash, revoked_at, role FROM operator WHERE id = ?", arguments: [id]
                ) else { return nil }
                let stored: String = row[0]
                let revoked: String? = row[1]
                let role = OperatorRole(rawValue: row[2]) ?? .viewer
                return TokenDigest.matches(token, storedHex: stored) && revoked == nil ? .operator(id, role) : nil
            case "c":
                guard let stored = try String.fetchOne(
                    db, sql: "SELECT token_hash FROM county WHERE id = ? AND revoked_at IS NULL", arguments: [id]
                ) else { return nil }
                return TokenDigest.matches(token, storedHex: stored) ? .county(id) : nil
            default:
                return nil
            }
        }
    }

    public func storeTokenDigest(store: String) async throws -> Data? {
        try await writer.read { db in
            try Self.liveStoreTokenHash(store: store, in: db).flatMap(TokenDigest.bytes(fromHex:)).map { Data($0) }
        }
    }

    /// The stored token digest (hex) of an enrolled store whose token is not revoked.
    static func liveStoreTokenHash(store: String, in db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT token_hash FROM enrolment WHERE store = ? AND revoked_at IS NULL", arguments: [store]
        )
    }

    // MARK: - Browser sessions

    /// Starts a dashboard session for an operator token; returns the cookie value.
    public func startSession(
        operatorToken: String, lifetime: TimeInterval = 12 * 3600, now: Date = Date()
    ) async throws -> String? {
        try await issue(.session, operatorToken: operatorToken, lifetime: lifetime, now: now)
    }

    /// A sign-in link code for an operator token: good once, for 10 minutes; nil for a refused token.
    public func createSignInLink(operatorToken: String, lifetime: TimeInterval = 600, now: Date = Date()) async throws -> String? {
        try await issue(.signInLink, operatorToken: operatorToken, lifetime: lifetime, now: now)
    }

    /// A secret an operator's token buys: a dashboard session, or a sign-in link code.
    enum OperatorSecret {
        case session, signInLink

        /// The table that keeps the secret's digest, and its digest column (constants, never input).
        var table: (name: String, hashColumn: String) {
            switch self {
            case .session: ("session", "id_hash")
            case .signInLink: ("sign_in_link", "code_hash")
            }
        }
    }

    /// Issues a new secret of `kind` for a live operator token, keeping only its digest and clearing
    /// expired ones; nil for a refused token.
    func issue(_ kind: OperatorSecret, operatorToken: String, lifetime: TimeInterval, now: Date) async throws -> String? {
        guard case .operator(let id, _)? = try await authenticate(token: operatorToken) else { return nil }
        let secret = TokenDigest.newSecret()
        let (table, hashColumn) = kind.table
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM \(table) WHERE expires_at < ?", arguments: [now.timeIntervalSince1970])
            try db.execute(
                sql: "INSERT INTO \(table)(\(hashColumn), operator, expires_at) VALUES (?, ?, ?)",
                arguments: [TokenDigest.hex(secret), id, now.timeIntervalSince1970 + lifetime]
            )
        }
        return secret
    }

    /// Exchanges a sign-in link code for a fresh session (12 h), once: the code is spent in the same
    /// transaction, so a link visited twice, or planted in someone else's browser, gives nothing the
    /// second time. Nil for an unknown, spent or expired code, or a revoked operator.
    public func redeemSignInLink(_ code: String, lifetime: TimeInterval = 12 * 3600, now: Date = Date()) async throws -> String? {
        guard code.utf8.count == 64 else { return nil }
        let session = TokenDigest.newSecret()
        return try await writer.write { db -> String? in
            guard let op = try String.fetchOne(
                db, sql: """
                    SELECT l.operator FROM sign_in_link l JOIN operator o ON o.id = l.operator
                    WHERE l.code_hash = ? AND l.used_at IS NULL AND l.expires_at > ? AND o.revoked_at IS NULL
                    """, arguments: [TokenDigest.hex(code), now.timeIntervalSince1970]
            ) else { return nil }
            try db.execute(
                sql: "UPDATE sign_in_link SET used_at = ? WHERE code_hash = ?",
                arguments: [now.timeIntervalSince1970, TokenDigest.hex(code)]
            )
            try db.execute(
                sql: "INSERT INTO session(id_hash, operator, expires_at) VALUES (?, ?, ?)",
                arguments: [TokenDigest.hex(session), op, now.timeIntervalSince1970 + lifetime]
            )
            return session
        }
    }

    public func endSession(_ session: String) async throws {
        guard session.utf8.count == 64 else { return }
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM session WHERE id_hash = ?", arguments: [TokenDigest.hex(session)])
        }
    }

    /// When a live session ends, or nil for an unknown or expired one.
    public func sessionExpiry(_ session: String, now: Date = Date()) async throws -> Date? {
        guard session.utf8.count == 64 else { return nil }
        return try await writer.read { db in
            try Double.fetchOne(
                db, sql: "SELECT expires_at FROM session WHERE id_hash = ? AND expires_at > ?",
                arguments: [TokenDigest.hex(session), now.timeIntervalSince1970]
            ).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// The operator (with its current role) of a live session; nil for an unknown or expired one, or
    /// once the operator is revoked.
    public func sessionOperator(_ session: String, now: Date = Date()) async throws -> Principal? {
        guard session.utf8.count == 64 else { return nil }
        return try await writer.read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT s.operator, o.role FROM session s JOIN operator o ON o.id = s.operator
                    WHERE s.id_hash = ? AND s.expires_at > ? AND o.revoked_at IS NULL
                    """,
                arguments: [TokenDigest.hex(session), now.timeIntervalSince1970]
            ).map { .operator($0[0], OperatorRole(rawValue: $0[1]) ?? .viewer) }
        }
    }
}
