import ArgumentParser
import Foundation
import IMFLCore
import IMFLTerminal

/// `imfl label-scripted`: the labeling UI over a scripted, deterministic session. Hidden from
/// help; it drives end-to-end tests of the UI alone and lets the UI be tried without a model.
struct LabelScripted: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-scripted",
        abstract: "Run the labeling UI over a scripted session (tests and demos).",
        shouldDisplay: false
    )

    @Option(help: "Theme name (looked up in themes/) or path to a theme file.")
    var theme: String = "default"

    @Option(help: "Save the scripted session here after every change and resume from it.")
    var state: String?

    @Option(help: "A TOML file whose [keys] table overrides key bindings.")
    var keys: String?

    @Option(help: "Milliseconds each backend call takes.")
    var delayMs: Int = 0

    @Flag(help: "Show the LLM queue as paused because its endpoint is unreachable.")
    var llmDown = false

    @Option(help: "The scripted session: demo (3 labels, short texts), abstracts (long texts the LLM sees only the start of, dataset ids) or intents (77 look-alike labels, dataset ids).")
    var preset: Preset = .demo

    /// The scripted sessions `--preset` names.
    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case demo, abstracts, intents

        func session(llmPausedReason: String?) -> ScriptedSession {
            var session: ScriptedSession = switch self {
            case .demo: .demo()
            case .abstracts: .longTexts()
            case .intents: .manyLabels()
            }
            session.llm = LLMStatus(pausedReason: llmPausedReason, errorCount: llmPausedReason == nil ? 0 : 3,
                                    lastError: llmPausedReason)
            return session
        }
    }

    func run() async throws {
        let theme = try Theme.load(self.theme, directories: Theme.searchDirectories())
        var keymap = KeyMap.standard
        if let keys {
            guard let text = try? String(contentsOfFile: keys, encoding: .utf8) else {
                throw ValidationError("\(keys): cannot read the keymap file")
            }
            keymap = try keymap.overriding(toml: text, file: keys)
        }
        let fresh = preset.session(llmPausedReason: llmDown ? "connection refused at http://127.0.0.1:8080/v1 (no LLM server running)" : nil)
        let delay = Duration.milliseconds(delayMs)
        let backend: ScriptedBackend
        if let state {
            backend = try ScriptedBackend.open(stateFile: URL(fileURLWithPath: state), fresh: fresh, delay: delay)
        } else {
            backend = ScriptedBackend(session: fresh, delay: delay)
        }
        let signals = StopSignals()
        defer { signals.cancel() }
        let reason = try await TerminalApp.run(backend: backend, theme: theme, keymap: keymap, signals: signals)
        if reason != .quit { throw ExitCode(reason.exitStatus) }
    }
}
