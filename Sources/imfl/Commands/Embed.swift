import ArgumentParser
import Foundation
import IMFLCore
import IMFLNumerics

/// `imfl embed --in texts.jsonl --out vectors.jsonl`: Sentence-BERT vectors for any texts,
/// so they can be reused elsewhere or checked against sentence-transformers.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with all-MiniLM-L6-v2 (384-d, unit length).",
        discussion: """
            Reads one {"id", "text"} JSON object per line and writes one {"id", "embedding"} \
            line per text, in the same order.
            """
    )

    @Option(name: [.customLong("in")], help: "JSONL file of {\"id\", \"text\"} lines.")
    var input: String

    @Option(name: [.customLong("out")], help: "JSONL file to write {\"id\", \"embedding\"} lines to.")
    var output: String

    @Option(help: "Directory holding model.safetensors and vocab.txt (default: IMFL_MINILM_DIR, then imfl's venv).")
    var model: String?

    @Option(help: "Texts per batch; progress is reported after each.")
    var batchSize: Int = 256

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        do {
            let records = try EmbeddingJSONL.readTexts(URL(fileURLWithPath: input))
            let embedder = try MiniLMEmbedder(modelDirectory: model)
            var values: [Float] = []
            values.reserveCapacity(records.count * embedder.dimension)
            try embedder.embed(records.map(\.text), batchSize: batchSize) { range, vectors in
                values += vectors.values
                FileHandle.standardError.write(Data("\rembedded \(range.upperBound)/\(records.count)".utf8))
            }
            if !records.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
            let vectors = Matrix(rows: records.count, cols: embedder.dimension, values: values)
            try EmbeddingJSONL.writeVectors(records, vectors, to: URL(fileURLWithPath: output))
        } catch let error as CustomStringConvertible & Error {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
