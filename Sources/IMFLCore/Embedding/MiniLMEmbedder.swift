import Foundation
import IMFLNumerics

/// A model file that exists but does not describe all-MiniLM-L6-v2 as imfl expects.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}

/// Sentence-BERT all-MiniLM-L6-v2 (Reimers & Gurevych 2019; Wang et al. 2020, MiniLM) run in
/// Swift on OpenBLAS: WordPiece tokens, the 6-layer BERT encoder, mean pooling over the tokens
/// and L2 normalisation, matching sentence-transformers' output (cosine ≥ 0.9999).
///
///     let embedder = try MiniLMEmbedder()                  // finds the model, see ModelLocator
///     let vectors = try embedder.embed(["Profit rose 5 %."])  // 1 × 384
public final class MiniLMEmbedder: Embedder {
    public let modelID = "all-MiniLM-L6-v2"
    public let dimension: Int
    public let directory: URL
    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder
    /// How the forward pass uses the cores; `.split(workers: 2)` measured fastest here.
    public let threading: EncoderThreading

    /// The hidden size of all-MiniLM-L6-v2; a model of another width is refused.
    public static let expectedDimension = 384

    /// Loads the model found by `ModelLocator` (an explicit directory first when given).
    /// - Throws: `ModelNotFoundError` with the command to run, or the errors of `init(directory:)`.
    public convenience init(
        modelDirectory explicit: String? = nil, locator: ModelLocator = ModelLocator(),
        threading: EncoderThreading = MiniLMEmbedder.defaultThreading
    ) throws {
        try self.init(directory: locator.locate(explicit: explicit), threading: threading)
    }

    /// Loads `config.json`, `vocab.txt` and `model.safetensors` from `directory`.
    /// - Throws: `ModelFileError`, `VocabularyError` or `SafeTensorsError`, each naming the
    ///   file and the problem (missing, truncated, wrong shape, wrong dimension).
    public init(directory: URL, threading: EncoderThreading = MiniLMEmbedder.defaultThreading) throws {
        let configuration = try Self.readConfiguration(directory.appending(path: "config.json"))
        let vocabularyURL = directory.appending(path: "vocab.txt")
        let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabularyURL, maxLength: 256)
        guard tokenizer.vocabularySize == configuration.vocabularySize else {
            throw ModelFileError(
                path: vocabularyURL.path,
                problem: "has \(tokenizer.vocabularySize) tokens but the model's vocab_size is \(configuration.vocabularySize)")
        }
        let file = try SafeTensorsFile(contentsOf: directory.appending(path: "model.safetensors"))
        let weights = try BertWeights.load(configuration) { name, shape in
            try file.floats(name, shape: shape)
        }
        do {
            encoder = try BertEncoder(configuration: configuration, weights: weights)
        } catch let error as BertEncoderError {
            throw ModelFileError(path: file.url.path, problem: error.description)
        }
        self.directory = directory
        self.tokenizer = tokenizer
        self.dimension = configuration.hiddenSize
        self.threading = threading
    }

    /// Two workers with OpenBLAS at one thread each, or one per core when there are more.
    public static var defaultThreading: EncoderThreading {
        .split(workers: max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    public func embed(_ texts: [String]) throws -> Matrix {
        try encoder.encode(texts.map(tokenizer.encode), threading: threading)
    }

    /// Embeds texts already turned into token ids by `tokenizer`.
    public func embed(tokenized: [[Int32]]) throws -> Matrix {
        try encoder.encode(tokenized, threading: threading)
    }

    /// Reads the BERT shape from `config.json`, refusing a model that is not 384 wide. Without
    /// the file, the shape of all-MiniLM-L6-v2 is assumed (the tensor shapes are still checked).
    static func readConfiguration(_ url: URL) throws -> BertConfiguration {
        if !FileManager.default.fileExists(atPath: url.path) { return .miniLML6 }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFileError(path: url.path, problem: "is not a JSON object")
        }
        var c = BertConfiguration.miniLML6
        func int(_ key: String, _ keyPath: WritableKeyPath<BertConfiguration, Int>) throws {
            guard let value = json[key] else { return }
            guard let number = (value as? NSNumber)?.intValue, number > 0 else {
                throw ModelFileError(path: url.path, problem: "\(key) is not a positive integer")
            }
            c[keyPath: keyPath] = number
        }
        try int("vocab_size", \.vocabularySize)
        try int("hidden_size", \.hiddenSize)
        try int("num_hidden_layers", \.layerCount)
        try int("num_attention_heads", \.headCount)
        try int("intermediate_size", \.intermediateSize)
        try int("max_position_embeddings", \.maxPositions)
        try int("type_vocab_size", \.typeVocabularySize)
        if let eps = (json["layer_norm_eps"] as? NSNumber)?.floatValue { c.layerNormEpsilon = eps }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw ModelFileError(path: url.path, problem: "hidden_act is \(act), only gelu is supported")
        }
        guard c.hiddenSize == expectedDimension else {
            throw ModelFileError(
                path: url.path,
                problem: "hidden_size is \(c.hiddenSize), expected \(expectedDimension) for all-MiniLM-L6-v2")
        }
        guard c.hiddenSize % c.headCount == 0 else {
            throw ModelFileError(path: url.path, problem: "hidden_size \(c.hiddenSize) is not a multiple of num_attention_heads \(c.headCount)")
        }
        return c
    }
}
