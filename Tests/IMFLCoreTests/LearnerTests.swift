import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Softmax regression")
struct LearnerTests {
    func noCalibration(l2: Double = 1e-3) -> SoftmaxRegression.Configuration {
        .init(l2: l2, calibrate: false)
    }

    @Test("reaches the closed-form optimum of a separable two-point problem")
    func closedFormOptimum() throws {
        // Given x = +1 labeled 1 and x = −1 labeled 0 with λ = 0.1. By symmetry b₀ = b₁ and
        // w₀ = −w₁, so with δ = w₁ − w₀ the objective is log(1 + e^−δ) + λδ²/4 and its
        // minimum solves λδ/2 = σ(−δ); bisection finds δ*.
        let lambda = 0.1
        var lo = 0.0, hi = 100.0
        for _ in 0 ..< 200 {
            let mid = (lo + hi) / 2
            if lambda * mid / 2 - 1 / (1 + exp(mid)) < 0 { lo = mid } else { hi = mid }
        }
        let deltaStar = (lo + hi) / 2
        let data = TrainingSet(features: Matrix(stacking: [[1], [-1]]), labels: [1, 0], fidelities: [.human, .human])
        // When fitted
        var model = SoftmaxRegression(classes: 2, dimension: 1, configuration: noCalibration(l2: lambda))
        try model.fit(data)
        // Then the weights match the optimum, and both points are classified correctly
        let delta = model.parameters[1] - model.parameters[0]
        #expect(abs(delta - deltaStar) < 1e-4, "δ = \(delta), δ* = \(deltaStar)")
        #expect(abs(model.parameters[0] + model.parameters[1]) < 1e-5)
        #expect(model.predict(data.features) == [1, 0])
    }

    @Test("on a separable clustered set the gradient vanishes at the fitted weights")
    func gradientZeroOnSeparableSet() throws {
        // Given 300 points in 6 well-separated blobs, 3 classes
        let synthetic = Synthetic(points: 300, clusters: 6, classes: 3, spread: 0.03)
        let data = TrainingSet(features: synthetic.vectors, labels: synthetic.labels,
                               fidelities: Array(repeating: .human, count: 300))
        var model = SoftmaxRegression(classes: 3, dimension: 16, configuration: noCalibration())
        // When fitted
        try model.fit(data)
        // Then the gradient of the objective is (numerically) zero and training accuracy is 1
        var gradient = [Double]()
        _ = model.objective(data, gradient: &gradient)
        let gInf = gradient.reduce(0) { max($0, abs($1)) }
        #expect(gInf < 1e-4, "‖∇f‖∞ = \(gInf), stop \(model.lastFit.map(\.stop))")
        #expect(model.predict(data.features) == synthetic.labels)
        // And a second fit gives bit-identical weights
        var again = SoftmaxRegression(classes: 3, dimension: 16, configuration: noCalibration())
        try again.fit(data)
        #expect(again.parameters == model.parameters)
    }

    @Test("the IMFL loss weighs each fidelity's mean, not each label",
          arguments: [(1.0, 0.5), (3.0, 0.75)])
    func fidelityMeans(humanWeight: Double, expected: Double) throws {
        // Given one point at the origin (only the unpenalised bias matters): 1 expert label
        // says class 0, 9 LLM labels say class 1
        let data = TrainingSet(
            features: Matrix(rows: 10, cols: 2), labels: [0] + Array(repeating: 1, count: 9),
            fidelities: [.human] + Array(repeating: .llm, count: 9))
        var config = noCalibration()
        config.humanWeight = humanWeight
        var model = SoftmaxRegression(classes: 2, dimension: 2, configuration: config)
        // When fitted
        try model.fit(data)
        // Then p(0) = w_h / (w_h + w_g): the lone expert label counts as much as all LLM labels
        let p = model.predictProbabilities(Matrix(rows: 1, cols: 2))
        #expect(abs(Double(p[0, 0]) - expected) < 1e-4)
    }

