import IMFLNumerics
@testable import IMFLCore

/// Clustered random vectors written by the tests themselves: `clusters` Gaussian blobs around
/// random unit centres, every point L2-normalised like a sentence embedding.
struct Synthetic {
    var vectors: Matrix
    /// Blob of each row (also used as its class, modulo `classes`).
    var blob: [Int]
    var labels: [Int]

    init(points: Int, clusters: Int, classes: Int, dimension: Int = 16, spread: Double = 0.05, seed: UInt64 = 1) {
        var rng = SeededGenerator(seed: seed)
        var centres = [[Double]]()
        for _ in 0 ..< clusters {
            var c = (0 ..< dimension).map { _ in rng.gaussian() }
            let norm = c.reduce(0) { $0 + $1 * $1 }.squareRoot()
            c = c.map { $0 / norm }
            centres.append(c)
        }
        var values = [Float]()
        var blob = [Int]()
        for i in 0 ..< points {
            let b = i % clusters
            var v = centres[b].map { $0 + spread * rng.gaussian() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
            values.append(contentsOf: v.map { Float($0) })
            blob.append(b)
        }
        vectors = Matrix(rows: points, cols: dimension, values: values)
        self.blob = blob
        labels = blob.map { $0 % classes }
    }
}

/// A classifier whose probabilities are given per row: lets a query test fix the model's
/// uncertainty exactly.
struct FixedClassifier: Classifier {
    var classCount: Int
    /// Probability rows keyed by the first coordinate of the vector (the tests put the row's
    /// id there).
    var table: [Int: [Float]]

    mutating func fit(_ data: TrainingSet) throws {}

    func predictProbabilities(_ features: Matrix) -> Matrix {
        Matrix(stacking: (0 ..< features.rows).map { table[Int(features[$0, 0])]! })
    }
}

extension Matrix {
    /// Random unit rows, the same on every run: the vectors of the index tests.
    static func randomUnitRows(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var random = BenchmarkRandom(seed: seed)
        return EmbeddingBenchmark.randomUnitRows(rows, cols, &random)
    }
}
