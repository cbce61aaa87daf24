/// A seeded random source (SplitMix64): the same seed gives the same sequence on every machine, so
/// `demo --seed N`, the bench's workloads and the property tests' scenarios are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `low..<high` from the top 53 bits of the next value.
    public mutating func unit(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }

    /// A factor around 1 with the given spread.
    public mutating func jitter(_ spread: Double) -> Double { 1 + Double.random(in: -spread...spread, using: &self) }
}
