import Foundation
import IMFLNumerics

/// Multinomial logistic regression on frozen embeddings, fitted with L-BFGS, with the IMFL
/// multi-fidelity loss and the weak-to-strong options of Mallen & Belrose.
///
/// The IMFL loss (Zhang et al., arXiv 2310.20153) is the mean loss over expert labels plus the
/// mean loss over LLM labels, so 200 expert labels are not drowned by 800 LLM labels; each
/// mean is multiplied by its fidelity's weight. Expert overrides of LLM labels count as expert
/// labels.
public struct SoftmaxRegression: Classifier {
    /// How expert and LLM labels are combined.
    public enum Training: String, Sendable, Codable, CaseIterable {
        /// One fit on the IMFL loss over all labels.
        case joint
        /// Mallen & Belrose (arXiv 2410.13215): fit on the LLM labels first, then on the expert
        /// labels starting from the weak weights. The loss is convex, so a warm start alone
        /// would be forgotten at the optimum; the second stage's L2 penalty is therefore
        /// centred on the weak weights, (λ/2)‖W − W_weak‖², which keeps what the LLM labels
        /// taught wherever the expert labels are silent.
        case sequential
    }

    public struct Configuration: Sendable, Equatable, Codable {
        /// λ of the L2 penalty relative to the (mean) loss. scikit-learn's C corresponds to
        /// λ = 1 / (C · n) for n equally weighted labels.
        public var l2: Double = 1e-3
        /// Weight of each fidelity's mean loss.
        public var humanWeight: Double = 1
        public var llmWeight: Double = 1
        public var training: Training = .joint
        /// Weight a of the log-confidence auxiliary loss on LLM labels,
        /// −(1 − a) log p(y) − a log max_c p(c): it lets the model disagree with a weak label
        /// it is confident about (Mallen & Belrose; Burns et al. 2023). 0 turns it off.
        public var confidenceWeight: Double = 0
        /// Fit a temperature on held-out expert labels (see `minimumCalibrationLabels`).
        public var calibrate: Bool = true
        /// Temperature scaling needs held-out expert labels; below this many expert labels the
        /// held-out fifth (< 10 labels) would give a temperature noisier than none, so T = 1.
        public var minimumCalibrationLabels: Int = 50
        public var maxIterations: Int = 300
        public var seed: UInt64 = 0

        public init(l2: Double = 1e-3, humanWeight: Double = 1, llmWeight: Double = 1,
                    training: Training = .joint, confidenceWeight: Double = 0, calibrate: Bool = true,
                    minimumCalibrationLabels: Int = 50, maxIterations: Int = 300, seed: UInt64 = 0) {
            self.l2 = l2
            self.humanWeight = humanWeight
            self.llmWeight = llmWeight
            self.training = training
            self.confidenceWeight = confidenceWeight
            self.calibrate = calibrate
            self.minimumCalibrationLabels = minimumCalibrationLabels
            self.maxIterations = maxIterations
            self.seed = seed
        }
    }

    public let classCount: Int
    public let dimension: Int
    public var configuration: Configuration
    /// d × C weights followed by C biases; empty before the first fit.
    public private(set) var parameters: [Double] = []
    /// Softmax temperature applied to the logits (1 until calibrated).
    public private(set) var temperature: Double = 1
    /// The optimiser's report for each stage of the last fit.
    public private(set) var lastFit: [LBFGS.Result] = []

    public init(classes: Int, dimension: Int, configuration: Configuration = Configuration()) {
        classCount = classes
        self.dimension = dimension
        self.configuration = configuration
    }

    /// A fitted model from its parts, as `ExportedModel` stores them, so that an exported
    /// model predicts exactly as the session's did.
    /// - Parameters:
    ///   - weights: d × C, row-major.
    ///   - bias: C values.
    public init(weights: Matrix, bias: [Double], temperature: Double, configuration: Configuration = Configuration()) {
        precondition(bias.count == weights.cols, "\(bias.count) biases for \(weights.cols) classes")
        self.init(classes: weights.cols, dimension: weights.rows, configuration: configuration)
        parameters = weights.values.map(Double.init) + bias
        self.temperature = temperature
    }

    /// W (d × C) and b of the fitted model; nil before the first fit.
    public var weightsAndBias: (weights: Matrix, bias: [Double])? {
        parameters.isEmpty ? nil : SoftmaxObjective.unpack(parameters, features: dimension, classes: classCount)
    }

    public mutating func fit(_ data: TrainingSet) throws {
        try validate(data)
        temperature = 1
        let humanCount = data.fidelities.filter { $0 == .human }.count
        if configuration.calibrate, humanCount >= configuration.minimumCalibrationLabels {
            // Hold out a fifth of the expert labels, fit, choose T on them, then refit on all.
            var rng = SeededGenerator(seed: configuration.seed, stream: 4)
            let human = data.fidelities.indices.filter { data.fidelities[$0] == .human }
            let held = Set(rng.sample(humanCount / 5, from: humanCount).map { human[$0] })
            let train = data.fidelities.indices.filter { !held.contains($0) }
            let heldRows = held.sorted()
            let partial = fitParameters(data.subset(rows: train))
            let logits = logits(of: data.features.rows(heldRows), parameters: partial.theta)
            let t = Self.fitTemperature(logits: logits, labels: heldRows.map { data.labels[$0] })
            // The loss is convex: starting from the partial fit only saves iterations.
            let full = fitParameters(data, start: partial.theta)
            parameters = full.theta
            lastFit = full.reports
            temperature = t
        } else {
            let full = fitParameters(data)
            parameters = full.theta
            lastFit = full.reports
        }
    }

