/// One write to one record, as it travels between replicas and sits in the change log.
///
/// Fields written together share one timestamp, so a stock report is one `Change` with nine fields
/// rather than nine objects on the wire. Counter fields carry the writing replica's slot total
/// (not an increment), which makes applying a change twice harmless.
public struct Change: Hashable, Sendable, Codable {
    /// Record set name: `stock`, `checkpoint`, …
    public var set: String
    /// Record key, `/`-separated parts (e.g. `S01/rice/2020-02-10`).
    public var key: String
    public var timestamp: HLCTimestamp
    /// The replica that made the change. Omitted on the wire inside a batch from that same replica.
    public var replica: ReplicaID?
    /// Last-writer-wins fields.
    public var fields: [String: FieldValue]
    /// Counter fields: the writer's grow-only increment slot totals.
    public var counters: [String: Int64]
    /// Counter fields: the writer's grow-only decrement slot totals (PN-counters).
    public var decrements: [String: Int64]

    public init(
        set: String, key: String, timestamp: HLCTimestamp, replica: ReplicaID?,
        fields: [String: FieldValue] = [:], counters: [String: Int64] = [:], decrements: [String: Int64] = [:]
    ) {
        self.set = set
        self.key = key
        self.timestamp = timestamp
        self.replica = replica
        self.fields = fields
        self.counters = counters
        self.decrements = decrements
    }

    /// The replica of the change, falling back to the batch's sender when the change omits it.
    public func origin(defaultReplica: ReplicaID) -> ReplicaID { replica ?? defaultReplica }

    /// The change as a CRDT state fragment, ready to merge into a record.
    public var delta: RecordState { delta(defaultReplica: replica ?? "") }

    public func delta(defaultReplica: ReplicaID) -> RecordState {
        let origin = replica ?? defaultReplica
        var state = [String: FieldState](minimumCapacity: fields.count + counters.count)
        for (name, value) in fields {
            state[name] = .register(LWWRegister(value: value, timestamp: timestamp, replica: origin))
        }
        for (name, total) in counters {
            state[name] = .counter(PNCounter(increments: [origin: total], decrements: decrements[name].map { [origin: $0] } ?? [:]))
        }
        for (name, total) in decrements where counters[name] == nil {
            state[name] = .counter(PNCounter(decrements: [origin: total]))
        }
        return RecordState(fields: state)
    }

    enum CodingKeys: String, CodingKey {
        case set = "s", key = "k", timestamp = "t", replica = "r", fields = "f", counters = "c", decrements = "d"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        set = try c.decode(String.self, forKey: .set)
        key = try c.decode(String.self, forKey: .key)
        timestamp = try c.decode(HLCTimestamp.self, forKey: .timestamp)
        replica = try c.decodeIfPresent(String.self, forKey: .replica)
        fields = try c.decodeIfPresent([String: FieldValue].self, forKey: .fields) ?? [:]
        counters = try c.decodeIfPresent([String: Int64].self, forKey: .counters) ?? [:]
        decrements = try c.decodeIfPresent([String: Int64].self, forKey: .decrements) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(set, forKey: .set)
        try c.encode(key, forKey: .key)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encodeIfPresent(replica, forKey: .replica)
        if !fields.isEmpty { try c.encode(fields, forKey: .fields) }
        if !counters.isEmpty { try c.encode(counters, forKey: .counters) }
        if !decrements.isEmpty { try c.encode(decrements, forKey: .decrements) }
    }
}