    @Test("the log-confidence loss sharpens a weak majority to its closed-form optimum")
    func logConfidence() throws {
        // Given 6 LLM labels of class 0 and 4 of class 1 at the origin, confidence weight a = 0.5
        let data = TrainingSet(features: Matrix(rows: 10, cols: 2), labels: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
                               fidelities: Array(repeating: .llm, count: 10))
        var config = noCalibration()
        config.confidenceWeight = 0.5
        var model = SoftmaxRegression(classes: 2, dimension: 2, configuration: config)
        try model.fit(data)
        // Then p maximises 0.5(0.6 log p + 0.4 log(1−p)) + 0.5 log p, i.e. p = 0.8 (not 0.6)
        let p = model.predictProbabilities(Matrix(rows: 1, cols: 2))
        #expect(abs(Double(p[0, 0]) - 0.8) < 1e-3, "p = \(p[0, 0])")
    }

    @Test("sequential training keeps what the LLM labels taught where experts are silent")
    func sequential() throws {
        // Given LLM labels on blobs 0–2 and expert labels on blobs 3–5 only
        let synthetic = Synthetic(points: 120, clusters: 6, classes: 3, spread: 0.03)
        let fidelities: [Fidelity] = synthetic.blob.map { $0 < 3 ? .llm : .human }
        let data = TrainingSet(features: synthetic.vectors, labels: synthetic.labels, fidelities: fidelities)
        var config = noCalibration(l2: 1e-2)
        config.training = .sequential
        var model = SoftmaxRegression(classes: 3, dimension: 16, configuration: config)
        // When fitted sequentially
        try model.fit(data)
        // Then there were two stages and the weak stage's blobs are still predicted right
        #expect(model.lastFit.count == 2)
        let weakRows = synthetic.blob.indices.filter { synthetic.blob[$0] < 3 }
        let predicted = model.predict(synthetic.vectors.rows(weakRows))
        #expect(predicted == weakRows.map { synthetic.labels[$0] })
        // While a model fitted on the expert labels alone does not know those blobs as well
        var humanOnly = SoftmaxRegression(classes: 3, dimension: 16, configuration: noCalibration(l2: 1e-2))
        try humanOnly.fit(data.subset(.human))
        let p1 = model.predictProbabilities(synthetic.vectors.rows(weakRows))
        let p2 = humanOnly.predictProbabilities(synthetic.vectors.rows(weakRows))
        let mean1 = weakRows.indices.reduce(0.0) { $0 + Double(p1[$1, synthetic.labels[weakRows[$1]]]) }
        let mean2 = weakRows.indices.reduce(0.0) { $0 + Double(p2[$1, synthetic.labels[weakRows[$1]]]) }
        #expect(mean1 > mean2)
    }

    @Test("temperature scaling recovers the temperature of over-confident logits")
    func temperature() {
        // Given logits [10 ln 3, 0] on 100 rows where class 0 is right 75 times
        let logits = Matrix(stacking: Array(repeating: [Float(10 * log(3.0)), 0], count: 100))
        let labels = Array(repeating: 0, count: 75) + Array(repeating: 1, count: 25)
        // Then softmax(logits / T) = 0.75 needs T = 10
        #expect(abs(SoftmaxRegression.fitTemperature(logits: logits, labels: labels) - 10) < 1e-3)
    }

    @Test("calibration kicks in from the documented number of expert labels")
    func calibrationThreshold() throws {
        let synthetic = Synthetic(points: 60, clusters: 3, classes: 3, spread: 0.5)
        let data = TrainingSet(features: synthetic.vectors, labels: synthetic.labels,
                               fidelities: Array(repeating: .human, count: 60))
        var model = SoftmaxRegression(classes: 3, dimension: 16)
        try model.fit(data.subset(rows: Array(0 ..< 49)))
        #expect(model.temperature == 1)
        try model.fit(data)
        #expect(model.temperature != 1)
    }

    @Test("bad training input is reported, not trapped")
    func errors() {
        var model = SoftmaxRegression(classes: 2, dimension: 2)
        #expect(throws: LearnerError.noLabels) { try model.fit(TrainingSet(features: Matrix(rows: 0, cols: 2), labels: [], fidelities: [])) }
        #expect(throws: LearnerError.labelOutOfRange(row: 0, label: 5, classes: 2)) {
            try model.fit(TrainingSet(features: Matrix(rows: 1, cols: 2), labels: [5], fidelities: [.human]))
        }
        #expect(throws: LearnerError.dimensionMismatch(expected: 2, got: 3)) {
            try model.fit(TrainingSet(features: Matrix(rows: 1, cols: 3), labels: [0], fidelities: [.human]))
        }
        // An unfitted model is uniform
        #expect(model.predictProbabilities(Matrix(rows: 1, cols: 2)).values == [0.5, 0.5])
    }
}
