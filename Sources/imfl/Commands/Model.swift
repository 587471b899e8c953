import ArgumentParser
import Foundation
import IMFLCore

/// `imfl model export`: the classifier a session trained, in a form that leaves imfl.
struct Model: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Take a session's classifier home.",
        subcommands: [Export.self]
    )
}

extension Model {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the session's classifier as model.safetensors, config.json and a model card (README.md).",
            discussion: """
                The classifier is the one the last finished round trained; with --refit, one fitted \
                on every label in force now. The model card's Python example loads the files with \
                numpy and embeds texts with sentence-transformers; `imfl predict DIR` uses them too.
                """
        )

        @Argument(help: "The session folder, or a shared session's URL (postgres://USER@HOST:PORT/DB?session=NAME).")
        var folder: String

        @Option(name: [.short, .long], help: "Folder to write the model to (created if needed).")
        var output: String

        @Flag(help: "Fit on every label in force first, including those given after the last round.")
        var refit = false

        @Option(help: "Directory holding the MiniLM model.safetensors and vocab.txt (default: the session's embedder.path, IMFL_MINILM_DIR, then imfl's venv).")
        var model: String?

        func run() async throws {
            do {
                try await Session.with(folder, access: .readOnly) { session in try await write(session) }
            } catch let error as CustomStringConvertible & Error {
                printError("error: \(error.description)")
                throw ExitCode.failure
            }
        }

        private func write(_ session: Session) async throws {
            let embedder = try MiniLMEmbedder(modelDirectory: model ?? session.config.embedder.path)
            let trained = try await SessionModel.build(
                store: session.store, configuration: try session.config.engineConfiguration(),
                modelID: embedder.modelID, refit: refit)
            let identity = try ExportedModel.EmbedderIdentity.of(embedder)
            let directory = URL(fileURLWithPath: output)
            try ExportedModel(labels: session.config.task.labels, embedder: identity, classifier: trained.classifier)
                .write(to: directory)
            let card = ModelCard(
                config: session.config, guidelines: try session.guidelines(),
                status: try await SessionStatus.compute(session), metrics: try await session.store.metrics(),
                model: trained, embedder: identity, evaluatedOn: try await session.evaluationDescription())
            try Data(card.render().utf8).write(to: directory.appending(path: ExportedModel.cardFile), options: .atomic)
            let which = trained.round.map { "round \($0)'s classifier" } ?? "a classifier refitted on every label in force"
            printError("wrote \(which) (\(trained.humanLabels) expert + \(trained.llmLabels) LLM labels) to \(output)")
        }
    }
}
