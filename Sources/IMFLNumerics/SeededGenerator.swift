import Foundation

/// A small, fast pseudo-random generator (SplitMix64) whose output is fixed by its seed on
/// every platform and Swift version, so k-means, sub-sampling and training are reproducible.
/// Swift's own `shuffled(using:)` and `random(in:using:)` do not promise a stable algorithm,
/// so the helpers below are written out here.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one named step of a seeded computation, so that adding a random draw in
    /// one step does not shift the numbers another step sees.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (rejection sampling, no modulo bias).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - (UInt64.max % b)
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// A uniform `Double` in `[0, 1)`.
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `count` distinct indices from `0..<n`, in the order drawn (a partial Fisher–Yates).
    public mutating func sample(_ count: Int, from n: Int) -> [Int] {
        let m = min(count, n)
        if m <= 0 { return [] }
        if m * 4 < n {
            // Sparse Fisher–Yates: only the swapped slots are remembered.
            var swapped = [Int: Int]()
            var out = [Int]()
            out.reserveCapacity(m)
            for i in 0 ..< m {
                let j = i + below(n - i)
                let vj = swapped[j] ?? j
                let vi = swapped[i] ?? i
                swapped[j] = vi
                out.append(vj)
            }
            return out
        }
        var all = Array(0 ..< n)
        for i in 0 ..< m {
            let j = i + below(n - i)
            all.swapAt(i, j)
        }
        return Array(all[0 ..< m])
    }

    /// A Gaussian draw (Box–Muller), used for synthetic data in tests and benchmarks.
    public mutating func gaussian() -> Double {
        var u = unit()
        while u <= .ulpOfOne { u = unit() }
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
