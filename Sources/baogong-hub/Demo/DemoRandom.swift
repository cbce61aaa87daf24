/// A seeded random source, so `--seed N` reproduces the demo's data exactly.
struct DemoRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A factor around 1 with the given spread.
    mutating func jitter(_ spread: Double) -> Double { 1 + Double.random(in: -spread...spread, using: &self) }
}
