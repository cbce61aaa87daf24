/// Wire types of the upward sync (docs/protocol.md, "County and city hubs"): a county hub sends its
/// stores' records, its store registry and its sign-offs to its city hub with
/// `POST /v1/upstream/sync`, and receives the city's notices in the answer. The same CRDT changes as
/// between agents and a hub, one level up: idempotent, resumable, acknowledged in order.
public enum UpstreamProtocol {
    /// Version of the upward envelope.
    public static let protocolVersion = 1
    /// Most changes a county hub sends in one request.
    public static let batchChanges = 5_000
    /// Most notices one answer carries down; `more: true` asks the county to come back.
    public static let maxResponseChanges = 5_000
    /// The replica id under which a county hub stores what it received from its city hub.
    public static let cityReplica: ReplicaID = "city"

    /// A county's store id as the city knows it: `<county>.<store>` (county ids hold no dot, so the
    /// part before the first dot names the county).
    public static func qualified(_ id: String, county: String) -> String { county + "." + id }

    /// The county of a qualified id, or nil for an id without a dot.
    public static func county(of qualified: String) -> String? {
        qualified.firstIndex(of: ".").map { String(qualified[..<$0]) }
    }
}

/// One store of a county's registry, as sent upward.
public struct UpstreamStore: Codable, Sendable, Hashable {
    public var id: String
    public var revoked: Bool

    public init(id: String, revoked: Bool) {
        self.id = id
        self.revoked = revoked
    }
}

/// A county's sign-off of one date, as sent upward: the latest of approval and withdrawal stands.
public struct UpstreamApproval: Codable, Sendable, Hashable {
    public var date: String
    /// Unix milliseconds.
    public var approvedAt: Int64
    public var note: String?
    /// Unix milliseconds; nil while the sign-off stands.
    public var withdrawnAt: Int64?

    public init(date: String, approvedAt: Int64, note: String?, withdrawnAt: Int64?) {
        self.date = date
        self.approvedAt = approvedAt
        self.note = note
        self.withdrawnAt = withdrawnAt
    }

    /// When this sign-off last changed: later versions replace earlier ones at the city.
    public var changedAt: Int64 { max(approvedAt, withdrawnAt ?? 0) }

    enum CodingKeys: String, CodingKey { case date, approvedAt = "approved_at", note, withdrawnAt = "withdrawn_at" }
}

/// `POST /v1/upstream/sync` request body.
public struct UpstreamRequest: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var schemaVersion: Int
    /// The county this hub was told it is (`upstream set --county`) or learned from the city's last
    /// answer. A city refuses (403) a token of another county, so a county's records can never land
    /// under another county's name. Nil before the first answer.
    public var county: String?
    /// The identity of the county hub's change log (random, made once): a county hub rebuilt from
    /// nothing starts a new log, and the city then acknowledges it from 0.
    public var log: String
    /// How far the county has read the city's change log (notices).
    public var cursor: Int64
    /// The county change-log position of the last change in `changes` (0 when it sends none).
    public var upto: Int64
    /// What the county believes the city has acknowledged.
    public var acked: Int64
    /// Changes still waiting after this batch.
    public var pending: Int64
    /// The county hub's clock, Unix milliseconds.
    public var sentAt: Int64
    /// Changes of the county's stores, each with its replica, keys as the county writes them.
    public var changes: [Change]
    /// The county's whole store registry, when it changed since the city last acknowledged it.
    public var stores: [UpstreamStore]?
    /// Sign-offs changed since the city last acknowledged them.
    public var approvals: [UpstreamApproval]?

    public init(
        county: String?, log: String, cursor: Int64, upto: Int64, acked: Int64, pending: Int64, sentAt: Int64,
        changes: [Change], stores: [UpstreamStore]? = nil, approvals: [UpstreamApproval]? = nil,
        protocolVersion: Int = UpstreamProtocol.protocolVersion, schemaVersion: Int = SyncProtocol.schemaVersion
    ) {
        self.protocolVersion = protocolVersion
        self.schemaVersion = schemaVersion
        self.county = county
        self.log = log
        self.cursor = cursor
        self.upto = upto
        self.acked = acked
        self.pending = pending
        self.sentAt = sentAt
        self.changes = changes
        self.stores = stores
        self.approvals = approvals
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", schemaVersion = "schema", county, log, cursor, upto, acked, pending
        case sentAt = "sent_at", changes, stores, approvals
    }
}

/// `POST /v1/upstream/sync` response body.
public struct UpstreamResponse: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    /// The county the token belongs to.
    public var county: String
    /// The highest county change-log position the city holds, contiguously from the start.
    public var acked: Int64
    /// The city change-log position to send as `cursor` next time.
    public var cursor: Int64
    /// More notices wait beyond `cursor`.
    public var more: Bool
    /// How many of the request's changes changed something at the city (0 for a replay).
    public var merged: Int
    /// The city's notices, each with its replica.
    public var changes: [Change]
    /// The city hub's clock, Unix milliseconds.
    public var hubTime: Int64

    public init(county: String, acked: Int64, cursor: Int64, more: Bool, merged: Int, changes: [Change], hubTime: Int64) {
        self.protocolVersion = UpstreamProtocol.protocolVersion
        self.county = county
        self.acked = acked
        self.cursor = cursor
        self.more = more
        self.merged = merged
        self.changes = changes
        self.hubTime = hubTime
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", county, acked, cursor, more, merged, changes, hubTime = "hub_time"
    }
}
