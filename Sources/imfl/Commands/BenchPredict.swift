import ArgumentParser
import Foundation
import IMFLCore

/// `imfl bench predict`: how many items per second `imfl predict` labels on this machine.
struct BenchPredict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Measure imfl predict end to end (read, embed with MiniLM, classify, write) in items/s.",
        discussion: """
            Predicts the first --count texts of ../shared/data/fpb_50agree/pool.jsonl (or \
            generated ~25-word sentences) into a temporary file and prints the median items/s. \
            The encoder bounds it: compare with `imfl bench embed --encoder-only`.
            """
    )

    @Option(help: "JSONL file whose first texts are predicted (default: fpb_50agree pool under IMFL_SHARED or ../shared).")
    var sentences: String?

    @Option(help: "How many texts to predict.")
    var count: Int = 2000

    @Option(help: "Timed runs; the median is reported.")
    var runs: Int = 3

    @Option(help: "Texts per batch.")
    var batchSize: Int = 256

    @Option(help: "Directory holding model.safetensors and vocab.txt.")
    var model: String?

    func validate() throws {
        guard count > 0, runs > 0, batchSize > 0 else { throw ValidationError("--count, --runs and --batch-size must be positive") }
        if let sentences, !FileManager.default.fileExists(atPath: sentences) {
            throw ValidationError("--sentences: \(sentences) does not exist")
        }
    }

    func run() async throws {
        do {
            let file = sentences.map { URL(fileURLWithPath: $0) } ?? EmbeddingBenchmark.defaultSentenceFile()
            let (texts, source) = try EmbeddingBenchmark.sentences(count: count, from: file)
            let embedder = try MiniLMEmbedder(modelDirectory: model)
            let report = try PredictionBenchmark.run(embedder, texts: texts, source: source, batchSize: batchSize, runs: runs)
            for line in report.lines { print(line) }
        } catch let error as CustomStringConvertible & Error {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}
