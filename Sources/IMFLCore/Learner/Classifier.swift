import IMFLNumerics

/// Labeled vectors to train on: one row per label, with the fidelity it counts as.
public struct TrainingSet: Sendable {
    /// n × d embeddings.
    public var features: Matrix
    /// Class index of each row, in `0 ..< classCount`.
    public var labels: [Int]
    /// Fidelity of each row's label.
    public var fidelities: [Fidelity]
    /// The annotator's probability for each row's label, when it reported one (LLM labels);
    /// what a confidence threshold or band reads.
    public var confidences: [Double?]
    /// A factor on the LLM labels' mean loss, beside the learner's own fidelity weights: how
    /// much the session trusts this annotator (see `LLMLabelUse.weighted`).
    public var llmWeight: Double
    /// P(LLM says j | true class i): when set, LLM labels train through the forward loss
    /// correction (see `LLMLabelUse.forward`).
    public var noiseTransition: [[Double]]?

    public init(features: Matrix, labels: [Int], fidelities: [Fidelity], confidences: [Double?]? = nil,
                llmWeight: Double = 1, noiseTransition: [[Double]]? = nil) {
        self.features = features
        self.labels = labels
        self.fidelities = fidelities
        self.confidences = confidences ?? Array(repeating: nil, count: labels.count)
        self.llmWeight = llmWeight
        self.noiseTransition = noiseTransition
    }

    /// The rows of one fidelity.
    public func subset(_ fidelity: Fidelity) -> TrainingSet {
        subset(rows: fidelities.indices.filter { fidelities[$0] == fidelity })
    }

    /// The given rows, in order.
    public func subset(rows: [Int]) -> TrainingSet {
        TrainingSet(features: features.rows(rows), labels: rows.map { labels[$0] },
                    fidelities: rows.map { fidelities[$0] }, confidences: rows.map { confidences[$0] },
                    llmWeight: llmWeight, noiseTransition: noiseTransition)
    }

    public var count: Int { labels.count }
}

/// Why a classifier could not be trained.
public enum LearnerError: Error, Equatable, CustomStringConvertible {
    case noLabels
    case labelOutOfRange(row: Int, label: Int, classes: Int)
    case dimensionMismatch(expected: Int, got: Int)

    public var description: String {
        switch self {
        case .noLabels: "no labels to train on"
        case let .labelOutOfRange(row, label, classes): "label \(label) of row \(row) is not one of \(classes) classes"
        case let .dimensionMismatch(expected, got): "expected \(expected)-dimensional vectors, got \(got)"
        }
    }
}

/// A classifier over embeddings. The default is softmax regression; a stronger learner (an
/// MLP, an external fine-tuning process) plugs in behind the same two calls.
public protocol Classifier: Sendable {
    /// Number of classes the probabilities cover (the session's label set).
    var classCount: Int { get }
    /// Trains on `data`, replacing what was learned before. Deterministic for equal input.
    mutating func fit(_ data: TrainingSet) throws
    /// p(c|x) for every row of `features`: a rows × classCount matrix whose rows sum to 1.
    /// Before the first `fit` every class is equally likely.
    func predictProbabilities(_ features: Matrix) -> Matrix
}

extension Classifier {
    /// The most likely class of every row.
    public func predict(_ features: Matrix) -> [Int] {
        let p = predictProbabilities(features)
        return (0 ..< p.rows).map { i in
            var best = 0
            for j in 1 ..< max(p.cols, 1) where p[i, j] > p[i, best] { best = j }
            return best
        }
    }
}
