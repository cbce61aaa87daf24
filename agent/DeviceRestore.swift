import BaogongModel
import BaogongRecordStore
import Foundation
import GRDB

/// A replaced PC (`baogong-agent init --restore`): the new device, with a replica id of its own,
/// fetches what the store's devices wrote from the hub and merges it, so the clerk carries on
/// with the store's history. The records arrive as other devices' writes, not as this device's:
/// nothing restored is sent back, counters keep each old device's slot, and an old device that
/// comes back later still merges its pending changes.
extension AgentDatabase {
    /// Fetches page after page until the hub has no more; resumable (the position is kept after
    /// every page). Returns how many changes were merged.
    public func restoreFromHub(
        transport: any SyncTransport = HTTPSyncTransport(), pageSize: Int = 5_000, now: Date = Date()
    ) async throws -> Int {
        let identity = try await identity()
        try HubAddress.validate(identity.hub, allowInsecureHTTP: identity.allowInsecureHTTP)
        let validator = ChangeValidator()
        var restored = 0
        while true {
            let after = try await writer.read { db in Int64.fromDatabaseValue(try RecordStore.meta("restore_cursor", in: db)) ?? 0 }
            let page = try await transport.restore(after: after, limit: pageSize, from: identity.endpoint)
            let changes = try page.changes.map { change in
                guard let replica = change.replica, replica.hasPrefix(identity.store + "."), replica != identity.replica else {
                    throw AgentError(.hubError, "the hub sent a record that no other device of \(identity.store) wrote")
                }
                do {
                    return try validator.validate(change, by: .store(identity.store))
                } catch {
                    throw AgentError(.hubError, "the hub sent an invalid record \(change.set)/\(change.key): \(error)")
                }
            }
            try await writer.write { db in
                _ = try RecordStore.apply(changes, defaultReplica: SyncProtocol.hubReplica, now: now, in: db)
                try RecordStore.setMeta("restore_cursor", max(page.cursor, after), in: db)
                try RecordStore.setMeta("restored_at", Timestamps.iso(now), in: db)
            }
            restored += changes.count
            if !page.more || page.cursor <= after { return restored }
        }
    }
}
