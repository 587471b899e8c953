import Foundation
import IMFLNumerics

/// A problem with an exported model folder; names the file.
public struct ExportedModelError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}

/// The classifier a session takes home, in a form any numpy program can load: softmax
/// regression on the sentence vectors of a named embedder.
///
/// On disk (`imfl model export`): `model.safetensors` holds `weight` (C × d, so that
/// `logits = x · weightᵀ + bias`, the layout of a PyTorch `Linear`), `bias` (C) and
/// `temperature` (1), all float32; `config.json` holds the labels in class order, the
/// embedder (name, SHA-256 of its weights file, dimension, pooling, normalisation) and the
/// imfl version. p(c|x) = softmax((x · weightᵀ + bias) / temperature) for a unit-length
/// mean-pooled vector x. The weights are stored at the precision the classifier predicts
/// with (float32), so a model loaded back predicts exactly as the session's did.
///
///     let model = try ExportedModel.load(from: URL(fileURLWithPath: "fpb-model"))
///     let p = model.classifier.predictProbabilities(vectors)   // rows × labels.count
public struct ExportedModel: Sendable {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"
    public static let cardFile = "README.md"
    /// The `format` value of config.json; another value is refused on load.
    public static let format = "imfl-softmax-regression"

    /// Which sentence vectors the classifier expects.
    public struct EmbedderIdentity: Sendable, Equatable, Codable {
        /// The embedder's model id (`Embedder.modelID`), e.g. all-MiniLM-L6-v2.
        public var name: String
        /// SHA-256 of the embedder's weights file, in hex, so a user can check that the
        /// encoder they run is the one the classifier was trained on.
        public var sha256: String
        public var dimension: Int
        /// How token vectors become one sentence vector.
        public var pooling: String
        /// Whether the sentence vector is scaled to unit L2 norm.
        public var normalize: Bool

        public init(name: String, sha256: String, dimension: Int, pooling: String = "mean", normalize: Bool = true) {
            self.name = name
            self.sha256 = sha256
            self.dimension = dimension
            self.pooling = pooling
            self.normalize = normalize
        }

        /// The identity of a MiniLM model folder: its name and the hash of its weights file.
        /// - Throws: `ExportedModelError` when the weights file cannot be read.
        public static func of(_ embedder: MiniLMEmbedder) throws -> EmbedderIdentity {
            let url = embedder.directory.appending(path: "model.safetensors")
            guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else {
                throw ExportedModelError(path: url.path, problem: "cannot be read to hash the embedder's weights")
            }
            return EmbedderIdentity(name: embedder.modelID, sha256: SHA256.hex(of: data), dimension: embedder.dimension)
        }
    }

    /// The labels in class order: class i of `classifier` is `labels[i]`.
    public var labels: [String]
    public var embedder: EmbedderIdentity
    public var classifier: SoftmaxRegression
    /// The imfl version that wrote the model.
    public var imflVersion: String

    public init(labels: [String], embedder: EmbedderIdentity, classifier: SoftmaxRegression, imflVersion: String = IMFL.version) {
        precondition(labels.count == classifier.classCount && embedder.dimension == classifier.dimension)
        self.labels = labels
        self.embedder = embedder
        self.classifier = classifier
        self.imflVersion = imflVersion
    }

    /// The contents of config.json.
    struct Config: Codable, Equatable {
        var format: String
        var imflVersion: String
        var labels: [String]
        var embedder: EmbedderIdentity
        /// How to compute the probabilities, in words, for a reader of the file.
        var probabilities: String

        enum CodingKeys: String, CodingKey {
            case format, labels, embedder, probabilities
            case imflVersion = "imfl_version"
        }
    }

    /// Writes model.safetensors and config.json into `directory` (created if needed).
    /// - Throws: `ExportedModelError` when the classifier was never fitted, file errors.
    public func write(to directory: URL) throws {
        guard let (w, b) = classifier.weightsAndBias else {
            throw ExportedModelError(path: directory.path, problem: "the classifier has not been trained; label and finish a round first")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let c = w.cols, d = w.rows
        var transposed = [Float](repeating: 0, count: c * d)
        for i in 0 ..< d { for j in 0 ..< c { transposed[j * d + i] = w.values[i * c + j] } }
        let tensors = [
            SafeTensorsFile.Tensor(name: "weight", shape: [c, d], values: transposed),
            SafeTensorsFile.Tensor(name: "bias", shape: [c], values: b.map { Float($0) }),
            SafeTensorsFile.Tensor(name: "temperature", shape: [1], values: [Float(classifier.temperature)]),
        ]
        try SafeTensorsFile.data(tensors, metadata: ["format": Self.format])
            .write(to: directory.appending(path: Self.weightsFile), options: .atomic)
        let config = Config(
            format: Self.format, imflVersion: imflVersion, labels: labels, embedder: embedder,
            probabilities: "softmax((x · weightᵀ + bias) / temperature), x the \(embedder.pooling)-pooled\(embedder.normalize ? ", L2-normalised" : "") \(embedder.name) vector")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(config).write(to: directory.appending(path: Self.configFile), options: .atomic)
    }

    /// Reads a folder written by `write(to:)`.
    /// - Throws: `ExportedModelError` or `SafeTensorsError` naming the file and the problem:
    ///   missing, not this format, tensors whose shapes disagree with the labels or the embedder.
    public static func load(from directory: URL) throws -> ExportedModel {
        let configURL = directory.appending(path: configFile)
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw ExportedModelError(path: configURL.path, problem: "missing; is \(directory.path) a folder written by `imfl model export`?")
        }
        let config: Config
        do {
            config = try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw ExportedModelError(path: configURL.path, problem: "not an imfl model configuration (\(error))")
        }
        guard config.format == format else {
            throw ExportedModelError(path: configURL.path, problem: "format is \"\(config.format)\", expected \"\(format)\"")
        }
        guard config.labels.count >= 2, config.embedder.dimension > 0 else {
            throw ExportedModelError(path: configURL.path, problem: "needs at least 2 labels and a positive embedder dimension")
        }
        let file = try SafeTensorsFile(contentsOf: directory.appending(path: weightsFile))
        let c = config.labels.count, d = config.embedder.dimension
        let weight = try file.floats("weight", shape: [c, d])
        let bias = try file.floats("bias", shape: [c])
        let temperature = try file.floats("temperature", shape: [1])[0]
        guard temperature > 0, temperature.isFinite else {
            throw ExportedModelError(path: file.url.path, problem: "temperature is \(temperature), expected a positive number")
        }
        var w = Matrix(rows: d, cols: c)
        for j in 0 ..< c { for i in 0 ..< d { w.values[i * c + j] = weight[j * d + i] } }
        let classifier = SoftmaxRegression(weights: w, bias: bias.map(Double.init), temperature: Double(temperature))
        return ExportedModel(labels: config.labels, embedder: config.embedder, classifier: classifier, imflVersion: config.imflVersion)
    }
}
