import Foundation
import IMFLNumerics
import Testing

@testable import IMFLCore

/// A stand-in LLM for simulations: reads the item number from the text ("item n") and answers
/// its cluster's label, wrong for every seventh item. Counts its calls.
actor NumberedAnnotator: Annotator {
    let labels: [String]
    private(set) var calls = 0

    init(labels: [String]) { self.labels = labels }

    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        calls += 1
        let n = Int(request.text.split(separator: " ").last!)!
        let label = labels[(n % 3 + (n % 7 == 0 ? 1 : 0)) % 3]
        return AnnotationAnswer(label: label, confidence: 0.8)
    }
}

@Suite("Simulation")
struct SimulationTests {
    static let labels = ["a", "b", "c"]

    /// Pool of 240 and test of 60 "item n" texts whose label is n mod 3 (what `ClusterEmbedder` clusters by).
    static func writeData(_ dir: TempDir, unlabeledPoolLine: Bool = false) throws -> (pool: String, test: String) {
        func line(_ n: Int, label: Bool = true) -> String {
            label ? #"{"id": "i\#(n)", "text": "item \#(n)", "label": "\#(labels[n % 3])"}"#
                : #"{"id": "i\#(n)", "text": "item \#(n)"}"#
        }
        var pool = (1 ... 240).map { line($0) }
        if unlabeledPoolLine { pool[4] = line(5, label: false) }
        let test = (241 ... 300).map { line($0) }
        return (try dir.write("pool.jsonl", pool.joined(separator: "\n") + "\n"),
                try dir.write("test.jsonl", test.joined(separator: "\n") + "\n"))
    }

    static func plan(_ dir: TempDir, arms: [SimulationArm], seeds: [Int] = [1], out: String = "out") throws -> SimulationPlan {
        let (pool, test) = try writeData(dir)
        return SimulationPlan(poolPath: pool, testPath: test, maxPool: 150, seeds: seeds, arms: arms, output: dir.path(out))
    }

    static func runner(_ plan: SimulationPlan, _ annotator: NumberedAnnotator) -> SimulationRunner {
        SimulationRunner(plan: plan, embedder: ClusterEmbedder()) { _, _ in (annotator, {}) }
    }

    static let imfl = SimulationArm(name: "imfl", budget: 60, humanShare: 0.2, rounds: 3)

