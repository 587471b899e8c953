import Foundation
import IMFLNumerics

/// Times the engine's work between two rounds — EEQ selection, retraining, evaluation — on
/// synthetic clustered 384-d vectors, at several pool sizes. `imfl bench engine` prints it.
///
/// Each case builds a pool of `n` unit vectors around 100 random centres (class = centre mod
/// the class count) and a test split of n/5. The round under test is the paper's largest: a
/// batch of 263 (round 1 of B = 1000 with the default schedule) selected by EEQ from the
/// unlabeled pool with a classifier trained on min(1000, n/2) labels (20 % expert, 80 % LLM),
/// then a retrain on those labels plus the batch, then macro-F1 on the test split.
public enum EngineBenchmark {
    /// Median timings of one case, in seconds.
    public struct Measurement: Sendable {
        public var pool: Int
        public var classes: Int
        public var select: Double
        public var train: Double
        public var evaluate: Double
        public var total: Double
        /// Process CPU time of the whole round (all threads), which a busy machine inflates
        /// less than the wall-clock figures.
        public var cpu: Double
    }

    /// Runs every (pool size, class count) case `runs` times and prints a table of medians,
    /// the growth of the total from one pool size to the next, and the targets.
    @discardableResult
    public static func run(
        poolSizes: [Int] = [1000, 10000, 100_000], classCounts: [Int] = [3, 77], runs: Int = 5,
        batch: Int = 263, threads: Int = 1, print output: (String) -> Void = { print($0) }
    ) throws -> [Measurement] {
        BLAS.setThreads(threads)
        output("engine round: EEQ selection (batch \(batch), sub-sample ×10) + retrain + evaluation; 384-d; median of \(runs), \(threads) BLAS thread(s)")
        output(pad("pool", 8) + pad("classes", 8) + pad("select", 10) + pad("train", 10)
            + pad("evaluate", 10) + pad("total", 10) + pad("cpu", 10) + pad("growth", 9))
        var results = [Measurement]()
        for classes in classCounts {
            var previous: Measurement?
            for n in poolSizes {
                let m = try measure(pool: n, classes: classes, runs: runs, batch: batch)
                let growth = previous.map { String(format: "×%.2f", m.total / $0.total) } ?? ""
                output(pad(String(n), 8) + pad(String(classes), 8) + pad(ms(m.select), 10) + pad(ms(m.train), 10)
                    + pad(ms(m.evaluate), 10) + pad(ms(m.total), 10) + pad(ms(m.cpu), 10) + pad(growth, 9))
                previous = m
                results.append(m)
            }
        }
        for (n, target) in [(10000, 1.0), (100_000, 5.0)] {
            let cases = results.filter { $0.pool == n }
            guard let worst = cases.max(by: { $0.total < $1.total }) else { continue }
            output(String(format: "target at %d: ≤ %.0f s; worst case %.3f s wall, %.3f s CPU (%d classes): %@",
                          n, target, worst.total, worst.cpu, worst.classes, worst.total <= target ? "met" : "MISSED"))
        }
        return results
    }

    static func measure(pool n: Int, classes: Int, runs: Int, batch: Int) throws -> Measurement {
        let d = 384
        var rng = SeededGenerator(seed: UInt64(n * 131 + classes))
        let centres = (0 ..< 100).map { _ in unit((0 ..< d).map { _ in Float(rng.gaussian()) }) }
        func sample(_ count: Int) -> (Matrix, [Int]) {
            var values = [Float](), labels = [Int]()
            values.reserveCapacity(count * d)
            for _ in 0 ..< count {
                let c = rng.below(100)
                values.append(contentsOf: unit(centres[c].map { $0 + 0.08 * Float(rng.gaussian()) }))
                labels.append(c % classes)
            }
            return (Matrix(rows: count, cols: d, values: values), labels)
        }
        let (poolVectors, poolLabels) = sample(n)
        let (testVectors, testLabels) = sample(max(1, n / 5))
        let labeledCount = min(1000, n / 2)
        let labeled = rng.sample(labeledCount, from: n)
        let labeledSet = Set(labeled)
        let fidelity: (Int) -> Fidelity = { $0 % 5 == 0 ? .human : .llm }
        let config = SoftmaxRegression.Configuration(l2: 1e-3)
        var current = SoftmaxRegression(classes: classes, dimension: d, configuration: config)
        try current.fit(TrainingSet(features: poolVectors.rows(labeled), labels: labeled.map { poolLabels[$0] },
                                    fidelities: labeled.indices.map(fidelity)))
        let unlabeled = (0 ..< n).filter { !labeledSet.contains($0) }

        var timings = [[Double]](repeating: [], count: 3)
        var cpu = [Double]()
        for run in 0 ..< runs {
            let cpu0 = processCPUTime()
            let clock = ContinuousClock()
            let t0 = clock.now
            let input = QueryInput(pool: poolVectors.rows(unlabeled), current: current)
            let picked = EEQStrategy().select(input, count: min(batch, unlabeled.count), seed: UInt64(run))
            let t1 = clock.now
            let rows = labeled + picked.map { unlabeled[$0.index] }
            var model = SoftmaxRegression(classes: classes, dimension: d, configuration: config)
            try model.fit(TrainingSet(features: poolVectors.rows(rows), labels: rows.map { poolLabels[$0] },
                                      fidelities: rows.indices.map(fidelity)))
            let t2 = clock.now
            let evaluation = Evaluation(gold: testLabels, predicted: model.predict(testVectors), classes: classes)
            let t3 = clock.now
            precondition(evaluation.accuracy >= 0)
            timings[0].append(seconds(t1 - t0))
            timings[1].append(seconds(t2 - t1))
            timings[2].append(seconds(t3 - t2))
            cpu.append(processCPUTime() - cpu0)
        }
        let totals = (0 ..< runs).map { timings[0][$0] + timings[1][$0] + timings[2][$0] }
        return Measurement(pool: n, classes: classes, select: median(timings[0]), train: median(timings[1]),
                           evaluate: median(timings[2]), total: median(totals), cpu: median(cpu))
    }

    private static func processCPUTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private static func unit(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    private static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private static func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }

    private static func pad(_ s: String, _ w: Int) -> String {
        String(repeating: " ", count: max(0, w - s.count)) + s
    }
}
