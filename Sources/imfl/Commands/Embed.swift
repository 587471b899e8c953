import ArgumentParser
import Foundation
import IMFLCore
import IMFLNumerics

/// `imfl embed FOLDER` fills a session's embedding cache; `imfl embed --in texts.jsonl --out
/// vectors.jsonl` gives Sentence-BERT vectors for any texts, so they can be reused elsewhere or
/// checked against sentence-transformers.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts with all-MiniLM-L6-v2 (384-d, unit length).",
        discussion: """
            With a session folder, embeds every item that has no vector yet, committing each \
            batch, so an interrupted run resumes where it stopped. With --in and --out, reads \
            one {"id", "text"} JSON object per line and writes one {"id", "embedding"} line per \
            text, in the same order.
            """
    )

    @Argument(help: "A session folder whose items to embed.")
    var folder: String?

    @Option(name: [.customLong("in")], help: "JSONL file of {\"id\", \"text\"} lines.")
    var input: String?

    @Option(name: [.customLong("out")], help: "JSONL file to write {\"id\", \"embedding\"} lines to.")
    var output: String?

    @Option(help: "Directory holding model.safetensors and vocab.txt (default: IMFL_MINILM_DIR, then imfl's venv).")
    var model: String?

    @Option(help: "Texts per batch; progress is reported after each.")
    var batchSize: Int = 256

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        switch (folder, input, output) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, _, _): throw ValidationError("give either a session folder or --in and --out, not both")
        default: throw ValidationError("give a session folder, or both --in and --out")
        }
    }

    func run() async throws {
        if let folder { return try embedSession(folder) }
        guard let input, let output else { return }
        do {
            let records = try EmbeddingJSONL.readTexts(URL(fileURLWithPath: input))
            let embedder = try MiniLMEmbedder(modelDirectory: model)
            var values: [Float] = []
            values.reserveCapacity(records.count * embedder.dimension)
            let bar = ProgressBar("embedding")
            try embedder.embed(records.map(\.text), batchSize: batchSize) { range, vectors in
                values += vectors.values
                bar.update(range.upperBound, of: records.count)
            }
            let vectors = Matrix(rows: records.count, cols: embedder.dimension, values: values)
            try EmbeddingJSONL.writeVectors(records, vectors, to: URL(fileURLWithPath: output))
        } catch let error as CustomStringConvertible & Error {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}

extension Embed {
    /// Embeds a session's missing items with a progress bar.
    func embedSession(_ folder: String) throws {
        let session = try Session.openChecked(folder)
        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: model ?? session.config.embedder.path)
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        let job = SessionEmbedding(database: try session.database, embedder: embedder, batchSize: batchSize)
        let bar = ProgressBar("embedding")
        let started = Date()
        let count = try job.run { done, total in bar.update(done, of: total) }
        let seconds = Date().timeIntervalSince(started)
        print(count == 0
              ? "every item of \(folder) already has a vector (\(embedder.modelID))"
              : "embedded \(count) items in \(String(format: "%.1f", seconds)) s (\(embedder.modelID))")
    }
}
