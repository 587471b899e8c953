import Testing
@testable import IMFLNumerics

@Suite("k-means")
struct KMeansTests {
    /// Four tight blobs far apart in 8 dimensions, 25 points each, interleaved.
    func blobs() -> (Matrix, [Int]) {
        var rng = SeededGenerator(seed: 7)
        let centres: [[Float]] = (0 ..< 4).map { c in (0 ..< 8).map { $0 == c ? 10 : 0 } }
        var rows = [[Float]](), truth = [Int]()
        for i in 0 ..< 100 {
            let c = i % 4
            rows.append(centres[c].map { $0 + Float(rng.gaussian() * 0.1) })
            truth.append(c)
        }
        return (Matrix(stacking: rows), truth)
    }

    @Test("recovers planted clusters")
    func recoversPlantedClusters() {
        // Given four well-separated blobs
        let (points, truth) = blobs()
        // When clustered with k = 4
        let result = KMeans.fit(points, k: 4, seed: 3)
        // Then every blob maps to exactly one cluster and vice versa
        var mapping = [Int: Int]()
        for (t, a) in zip(truth, result.assignments) {
            if let m = mapping[t] { #expect(m == a) } else { mapping[t] = a }
        }
        #expect(Set(mapping.values).count == 4)
        #expect(result.sizes == [25, 25, 25, 25])
        #expect(result.inertia < 100 * 8 * 0.01 * 2)
    }

    @Test("is deterministic for a seed")
    func deterministic() {
        let (points, _) = blobs()
        #expect(KMeans.fit(points, k: 7, seed: 11) == KMeans.fit(points, k: 7, seed: 11))
    }

    @Test("keeps every cluster non-empty even with duplicate points")
    func noEmptyClusters() {
        // Given 10 points of which 8 coincide, and k = 3
        var rows = Array(repeating: [Float(1), 1], count: 8)
        rows += [[5, 5], [9, 9]]
        let result = KMeans.fit(Matrix(stacking: rows), k: 3, seed: 1)
        // Then each of the three clusters holds at least one point
        #expect(result.sizes.allSatisfy { $0 > 0 })
        #expect(result.sizes.reduce(0, +) == 10)
    }

    @Test("BLAS distances equal the direct sum of squares")
    func distances() {
        let a = Matrix(stacking: [[1, 2, 3], [0, 0, 1]])
        let c = Matrix(stacking: [[1, 0, 0], [3, 2, 1]])
        let d = KMeans.squaredDistances(a, norms: KMeans.rowSquaredNorms(a), to: c)
        #expect(d.values == [13, 8, 2, 13])
    }

    @Test("sampling without replacement is distinct and reproducible")
    func sampling() {
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let s = g1.sample(50, from: 1000)
        #expect(Set(s).count == 50 && s.allSatisfy { (0 ..< 1000).contains($0) })
        #expect(s == g2.sample(50, from: 1000))
        var g3 = SeededGenerator(seed: 5)
        #expect(Set(g3.sample(10, from: 10)) == Set(0 ..< 10))
    }
}
