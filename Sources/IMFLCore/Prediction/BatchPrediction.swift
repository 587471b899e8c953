import Foundation
import IMFLNumerics

/// What a prediction run did.
public struct PredictionSummary: Sendable, Equatable {
    /// Good input lines, each of which has a row in the output when the run completes.
    public var items: Int
    /// Rows an earlier, interrupted run had written, kept as they were.
    public var resumed: Int
    /// Rows this run wrote.
    public var written: Int
    /// Rows without a label because the top probability was below the threshold (earlier
    /// runs' rows included).
    public var unlabeled: Int
    /// The bad input lines, each skipped: file, line and what is wrong with it.
    public var skipped: [DatasetProblem]
}

/// Labels a file of new texts with a trained classifier: `imfl predict`.
///
/// The input is read with the dataset readers, keeping the good lines and listing every bad
/// one by file and line. The texts are embedded and classified a batch at a time, and each
/// batch's rows are appended to the output before the next starts, so an interrupted run is
/// continued where it stopped (the rows already written must be those of the first good
/// input lines, in order; anything else is refused rather than overwritten). Embedding
/// dominates the time, so the batch size mostly sets how often progress is reported.
///
///     let run = BatchPrediction(labels: model.labels, classifier: model.classifier, embedder: minilm)
///     let summary = try run.run(input: "new.jsonl", output: "predicted.jsonl") { done, total in … }
public struct BatchPrediction: Sendable {
    public var labels: [String]
    public var classifier: any Classifier
    public var embedder: any Embedder
    /// Rows whose top probability is below this get no label (nil: every row is labeled).
    public var minConfidence: Double?
    public var batchSize: Int
    /// The input's format; inferred from its name when nil. The output has the same format.
    public var format: DatasetFormat?
    public var columns: CSVColumns

    public init(labels: [String], classifier: any Classifier, embedder: any Embedder, minConfidence: Double? = nil,
                batchSize: Int = 256, format: DatasetFormat? = nil, columns: CSVColumns = CSVColumns()) {
        precondition(labels.count == classifier.classCount, "\(labels.count) labels for \(classifier.classCount) classes")
        self.labels = labels
        self.classifier = classifier
        self.embedder = embedder
        self.minConfidence = minConfidence
        self.batchSize = max(1, batchSize)
        self.format = format
        self.columns = columns
    }

    /// Predicts every good line of `input` into `output`.
    /// - Parameter progress: rows in the output so far and the rows it will have; called
    ///   after the input is read and after each batch.
    /// - Throws: `DatasetError` when the input cannot be read at all or the output holds
    ///   rows that are not this input's; embedder and file errors.
    public func run(input: String, output: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> PredictionSummary {
        var problems = ProblemList(limit: .max)
        let format = format ?? DatasetFormat.infer(fromPath: input)
        let records = try DatasetImport.read(input, format: format, columns: columns, problems: &problems)
        let file = PredictionFile(path: output, format: format, labels: labels)
        let (done, unlabeledBefore) = try file.resume()
        for (i, id) in done.enumerated() where i >= records.count || records[i].id != id {
            let expected = i < records.count ? "\"\(records[i].id)\" (\(input):\(records[i].line))" : "no row, the input has only \(records.count) good lines"
            throw DatasetError(output, "row \(i + 1) has id \"\(id)\" but this input's row \(i + 1) is \(expected); remove the file or choose another --out to start over")
        }
        if !FileManager.default.fileExists(atPath: output) {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw DatasetError(output, "cannot be created")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        try handle.seekToEnd()
        if done.isEmpty, try handle.offset() == 0, let header = try file.header() { try handle.write(contentsOf: header) }
        var summary = PredictionSummary(items: records.count, resumed: done.count, written: 0,
                                        unlabeled: unlabeledBefore, skipped: problems.problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        progress(done.count, records.count)
        var start = done.count
        while start < records.count {
            let batch = records[start ..< min(start + batchSize, records.count)]
            let vectors = try embedder.embed(batch.map(\.text))
            guard vectors.rows == batch.count, vectors.cols == embedder.dimension else {
                throw EngineError.embedderDimension(expected: embedder.dimension, got: vectors.cols)
            }
            let (rows, unlabeled) = try file.rows(
                ids: batch.map(\.id), probabilities: classifier.predictProbabilities(vectors), minConfidence: minConfidence)
            try handle.write(contentsOf: rows)
            summary.written += batch.count
            summary.unlabeled += unlabeled
            start = batch.endIndex
            progress(start, records.count)
        }
        return summary
    }
}
