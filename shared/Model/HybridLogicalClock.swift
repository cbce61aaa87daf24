/// A hybrid logical clock timestamp: 48 bits of Unix milliseconds and a 16-bit logical counter,
/// packed so that comparing the packed integers compares (milliseconds, counter).
public struct HLCTimestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: UInt64

    /// 47 bits of milliseconds (to the year 6429) keep the packed value below 2^63, so it travels as
    /// a positive JSON integer; the 48th bit stays clear.
    public static let maxMilliseconds: UInt64 = (1 << 47) - 1
    public static let zero = HLCTimestamp(rawValue: 0)

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, counter: UInt16) {
        rawValue = (min(milliseconds, HLCTimestamp.maxMilliseconds) << 16) | UInt64(counter)
    }

    public var milliseconds: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public static func < (a: HLCTimestamp, b: HLCTimestamp) -> Bool { a.rawValue < b.rawValue }

    public var description: String { "\(milliseconds).\(counter)" }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Int64.self)
        guard value >= 0, UInt64(value) >> 16 <= HLCTimestamp.maxMilliseconds else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "timestamp out of range (negative or beyond the year 6429)")
            )
        }
        rawValue = UInt64(value)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Int64(bitPattern: rawValue))
    }
}

/// The hybrid logical clock of one replica (Kulkarni et al., 2014).
///
/// Every local write calls `tick`, every merged remote timestamp goes through `receive`, so a write
/// made after seeing another is always later than it, even when this machine's wall clock is behind.
/// A value type: the owner serialises access (the record store keeps it inside a write transaction).
public struct HybridLogicalClock: Sendable, Equatable {
    public private(set) var last: HLCTimestamp
    /// How far ahead of the local wall clock a remote timestamp may be before it is reported as skew.
    public var maxForwardSkewMilliseconds: UInt64
    /// How far ahead of the local wall clock a remote timestamp may pull this clock. Beyond that the
    /// data is merged all the same, but the clock stays put: one corrupt timestamp must not drag every
    /// later write to the end of time (where the counter saturates and writes stop being ordered).
    public var maxAdoptedAheadMilliseconds: UInt64

    public init(
        last: HLCTimestamp = .zero, maxForwardSkewMilliseconds: UInt64 = 5 * 60 * 1000,
        maxAdoptedAheadMilliseconds: UInt64 = 30 * 86_400_000
    ) {
        self.last = last
        self.maxForwardSkewMilliseconds = maxForwardSkewMilliseconds
        self.maxAdoptedAheadMilliseconds = maxAdoptedAheadMilliseconds
    }

    /// A new timestamp for a local event, strictly later than every timestamp seen so far.
    /// A wall clock that jumped backwards does not move the clock backwards.
    public mutating func tick(wallMilliseconds: UInt64) -> HLCTimestamp {
        let wall = min(wallMilliseconds, HLCTimestamp.maxMilliseconds)
        if wall > last.milliseconds {
            last = HLCTimestamp(milliseconds: wall, counter: 0)
        } else {
            last = HLCTimestamp.successor(of: last)
        }
        return last
    }

    /// What `receive` learned about a remote timestamp.
    public struct Observation: Sendable, Equatable {
        /// Milliseconds by which the remote timestamp is ahead of the local wall clock, when beyond the limit.
        public var forwardSkewMilliseconds: UInt64?
        public var isSkewed: Bool { forwardSkewMilliseconds != nil }
    }

    /// Folds a remote timestamp into the clock. It is never refused (data is never dropped), but a
    /// timestamp far ahead of the local wall clock is reported so that status can flag it.
    @discardableResult
    public mutating func receive(_ remote: HLCTimestamp, wallMilliseconds: UInt64) -> Observation {
        let wall = min(wallMilliseconds, HLCTimestamp.maxMilliseconds)
        var observation = Observation()
        if remote.milliseconds > wall, remote.milliseconds - wall > maxForwardSkewMilliseconds {
            observation.forwardSkewMilliseconds = remote.milliseconds - wall
        }
        let adoptable = remote.milliseconds <= wall || remote.milliseconds - wall <= maxAdoptedAheadMilliseconds
        let top = adoptable ? max(last, remote) : last
        if wall > top.milliseconds {
            last = HLCTimestamp(milliseconds: wall, counter: 0)
        } else {
            last = top
        }
        return observation
    }

    /// Moves the clock to at least `timestamp` without a new event (used when loading persisted state).
    public mutating func advance(to timestamp: HLCTimestamp) {
        if timestamp > last { last = timestamp }
    }

    static func successor(of t: HLCTimestamp) -> HLCTimestamp {
        if t.counter == UInt16.max && t.milliseconds >= HLCTimestamp.maxMilliseconds { return t }  // saturated
        return t.counter == UInt16.max
            ? HLCTimestamp(milliseconds: t.milliseconds + 1, counter: 0)
            : HLCTimestamp(rawValue: t.rawValue + 1)
    }
}

extension HLCTimestamp {
    fileprivate static func successor(of t: HLCTimestamp) -> HLCTimestamp { HybridLogicalClock.successor(of: t) }
}
