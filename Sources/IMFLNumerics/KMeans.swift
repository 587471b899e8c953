import CBLAS

/// The outcome of k-means: centres, the cluster of every point, and how it ended.
public struct KMeansResult: Sendable, Equatable {
    /// k × d centres.
    public var centroids: Matrix
    /// Cluster index of every input row.
    public var assignments: [Int]
    /// Squared distance of every input row to its centre.
    public var distances: [Float]
    /// Number of points in each cluster.
    public var sizes: [Int]
    /// Sum of squared distances to the assigned centres.
    public var inertia: Double
    /// Lloyd iterations run.
    public var iterations: Int
}

/// Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii, 2007).
///
/// Distances are computed for all points against all centres at once with one `sgemm`:
/// ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖². A centre that loses all its points is moved to the point
/// farthest from its current centre, so every cluster stays non-empty (EEQ needs one item per
/// cluster). The run is deterministic for a given seed.
public enum KMeans {
    /// Clusters the rows of `points`.
    /// - Parameters:
    ///   - k: number of clusters, clamped to the number of points.
    ///   - seed: fixes the k-means++ draws.
    ///   - maxIterations: Lloyd iteration cap.
    ///   - tolerance: stop when the inertia improves by less than this fraction.
    public static func fit(
        _ points: Matrix, k: Int, seed: UInt64, maxIterations: Int = 50, tolerance: Double = 1e-4
    ) -> KMeansResult {
        let n = points.rows, d = points.cols
        let k = min(k, n)
        guard k > 0 else {
            return KMeansResult(
                centroids: Matrix(rows: 0, cols: d), assignments: Array(repeating: 0, count: n),
                distances: Array(repeating: 0, count: n), sizes: [], inertia: 0, iterations: 0)
        }
        let pointNorms = rowSquaredNorms(points)
        var centroids = seedPlusPlus(points, norms: pointNorms, k: k, seed: seed)
        var assignments = [Int](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var previous = Double.infinity
        var iterations = 0
        var inertia = 0.0
        while true {
            inertia = assign(points, pointNorms, centroids, &assignments, &distances)
            iterations += 1
            let relocated = updateCentroids(points, &centroids, assignments, distances)
            let converged = !relocated && previous.isFinite && (previous - inertia) <= tolerance * max(previous, 1e-12)
            if converged || iterations >= maxIterations {
                if relocated { inertia = assign(points, pointNorms, centroids, &assignments, &distances) }
                break
            }
            previous = inertia
        }
        var sizes = [Int](repeating: 0, count: k)
        for a in assignments { sizes[a] += 1 }
        return KMeansResult(
            centroids: centroids, assignments: assignments, distances: distances, sizes: sizes,
            inertia: inertia, iterations: iterations)
    }

    /// ‖row‖² of every row.
    public static func rowSquaredNorms(_ m: Matrix) -> [Float] {
        var out = [Float](repeating: 0, count: m.rows)
        m.values.withUnsafeBufferPointer { p in
            for i in 0 ..< m.rows {
                out[i] = cblas_sdot(Int32(m.cols), p.baseAddress! + i * m.cols, 1, p.baseAddress! + i * m.cols, 1)
            }
        }
        return out
    }

    /// Squared distances of every row of `points` to every row of `centres` (n × k), through
    /// ‖x‖² − 2 x·c + ‖c‖², clamped at 0 against rounding.
    public static func squaredDistances(_ points: Matrix, norms: [Float], to centres: Matrix) -> Matrix {
        var dots = Matrix.multiply(points, centres, transposeB: true, alpha: -2)
        let cn = rowSquaredNorms(centres)
        let k = centres.rows
        dots.values.withUnsafeMutableBufferPointer { p in
            for i in 0 ..< points.rows {
                let base = i * k
                let xn = norms[i]
                for j in 0 ..< k { p[base + j] = max(0, p[base + j] + xn + cn[j]) }
            }
        }
        return dots
    }

    /// k-means++: the first centre uniformly, each next one with probability ∝ D(x)², the
    /// squared distance to the nearest centre chosen so far.
    static func seedPlusPlus(_ points: Matrix, norms: [Float], k: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed, stream: 1)
        let n = points.rows, d = points.cols
        var centres = Matrix(rows: k, cols: d)
        var chosen = rng.below(n)
        var nearest = [Float](repeating: .infinity, count: n)
        for c in 0 ..< k {
            let row = points.rows([chosen])
            for j in 0 ..< d { centres.values[c * d + j] = row.values[j] }
            if c == k - 1 { break }
            let dist = squaredDistances(points, norms: norms, to: row)
            var total = 0.0
            for i in 0 ..< n {
                nearest[i] = min(nearest[i], dist.values[i])
                total += Double(nearest[i])
            }
            if total <= 0 {
                // All remaining points coincide with a centre: take any point not yet a centre.
                chosen = (chosen + 1) % n
                continue
            }
            var target = rng.unit() * total
            chosen = n - 1
            for i in 0 ..< n {
                target -= Double(nearest[i])
                if target < 0 { chosen = i; break }
            }
        }
        return centres
    }

    /// Assigns each point to its nearest centre; returns the inertia.
    static func assign(
        _ points: Matrix, _ norms: [Float], _ centroids: Matrix,
        _ assignments: inout [Int], _ distances: inout [Float]
    ) -> Double {
        let dist = squaredDistances(points, norms: norms, to: centroids)
        let k = centroids.rows
        var inertia = 0.0
        dist.values.withUnsafeBufferPointer { p in
            for i in 0 ..< points.rows {
                var best = 0
                var bestValue = p[i * k]
                for j in 1 ..< max(k, 1) where p[i * k + j] < bestValue {
                    bestValue = p[i * k + j]
                    best = j
                }
                assignments[i] = best
                distances[i] = bestValue
                inertia += Double(bestValue)
            }
        }
        return inertia
    }

    /// Moves each centre to the mean of its points. An empty cluster takes the point farthest
    /// from its centre (which is then no longer counted as far). Returns whether any centre was
    /// relocated that way.
    static func updateCentroids(
        _ points: Matrix, _ centroids: inout Matrix, _ assignments: [Int], _ distances: [Float]
    ) -> Bool {
        let k = centroids.rows, d = points.cols
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        points.values.withUnsafeBufferPointer { p in
            for i in 0 ..< points.rows {
                let c = assignments[i]
                counts[c] += 1
                let base = i * d, cb = c * d
                for j in 0 ..< d { sums[cb + j] += Double(p[base + j]) }
            }
        }
        var relocated = false
        var taken = Set<Int>()
        // Only sorted when some cluster is empty, which is rare.
        var farthest: [Int] = counts.contains(0)
            ? distances.indices.sorted { distances[$0] != distances[$1] ? distances[$0] > distances[$1] : $0 < $1 }
            : []
        for c in 0 ..< k {
            if counts[c] == 0 {
                relocated = true
                while let i = farthest.first, taken.contains(i) { farthest.removeFirst() }
                guard let i = farthest.first else { continue }
                taken.insert(i)
                farthest.removeFirst()
                for j in 0 ..< d { centroids.values[c * d + j] = points.values[i * d + j] }
            } else {
                let inv = 1.0 / Double(counts[c])
                for j in 0 ..< d { centroids.values[c * d + j] = Float(sums[c * d + j] * inv) }
            }
        }
        return relocated
    }
}
