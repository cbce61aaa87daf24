import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Where a county hub syncs upward, and how far: `baogong-hub upstream status [--json]`.
public struct UpstreamStatus: Sendable, Hashable, Codable {
    public var url: String
    /// The county the city knows this hub as (learned from its first answer, or set).
    public var county: String?
    /// Changes of the county's stores the city does not hold yet.
    public var pending: Int64
    /// The last sync that completed (ISO 8601), nil if none.
    public var lastSyncAt: String?
    /// The last attempt, successful or not (ISO 8601), nil if none.
    public var lastAttemptAt: String?
    /// Why the last attempt failed; nil once one succeeds.
    public var lastError: String?
    /// How far the city holds this hub's change log.
    public var ackedSeq: Int64
    /// How far this hub has read the city's change log (its notices).
    public var cursor: Int64

    enum CodingKeys: String, CodingKey {
        case url, county, pending, lastSyncAt = "last_sync_at", lastAttemptAt = "last_attempt_at", lastError = "last_error"
        case ackedSeq = "acked_seq", cursor
    }
}

/// The city hub, its token and the CA to trust for it: what an upward exchange needs.
public struct UpstreamEndpoint: Sendable, Hashable {
    public var url: String
    public var token: String
    public var trustedCertificatesPEM: String?
}

/// One upward batch, ready to send, and what to remember once the city has taken it.
public struct UpstreamBatch: Sendable {
    public var request: UpstreamRequest
    public var endpoint: UpstreamEndpoint
    /// The registry's digest when the batch carries the registry.
    public var registryDigest: String?
    /// The latest sign-off change the batch carries (Unix ms), when it carries any.
    public var approvalsMark: Int64?
    /// Whether the batch carries anything the city has not had (changes, registry or sign-offs).
    public var carriesNews: Bool { !request.changes.isEmpty || request.stores != nil || request.approvals != nil }
}

/// The county side of upward sync: its city hub, what to send next, and what the city answered.
extension HubDatabase {
    /// Points this hub at its city hub. The same URL keeps how far the city holds this hub's log; a new
    /// one starts over (a different city holds nothing yet). The city's CA, when given, is trusted for it.
    /// Plain http is refused beyond this machine unless `allowInsecureHTTP`: the county's token
    /// and its stores' records would cross the network unencrypted.
    public func setUpstream(
        url: String, token: String, county: String?, caPEM: String?, allowInsecureHTTP: Bool = false, now: Date = Date()
    ) async throws {
        try Self.checkUpstream(url: url, token: token, county: county, allowInsecureHTTP: allowInsecureHTTP)
        try await writer.write { db in
            let old = try Row.fetchOne(db, sql: "SELECT url, log FROM upstream WHERE id = 1")
            let log = old.map { $0[1] as String } ?? "log-" + Timestamps.randomHex(8)
            let sameCity = old.map { ($0[0] as String) == url } ?? false
            if sameCity {
                try db.execute(
                    // The county learned from the city stays unless another is given: a token of another
                    // county pasted here is then refused by the city instead of filing this county's
                    // records under that county's name.
                    sql: "UPDATE upstream SET token = ?, county = COALESCE(?, county), ca_pem = ?, last_error = NULL WHERE id = 1",
                    arguments: [token, county, caPEM]
                )
            } else {
                try db.execute(sql: "DELETE FROM upstream")
                try db.execute(
                    sql: "INSERT INTO upstream(id, url, token, county, ca_pem, log) VALUES (1, ?, ?, ?, ?, ?)",
                    arguments: [url, token, county, caPEM, log]
                )
            }
        }
    }

    /// What `upstream set` refuses, whatever the backend: a URL that is not http(s), plain http beyond
    /// this machine without `allowInsecureHTTP`, a token that is not a county's, a malformed county id.
    static func checkUpstream(url: String, token: String, county: String?, allowInsecureHTTP: Bool) throws {
        guard let peer = NetworkAddress.httpPeer(url) else {
            throw DomainError(.invalidValue, field: "url", "'\(url)' is not an http(s) URL of a city hub")
        }
        guard allowInsecureHTTP || !NetworkAddress.isInsecure(peer) else {
            throw DomainError(
                .invalidValue, field: "url",
                "plain http to \(peer.host) would send the county's token and records unencrypted; use https (or --allow-insecure-http)"
            )
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "c", !parts[1].isEmpty, !parts[2].isEmpty else {
            throw DomainError(
                .invalidValue, field: "token", "not a county token (c.<county>.<secret>, from 'baogong-hub counties add' at the city)"
            )
        }
        if let county { try Self.validateCountyID(county, field: "county") }
    }

    /// Stops syncing upward (what the city holds stays there).
    public func clearUpstream() async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM upstream") }
    }

