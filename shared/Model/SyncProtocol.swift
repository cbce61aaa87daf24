/// Wire types of the sync protocol (docs/protocol.md). JSON, versioned: every batch carries the
/// protocol version and the writer's schema version.
public enum SyncProtocol {
    /// Version of the request/response envelope.
    public static let protocolVersion = 1
    /// Version of the data model (record sets and fields) this build knows. 2 added the matching
    /// desk's sets (`need`, `offer`, `match`, `match_answer`), the store kind `supplier`, green-channel
    /// passes (`pass_key`, `pass_revocation`, `pass`) and deliveries (`delivery`, `delivery_quantity`).
    public static let schemaVersion = 2
    /// The replica id the hub writes its own changes under.
    public static let hubReplica: ReplicaID = "hub"
    /// Most changes one request may carry; agents cut their outbox into batches of at most this.
    public static let maxBatchChanges = 20_000
    /// Most changes one response carries downstream; `more: true` asks the agent to come back.
    public static let maxResponseChanges = 5_000
    /// How far ahead of the hub's wall clock a change may be stamped. Beyond it the batch is refused
    /// with `clock_ahead` (and the hub's time), so that one device's wrong clock can neither move
    /// the hub's clock nor stamp a record so late that later corrections lose to it.
    public static let maxClockAheadMilliseconds: Int64 = 5 * 60_000
}

/// `POST /v1/sync` request body: the agent's changes since what the hub last acknowledged, and its
/// cursor into the hub's change log.
public struct SyncRequest: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var schemaVersion: Int
    public var store: String
    public var replica: ReplicaID
    /// The hub change-log sequence up to which the agent has applied changes from the hub.
    public var cursor: Int64
    /// The agent's local sequence of the last change in `changes` (0 when it sends none).
    public var upto: Int64
    /// What the agent believes the hub has acknowledged of it. A hub that holds less (it was
    /// restored from an older backup) acknowledges only what it really has, and the agent resends.
    /// Optional for agents that predate it.
    public var acked: Int64?
    /// Local changes still waiting after this batch (for fleet status).
    public var pending: Int64
    /// The agent's wall clock when it sent the batch, Unix milliseconds (for clock-skew status).
    public var sentAt: Int64
    public var changes: [Change]

    public init(
        protocolVersion: Int = SyncProtocol.protocolVersion, schemaVersion: Int = SyncProtocol.schemaVersion,
        store: String, replica: ReplicaID, cursor: Int64, upto: Int64, acked: Int64? = nil, pending: Int64, sentAt: Int64,
        changes: [Change]
    ) {
        self.acked = acked
        self.protocolVersion = protocolVersion
        self.schemaVersion = schemaVersion
        self.store = store
        self.replica = replica
        self.cursor = cursor
        self.upto = upto
        self.pending = pending
        self.sentAt = sentAt
        self.changes = changes
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", schemaVersion = "schema", store, replica, cursor, upto, acked, pending
        case sentAt = "sent_at", changes
    }
}

/// `POST /v1/sync` response body.
public struct SyncResponse: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var schemaVersion: Int
    /// The highest local sequence of this replica the hub has durably stored.
    public var acked: Int64
    /// The hub change-log sequence the agent should send as `cursor` next time.
    public var cursor: Int64
    /// More downstream changes wait beyond `cursor`.
    public var more: Bool
    /// How many of the request's changes changed something on the hub (0 for a replay).
    public var merged: Int
    /// Reference data and hub-written records of the agent's own store, each with its replica.
    public var changes: [Change]
    /// The hub's wall clock when it answered, Unix milliseconds: an agent whose clock is off by more
    /// than `maxClockAheadMilliseconds` stamps its writes by the hub's time instead (absent from hubs
    /// that predate it).
    public var hubTime: Int64?

    public init(
        protocolVersion: Int = SyncProtocol.protocolVersion, schemaVersion: Int = SyncProtocol.schemaVersion,
        acked: Int64, cursor: Int64, more: Bool, merged: Int, changes: [Change], hubTime: Int64? = nil
    ) {
        self.hubTime = hubTime
        self.protocolVersion = protocolVersion
        self.schemaVersion = schemaVersion
        self.acked = acked
        self.cursor = cursor
        self.more = more
        self.merged = merged
        self.changes = changes
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", schemaVersion = "schema", acked, cursor, more, merged, changes
        case hubTime = "hub_time"
    }
}

/// The JSON body of every 4xx/5xx answer: `{"error": {"code": "...", "message": "..."}}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        public var code: String
        public var message: String
        /// The field at fault, when one is known.
        public var field: String?
        /// Index of the offending change in the batch, when one is known.
        public var change: Int?
        /// The hub's wall clock, Unix milliseconds, on a `clock_ahead` refusal.
        public var hubTime: Int64?

        enum CodingKeys: String, CodingKey { case code, message, field, change, hubTime = "hub_time" }
    }

    public var error: Detail

    public init(code: String, message: String, field: String? = nil, change: Int? = nil, hubTime: Int64? = nil) {
        error = Detail(code: code, message: message, field: field, change: change, hubTime: hubTime)
    }
}
