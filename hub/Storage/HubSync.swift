import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// The hub side of `POST /v1/sync` (docs/protocol.md): check the whole batch, merge it in one
/// transaction, remember what the replica told us, and answer with what it subscribes to.
extension HubDatabase {
    /// Remembers when each (store, date) report first reached the hub and when the store recorded it.
    static func recordArrivals(_ changes: [Change], store: String, now: Double, in db: Database) throws {
        let earliest = earliestReports(changes)
        let statement = try db.cachedStatement(sql: """
            INSERT INTO report_arrival(store, date, first_received_at, first_recorded_ms) VALUES (?, ?, ?, ?)
            ON CONFLICT(store, date) DO UPDATE SET first_recorded_ms = MIN(first_recorded_ms, excluded.first_recorded_ms)
            """)
        for (date, ms) in earliest {
            try statement.execute(arguments: [store, date, now, Int64(ms)])
        }
    }

    /// The earliest recording time (hybrid-clock milliseconds) of each date a batch reports stock or
    /// checkpoints for: what `report_arrival` keeps, on any backend.
    static func earliestReports(_ changes: [Change]) -> [String: UInt64] {
        var earliest = [String: UInt64]()
        for change in changes where change.set == "stock" || change.set == "checkpoint" {
            guard let date = change.key.split(separator: "/").last.map(String.init) else { continue }
            let ms = change.timestamp.milliseconds
            earliest[date] = min(earliest[date] ?? ms, ms)
        }
        return earliest
    }

    /// The matches a batch answers (the ids of its `match_answer` records), in order.
    static func answeredMatches(_ changes: [Change]) -> [String] {
        Set(changes.lazy.filter { $0.set == RecordSetSchema.matchAnswer.name }.compactMap {
            $0.key.split(separator: "/").last.map(String.init)
        }).sorted()
    }

    /// Merges a validated batch and answers it. Replays change nothing and are answered the same way.
    public func sync(
        _ request: SyncRequest, store: String, now: Date = Date(), via channel: SyncChannel = .network
    ) async throws -> SyncResponse {
        let changes = try SyncValidation.validate(request, authenticatedStore: store, now: now)
        return try await writer.write { db in
            let result = try RecordStore.apply(changes, defaultReplica: request.replica, now: now, keepLostWrites: true, in: db)
            // Acknowledge only a contiguous range: if the agent believes the hub holds more than it does
            // (the hub was restored from a backup), the batch is merged but the answer tells the agent
            // what the hub really holds, and the agent sends the rest again.
            let held = try RecordStore.ackedSeq(of: request.replica, in: db)
            if (request.acked ?? held) <= held {
                try RecordStore.acknowledge(request.replica, upTo: request.upto, in: db)
            }
            let acked = try RecordStore.ackedSeq(of: request.replica, in: db)
            let nowSeconds = now.timeIntervalSince1970
            let (difference, overflow) = request.sentAt.subtractingReportingOverflow(Int64(nowSeconds * 1000))
            let skew = overflow ? Int64.max : difference
            // A file's sent_at says when it was written, not what the device's clock read on arrival:
            // keep the skew last measured over the network.
            let measured = channel == .network
            try db.execute(
                sql: """
                    INSERT INTO replica_status(replica, store, first_heard_at, last_heard_at, pending_reported,
                                               clock_skew_ms, future_changes, syncs, changes_merged, hub_cursor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                    ON CONFLICT(replica) DO UPDATE SET last_heard_at = excluded.last_heard_at, hub_cursor = excluded.hub_cursor,
                        pending_reported = excluded.pending_reported,
                        clock_skew_ms = CASE WHEN ? THEN excluded.clock_skew_ms ELSE clock_skew_ms END,
                        future_changes = future_changes + excluded.future_changes, syncs = syncs + 1,
                        changes_merged = changes_merged + excluded.changes_merged
                    """,
                arguments: [
                    request.replica, store, nowSeconds, nowSeconds, request.pending, measured ? skew : 0, result.skewed,
                    result.merged, request.cursor, measured,
                ]
            )
            try Self.recordArrivals(changes, store: store, now: nowSeconds, in: db)
            // A site's answer to a match moves the match's status, published to both parties.
            for id in Self.answeredMatches(changes) { try Self.foldAnswers(match: id, now: now, in: db) }
            let lastSeq = try RecordStore.lastSeq(in: db)
            // A cursor beyond the log means the hub was restored from an older backup: start over.
            var cursor = request.cursor > lastSeq ? 0 : request.cursor
            var snapshot = [RecordStore.LoggedChange]()
            let compacted = Int64.fromDatabaseValue(try RecordStore.meta("audience_compacted_through", in: db)) ?? 0
            if cursor > 0 && cursor < compacted {
                // Away since before entries it would read were compacted: the current state of all it
                // reads, in one answer, then on from there as usual.
                snapshot = try RecordStore.changes(forStore: store, through: compacted, in: db)
                cursor = compacted
            }
            let page = try RecordStore.changes(forStore: store, after: cursor, limit: SyncProtocol.maxResponseChanges + 1, in: db)
            return Self.answer(
                request, snapshot: snapshot, page: page, acked: acked, lastSeq: lastSeq, merged: result.merged, now: now
            )
        }
    }

    /// The answer to a sync, on any backend: a long-absent device's snapshot (if any), then a page of
    /// what it reads after its cursor (`page`, read with one entry more than a page to tell whether
    /// more waits), less the sets an agent of an older schema does not know; its cursor passes those.
    static func answer(
        _ request: SyncRequest, snapshot: [RecordStore.LoggedChange], page: [RecordStore.LoggedChange], acked: Int64,
        lastSeq: Int64, merged: Int, now: Date
    ) -> SyncResponse {
        let limit = SyncProtocol.maxResponseChanges
        let downstream = snapshot + page
        let more = downstream.count > limit + snapshot.count
        let sent = downstream.prefix(limit + snapshot.count)
        let known = sent.lazy.map(\.change).filter {
            (RecordSetSchema.named($0.set)?.sinceSchema ?? 1) <= request.schemaVersion
        }
        return SyncResponse(
            acked: acked, cursor: more ? sent.last!.seq : lastSeq, more: more, merged: merged,
            changes: Array(known), hubTime: Int64(RecordStore.wallMilliseconds(now))
        )
    }
}
