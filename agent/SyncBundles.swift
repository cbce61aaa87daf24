import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// Sync by file (离线数据包) at the agent: `bundle export` writes what the hub has not acknowledged
/// (everything with `--all`) as batches in an authenticated file; `bundle import` applies the hub's
/// answer. Applying an answer only ever moves the agent forward: acknowledgements and the hub
/// cursor never go back, and received records merge as CRDTs, so an answer imported twice, out of
/// order or after a network sync changes nothing.
extension AgentDatabase {
    /// What an export wrote.
    public struct BundleExport: Sendable {
        public var file: Data
        public var header: SyncBundle.Header
    }

    public func exportBundle(all: Bool = false, batchSize: Int = 5_000, now: Date = Date()) async throws -> BundleExport {
        let limit = min(max(1, batchSize), SyncProtocol.maxBatchChanges)
        let (bundle, token) = try await writer.read { db -> (SyncBundle, String) in
            let identity = try Self.identity(db)
            let acked = try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            let cursor = Int64.fromDatabaseValue(try RecordStore.meta("hub_cursor", in: db)) ?? 0
            var batches = [SyncRequest]()
            var after = all ? 0 : acked
            repeat {
                let page = try RecordStore.changes(byReplica: identity.replica, after: after, limit: limit, in: db)
                let upto = page.last?.seq ?? after
                var changes = page.map(\.change)
                for i in changes.indices { changes[i].replica = nil }  // the batch's replica stands for all
                batches.append(
                    SyncRequest(
                        store: identity.store, replica: identity.replica, cursor: cursor, upto: max(upto, acked), acked: acked,
                        pending: try RecordStore.count(byReplica: identity.replica, after: upto, in: db).count,
                        sentAt: Int64(RecordStore.wallMilliseconds(now)), changes: changes
                    )
                )
                after = upto
                if page.count < limit { break }
            } while true
            let bundle = try SyncBundle.upload(
                batches, store: identity.store, replica: identity.replica, createdAt: Timestamps.iso(now)
            )
            return (bundle, identity.token)
        }
        return BundleExport(file: try bundle.sealed(with: SyncBundle.key(token: token)), header: bundle.header)
    }

    /// What applying an answer did.
    public struct BundleAnswerReport: Sendable, Codable, Hashable {
        public var id: String
        public var received: Int
        public var acked: Int64
        public var pending: Int64
    }

    public func importAnswer(_ file: Data, now: Date = Date()) async throws -> BundleAnswerReport {
        let identity = try await identity()
        let header = try SyncBundle.unverifiedHeader(of: file)
        guard header.kind == .answer else {
            throw BundleError(.wrongKind, "this is a bundle for the hub ('baogong-hub bundle import'), not the hub's answer")
        }
        guard header.store == identity.store else {
            throw BundleError(.wrongStore, "this answer is for store \(header.store); this device is store \(identity.store)")
        }
        guard header.replica == identity.replica else {
            throw BundleError(
                .wrongStore, "this answer is for device \(header.replica); this device is \(identity.replica): import it there"
            )
        }
        let bundle = try SyncBundle.open(file, key: SyncBundle.key(token: identity.token))
        let steps = try bundle.answerSteps()
        let validator = ChangeValidator()
        var downstream = [[Change]]()
        for step in steps {
            downstream.append(try step.response.changes.map { change in
                do {
                    return try validator.validate(change, by: .hub)
                } catch {
                    throw AgentError(.hubError, "the answer holds an invalid change \(change.set)/\(change.key): \(error)")
                }
            })
        }
        return try await writer.write { [downstream] db in
            for (step, changes) in zip(steps, downstream) {
                if let believed = step.acked, step.response.acked < believed {
                    // The hub held less than the device believed (restored from a backup): send it again.
                    try RecordStore.resetAcknowledgement(of: SyncProtocol.hubReplica, to: step.response.acked, in: db)
                } else {
                    try RecordStore.acknowledge(SyncProtocol.hubReplica, upTo: min(step.response.acked, step.upto), in: db)
                }
                _ = try RecordStore.apply(changes, defaultReplica: SyncProtocol.hubReplica, now: now, in: db)
                // Forward only: an older answer than what a network sync already brought moves nothing.
                let cursor = Int64.fromDatabaseValue(try RecordStore.meta("hub_cursor", in: db)) ?? 0
                if step.response.cursor > cursor { try RecordStore.setMeta("hub_cursor", step.response.cursor, in: db) }
            }
            try RecordStore.setMeta("last_bundle_at", Timestamps.iso(now), in: db)
            let acked = try RecordStore.ackedSeq(of: SyncProtocol.hubReplica, in: db)
            return BundleAnswerReport(
                id: header.id, received: downstream.reduce(0) { $0 + $1.count }, acked: acked,
                pending: try RecordStore.count(byReplica: identity.replica, after: acked, in: db).count
            )
        }
    }
}
