import Foundation
import Testing
@testable import IMFLCore

/// The session's LLM reports why it cannot answer instead of blocking, so the engine can pause
/// the LLM queue with that reason while the expert goes on.
@Suite struct SessionAnnotatorTests {
    static let request = AnnotationRequest(itemID: 1, text: "Sales rose.", examples: [])

    func config(_ change: (inout SessionConfig) -> Void = { _ in }) -> SessionConfig {
        var config = SessionConfig(task: .init(name: "t", labels: ["negative", "positive"]))
        change(&config)
        return config
    }

    @Test func anLLMTurnedOffSaysSo() async throws {
        let annotator = SessionAnnotator(config: config { $0.llm.enabled = false }, guidelines: nil, store: try AppDatabase.inMemory())
        await #expect {
            try await annotator.annotate(Self.request)
        } throws: { error in
            "\(error)" == "the LLM is off for this session (llm.enabled = false)"
        }
    }

    @Test func aMissingLocalModelSaysWhatToRunAndIsRetriedOnTheNextCall() async throws {
        // Given a local-server session whose imfl home has no model installed
        let home = try TempDir()
        let server = LocalLLMServer(configuration: .init(home: home.url))
        let annotator = SessionAnnotator(config: config(), guidelines: nil, store: try AppDatabase.inMemory(), server: server)
        // Then each call fails at once with the remedy, and nothing was started
        for _ in 0 ..< 2 {
            await #expect {
                try await annotator.annotate(Self.request)
            } throws: { error in
                "\(error)" == "the local LLM is not installed; run scripts/install-llm"
            }
        }
        #expect(try home.contents().isEmpty)
        await annotator.shutdown()
    }

    @Test func annotatorSettingsTakeTheTaskAndRetrievalTables() {
        let settings = config {
            $0.task.description = "the sentiment of a sentence"
            $0.task.guidelines = "guidelines.md"
            $0.retrieval.k = 3
        }.annotatorSettings
        #expect(settings.task == "Classify the sentiment of a sentence.")
        #expect(settings.guidelinesFile == "guidelines.md")
        #expect(settings.k == 3 && !settings.zeroShot)
        #expect(config { $0.retrieval.mode = .none }.annotatorSettings.zeroShot)
    }
}
