import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore
import IMFLTestSupport

@Suite("The classifier a session takes home")
struct SessionModelTests {
    @Test("rebuilt from the store, it is the classifier the last round trained and scored")
    func lastRoundsClassifier() async throws {
        // Given a finished two-round session
        let config = try EngineTests.configuration()
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        let engine = EngineTests().makeEngine(store, annotator: ScriptedAnnotator(gold: EngineTests.gold, labels: EngineTests.labels), config: config)
        #expect(try await EngineTests.drive(engine, store: store))
        let stored = try #require(try store.metrics().last)

        // When its classifier is rebuilt from the store
        let model = try await SessionModel.build(store: store, configuration: config, modelID: ClusterEmbedder().modelID, refit: false)

        // Then it scores exactly what the engine stored for round 2, on the same labels
        let test = try store.items(in: .test)
        let predicted = model.classifier.predict(try store.vectors(for: test.map(\.id), modelID: ClusterEmbedder().modelID))
        let gold = test.map { EngineTests.labels.firstIndex(of: $0.gold!)! }
        #expect(Evaluation(gold: gold, predicted: predicted, classes: 3) == stored.evaluation)
        #expect(model.round == 2)
        #expect(model.humanLabels == stored.humanLabels && model.llmLabels == stored.llmLabels)

        // And a refit trains on every label in force
        let refit = try await SessionModel.build(store: store, configuration: config, modelID: ClusterEmbedder().modelID, refit: true)
        #expect(refit.round == nil)
        #expect(refit.humanLabels + refit.llmLabels == AnnotationLog(try store.annotationLog()).labeledItems.count)
    }

    @Test("before any round is finished there is nothing to export, unless refitting")
    func noRoundYet() async throws {
        let config = try EngineTests.configuration()
        let store = InMemoryEngineStore(items: EngineTests.sessionItems())
        await #expect(throws: SessionModelError.noFinishedRound) {
            try await SessionModel.build(store: store, configuration: config, modelID: "test-clusters", refit: false)
        }
        await #expect(throws: SessionModelError.noLabels) {
            try await SessionModel.build(store: store, configuration: config, modelID: "test-clusters", refit: true)
        }
    }
}
