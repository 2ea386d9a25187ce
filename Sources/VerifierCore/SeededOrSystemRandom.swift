// The scheduler's source of jitter: the system's generator, or a seeded one for reproducible tests.

/// A random number generator that is the system's by default and SplitMix64 when seeded.
public struct SeededOrSystemRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64?
    private var system = SystemRandomNumberGenerator()

    public init(seed: UInt64? = nil) { state = seed }

    public mutating func next() -> UInt64 {
        guard var x = state else { return system.next() }
        x &+= 0x9E37_79B9_7F4A_7C15
        state = x
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
