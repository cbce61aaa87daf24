import BaogongModel
import BaogongRecordStore
import Foundation
import PostgresNIO

/// County and city hubs on PostgreSQL: `Counties.swift`, `UpstreamMerge.swift` and `Upstream.swift`
/// in PostgreSQL's SQL, with their checks and decisions shared (`validateCountyID`, `checkUpstream`,
/// `UpstreamValidation`, `upstreamAcked`, `registryDigest`, `cityNotices`).
extension PostgresHubStore {
    // MARK: At a city

    public func addCounty(id: String, name: String, now: Date) async throws -> String {
        try HubDatabase.validateCountyID(id)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError(.missing, field: "name", "must not be empty")
        }
        let token = "c.\(id).\(TokenDigest.newSecret())"
        let logger = logger
        try await write { connection in
            if try await connection.row("SELECT 1 FROM county WHERE id = $1", [.text(id)], logger: logger) != nil {
                throw DomainError(.exists, field: "id", "county '\(id)' is already enrolled; use 'counties rotate-token' for a new token")
            }
            if try await connection.row(
                "SELECT 1 FROM enrolment WHERE starts_with(store, $1) AND county IS NULL", [.text(id + ".")], logger: logger
            ) != nil {
                throw DomainError(.exists, field: "id", "stores enrolled here already begin with '\(id).'; choose another county id")
            }
            try await connection.execute(
                "INSERT INTO county(id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
                [.text(id), .text(name), .text(TokenDigest.hex(token)), .text(Timestamps.iso(now))], logger: logger
            )
        }
        return token
    }

    public func listCounties() async throws -> [EnrolledCounty] {
        let logger = logger
        return try await read { connection in
            try await connection.rows(
                """
                SELECT c.id, c.name, c.created_at, c.revoked_at IS NOT NULL,
                       (SELECT COUNT(*) FROM enrolment e WHERE e.county = c.id),
                       k.last_heard_at, COALESCE(k.pending_reported, 0), COALESCE(k.acked_seq, 0)
                FROM county c LEFT JOIN county_link k ON k.county = c.id ORDER BY c.id
                """, logger: logger
            ).map { row in
                let heard: Double? = try row[5]
                return EnrolledCounty(
                    id: try row[0], name: try row[1], createdAt: try row[2], revoked: try row[3], stores: try row[4],
                    lastSyncAt: heard.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) }, pendingReported: try row[6],
                    ackedSeq: try row[7]
                )
            }
        }
    }

    public func revokeCounty(id: String, now: Date) async throws {
        let logger = logger
        try await write { connection in
            let changed = try await connection.changes(
                "UPDATE county SET revoked_at = $1 WHERE id = $2 RETURNING 1", [.text(Timestamps.iso(now)), .text(id)], logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "id", "no county '\(id)' is enrolled") }
        }
    }

    public func rotateCountyToken(id: String, now: Date) async throws -> String {
        let token = "c.\(id).\(TokenDigest.newSecret())"
        let logger = logger
        try await write { connection in
            let changed = try await connection.changes(
                "UPDATE county SET token_hash = $1, rotated_at = $2, revoked_at = NULL WHERE id = $3 RETURNING 1",
                [.text(TokenDigest.hex(token)), .text(Timestamps.iso(now)), .text(id)], logger: logger
            )
            guard changed == 1 else { throw DomainError(.notFound, field: "id", "no county '\(id)' is enrolled") }
        }
        return token
    }

    public func mergeUpstream(_ request: UpstreamRequest, county: String, now: Date) async throws -> UpstreamResponse {
        let checked = try UpstreamValidation.validate(request, county: county, now: now)
        let logger = logger
        return try await write { connection in
            guard try await connection.row(
                "SELECT 1 FROM county WHERE id = $1 AND revoked_at IS NULL", [.text(county)], logger: logger
            ) != nil else { throw DomainError(.forbidden, field: "county", "county '\(county)' is not enrolled or is revoked") }
            let nowSeconds = now.timeIntervalSince1970
            for store in checked.registry ?? [] {
                try await connection.execute(
                    """
                    INSERT INTO enrolment(store, token_hash, created_at, revoked_at, county) VALUES ($1, '', $2, $3, $4)
                    ON CONFLICT (store) DO UPDATE SET
                        revoked_at = CASE WHEN excluded.revoked_at IS NULL THEN NULL
                                          ELSE COALESCE(enrolment.revoked_at, excluded.revoked_at) END
                    WHERE enrolment.county = excluded.county
                    """,
                    [.text(store.id), .text(Timestamps.iso(now)), store.revoked ? .text(Timestamps.iso(now)) : .null, .text(county)],
                    logger: logger
                )
            }
            let registered = Set(try await connection.rows(
                "SELECT store FROM enrolment WHERE county = $1", [.text(county)], logger: logger
            ).map { try $0[0] as String })
            for (i, store) in checked.stores.enumerated() where !registered.contains(store) {
                throw DomainError(.forbidden, field: "key", "store '\(store)' is not in county '\(county)''s registry at this hub", change: i)
            }
            let result = try await PostgresMerge.apply(
                checked.changes, defaultReplica: UpstreamProtocol.qualified(SyncProtocol.hubReplica, county: county), now: now,
                keepLostWrites: true, connection: connection, logger: logger
            )
            let link = try await connection.row("SELECT log, acked_seq FROM county_link WHERE county = $1", [.text(county)], logger: logger)
            let held: Int64 = try link.map { (try $0[0] as String) == request.log ? try $0[1] : 0 } ?? 0
            let acked = HubDatabase.upstreamAcked(request, held: held)
            try await connection.execute(
                """
                INSERT INTO county_link(county, log, acked_seq, cursor, pending_reported, first_heard_at, last_heard_at,
                                        syncs, changes_merged)
                VALUES ($1, $2, $3, $4, $5, $6, $6, 1, $7)
                ON CONFLICT (county) DO UPDATE SET log = excluded.log, acked_seq = excluded.acked_seq,
                    cursor = excluded.cursor, pending_reported = excluded.pending_reported,
                    last_heard_at = excluded.last_heard_at, syncs = county_link.syncs + 1,
                    changes_merged = county_link.changes_merged + excluded.changes_merged
                """,
                [
                    .text(county), .text(request.log), .int(acked), .int(request.cursor), .int(request.pending), .real(nowSeconds),
                    .int(Int64(result.merged)),
                ], logger: logger
            )
            for (store, changes) in HubDatabase.reportsByStore(checked) {
                try await Self.recordArrivals(changes, store: store, now: nowSeconds, connection: connection, logger: logger)
            }
            for approval in request.approvals ?? [] {
                try await connection.execute(
                    """
                    INSERT INTO county_approval(county, date, approved_at, note, withdrawn_at, received_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (county, date) DO UPDATE SET approved_at = excluded.approved_at, note = excluded.note,
                        withdrawn_at = excluded.withdrawn_at, received_at = excluded.received_at
                    WHERE GREATEST(excluded.approved_at, COALESCE(excluded.withdrawn_at, 0))
                          >= GREATEST(county_approval.approved_at, COALESCE(county_approval.withdrawn_at, 0))
                    """,
                    [
                        .text(county), .text(approval.date), .real(Double(approval.approvedAt) / 1000), SQLValue(approval.note),
                        SQLValue(approval.withdrawnAt.map { Double($0) / 1000 }), .real(nowSeconds),
                    ], logger: logger
                )
            }
            let lastSeq = try await Self.lastSeq(connection, logger: logger)
            let cursor = request.cursor > lastSeq ? 0 : request.cursor
            let limit = UpstreamProtocol.maxResponseChanges
            let notices = try await Self.fetchLog(
                "SELECT \(Self.logColumns) FROM change_log WHERE record_set = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                [.text(RecordSetSchema.notices.name), .int(cursor), .int(Int64(limit + 1))], connection: connection, logger: logger
            )
            let more = notices.count > limit
            let sent = notices.prefix(limit)
            return UpstreamResponse(
                county: county, acked: acked, cursor: more ? sent.last!.seq : lastSeq, more: more, merged: result.merged,
                changes: sent.map(\.change), hubTime: Int64(RecordStore.wallMilliseconds(now))
            )
        }
    }

    // MARK: At a county

    public func setUpstream(url: String, token: String, county: String?, caPEM: String?, allowInsecureHTTP: Bool, now: Date) async throws {
        try HubDatabase.checkUpstream(url: url, token: token, county: county, allowInsecureHTTP: allowInsecureHTTP)
        let logger = logger
        try await write { connection in
            let old = try await connection.row("SELECT url, log FROM upstream WHERE id = 1", logger: logger)
            let log = try old.map { try $0[1] as String } ?? "log-" + Timestamps.randomHex(8)
            if try old.map({ (try $0[0] as String) == url }) ?? false {
                try await connection.execute(
                    "UPDATE upstream SET token = $1, county = COALESCE($2, county), ca_pem = $3, last_error = NULL WHERE id = 1",
                    [.text(token), SQLValue(county), SQLValue(caPEM)], logger: logger
                )
            } else {
                try await connection.execute("DELETE FROM upstream", logger: logger)
                try await connection.execute(
                    "INSERT INTO upstream(id, url, token, county, ca_pem, log) VALUES (1, $1, $2, $3, $4, $5)",
                    [.text(url), .text(token), SQLValue(county), SQLValue(caPEM), .text(log)], logger: logger
                )
            }
        }
    }

    public func clearUpstream() async throws {
        let logger = logger
        try await write { connection in try await connection.execute("DELETE FROM upstream", logger: logger) }
    }

    /// `RecordStore.upwardChanges` / `upwardCount`: what a county sends its city.
    static let upward = "(store IS NOT NULL OR record_set = 'stores') AND replica <> $2"

    static func upwardCount(after seq: Int64, bound: Int?, _ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.row(
            "SELECT COUNT(*) FROM (SELECT 1 FROM change_log WHERE seq > $1 AND \(upward) LIMIT $3) AS waiting",
            [.int(seq), .text(UpstreamProtocol.cityReplica), bound.map { .int(Int64($0)) } ?? .null], logger: logger
        ).map { try $0[0] } ?? 0
    }

    public func upstreamStatus() async throws -> UpstreamStatus? {
        let logger = logger
        return try await read { connection in
            guard let row = try await connection.row(
                "SELECT url, county, acked_seq, cursor, last_sync_at, last_attempt_at, last_error FROM upstream WHERE id = 1", logger: logger
            ) else { return nil }
            let acked: Int64 = try row[2]
            func iso(_ value: Double?) -> String? { value.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) } }
            return UpstreamStatus(
                url: try row[0], county: try row[1], pending: try await Self.upwardCount(after: acked, bound: nil, connection, logger: logger),
                lastSyncAt: iso(try row[4]), lastAttemptAt: iso(try row[5]), lastError: try row[6], ackedSeq: acked, cursor: try row[3]
            )
        }
    }

    public func upstreamBatch(limit: Int, now: Date) async throws -> UpstreamBatch? {
        let logger = logger
        return try await read { connection in
            guard let row = try await connection.row(
                "SELECT url, token, county, ca_pem, log, acked_seq, cursor, registry_sent, approvals_sent FROM upstream WHERE id = 1",
                logger: logger
            ) else { return nil }
            let acked: Int64 = try row[5]
            let logged = try await Self.fetchLog(
                "SELECT \(Self.logColumns) FROM change_log WHERE seq > $1 AND \(Self.upward) ORDER BY seq LIMIT $3",
                [.int(acked), .text(UpstreamProtocol.cityReplica), .int(Int64(limit))], connection: connection, logger: logger
            )
            let pending = logged.count < limit
                ? 0 : try await Self.upwardCount(after: logged.last?.seq ?? acked, bound: 1_000_000, connection, logger: logger)
            let registry = try await connection.rows(
                "SELECT store, revoked_at IS NOT NULL FROM enrolment ORDER BY store", logger: logger
            ).map { UpstreamStore(id: try $0[0], revoked: try $0[1]) }
            let digest = HubDatabase.registryDigest(registry)
            let sentDigest: String? = try row[7]
            let approvalsSent: Int64 = try row[8]
            let approvals = try await connection.rows(
                "SELECT date, approved_at, note, withdrawn_at FROM approval ORDER BY date", logger: logger
            ).map { row -> UpstreamApproval in
                let approved: Double = try row[1]
                let withdrawn: Double? = try row[3]
                return UpstreamApproval(
                    date: try row[0], approvedAt: Int64((approved * 1000).rounded()), note: try row[2],
                    withdrawnAt: withdrawn.map { Int64(($0 * 1000).rounded()) }
                )
            }.filter { $0.changedAt > approvalsSent }
            let request = UpstreamRequest(
                county: try row[2], log: try row[4], cursor: try row[6], upto: logged.last?.seq ?? 0, acked: acked, pending: pending,
                sentAt: Int64(RecordStore.wallMilliseconds(now)), changes: logged.map(\.change),
                stores: digest == sentDigest ? nil : registry, approvals: approvals.isEmpty ? nil : approvals
            )
            return UpstreamBatch(
                request: request, endpoint: UpstreamEndpoint(url: try row[0], token: try row[1], trustedCertificatesPEM: try row[3]),
                registryDigest: digest == sentDigest ? nil : digest, approvalsMark: approvals.map(\.changedAt).max()
            )
        }
    }

    public func recordUpstreamAnswer(_ response: UpstreamResponse, to batch: UpstreamBatch, now: Date) async throws {
        let notices = try HubDatabase.cityNotices(response)
        let logger = logger
        try await write { connection in
            if !notices.isEmpty {
                _ = try await PostgresMerge.apply(
                    notices, defaultReplica: UpstreamProtocol.cityReplica, now: now, connection: connection, logger: logger
                )
            }
            try await connection.execute(
                """
                UPDATE upstream SET acked_seq = $1, cursor = $2, county = $3, last_sync_at = $4, last_attempt_at = $4, last_error = NULL,
                    registry_sent = COALESCE($5, registry_sent), approvals_sent = GREATEST(approvals_sent, $6)
                WHERE id = 1 AND url = $7 AND log = $8
                """,
                [
                    .int(response.acked), .int(response.cursor), .text(response.county), .real(now.timeIntervalSince1970),
                    SQLValue(batch.registryDigest), .int(batch.approvalsMark ?? 0), .text(batch.endpoint.url), .text(batch.request.log),
                ], logger: logger
            )
        }
    }

    public func recordUpstreamFailure(_ message: String, now: Date) async throws {
        let logger = logger
        try await write { connection in
            try await connection.execute(
                "UPDATE upstream SET last_attempt_at = $1, last_error = $2 WHERE id = 1", [.real(now.timeIntervalSince1970), .text(message)],
                logger: logger
            )
        }
    }
}
