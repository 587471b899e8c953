import ArgumentParser
import Foundation
import IMFLCore
import IMFLTerminal

/// `imfl label`: the expert's terminal UI over a real session, with the round engine working
/// in the background (embedding, selection, the LLM queue, retraining).
struct Label: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label a session in the terminal UI while the engine runs the IMFL rounds.",
        discussion: """
            Keys: 1-9 and letters label, s skips, u undoes, n adds a note, Tab switches between \
            the label, review and dashboard screens, ? lists every key, g shows the guidelines, \
            q quits. Every label is saved before the next item is shown; reopening the session \
            resumes where you stopped.
            """)

    @Argument(help: "The session folder.")
    var folder: String

    @Option(help: "Theme name (default: session.toml's ui.theme) or path to a theme file.")
    var theme: String?

    @Option(help: "Folder with model.safetensors and vocab.txt (default: session.toml, IMFL_MINILM_DIR, imfl's venv).")
    var model: String?

    func run() async throws {
        let session = try Session.openChecked(folder)
        let config = session.config
        let theme = try Theme.load(self.theme ?? config.ui.theme, directories: Theme.searchDirectories())
        let keymap = try session.keymap()
        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: model ?? config.embedder.path)
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        let annotator = SessionAnnotator(config: config, guidelines: try session.guidelines(), database: session.database)
        let engine = RoundEngine(
            store: session.database, embedder: embedder, annotator: annotator,
            configuration: try config.engineConfiguration())
        let backend = try EngineBackend(session: session, engine: engine)

        let engineTask = Task {
            do { try await engine.run() } catch is CancellationError {} catch { await backend.engineStopped(error) }
        }
        let forwarding = Task { await backend.run() }
        let signals = StopSignals()
        defer { signals.cancel() }
        let reason = try await TerminalApp.run(backend: backend, theme: theme, keymap: keymap, signals: signals)
        engineTask.cancel()
        _ = await engineTask.finished(within: Self.engineGrace)
        forwarding.cancel()
        await annotator.shutdown()
        if reason != .quit { throw ExitCode(reason.exitStatus) }
    }

    /// How long the engine may take to notice cancellation after the UI has closed. Every
    /// label is committed before the next item shows, so a retraining or LLM step cut short
    /// here is redone when the session reopens; the expert's terminal, the lock and the LLM
    /// server are not held for it.
    static let engineGrace = Duration.milliseconds(500)
}
