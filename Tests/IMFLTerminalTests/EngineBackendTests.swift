import Foundation
import IMFLCore
import IMFLNumerics
import IMFLTestSupport
import Testing
@testable import IMFLTerminal

/// Vectors for "item N": near the centre of class N mod 3, so a classifier can learn them.
private struct ClassEmbedder: Embedder {
    var modelID: String { "test-classes" }
    var dimension: Int { 6 }
    func embed(_ texts: [String]) throws -> Matrix {
        Matrix(stacking: texts.map { text in
            let n = Int(text.split(separator: " ").last ?? "") ?? 0
            var v = (0 ..< 6).map { j in Float(j == n % 3 ? 1 : 0) + Float((n * 7 + j * 13) % 10) / 40 }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
            return v
        })
    }
}

/// An LLM stand-in that answers the gold label of "item N", except for every fourth item.
private struct GoldAnnotator: Annotator {
    let labels: [String]
    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        let n = Int(request.text.split(separator: " ").last ?? "") ?? 0
        let label = labels[(n % 3 + (n % 4 == 0 ? 1 : 0)) % 3]
        return AnnotationAnswer(label: label, confidence: n % 2 == 0 ? 0.9 : 0.6)
    }
}

/// The terminal adapter over a real engine and an in-memory store: it maps the engine's types
/// and events to the screens' and passes every call through the engine's API.
@Suite("The engine adapter")
struct EngineBackendTests {
    static let labels = ["negative", "neutral", "positive"]

    func start() throws -> (EngineBackend, RoundEngine, Task<Void, any Error>) {
        let config = try SessionConfig.parse("""
            [task]
            labels = ["negative", "neutral", "positive"]
            [budget]
            total = 20
            human_share = 0.5
            rounds = 2
            pipeline = "sequential"
            [llm]
            enabled = true
            """, path: "session.toml")
        let items = (1 ... 80).map { n in
            EngineItem(id: Int64(n), text: "item \(n)", gold: Self.labels[n % 3], split: n <= 60 ? .pool : .test, key: "k\(n)")
        }
        let engine = RoundEngine(store: InMemoryEngineStore(items: items), embedder: ClassEmbedder(),
                                 annotator: GoldAnnotator(labels: Self.labels), configuration: try config.engineConfiguration())
        let backend = try EngineBackend(config: config, guidelines: "Label the sentiment.", engine: engine)
        let run = Task { try await engine.run() }
        Task { await backend.run() }
        return (backend, engine, run)
    }

    /// The next expert item, once the engine has queued one.
    func next(_ backend: EngineBackend) async throws -> ExpertItem {
        while true {
            if let item = try await backend.nextExpertItem() { return item }
            await Task.yield()
        }
    }

    func gold(_ item: ExpertItem) -> String { Self.labels[Int(item.itemID) % 3] }

    @Test("the Label screen's calls: label, undo, skip and note, with dataset ids and the session's count")
    func labelScreen() async throws {
        let (backend, _, run) = try start()
        defer { run.cancel() }
        #expect(try await backend.sessionInfo().rounds == 2)
        let first = try await next(backend)
        #expect(first.datasetID == "k\(first.itemID)")
        // A label commits and counts; undo gives the item back with the withdrawn label
        let commit = try await backend.submitLabel(itemID: first.itemID, label: gold(first))
        #expect(commit.round == 1 && commit.expertLabelCount == 1)
        let undone = try #require(try await backend.undo())
        #expect(undone.item.itemID == first.itemID && undone.withdrawnLabel == gold(first) && !undone.afterTraining)
        #expect(try await next(backend).itemID == first.itemID)
        // A note is kept with the item; a skipped item comes after the others
        try await backend.setNote(itemID: first.itemID, note: "check")
        #expect(try await next(backend).note == "check")
        try await backend.skip(itemID: first.itemID)
        #expect(try await next(backend).itemID != first.itemID)
        // An ignored item leaves the queue; undo brings it back, saying it was an ignore
        let aside = try await next(backend)
        try await backend.ignore(itemID: aside.itemID, reason: "unsure")
        #expect(try await next(backend).itemID != aside.itemID)
        let back = try #require(try await backend.undo())
        #expect(back.ignored && back.item.itemID == aside.itemID)
        #expect(try await next(backend).itemID == aside.itemID)
        // An engine refusal reaches the UI as a message
        await #expect(throws: BackendError.self) { try await backend.submitLabel(itemID: first.itemID, label: "bullish") }
    }

    @Test("the Review screen's calls: pages, accept, override, their undo, bulk accept, and one agreement figure")
    func reviewScreen() async throws {
        let (backend, engine, run) = try start()
        defer { run.cancel() }
        // Given round 1's expert items labeled and the LLM's labels in
        while await engine.progress().finishedRounds < 1 {
            if let item = try await backend.nextExpertItem(), item.round == 1 {
                _ = try await backend.submitLabel(itemID: item.itemID, label: gold(item))
            } else {
                await Task.yield()
            }
        }
        let page = try await backend.reviewPage(sort: .lowestConfidence, unreviewedOnly: false, round: nil, offset: 0, limit: 50)
        #expect(page.total == 5)
        // One round's labels alone: here every LLM label is round 1's
        #expect(try await backend.reviewPage(sort: .lowestConfidence, unreviewedOnly: false, round: 1, offset: 0, limit: 50).total == 5)
        #expect(try await backend.reviewPage(sort: .lowestConfidence, unreviewedOnly: false, round: 2, offset: 0, limit: 50).total == 0)
        #expect(page.items.map { $0.llmConfidence ?? 0 } == page.items.map { $0.llmConfidence ?? 0 }.sorted())
        #expect(page.items.allSatisfy { $0.neighboursAsSeen && $0.neighbours.count == 5 && $0.datasetID != nil })
        let a = page.items[0], b = page.items[1]
        // Accept one, override another; the LLM's own label is an accept, not an override
        #expect(try await backend.accept(itemID: a.itemID).status == .accepted)
        let other = Self.labels.first { $0 != b.llmLabel }!
        #expect(try await backend.override(itemID: b.itemID, label: other).status == .overridden(other))
        #expect(try await backend.reviewPage(sort: .lowestConfidence, unreviewedOnly: true, round: nil, offset: 0, limit: 50).total == 3)
        var dashboard = try await backend.dashboard()
        #expect(dashboard.agreementCompared == 2 && dashboard.agreementAgreed == 1)
        // Review's undo takes back the override, then the accept
        #expect(try await backend.undoReview() == ReviewUndoResult(kind: .override, itemIDs: [b.itemID], displayIDs: ["k\(b.itemID)"]))
        #expect(try await backend.undoReview()?.kind == .accept)
        // A bulk accept says what it would do, does it as one step, and is not agreement
        let preview = try await backend.bulkAcceptPreview(minConfidence: 0.8)
        let done = try await backend.bulkAccept(minConfidence: 0.8)
        #expect(done.accepted == preview.accepted && done.unreviewed == 5)
        dashboard = try await backend.dashboard()
        #expect(dashboard.agreementCompared == 0)
        #expect(try await backend.undoReview()?.kind == (done.accepted > 1 ? .bulkAccept : .accept))
        #expect(dashboard.schedule[0].expertUsed == 7 && dashboard.schedule[0].expertPlanned == 7)
        #expect(dashboard.schedule[0].llmUsed == 5)
        #expect(dashboard.rounds.count == 1)
    }
}