    public func predictProbabilities(_ features: Matrix) -> Matrix {
        guard !parameters.isEmpty else {
            return Matrix(rows: features.rows, cols: classCount, repeating: 1 / Float(classCount))
        }
        return SoftmaxObjective.probabilities(
            logits: logits(of: features, parameters: parameters), temperature: temperature)
    }

    /// The value of the (joint) IMFL objective at the current parameters, for checks.
    public func objective(_ data: TrainingSet, gradient: inout [Double]) -> Double {
        makeObjective(data, stage: nil, anchor: nil).evaluate(parameters, gradient: &gradient)
    }

    // MARK: - Fitting

    private func fitParameters(_ data: TrainingSet, start: [Double]? = nil) -> (theta: [Double], reports: [LBFGS.Result]) {
        let zero = [Double](repeating: 0, count: (dimension + 1) * classCount)
        let optimizer = LBFGS(maxIterations: configuration.maxIterations, gradientTolerance: 1e-6,
                              functionTolerance: 1e-10)
        func run(_ objective: SoftmaxObjective, from start: [Double]) -> LBFGS.Result {
            optimizer.minimize(from: start) { objective.evaluate($0, gradient: &$1) }
        }
        let hasHuman = data.fidelities.contains(.human), hasLLM = data.fidelities.contains(.llm)
        switch configuration.training {
        case .sequential where hasHuman && hasLLM:
            let weak = run(makeObjective(data.subset(.llm), stage: .llm, anchor: nil), from: zero)
            let strong = run(makeObjective(data.subset(.human), stage: .human, anchor: weak.x), from: weak.x)
            return (strong.x, [weak, strong])
        default:
            let result = run(makeObjective(data, stage: nil, anchor: nil), from: start ?? zero)
            return (result.x, [result])
        }
    }

    /// The objective over `data`: per-fidelity means weighted by the configuration. A
    /// `stage` restricts the sequential fit to one fidelity.
    private func makeObjective(_ data: TrainingSet, stage: Fidelity?, anchor: [Double]?) -> SoftmaxObjective {
        let nh = Double(data.fidelities.filter { $0 == .human }.count)
        let ng = Double(data.fidelities.filter { $0 == .llm }.count)
        let weights = data.fidelities.map { f -> Double in
            switch f {
            case .human: stage == nil ? configuration.humanWeight / nh : 1 / nh
            case .llm: stage == nil ? configuration.llmWeight * data.llmWeight / ng : 1 / ng
            }
        }
        let confidence = data.fidelities.map { $0 == .llm ? configuration.confidenceWeight : 0 }
        return SoftmaxObjective(
            features: data.features, labels: data.labels, sampleWeights: weights,
            confidenceWeights: confidence, classes: classCount, l2: configuration.l2, anchor: anchor,
            transition: data.noiseTransition, corrected: data.fidelities.map { $0 == .llm })
    }

    private func logits(of features: Matrix, parameters: [Double]) -> Matrix {
        let (w, b) = SoftmaxObjective.unpack(parameters, features: dimension, classes: classCount)
        return SoftmaxObjective.logits(features, weights: w, bias: b)
    }

    private func validate(_ data: TrainingSet) throws {
        guard data.count > 0 else { throw LearnerError.noLabels }
        guard data.features.cols == dimension else {
            throw LearnerError.dimensionMismatch(expected: dimension, got: data.features.cols)
        }
        for (row, label) in data.labels.enumerated() where !(0 ..< classCount).contains(label) {
            throw LearnerError.labelOutOfRange(row: row, label: label, classes: classCount)
        }
    }

    /// The temperature T minimising the negative log-likelihood of `labels` under
    /// softmax(logits / T) (Guo et al., 2017), by golden-section search on log T ∈ [log 0.05, log 20].
    static func fitTemperature(logits: Matrix, labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 1 }
        func nll(_ logT: Double) -> Double {
            let p = SoftmaxObjective.probabilities(logits: logits, temperature: exp(logT))
            var total = 0.0
            for (i, y) in labels.enumerated() { total -= log(max(Double(p[i, y]), 1e-12)) }
            return total
        }
        var a = log(0.05), b = log(20.0)
        let ratio = (sqrt(5.0) - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        var fc = nll(c), fd = nll(d)
        for _ in 0 ..< 60 {
            if fc < fd { b = d; d = c; fd = fc; c = b - ratio * (b - a); fc = nll(c) }
            else { a = c; c = d; fc = fd; d = a + ratio * (b - a); fd = nll(d) }
        }
        return exp((a + b) / 2)
    }
}