    public func upstreamStatus() async throws -> UpstreamStatus? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT url, county, acked_seq, cursor, last_sync_at, last_attempt_at, last_error FROM upstream WHERE id = 1"
            ) else { return nil }
            let acked: Int64 = row[2]
            func iso(_ value: Double?) -> String? { value.map { Timestamps.iso(Date(timeIntervalSince1970: $0)) } }
            return UpstreamStatus(
                url: row[0], county: row[1],
                pending: try RecordStore.upwardCount(after: acked, excludingReplica: UpstreamProtocol.cityReplica, in: db),
                lastSyncAt: iso(row[4]), lastAttemptAt: iso(row[5]), lastError: row[6], ackedSeq: acked, cursor: row[3]
            )
        }
    }

    /// The next upward batch: up to `limit` changes after what the city holds, the registry when it
    /// changed since the city took it, the sign-offs changed since. Nil when no upstream is set.
    public func upstreamBatch(limit: Int = UpstreamProtocol.batchChanges, now: Date = Date()) async throws -> UpstreamBatch? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT url, token, county, ca_pem, log, acked_seq, cursor, registry_sent, approvals_sent FROM upstream WHERE id = 1"
            ) else { return nil }
            let acked: Int64 = row[5]
            let logged = try RecordStore.upwardChanges(after: acked, limit: limit, excludingReplica: UpstreamProtocol.cityReplica, in: db)
            // What waits after this batch: none when the batch is not full; otherwise counted, up to
            // a bound, so that a long backlog is not counted in full for every batch of it.
            let pending = logged.count < limit
                ? 0
                : try RecordStore.upwardCount(
                    after: logged.last?.seq ?? acked, excludingReplica: UpstreamProtocol.cityReplica, upTo: 1_000_000, in: db
                )
            let registry = try Row.fetchAll(db, sql: "SELECT store, revoked_at IS NOT NULL FROM enrolment ORDER BY store")
                .map { UpstreamStore(id: $0[0], revoked: $0[1]) }
            let digest = Self.registryDigest(registry)
            let sentDigest: String? = row[7]
            let approvalsSent: Int64 = row[8]
            let approvals = try Row.fetchAll(
                db, sql: "SELECT date, approved_at, note, withdrawn_at FROM approval ORDER BY date"
            ).map { row -> UpstreamApproval in
                let approved: Double = row[1]
                let withdrawn: Double? = row[3]
                return UpstreamApproval(
                    date: row[0], approvedAt: Int64((approved * 1000).rounded()), note: row[2],
                    withdrawnAt: withdrawn.map { Int64(($0 * 1000).rounded()) }
                )
            }.filter { $0.changedAt > approvalsSent }
            let request = UpstreamRequest(
                county: row[2], log: row[4], cursor: row[6], upto: logged.last?.seq ?? 0, acked: acked, pending: pending,
                sentAt: Int64(RecordStore.wallMilliseconds(now)), changes: logged.map(\.change),
                stores: digest == sentDigest ? nil : registry, approvals: approvals.isEmpty ? nil : approvals
            )
            return UpstreamBatch(
                request: request, endpoint: UpstreamEndpoint(url: row[0], token: row[1], trustedCertificatesPEM: row[3]),
                registryDigest: digest == sentDigest ? nil : digest, approvalsMark: approvals.map(\.changedAt).max()
            )
        }
    }

    /// Remembers what the city took and merges the notices it sent down, in one transaction. The
    /// notices reach this county's stores at their next sync.
    public func recordUpstreamAnswer(_ response: UpstreamResponse, to batch: UpstreamBatch, now: Date = Date()) async throws {
        let notices = try Self.cityNotices(response)
        try await writer.write { db in
            if !notices.isEmpty {
                _ = try RecordStore.apply(notices, defaultReplica: UpstreamProtocol.cityReplica, now: now, in: db)
            }
            try db.execute(
                sql: """
                    UPDATE upstream SET acked_seq = ?, cursor = ?, county = ?, last_sync_at = ?, last_attempt_at = ?, last_error = NULL,
                        registry_sent = COALESCE(?, registry_sent), approvals_sent = MAX(approvals_sent, ?)
                    WHERE id = 1 AND url = ? AND log = ?
                    """,
                arguments: [
                    response.acked, response.cursor, response.county, now.timeIntervalSince1970, now.timeIntervalSince1970,
                    batch.registryDigest, batch.approvalsMark ?? 0, batch.endpoint.url, batch.request.log,
                ]
            )
        }
    }

    /// Remembers why an upward sync failed (shown by `upstream status`).
    public func recordUpstreamFailure(_ message: String, now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE upstream SET last_attempt_at = ?, last_error = ? WHERE id = 1",
                arguments: [now.timeIntervalSince1970, message]
            )
        }
    }

    /// The digest of the store registry an upward batch carries (sent again only when it changes).
    static func registryDigest(_ registry: [UpstreamStore]) -> String {
        TokenDigest.hex(registry.map { "\($0.id)\u{1F}\($0.revoked ? 1 : 0)" }.joined(separator: "\u{1E}"))
    }

    /// The notices a city's answer brings down, checked and labelled as the city's; anything else refused.
    static func cityNotices(_ response: UpstreamResponse) throws -> [Change] {
        let validator = ChangeValidator()
        return try response.changes.map { change throws(DomainError) -> Change in
            guard change.set == RecordSetSchema.notices.name else {
                throw DomainError(.forbidden, field: "set", "the city hub sent '\(change.set)'; only notices flow down")
            }
            var relabelled = change
            relabelled.replica = UpstreamProtocol.cityReplica
            return try validator.validate(relabelled, by: .hub)
        }
    }
}
