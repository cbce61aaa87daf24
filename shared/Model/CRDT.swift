/// Conflict-free field types and the records made of them. Every `merging` is commutative,
/// associative and idempotent; the property tests in Tests/SharedTests prove it.

/// A replica's identity: one device of one store, or the hub.
public typealias ReplicaID = String

/// Last writer wins by (timestamp, replica id); equal pairs fall back to a total order on the value.
public struct LWWRegister: Hashable, Sendable {
    public var value: FieldValue
    public var timestamp: HLCTimestamp
    public var replica: ReplicaID

    public init(value: FieldValue, timestamp: HLCTimestamp, replica: ReplicaID) {
        self.value = value
        self.timestamp = timestamp
        self.replica = replica
    }

    /// True when `self` was written after `other` in the register's order.
    public func wins(over other: LWWRegister) -> Bool {
        if timestamp != other.timestamp { return timestamp > other.timestamp }
        if replica != other.replica { return other.replica.utf8.lexicographicallyPrecedes(replica.utf8) }
        return FieldValue.tieBreak(other.value, value)
    }

    public func merging(_ other: LWWRegister) -> LWWRegister { other.wins(over: self) ? other : self }
}

/// A PN-counter: per-replica grow-only increments and decrements, summed on read.
/// Each replica only ever raises its own slots, so merging takes the per-slot maximum.
public struct PNCounter: Hashable, Sendable {
    public var increments: [ReplicaID: Int64]
    public var decrements: [ReplicaID: Int64]

    public init(increments: [ReplicaID: Int64] = [:], decrements: [ReplicaID: Int64] = [:]) {
        self.increments = increments
        self.decrements = decrements
    }

    public var value: Int64 {
        increments.values.reduce(0, &+) &- decrements.values.reduce(0, &+)
    }

    public func merging(_ other: PNCounter) -> PNCounter {
        PNCounter(
            increments: increments.merging(other.increments, uniquingKeysWith: max),
            decrements: decrements.merging(other.decrements, uniquingKeysWith: max)
        )
    }
}

/// One field of a record: a register or a counter.
public enum FieldState: Hashable, Sendable {
    case register(LWWRegister)
    case counter(PNCounter)

    public func merging(_ other: FieldState) -> FieldState {
        switch (self, other) {
        case (.register(let a), .register(let b)): return .register(a.merging(b))
        case (.counter(let a), .counter(let b)): return .counter(a.merging(b))
        // A schema never mixes kinds for one field; if bad data does, the counter wins either way round.
        case (.counter, .register): return self
        case (.register, .counter): return other
        }
    }

    /// The value a reader sees: the register's value or the counter's sum.
    public var value: FieldValue {
        switch self {
        case .register(let r): return r.value
        case .counter(let c): return .int(c.value)
        }
    }
}

/// The full CRDT state of one record: its fields by name. Deletion is the LWW field `_deleted`
/// (a tombstone), so a delete and a concurrent update resolve like any other pair of writes.
public struct RecordState: Hashable, Sendable {
    public static let tombstoneField = "_deleted"

    public var fields: [String: FieldState]

    public init(fields: [String: FieldState] = [:]) { self.fields = fields }

    public func merging(_ other: RecordState) -> RecordState {
        RecordState(fields: fields.merging(other.fields) { $0.merging($1) })
    }

    public mutating func merge(_ other: RecordState) { self = merging(other) }

    public subscript(field: String) -> FieldValue? { fields[field]?.value }

    public var isDeleted: Bool { self[RecordState.tombstoneField]?.intValue == 1 }

    /// This replica's current slot of a counter field (what it has added so far).
    public func counterSlot(_ field: String, replica: ReplicaID) -> Int64 {
        if case .counter(let c) = fields[field] { return c.increments[replica] ?? 0 }
        return 0
    }
}

/// A keyed collection of records: what a replica holds of one record set.
public struct RecordSetState: Hashable, Sendable {
    public var records: [String: RecordState]

    public init(records: [String: RecordState] = [:]) { self.records = records }

    public func merging(_ other: RecordSetState) -> RecordSetState {
        RecordSetState(records: records.merging(other.records) { $0.merging($1) })
    }

    public mutating func apply(_ change: Change) {
        records[change.key, default: RecordState()].merge(change.delta)
    }
}
