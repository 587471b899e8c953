import Dispatch
import Foundation
import IMFLNumerics

/// The measurement behind `imfl bench predict`: `imfl predict`'s whole path (read the file,
/// embed, classify, write the rows) on the real encoder, in items per second.
public enum PredictionBenchmark {
    public struct Report: Sendable {
        public let items: Int
        public let batchSize: Int
        public let seconds: [Double]
        public let source: String

        public var itemsPerSecond: Double { Double(items) / EmbeddingBenchmark.median(seconds) }

        public var lines: [String] {
            ["texts: \(source)",
             String(format: "predict: %.1f items/s end to end (%d items in batches of %d, median of %d runs, %.2f s each)",
                    itemsPerSecond, items, batchSize, seconds.count, EmbeddingBenchmark.median(seconds))]
        }
    }

    /// Predicts `texts` into a fresh file `runs` times. The classifier has random weights:
    /// its cost does not depend on what it learned, and the encoder dominates anyway.
    public static func run(_ embedder: MiniLMEmbedder, texts: [String], source: String, labels: Int = 3,
                           batchSize: Int = 256, runs: Int = 3) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appending(path: "imfl-bench-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appending(path: "texts.jsonl")
        try EmbeddingJSONL.writeTexts(texts.enumerated().map { .init(id: .integer($0.offset), text: $0.element) }, to: input)
        var rng = SeededGenerator(seed: 16)
        let weights = Matrix(rows: embedder.dimension, cols: labels,
                             values: (0 ..< embedder.dimension * labels).map { _ in Float(rng.gaussian()) })
        let prediction = BatchPrediction(
            labels: (0 ..< labels).map { "label\($0)" },
            classifier: SoftmaxRegression(weights: weights, bias: Array(repeating: 0, count: labels), temperature: 1),
            embedder: embedder, batchSize: batchSize)
        _ = try embedder.embed(Array(texts.prefix(32)))
        var seconds = [Double]()
        for run in 0 ..< max(1, runs) {
            let output = directory.appending(path: "out-\(run).jsonl").path
            let start = DispatchTime.now().uptimeNanoseconds
            let summary = try prediction.run(input: input.path, output: output)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            precondition(summary.written == texts.count, "every benchmark text is predicted")
        }
        return Report(items: texts.count, batchSize: batchSize, seconds: seconds, source: source)
    }
}
