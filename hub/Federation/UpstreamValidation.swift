import BaogongModel
import BaogongRecordStore
import Foundation

/// What a city hub checks of a county hub's upward batch before any backend merges it, reading no
/// database: versions, that the batch is the token's county's, sizes, every change against its
/// schema with the county's own rules (a device writes only its store's records, the county hub
/// only what a hub may write), and only sets that belong to a store. It returns the changes with
/// store ids and replica ids qualified by the county (`S01` → `yongxing.S01`), so that two counties'
/// stores and devices never meet at the city, and a county cannot name another county's store.
public enum UpstreamValidation {
    /// How far ahead of the city's clock a county's change may be stamped. The county already held
    /// its devices to 5 minutes of its own clock; a day allows for a county hub's clock that is off
    /// without letting a record be stamped so late that later corrections lose to it for long.
    public static let maxClockAheadMilliseconds: Int64 = 24 * 3600 * 1000

    public struct Checked: Sendable {
        /// The changes, qualified.
        public var changes: [Change]
        /// The qualified store each change belongs to, by position.
        public var stores: [String]
        /// The registry, qualified.
        public var registry: [UpstreamStore]?
    }

    public static func validate(_ request: UpstreamRequest, county: String, now: Date = Date()) throws(DomainError) -> Checked {
        try SyncValidation.checkVersions(
            protocol: request.protocolVersion, speaks: UpstreamProtocol.protocolVersion, schema: request.schemaVersion,
            named: "upward protocol", upgrade: "the city hub"
        )
        if let claimed = request.county, claimed != county {
            throw DomainError(
                .forbidden, field: "county",
                "this token belongs to county '\(county)', not to '\(claimed)'; set the county's own token with 'upstream set'"
            )
        }
        try Identifier.validate(request.log, field: "log")
        guard request.changes.count <= SyncProtocol.maxBatchChanges else {
            throw DomainError(
                .batchTooLarge, field: "changes", "\(request.changes.count) changes in one batch; at most \(SyncProtocol.maxBatchChanges)"
            )
        }
        guard request.upto >= 0, request.acked >= 0, request.cursor >= 0, request.pending >= 0, request.sentAt >= 0 else {
            throw DomainError(.negative, field: "", "upto, acked, cursor, pending and sent_at must not be negative")
        }
        var registry: [UpstreamStore]?
        if let stores = request.stores {
            guard stores.count <= 100_000 else {
                throw DomainError(.batchTooLarge, field: "stores", "\(stores.count) stores in one registry; at most 100000")
            }
            registry = try stores.map { store throws(DomainError) in
                try Identifier.validate(store.id, field: "stores")
                return UpstreamStore(id: try qualify(store.id, county: county, field: "stores"), revoked: store.revoked)
            }
        }
        for approval in request.approvals ?? [] {
            _ = try CalendarDate(approval.date)
            guard approval.approvedAt >= 0, (approval.withdrawnAt ?? 0) >= 0 else {
                throw DomainError(.negative, field: "approvals", "approved_at and withdrawn_at must not be negative")
            }
            if let note = approval.note, note.utf8.count > 500 {
                throw DomainError(.invalidValue, field: "note", "at most 500 bytes, got \(note.utf8.count)")
            }
        }
        let validator = ChangeValidator()
        let latest = UInt64(max(0, Int64(RecordStore.wallMilliseconds(now)) + maxClockAheadMilliseconds))
        var changes = [Change]()
        var owners = [String]()
        changes.reserveCapacity(request.changes.count)
        owners.reserveCapacity(request.changes.count)
        for (i, change) in request.changes.enumerated() {
            do throws(DomainError) {
                guard let replica = change.replica else {
                    throw DomainError(.missing, field: "r", "an upward change names its replica")
                }
                try Identifier.validate(replica, field: "r")
                guard change.timestamp.milliseconds <= latest else {
                    throw DomainError(.clockAhead, field: "t", "stamped more than a day ahead of the city hub's clock")
                }
                guard let schema = RecordSetSchema.named(change.set) else {
                    throw DomainError(.unknownRecordSet, field: "set", "'\(change.set)' is not a record set")
                }
                guard schema.sinceSchema <= request.schemaVersion else {
                    throw DomainError(
                        .unknownRecordSet, field: "set",
                        "'\(change.set)' needs schema version \(schema.sinceSchema); the request says \(request.schemaVersion)"
                    )
                }
                let storePart = schema.storePartIndex ?? (schema.name == RecordSetSchema.stores.name ? 0 : nil)
                guard let storePart else {
                    throw DomainError(
                        .forbidden, field: "set", "a county hub sends only its stores' records; '\(change.set)' belongs to no store"
                    )
                }
                // A device (`<store>.<suffix>`) writes its own store's records; the county hub what a hub may.
                let writer: Writer
                if replica == SyncProtocol.hubReplica {
                    writer = .hub
                } else if let dot = replica.lastIndex(of: "."), dot != replica.startIndex {
                    writer = .store(String(replica[..<dot]))
                } else {
                    throw DomainError(.wrongStore, field: "r", "replica id '\(replica)' is neither a device's nor the hub's")
                }
                var checked = try validator.validate(change, by: writer)
                var parts = checked.key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                let owner = try qualify(parts[storePart], county: county, field: "key")
                parts[storePart] = owner
                checked.key = parts.joined(separator: "/")
                checked.replica = UpstreamProtocol.qualified(replica, county: county)
                changes.append(checked)
                owners.append(owner)
            } catch {
                throw error.at(change: i)
            }
        }
        return Checked(changes: changes, stores: owners, registry: registry)
    }

    static func qualify(_ id: String, county: String, field: String) throws(DomainError) -> String {
        let qualified = UpstreamProtocol.qualified(id, county: county)
        guard qualified.utf8.count <= 64 else {
            throw DomainError(
                .invalidIdentifier, field: field,
                "'\(qualified)' is longer than 64 characters at the city; shorten the store id or the county id"
            )
        }
        return qualified
    }
}
