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
            resumes where you stopped. On a shared session any number of experts label at once, \
            each under their own --annotator: no item is shown to two of them (unless [team] \
            overlap asks for it), and one of their terminals runs the rounds for all.
            """)

    @Argument(help: "The session folder, or a shared session's URL (postgres://USER@HOST:PORT/DB?session=NAME).")
    var folder: String

    @Option(help: "Your name: every label, accept, override, skip, note and undo you make carries it. Required for a shared session; \"expert\" by default for a folder.")
    var annotator: String?

    @Option(help: "Theme name (default: session.toml's ui.theme) or path to a theme file.")
    var theme: String?

    @Option(help: "Folder with model.safetensors and vocab.txt (default: session.toml, IMFL_MINILM_DIR, imfl's venv).")
    var model: String?

    func validate() throws {
        if let annotator, annotator.trimmingCharacters(in: .whitespaces).isEmpty || annotator == "llm" {
            throw ValidationError("--annotator needs a name other than \"llm\", e.g. --annotator \"$USER\"")
        }
        if PostgresAddress.isAddress(folder), annotator == nil {
            throw ValidationError("a shared session needs --annotator NAME, so that every label says which expert gave it")
        }
    }

    func run() async throws {
        try await Session.with(folder, access: .team) { session in try await label(session) }
    }

    private func label(_ session: Session) async throws {
        let config = session.config
        let theme = try Theme.load(self.theme ?? config.ui.theme, directories: Theme.searchDirectories())
        let keymap = try session.keymap()
        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: model ?? config.embedder.path)
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        let annotator = SessionAnnotator(config: config, guidelines: try session.guidelines(), store: session.store)
        var configuration = try config.engineConfiguration()
        configuration.annotator = self.annotator ?? configuration.annotator
        let engine = RoundEngine(
            store: session.store, embedder: embedder, annotator: annotator, configuration: configuration)
        let backend = try EngineBackend(session: session, engine: engine)

        let engineTask = Task {
            // A folder's session runs its engine here; a shared session's engines elect the
            // one that runs the rounds, and the others follow it.
            do { try await engine.serve() } catch is CancellationError {} catch { await backend.engineStopped(error) }
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
