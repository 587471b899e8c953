import ArgumentParser
import Foundation
import IMFLCore

/// `imfl predict`: label new texts with a session's classifier or an exported model.
struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label a JSONL or CSV file of new texts with a session's classifier or an exported model.",
        discussion: """
            Writes one row per good input line, in the input's format: id, label, probability \
            and the probability of every label. Bad input lines are listed by file:line and \
            skipped. Rows are appended a batch at a time; run the same command again after an \
            interruption and it continues where it stopped. With a session folder, the \
            classifier of its last finished round is used; with a folder written by \
            `imfl model export`, that model.
            """
    )

    @Argument(help: "A session folder, or a model folder written by `imfl model export`.")
    var source: String

    @Option(name: [.customLong("in")], help: "JSONL ({\"id\", \"text\"} per line) or CSV (with a text column) file to label.")
    var input: String

    @Option(name: [.customLong("out")], help: "Where to write the predictions (same format as --in); an interrupted run's file is continued.")
    var output: String

    @Option(help: "Leave an item without a label when its top probability is below this (0 to 1); such items are counted.")
    var minConfidence: Double?

    @Option(help: "Texts embedded and written per batch.")
    var batchSize: Int = 256

    @Option(help: "jsonl or csv (default: from the --in file name).")
    var format: DatasetFormatArgument?

    @Option(help: "CSV column holding the text.")
    var textColumn = "text"

    @Option(help: "CSV column holding the id; rows without one get <file>-<line>.")
    var idColumn = "id"

    @Option(help: "Directory holding the MiniLM model.safetensors and vocab.txt.")
    var model: String?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let minConfidence, !(0 ... 1).contains(minConfidence) {
            throw ValidationError("--min-confidence must be between 0 and 1, got \(minConfidence)")
        }
        guard URL(fileURLWithPath: input).standardizedFileURL != URL(fileURLWithPath: output).standardizedFileURL else {
            throw ValidationError("--out must not be the --in file")
        }
    }

    func run() async throws {
        do {
            let (labels, classifier, embedder) = try await loadClassifier()
            let prediction = BatchPrediction(
                labels: labels, classifier: classifier, embedder: embedder, minConfidence: minConfidence,
                batchSize: batchSize, format: format?.format, columns: CSVColumns(id: idColumn, text: textColumn))
            let bar = ProgressBar("predicting")
            let summary = try prediction.run(input: input, output: output) { done, total in bar.update(done, of: total) }
            for problem in summary.skipped { printError("skipped \(problem)") }
            printError(Self.describe(summary, output: output, minConfidence: minConfidence))
        } catch let error as CustomStringConvertible & Error {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }

    static func describe(_ s: PredictionSummary, output: String, minConfidence: Double?) -> String {
        var parts = ["\(s.items) items in \(output)"]
        if s.resumed > 0 { parts.append("\(s.resumed) from the interrupted run, \(s.written) now") }
        if let minConfidence { parts.append("\(s.unlabeled) left unlabeled (top probability below \(minConfidence))") }
        parts.append(s.skipped.isEmpty ? "no bad input line" : "\(s.skipped.count) bad input line\(s.skipped.count == 1 ? "" : "s") skipped")
        return parts.joined(separator: "; ")
    }

    /// The labels, the classifier and the encoder its vectors come from.
    private func loadClassifier() async throws -> ([String], any Classifier, MiniLMEmbedder) {
        let folder = URL(fileURLWithPath: source)
        if FileManager.default.fileExists(atPath: folder.appending(path: Session.configFile).path) {
            let session = try Session.open(source, access: .readOnly)
            let embedder = try MiniLMEmbedder(modelDirectory: model ?? session.config.embedder.path)
            let trained = try await SessionModel.build(
                store: session.store, configuration: try session.config.engineConfiguration(),
                modelID: embedder.modelID, refit: false)
            return (session.config.task.labels, trained.classifier, embedder)
        }
        let exported = try ExportedModel.load(from: folder)
        let embedder = try MiniLMEmbedder(modelDirectory: model)
        guard exported.embedder.name == embedder.modelID, exported.embedder.dimension == embedder.dimension else {
            throw ValidationError("\(source) was trained on \(exported.embedder.name) vectors (\(exported.embedder.dimension)-d), not \(embedder.modelID)")
        }
        return (exported.labels, exported.classifier, embedder)
    }
}
