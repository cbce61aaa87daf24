import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The city side of `POST /v1/upstream/sync`: merge a county hub's checked batch in one transaction,
/// keep its registry and sign-offs, acknowledge its log in order, and answer with the city's notices.
extension HubDatabase {
    public func mergeUpstream(_ request: UpstreamRequest, county: String, now: Date = Date()) async throws -> UpstreamResponse {
        let checked = try UpstreamValidation.validate(request, county: county, now: now)
        return try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM county WHERE id = ? AND revoked_at IS NULL", arguments: [county]) == true
            else { throw DomainError(.forbidden, field: "county", "county '\(county)' is not enrolled or is revoked") }
            let nowSeconds = now.timeIntervalSince1970
            // The registry first: a store enrolled at the county and its first records may come together.
            for store in checked.registry ?? [] {
                try db.execute(
                    sql: """
                        INSERT INTO enrolment(store, token_hash, created_at, revoked_at, county) VALUES (?, '', ?, ?, ?)
                        ON CONFLICT(store) DO UPDATE SET
                            revoked_at = CASE WHEN excluded.revoked_at IS NULL THEN NULL
                                              ELSE COALESCE(enrolment.revoked_at, excluded.revoked_at) END
                        WHERE enrolment.county = excluded.county
                        """,
                    arguments: [store.id, Timestamps.iso(now), store.revoked ? Timestamps.iso(now) : nil, county]
                )
            }
            let registered = try String.fetchSet(db, sql: "SELECT store FROM enrolment WHERE county = ?", arguments: [county])
            for (i, store) in checked.stores.enumerated() where !registered.contains(store) {
                throw DomainError(
                    .forbidden, field: "key", "store '\(store)' is not in county '\(county)''s registry at this hub", change: i
                )
            }
            let result = try RecordStore.apply(
                checked.changes, defaultReplica: UpstreamProtocol.qualified(SyncProtocol.hubReplica, county: county), now: now,
                keepLostWrites: true, in: db
            )
            // Acknowledge only a contiguous log, as the county sent it: from what the county believes
            // the city holds, through this batch. A county that believes the city holds more than it
            // does (the city was restored from a backup) is told what the city holds, and resends.
            // One that believes less (an answer was lost, or the county hub was restored from a backup
            // and its log has since grown differently) is acknowledged only as far as this batch, so
            // it sends everything after it again rather than skip entries the city never saw.
            let link = try Row.fetchOne(db, sql: "SELECT log, acked_seq FROM county_link WHERE county = ?", arguments: [county])
            let held: Int64 = link.map { ($0[0] as String) == request.log ? $0[1] : 0 } ?? 0
            let acked = Self.upstreamAcked(request, held: held)
            try db.execute(
                sql: """
                    INSERT INTO county_link(county, log, acked_seq, cursor, pending_reported, first_heard_at, last_heard_at,
                                            syncs, changes_merged)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                    ON CONFLICT(county) DO UPDATE SET log = excluded.log, acked_seq = excluded.acked_seq,
                        cursor = excluded.cursor, pending_reported = excluded.pending_reported,
                        last_heard_at = excluded.last_heard_at, syncs = syncs + 1,
                        changes_merged = changes_merged + excluded.changes_merged
                    """,
                arguments: [county, request.log, acked, request.cursor, request.pending, nowSeconds, nowSeconds, result.merged]
            )
            // When each store's report of a day first reached the city: timeliness per county.
            for (store, changes) in Self.reportsByStore(checked) {
                try Self.recordArrivals(changes, store: store, now: nowSeconds, in: db)
            }
            for approval in request.approvals ?? [] {
                try db.execute(
                    sql: """
                        INSERT INTO county_approval(county, date, approved_at, note, withdrawn_at, received_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(county, date) DO UPDATE SET approved_at = excluded.approved_at, note = excluded.note,
                            withdrawn_at = excluded.withdrawn_at, received_at = excluded.received_at
                        WHERE MAX(excluded.approved_at, COALESCE(excluded.withdrawn_at, 0))
                              >= MAX(county_approval.approved_at, COALESCE(county_approval.withdrawn_at, 0))
                        """,
                    arguments: [
                        county, approval.date, Double(approval.approvedAt) / 1000, approval.note,
                        approval.withdrawnAt.map { Double($0) / 1000 }, nowSeconds,
                    ]
                )
            }
            // Down: the city's notices after the county's cursor.
            let lastSeq = try RecordStore.lastSeq(in: db)
            let cursor = request.cursor > lastSeq ? 0 : request.cursor
            let limit = UpstreamProtocol.maxResponseChanges
            let notices = try RecordStore.changes(set: RecordSetSchema.notices.name, after: cursor, limit: limit + 1, in: db)
            let more = notices.count > limit
            let sent = notices.prefix(limit)
            return UpstreamResponse(
                county: county, acked: acked, cursor: more ? sent.last!.seq : lastSeq, more: more, merged: result.merged,
                changes: sent.map(\.change), hubTime: Int64(RecordStore.wallMilliseconds(now))
            )
        }
    }

    /// How far a county's log is acknowledged after its batch: through the batch when the county
    /// believes no more than the city holds, else what the city holds (docs/protocol.md).
    static func upstreamAcked(_ request: UpstreamRequest, held: Int64) -> Int64 {
        request.acked <= held ? max(request.acked, request.upto) : held
    }

    /// A checked batch's stock and checkpoint changes by store (for when each report reached the city).
    static func reportsByStore(_ checked: UpstreamValidation.Checked) -> [String: [Change]] {
        var byStore = [String: [Change]]()
        for (change, store) in zip(checked.changes, checked.stores) where change.set == "stock" || change.set == "checkpoint" {
            byStore[store, default: []].append(change)
        }
        return byStore
    }
}