    @Test func thePaperSuiteHasTheArmsOfTheComparison() throws {
        let arms = PaperSuite.arms()
        #expect(arms.map(\.name) == [
            "expert-1x-random", "expert-1x-eeq", "expert-3x-random", "expert-3x-eeq", "expert-5x-random", "expert-5x-eeq",
            "imfl", "imfl-sequential", "llm-only-zero-shot", "imfl-equal-schedule", "imfl-random-retrieval", "imfl-single-batch",
            "imfl-human-10", "imfl-human-5", "imfl-weighted", "imfl-forward", "imfl-threshold", "imfl-auto",
            "imfl-route", "imfl-weighted-route",
        ])
        #expect(arms.filter { $0.name.hasPrefix("imfl") }.allSatisfy { $0.shadow == 0.25 })
        #expect(arms.filter { !$0.name.hasPrefix("imfl") }.allSatisfy { $0.shadow == 0 })
        #expect(arms.first { $0.name == "imfl-auto" }!.llmLabels == .auto && arms.first { $0.name == "imfl" }!.llmLabels == .all)
        #expect(arms.first { $0.name == "imfl-weighted-route" }!.routeDoubtful == 0.25)
        func split(_ name: String) throws -> (Int, Int) {
            let plan = try arms.first { $0.name == name }!.labelSchedule()
            return (plan.rounds.map(\.human).reduce(0, +), plan.rounds.map(\.llm).reduce(0, +))
        }
        #expect(try split("expert-1x-eeq") == (200, 0))
        #expect(try split("expert-3x-random") == (600, 0))
        #expect(try split("expert-5x-eeq") == (1000, 0))
        #expect(try split("imfl") == (200, 800))
        #expect(try split("llm-only-zero-shot") == (0, 1000))
        #expect(try split("imfl-human-10") == (100, 900))
        #expect(try split("imfl-human-5") == (50, 950))
        let imfl = arms.first { $0.name == "imfl" }!
        #expect(imfl.strategy == .eeq && imfl.schedule == .geometric && imfl.retrieval == .similar && imfl.k == 5)
        #expect(try arms.first { $0.name == "imfl-single-batch" }!.labelSchedule().rounds.count == 1)
        #expect(arms.first { $0.name == "imfl-random-retrieval" }!.retrieval == .random)
        #expect(arms.first { $0.name == "llm-only-zero-shot" }!.retrieval == .none)
        #expect(!arms.first { $0.name == "expert-1x-eeq" }!.usesLLM)
        // A smaller budget scales every arm alike.
        #expect(try PaperSuite.arms(budget: 100).first { $0.name == "expert-3x-eeq" }!.labelSchedule().budget == 60)
    }

    @Test func anArmBecomesTheSessionConfigOfItsRuns() throws {
        let arm = SimulationArm(name: "x", budget: 300, humanShare: 0.1, rounds: 4, schedule: .equal,
                                strategy: .margin, retrieval: .random, k: 3)
        let config = arm.sessionConfig(name: "x-seed-2", labels: Self.labels, description: "d", seed: 2, llm: LLMSettings())
        try config.validate(path: "test")
        #expect(config.budget.total == 300 && config.budget.humanShare == 0.1 && config.budget.rounds == 4)
        #expect(config.budget.schedule == .equal && config.query.strategy == "margin" && config.query.seed == 2)
        #expect(config.retrieval.mode == .random && config.retrieval.k == 3 && config.llm.enabled)
        #expect(try SessionConfig.parse(config.renderTOML(), path: "session.toml") == config)
        #expect(config.exampleRetrieval.index(over: Matrix(rows: 1, cols: 2, values: [1, 0])) is RandomSampleIndex)
    }

    @Test func theOracleIsRightExceptForItsNoise() {
        let exact = OracleExpert(labels: Self.labels)
        #expect((1 ... 100).allSatisfy { exact.label(itemID: Int64($0), gold: "b") == "b" })
        let noisy = OracleExpert(labels: Self.labels, noise: 0.2, seed: 9)
        let answers = (1 ... 5000).map { noisy.label(itemID: Int64($0), gold: "b") }
        let wrong = answers.filter { $0 != "b" }.count
        #expect(abs(Double(wrong) / 5000 - 0.2) < 0.03)
        #expect(Set(answers.filter { $0 != "b" }) == ["a", "c"])
        #expect((1 ... 5000).map { noisy.label(itemID: Int64($0), gold: "b") } == answers)  // same answers on resume
    }

    @Test func aRunWritesEveryRoundAndBeatsTheMajorityClass() async throws {
        let dir = try TempDir()
        let annotator = NumberedAnnotator(labels: Self.labels)
        let expertOnly = SimulationArm(name: "expert", budget: 30, humanShare: 1, rounds: 3, schedule: .equal,
                                       strategy: .random, retrieval: .none, k: 0)
        let plan = try Self.plan(dir, arms: [expertOnly, Self.imfl])
        let results = try await Self.runner(plan, annotator).run()

        #expect(results.map(\.arm.name) == ["expert", "imfl"])
        let imfl = try #require(results.last)
        #expect(imfl.rounds.map(\.round) == [1, 2, 3])
        #expect(imfl.poolSize == 150 && imfl.testSize == 60)
        let last = try #require(imfl.final)
        #expect(last.humanLabels == 12 && last.llmLabels == 48)
        // Every LLM label, and the shadow labels of a quarter of the expert batches, each measured
        let shadow = try #require(last.shadowLabels)
        #expect(shadow == 4)
        #expect(await annotator.calls == 48 + shadow)
        #expect(imfl.rounds.allSatisfy { $0.llmEstimateInterval != nil && $0.llmEstimate != nil })
        // The stand-in LLM is wrong on every seventh item.
        #expect(try #require(last.llmAccuracy) > 0.75 && last.llmAccuracy! < 0.95)
        #expect(last.expertAccuracy == 1)
        #expect(results.allSatisfy { $0.final!.macroF1 > 0.5 })
        // Every round's F1 comes with its bootstrap interval over the 60 test items
        #expect(results.allSatisfy { $0.rounds.allSatisfy { r in
            r.macroF1Interval.map { $0.lower <= r.macroF1 && r.macroF1 <= $0.upper } ?? false } })

        let out = URL(fileURLWithPath: plan.output)
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == Substring(SimulationRound.csvHeader.joined(separator: ",")))
        #expect(lines.count == 1 + 3 + 3)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == SimulationRound.csvHeader.count })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as? [String: Any]
        #expect((json?["runs"] as? [Any])?.count == 2)
        let markdown = try String(contentsOf: out.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(markdown.contains("| imfl | 1 | 12 | 48 | eeq |"))
        #expect(markdown.contains("Majority-class baseline"))
        let svg = try String(contentsOf: out.appendingPathComponent("curves.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<polyline").count == 3)
        // Finished runs keep their result and drop their session.
        let run = plan.runFolder(Self.imfl, seed: 1)
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("result.json").path))
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("session").path))
    }

    @Test func finishedRunsAreNotRunAgain() async throws {
        let dir = try TempDir()
        let plan = try Self.plan(dir, arms: [Self.imfl])
        let first = try await Self.runner(plan, NumberedAnnotator(labels: Self.labels)).run()
        let again = NumberedAnnotator(labels: Self.labels)
        let second = try await Self.runner(plan, again).run()
        #expect(second == first)
        #expect(await again.calls == 0)
    }

    @Test func aFinishedRunWithOtherSettingsIsSaidToBeReplacedAndRunAgain() async throws {
        let dir = try TempDir()
        _ = try await Self.runner(try Self.plan(dir, arms: [Self.imfl]), NumberedAnnotator(labels: Self.labels)).run()
        // When the same arm and seed run with another shadow share
        var changed = Self.imfl
        changed.shadow = 0.5
        let events = Events()
        let again = NumberedAnnotator(labels: Self.labels)
        _ = try await Self.runner(try Self.plan(dir, arms: [changed]), again).run { progress in
            if case let .replacingEarlier(arm, seed, changes) = progress { events.append("\(arm) \(seed): \(changes)") }
        }
        // Then the run is said to replace the earlier one, with what changed, and is run again
        #expect(events.all == ["imfl 1: [\"shadow 0.25 → 0.5\"]"])
        #expect(await again.calls > 0)
        #expect(Self.imfl.changes(to: Self.imfl).isEmpty)
    }

    /// Progress lines collected from the runner's callback.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func theLLMOnlyArmRunsWithoutAnExpert() async throws {
        // Given the paper's LLM-only baseline: no expert labels, zero-shot prompts, random items
        let dir = try TempDir()
        let llmOnly = SimulationArm(
            name: "llm-only", budget: 45, humanShare: 0, rounds: 3, schedule: .equal, strategy: .random, retrieval: .none, k: 0)
        let annotator = NumberedAnnotator(labels: Self.labels)
        // When it runs
        let results = try await Self.runner(try Self.plan(dir, arms: [llmOnly]), annotator).run()
        // Then every label came from the LLM, every round was scored, and the LLM was right on 6 in 7
        let final = try #require(results.first?.final)
        #expect(results[0].rounds.count == 3)
        #expect(final.humanLabels == 0 && final.llmLabels == 45)
        #expect(await annotator.calls == 45)
        #expect(abs((final.llmAccuracy ?? 0) - 6.0 / 7) < 0.1)
    }

    @Test func aSuiteRunInPartsEndsWithOneReportOfEveryArm() async throws {
        // Given one command that ran the expert arm, and a later one that runs only imfl
        let dir = try TempDir()
        let expert = SimulationArm(
            name: "expert", budget: 30, humanShare: 1, rounds: 3, schedule: .equal, strategy: .random, retrieval: .none, k: 0)
        _ = try await Self.runner(try Self.plan(dir, arms: [expert]), NumberedAnnotator(labels: Self.labels)).run()
        let returned = try await Self.runner(try Self.plan(dir, arms: [Self.imfl]), NumberedAnnotator(labels: Self.labels)).run()
        // Then the run returns its own arm, and the reports hold both
        #expect(returned.map(\.arm.name) == ["imfl"])
        let summary = try String(contentsOfFile: dir.path("out/summary.md"), encoding: .utf8)
        #expect(summary.contains("| expert |") && summary.contains("| imfl |"))
        // And a report for a plan that names the expert arm with other settings leaves the old
        // expert run out instead of averaging it with runs it is not comparable to
        var bigger = expert
        bigger.budget = 45
        var report = try Self.plan(dir, arms: [bigger])
        report.reportOnly = true
        _ = try await Self.runner(report, NumberedAnnotator(labels: Self.labels)).run()
        let csv = try String(contentsOfFile: dir.path("out/results.csv"), encoding: .utf8)
        #expect(!csv.contains("\nexpert,") && csv.contains("\nimfl,"))
    }

    @Test func anInterruptedRunResumesToTheSameResult() async throws {
        let straight = try TempDir()
        let reference = try await Self.runner(try Self.plan(straight, arms: [Self.imfl]), NumberedAnnotator(labels: Self.labels)).run()

        let dir = try TempDir()
        var plan = try Self.plan(dir, arms: [Self.imfl])
        plan.keepSessions = true
        let rounds = RoundCounter()
        let interrupted = Task {
            try await Self.runner(plan, NumberedAnnotator(labels: Self.labels)).run { progress in
                if case .run(let state) = progress, state.round == 2 { rounds.reached() }
            }
        }
        await rounds.wait()
        interrupted.cancel()
        _ = await interrupted.result
        let session = plan.runFolder(Self.imfl, seed: 1).appendingPathComponent("session")
        #expect(FileManager.default.fileExists(atPath: session.path))
        #expect(!FileManager.default.fileExists(atPath: plan.runFolder(Self.imfl, seed: 1).appendingPathComponent("result.json").path))

        let resumed = try await Self.runner(plan, NumberedAnnotator(labels: Self.labels)).run()
        func figures(_ r: [SimulationRunResult]) -> [[Double]] {
            r.flatMap(\.rounds).map { [Double($0.humanLabels), Double($0.llmLabels), $0.macroF1, $0.accuracy, $0.llmAccuracy ?? -1] }
        }
        #expect(figures(resumed) == figures(reference))
    }

    @Test func aPoolItemWithoutGoldIsRefusedWithItsLine() async throws {
        let dir = try TempDir()
        let (pool, test) = try Self.writeData(dir, unlabeledPoolLine: true)
        let plan = SimulationPlan(poolPath: pool, testPath: test, seeds: [1], arms: [Self.imfl], output: dir.path("out"))
        await #expect {
            try await Self.runner(plan, NumberedAnnotator(labels: Self.labels)).run()
        } throws: { error in
            "\(error)".contains("\(pool):5") && "\(error)".contains("gold label")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/dataset")))
    }

    @Test func theChartsShowEveryArm() {
        func result(_ name: String, _ f1: [Double]) -> SimulationRunResult {
            let arm = SimulationArm(name: name, budget: 100, humanShare: 0.2)
            return SimulationRunResult(arm: arm, seed: 1, poolSize: 300, testSize: 100, rounds: f1.enumerated().map { i, f in
                SimulationRound(arm: name, seed: 1, round: i + 1, humanLabels: 10 * (i + 1), llmLabels: 10 * (i + 1),
                                macroF1: f, accuracy: f, llmAccuracy: nil, expertAccuracy: 1, llmCalls: 0, cacheHits: 0,
                                promptTokens: 0, completionTokens: 0, seconds: 1)
            })
        }
        let summaries = [ArmSummary([result("imfl", [0.4, 0.5, 0.6])])!, ArmSummary([result("expert", [0.3, 0.35, 0.45])])!]
        let chart = SimulationChart(summaries: summaries, baseline: 0.25)
        let text = chart.text(width: 40, height: 10)
        #expect(text.contains("A  imfl (final 60.0)") && text.contains("B  expert (final 45.0)"))
        #expect(text.filter { $0 == "A" }.count == 4 && text.filter { $0 == "B" }.count == 4)  // 3 points + legend
        #expect(text.contains("·"))
        let svg = chart.svg()
        #expect(svg.components(separatedBy: "<polyline").count == 3 && svg.contains("majority class"))
        #expect(MeanStd([0.4, 0.6]).percent == "50.0 ± 14.1")
        #expect(MeanStd([]).percent == "–")
    }

    @Test func llmCallsAreTotalledByTheRoundOfTheirItem() async throws {
        let db = try AppDatabase.inMemory()
        try db.importDataset(labels: Self.labels, pool: (1 ... 4).map { Item(key: "p\($0)", text: "t\($0)", split: .pool, gold: "a", position: $0) },
                             test: [Item(key: "t", text: "t", split: .test, gold: "a", position: 0)], meta: [:])
        let ids = try db.items(split: .pool).map { $0.id! }
        try db.beginRound(RoundRecord(round: 1, status: .labeling, human: 0, llm: 2),
                          queue: ids.prefix(2).enumerated().map { QueueEntry(round: 1, itemID: $1, fidelity: .llm, rank: $0) })
        try db.beginRound(RoundRecord(round: 2, status: .labeling, human: 0, llm: 2),
                          queue: ids.suffix(2).enumerated().map { QueueEntry(round: 2, itemID: $1, fidelity: .llm, rank: $0) })
        for (i, id) in ids.enumerated() {
            try await db.record(LLMCallRecord(itemID: id, model: "m", promptHash: "h\(i)", promptTokens: 100 * (i + 1),
                                              completionTokens: 2, latencySeconds: 1, cost: 0, attempts: 1,
                                              cached: i == 3, error: nil, startedAt: Date()))
        }
        let byRound = try db.llmCallTotalsByRound()
        #expect(byRound[1]?.calls == 2 && byRound[1]?.promptTokens == 300)
        #expect(byRound[2]?.calls == 2 && byRound[2]?.promptTokens == 700 && byRound[2]?.cacheHits == 1)
        #expect(try db.llmCallTotals().promptTokens == 1000)
    }
}

/// Lets a test wait until a callback has fired once.
final class RoundCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var fired = false

    func reached() {
        lock.lock()
        let c = continuation
        continuation = nil
        let first = !fired
        fired = true
        lock.unlock()
        if first { c?.resume() }
    }

    func wait() async {
        await withCheckedContinuation { c in
            lock.lock()
            if fired { lock.unlock(); c.resume() } else { continuation = c; lock.unlock() }
        }
    }
}
