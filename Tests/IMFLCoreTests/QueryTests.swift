import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Query strategies")
struct QueryTests {
    /// Pool rows whose first coordinate is the row id, so `FixedClassifier` can look it up.
    func pool(_ n: Int) -> Matrix {
        Matrix(stacking: (0 ..< n).map { [Float($0), 0] })
    }

    @Test("EEQ picks one item per planted cluster and sends the most uncertain first")
    func eeqOnePerClusterByUncertainty() throws {
        // Given 6 planted clusters of 50 points and a model that is unsure about clusters 2 and 5
        let data = Synthetic(points: 300, clusters: 6, classes: 3, spread: 0.02)
        var table = [Int: [Float]]()
        for i in 0 ..< 300 { table[i] = [2, 5].contains(data.blob[i]) ? [0.4, 0.3, 0.3] : [0.9, 0.05, 0.05] }
        var ids = data.vectors
        for i in 0 ..< 300 { ids[i, 0] = Float(i) }  // tag rows; keep the other 15 dimensions
        let model = FixedClassifier(classCount: 3, table: table)
        // When EEQ selects a batch of 6 over the whole pool (sub-sample factor large enough)
        let picked = EEQStrategy(subsampleFactor: 50).select(
            QueryInput(pool: data.vectors, current: ModelOnTags(inner: model, tags: ids)), count: 6, seed: 9)
        // Then there is exactly one item from every cluster
        #expect(picked.count == 6)
        #expect(Set(picked.map { data.blob[$0.index] }) == Set(0 ..< 6))
        // And the two uncertain clusters come first (score 0.6), the others after (0.1)
        #expect(Set(picked.prefix(2).map { data.blob[$0.index] }) == [2, 5])
        #expect(abs(picked[0].score - 0.6) < 1e-6 && abs(picked[5].score - 0.1) < 1e-6)
    }

    @Test("EEQ without a model ranks by cluster size")
    func eeqRoundOneBySize() {
        // Given blobs of sizes 40, 20, 10 (cluster 0 every other row…)
        let big = Synthetic(points: 70, clusters: 1, classes: 1, spread: 0.02, seed: 1).vectors
        let data = Synthetic(points: 3, clusters: 3, classes: 3, spread: 0, seed: 4)
        var rows = [[Float]]()
        let sizes = [40, 20, 10]
        for (c, size) in sizes.enumerated() {
            for i in 0 ..< size { rows.append(zip(data.vectors.row(c), big.row(i)).map { $0 + 0.01 * $1 }) }
        }
        // When EEQ picks 3 with no classifier
        let picked = EEQStrategy(subsampleFactor: 100).select(QueryInput(pool: Matrix(stacking: rows)), count: 3, seed: 2)
        // Then the largest cluster's representative is first
        #expect(picked.map(\.score) == [40, 20, 10])
        #expect(picked[0].index < 40 && (40 ..< 60).contains(picked[1].index) && picked[2].index >= 60)
    }

    @Test("least confidence, margin and entropy rank a crafted case as defined")
    func uncertaintyBaselines() {
        // Given three items: confident, split between two classes, spread over three
        let table: [Int: [Float]] = [0: [0.9, 0.05, 0.05], 1: [0.5, 0.5, 0.0], 2: [0.4, 0.3, 0.3]]
        let input = QueryInput(pool: pool(3), current: FixedClassifier(classCount: 3, table: table))
        // Then least confidence prefers item 2 (1 − 0.4), margin item 1 (gap 0), entropy item 2
        #expect(UncertaintyStrategy(measure: .leastConfidence).select(input, count: 3, seed: 0).map(\.index) == [2, 1, 0])
        #expect(UncertaintyStrategy(measure: .margin).select(input, count: 3, seed: 0).map(\.index) == [1, 2, 0])
        #expect(UncertaintyStrategy(measure: .entropy).select(input, count: 3, seed: 0).map(\.index) == [2, 1, 0])
        #expect(UncertaintyStrategy(measure: .entropy).select(input, count: 1, seed: 0).count == 1)
    }

    @Test("score difference ranks by total variation between the last two models")
    func scoreDifference() {
        // Given two models that disagree most on item 1, then item 2, not on item 0
        let now: [Int: [Float]] = [0: [0.6, 0.4], 1: [0.9, 0.1], 2: [0.5, 0.5]]
        let before: [Int: [Float]] = [0: [0.6, 0.4], 1: [0.2, 0.8], 2: [0.7, 0.3]]
        let input = QueryInput(pool: pool(3), current: FixedClassifier(classCount: 2, table: now),
                               previous: FixedClassifier(classCount: 2, table: before))
        let picked = ScoreDifferenceStrategy().select(input, count: 3, seed: 0)
        // Then TV distances are 0.7, 0.2, 0
        #expect(picked.map(\.index) == [1, 2, 0])
        #expect(abs(picked[0].score - 0.7) < 1e-6 && abs(picked[1].score - 0.2) < 1e-6)
    }

    @Test("random is reproducible for a seed and distinct")
    func random() {
        let input = QueryInput(pool: pool(100))
        let a = RandomStrategy().select(input, count: 10, seed: 3)
        #expect(a == RandomStrategy().select(input, count: 10, seed: 3))
        #expect(Set(a.map(\.index)).count == 10)
        #expect(a != RandomStrategy().select(input, count: 10, seed: 4))
    }

    @Test("every strategy can be named by its raw value")
    func names() {
        #expect(QueryStrategyName(rawValue: "least-confidence") == .leastConfidence)
        #expect(QueryStrategyName(rawValue: "score-difference") == .scoreDifference)
        #expect(QueryStrategyName.allCases.count == 6)
        for name in QueryStrategyName.allCases {
            #expect(name.makeStrategy().select(QueryInput(pool: pool(20)), count: 5, seed: 1).count == 5)
        }
    }
}

/// Looks rows up by matching them against a tagged copy of the pool, so EEQ's sub-matrices
/// can be traced back to pool rows for `FixedClassifier`.
struct ModelOnTags: Classifier {
    var inner: FixedClassifier
    var tags: Matrix
    var classCount: Int { inner.classCount }
    mutating func fit(_ data: TrainingSet) throws {}
    func predictProbabilities(_ features: Matrix) -> Matrix {
        let rows = (0 ..< features.rows).map { r in
            let row = features.row(r)
            let i = (0 ..< tags.rows).first { t in Array(row.dropFirst()) == Array(tags.row(t).dropFirst()) }!
            return inner.table[Int(tags[i, 0])]!
        }
        return Matrix(stacking: rows)
    }
}
