import ArgumentParser
import Foundation
import IMFLCore

extension LLM {
    /// `imfl llm test SESSION`: the pre-flight check of a session's LLM endpoint.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a session's LLM: reach the endpoint, list its models, label one item, time it.",
            discussion: """
                Prints what it found and, for each problem, what to change in session.toml. \
                Exits 1 when the LLM cannot label. For the local server, start it first \
                (`imfl llm start`); `imfl label` starts it by itself.
                """)

        @Argument(help: "The session folder, or a shared session's URL.")
        var folder: String

        func run() async throws {
            let report = try await Session.with(folder, access: .readOnly) { session in
                try await Self.check(session.config, guidelines: try? session.guidelines(),
                                     text: try await session.store.items(in: .pool).first?.text)
            }
            for line in report.lines { print(line) }
            if !report.ok { throw ExitCode.failure }
        }

        /// Runs the check for a session's settings; nil `text` uses a neutral sentence.
        static func check(_ config: SessionConfig, guidelines: String?, text: String?) async throws -> LLMPreflight.Report {
            let settings = config.annotatorSettings
            guard settings.enabled else {
                var report = LLMPreflight.Report(endpoint: "–", model: settings.model)
                report.problems.append("the LLM is off for this session (llm.enabled = false): its share of each round waits, and no round is trained, until it is on; with budget.human_share = 1 the expert labels alone")
                return report
            }
            var local: String?
            if settings.usesLocalServer {
                guard case .running(let state) = await LocalLLMServer().status() else {
                    var report = LLMPreflight.Report(endpoint: "imfl's local llama.cpp server", model: settings.model)
                    report.problems.append("the local server is not running: start it with `imfl llm start` to test it (imfl label starts it by itself)")
                    return report
                }
                local = state.baseURL
            }
            return await LLMPreflight(settings: settings, labels: config.task.labels, guidelines: guidelines)
                .run(baseURL: local, text: text ?? "The annual general meeting will be held in March.")
        }
    }
}
