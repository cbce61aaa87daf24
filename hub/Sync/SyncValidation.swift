import BaogongModel
import BaogongRecordStore
import Foundation

/// What the hub checks of a store's batch before any backend merges it, the same for `/v1/sync`
/// and for a bundle file (`BundleImport`): protocol and schema versions, that the store and the
/// device are the sender's own, the batch size, clocks, and every change against its schema. It
/// reads no database, so every `HubStore` implementation merges only batches that passed it.
public enum SyncValidation {
    /// The envelope's protocol version must be the one spoken, its schema version one this hub knows
    /// (for store batches and county hubs' upward batches alike).
    static func checkVersions(protocol version: Int, speaks spoken: Int, schema: Int, named name: String, upgrade peer: String)
        throws(DomainError)
    {
        guard version == spoken else {
            throw DomainError(
                .unsupportedProtocol, field: "protocol", "\(name) version \(version) is not supported (this hub speaks \(spoken))"
            )
        }
        guard schema <= SyncProtocol.schemaVersion else {
            throw DomainError(
                .schemaTooNew, field: "schema",
                "schema version \(schema) is newer than this hub's \(SyncProtocol.schemaVersion); upgrade \(peer)"
            )
        }
        guard schema >= 1 else { throw DomainError(.badSchema, field: "schema", "schema version \(schema) is not valid") }
    }

    /// Checks a batch without touching the database. Any bad change refuses the whole batch.
    public static func validate(
        _ request: SyncRequest, authenticatedStore store: String, now: Date = Date()
    ) throws(DomainError) -> [Change] {
        try checkVersions(
            protocol: request.protocolVersion, speaks: SyncProtocol.protocolVersion, schema: request.schemaVersion,
            named: "protocol", upgrade: "the hub"
        )
        guard request.store == store else {
            throw DomainError(.wrongStore, field: "store", "this token belongs to store '\(store)', not to '\(request.store)'")
        }
        try Identifier.validate(request.replica, field: "replica")
        // A device's replica id is `<store>.<suffix>` (baogong-agent init makes it so): a store cannot
        // borrow another store's replica id and disturb its cursor, counters or status.
        let suffix = request.replica.dropFirst(store.count + 1)
        guard request.replica.hasPrefix(store + "."), !suffix.isEmpty, !suffix.contains(".") else {
            throw DomainError(.wrongStore, field: "replica", "replica id '\(request.replica)' does not belong to store '\(store)'")
        }
        guard request.changes.count <= SyncProtocol.maxBatchChanges else {
            throw DomainError(
                .batchTooLarge, field: "changes",
                "\(request.changes.count) changes in one batch; at most \(SyncProtocol.maxBatchChanges)"
            )
        }
        guard request.upto >= 0, request.cursor >= 0, request.pending >= 0, request.sentAt >= 0, (request.acked ?? 0) >= 0 else {
            throw DomainError(.negative, field: "", "upto, acked, cursor, pending and sent_at must not be negative")
        }
        let validator = ChangeValidator()
        let latest = UInt64(max(0, Int64(RecordStore.wallMilliseconds(now)) + SyncProtocol.maxClockAheadMilliseconds))
        var changes = [Change]()
        changes.reserveCapacity(request.changes.count)
        for (i, change) in request.changes.enumerated() {
            if let replica = change.replica, replica != request.replica {
                throw DomainError(.wrongStore, field: "r", "written by replica '\(replica)', not by the sender", change: i)
            }
            if change.timestamp.milliseconds > latest {
                let minutes = (Int64(clamping: change.timestamp.milliseconds) - Int64(RecordStore.wallMilliseconds(now))) / 60_000
                throw DomainError(
                    .clockAhead, field: "t",
                    "stamped \(minutes) minutes ahead of the hub's clock (\(Timestamps.iso(now))); set this device's clock,"
                        + " or let the agent re-stamp by the hub's time",
                    change: i
                )
            }
            if let schema = RecordSetSchema.named(change.set), schema.sinceSchema > request.schemaVersion {
                throw DomainError(
                    .unknownRecordSet, field: "set",
                    "'\(change.set)' needs schema version \(schema.sinceSchema); the request says \(request.schemaVersion)",
                    change: i
                )
            }
            do {
                changes.append(try validator.validate(change, by: .store(store)))
            } catch {
                throw error.at(change: i)
            }
        }
        return changes
    }
}
