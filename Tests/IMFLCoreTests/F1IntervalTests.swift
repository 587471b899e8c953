import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Macro-F1 bootstrap interval and the stopping hint")
struct F1IntervalTests {
    /// A 3-class confusion with n items and about 70 % of each class right.
    static func confusion(scale n: Int) -> ConfusionMatrix {
        var gold = [Int](), predicted = [Int]()
        for i in 0 ..< n {
            let g = i % 3
            gold.append(g)
            predicted.append(i % 10 < 7 ? g : (g + 1) % 3)
        }
        return ConfusionMatrix(gold: gold, predicted: predicted, classes: 3)
    }

    @Test("the interval holds the point estimate, is reproducible, and narrows as items grow")
    func narrowsWithMoreItems() throws {
        let small = try #require(Self.confusion(scale: 100).macroF1Interval())
        let large = try #require(Self.confusion(scale: 1600).macroF1Interval())
        let f1 = Self.confusion(scale: 100).macroF1
        #expect(small.lower < f1 && f1 < small.upper)
        #expect(Self.confusion(scale: 100).macroF1Interval() == small)
        // The width of a bootstrap interval shrinks like 1/√n: 16× the items, about ¼ the width
        let ratio = (large.upper - large.lower) / (small.upper - small.lower)
        #expect(ratio > 0.18 && ratio < 0.32, "width ratio \(ratio)")
        #expect(ConfusionMatrix(gold: [], predicted: [], classes: 3).macroF1Interval() == nil)
    }

    @Test("the stopping hint sets the gain of the last rounds against the intervals")
    func stoppingHint() {
        func interval(_ f1: Double, _ half: Double) -> F1Interval { F1Interval(lower: f1 - half, upper: f1 + half, level: 0.95) }
        #expect(StoppingHint(f1: [0.6], intervals: [interval(0.6, 0.05)]).verdict == .tooEarly)
        // Rising beyond the noise
        let rising = StoppingHint(f1: [0.50, 0.60, 0.72], intervals: [0.50, 0.60, 0.72].map { interval($0, 0.05) })
        #expect(rising.verdict == .improving)
        #expect(rising.message == "labels still pay: F1 +22.0 in 2 rounds, beyond the noise")
        // Flat within the noise
        let flat = StoppingHint(f1: [0.50, 0.700, 0.702, 0.704], intervals: [0.50, 0.700, 0.702, 0.704].map { interval($0, 0.05) })
        #expect(flat.verdict == .plateau)
        #expect(flat.gain.map { abs($0 - 0.004) < 1e-9 } == true && flat.span == 2)
        #expect(flat.message == "stop? F1 +0.4 in 2 rounds, within the noise")
        // Rising, but by less than the noise of a small sample
        let unclear = StoppingHint(f1: [0.60, 0.63, 0.66], intervals: [0.60, 0.63, 0.66].map { interval($0, 0.08) })
        #expect(unclear.verdict == .unclear)
        // Falling beyond the noise
        #expect(StoppingHint(f1: [0.80, 0.70, 0.60], intervals: [0.80, 0.70, 0.60].map { interval($0, 0.03) }).verdict == .declining)
    }

    /// 50 simulated sessions on FPB-50agree: each trains on 100 expert labels (oracle, no
    /// LLM) drawn at random from 300 pool items (themselves drawn at random: the pool file is
    /// ordered by label), draws an evaluation sample of 100
    /// items, and checks its 95 % interval against the true macro-F1. The truth must be known
    /// on the whole population the sample comes from, so the population is FPB's labeled test
    /// file (970 items, drawn from the same data as the pool). Only 1,270 texts are embedded.
    @Test("the 95 % interval of a 100-item evaluation sample covers the true F1 on FPB-50agree in ≥ 90 % of 50 sessions",
          .enabled(if: Fixtures.fpbAvailable, "needs ../shared/data/fpb_50agree and the MiniLM model (scripts/setup)"))
    func coversTheTrueF1() async throws {
        // Given the FPB-50agree test file and 300 pool items, embedded
        let folder = Fixtures.dataset("fpb_50agree")
        let wholePool = try JSONLReader.read(path: folder.appendingPathComponent("pool.jsonl").path)
        let pool = EvaluationSample.draw(size: 300, from: wholePool.count, seed: 300).map { wholePool[$0] }
        let test = try JSONLReader.read(path: folder.appendingPathComponent("test.jsonl").path)
        let classes = Array(Set(test.compactMap(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let texts = (pool + test).map(\.text)
        let vectors = try await LearnerReferenceTests.onOwnThread { try MiniLMEmbedder().embed(texts) }
        let poolVectors = vectors.rows(0 ..< pool.count), testVectors = vectors.rows(pool.count ..< texts.count)
        let poolGold = pool.map { index[$0.label!]! }, testGold = test.map { index[$0.label!]! }

        // When 50 sessions each train, draw their sample and compute the interval
        var covered = 0
        var widths = [Double](), truths = [Double]()
        for seed in 0 ..< 50 {
            let training = EvaluationSample.draw(size: 100, from: pool.count, seed: UInt64(1000 + seed))
            var model = SoftmaxRegression(classes: classes.count, dimension: 384, configuration: .init(calibrate: false))
            try model.fit(TrainingSet(features: poolVectors.rows(training), labels: training.map { poolGold[$0] },
                                      fidelities: Array(repeating: .human, count: training.count)))
            let predicted = model.predict(testVectors)
            let truth = Evaluation(gold: testGold, predicted: predicted, classes: classes.count).macroF1
            let sample = EvaluationSample.draw(size: 100, from: test.count, seed: UInt64(seed))
            let interval = try #require(ConfusionMatrix(
                gold: sample.map { testGold[$0] }, predicted: sample.map { predicted[$0] }, classes: classes.count
            ).macroF1Interval(seed: UInt64(seed)))
            if interval.lower <= truth && truth <= interval.upper { covered += 1 }
            truths.append(truth)
            widths.append(interval.upper - interval.lower)
        }
        // Then at least 45 of the 50 intervals hold the true F1
        let meanWidth = widths.reduce(0, +) / Double(widths.count), meanTruth = truths.reduce(0, +) / Double(truths.count)
        #expect(covered >= 45, "covered in \(covered) of 50 sessions; mean width \(meanWidth)")
        print(String(format: "evaluation sample of 100: the 95%% interval covered the true macro-F1 in %d of 50 sessions; mean width %.1f points, mean true macro-F1 %.1f (%.1f to %.1f)",
                     covered, meanWidth * 100, meanTruth * 100, truths.min()! * 100, truths.max()! * 100))
    }
}
