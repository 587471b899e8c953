import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore
import IMFLTestSupport

/// An LLM stand-in of known accuracy: right on each item with probability `accuracy`, drawn
/// once per item from a seed, otherwise the next label. Remembers what it was asked.
actor KnownAccuracyAnnotator: Annotator {
    let gold: [Int64: String]
    let labels: [String]
    let accuracy: Double
    private(set) var requests: [AnnotationRequest] = []

    init(gold: [Int64: String], labels: [String], accuracy: Double) {
        self.gold = gold
        self.labels = labels
        self.accuracy = accuracy
    }

    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        requests.append(request)
        let right = gold[request.itemID]!
        var random = SeededGenerator(seed: 7, stream: UInt64(request.itemID))
        let isRight = Double.random(in: 0 ..< 1, using: &random) < accuracy
        return AnnotationAnswer(label: isRight ? right : labels[(labels.firstIndex(of: right)! + 1) % labels.count], confidence: nil)
    }
}

@Suite("Shadow labels and the live LLM estimate")
struct ShadowLabelTests {
    static let labels = EngineTests.labels

    /// 300 pool items and 60 test items of the cluster embedder's three classes.
    static func items() -> [EngineItem] {
        (1 ... 360).map { n in
            EngineItem(id: Int64(n), text: "item \(n)", gold: labels[n % 3], split: n <= 300 ? .pool : .test)
        }
    }

    static func configuration(shadow: Double, use: LLMLabelUse = .all) throws -> EngineConfiguration {
        EngineConfiguration(
            labels: labels, schedule: try Schedule(budget: 200, humanShare: 0.4, rounds: 3),
            learner: .init(l2: 1e-2, calibrate: false), pipeline: .sequential,
            retryDelay: .zero, llmPause: .zero, seed: 11, shadowShare: shadow, llmLabelUse: use)
    }

    /// Runs a whole session with an expert that gives the gold label at once.
    static func run(_ configuration: EngineConfiguration, accuracy: Double) async throws
        -> (store: InMemoryEngineStore, engine: RoundEngine, annotator: KnownAccuracyAnnotator) {
        let items = items()
        let gold = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.gold!) })
        let store = InMemoryEngineStore(items: items)
        let annotator = KnownAccuracyAnnotator(gold: gold, labels: labels, accuracy: accuracy)
        let engine = RoundEngine(store: store, embedder: ClusterEmbedder(), annotator: annotator, configuration: configuration)
        let run = Task { try await engine.run() }
        for await event in engine.events {
            while let task = await engine.nextExpertItem(neighbours: 0) {
                _ = try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
            }
            if event == .finished { break }
        }
        try await run.value
        return (store, engine, annotator)
    }

    @Test("The interval of the estimate covers the annotator's known accuracy, from the shadow labels alone")
    func estimateCoversKnownAccuracy() async throws {
        // Given an annotator right 70% of the time and half of every expert batch shadowed
        let (store, engine, annotator) = try await Self.run(try Self.configuration(shadow: 0.5), accuracy: 0.7)
        let log = try store.annotationLog()
        let shadows = log.filter { $0.kind == .label && $0.source == .shadow }
        let batches = try (1 ... 3).map { try store.queue(round: $0).filter { $0.fidelity == .human }.map(\.itemID) }
        let expertItems = Set(batches.joined())

        // Then half of each expert batch (rounded) got a shadow label, every one on an expert
        // item, and its prompt never carried the item itself
        #expect(shadows.count == batches.map { Int((Double($0.count) * 0.5).rounded()) }.reduce(0, +))
        #expect(Set(shadows.map(\.itemID)).isSubset(of: expertItems))
        let requests = await annotator.requests
        for shadow in shadows {
            let request = try #require(requests.first { $0.itemID == shadow.itemID })
            #expect(!request.examples.contains { $0.text == "item \(shadow.itemID)" })
            #expect(!(shadow.examples ?? []).contains(shadow.itemID))
        }
        // And the stored estimate counts exactly those labels against the expert's, and its
        // Wilson interval holds the true 70%
        let final = try #require(try store.metrics().last?.llmEstimate)
        let gold = Dictionary(uniqueKeysWithValues: Self.items().map { ($0.id, $0.gold!) })
        #expect(final.count == shadows.count)
        #expect(final.right == shadows.count { gold[$0.itemID] == $0.label })
        #expect(final.interval.contains(0.7), "interval \(final.interval) misses the annotator's 70%")
        #expect(final.interval.upper - final.interval.lower < 0.35)
        #expect(await engine.llmEstimate() == final)
        // And the first round already has its estimate (the dashboard shows it from round 1 on)
        #expect(try store.metrics().first?.llmEstimate?.count ?? 0 > 0)
    }

    @Test("Shadow labels never train: the classifier is the one trained without them, and they are never an item's label")
    func shadowLabelsNeverTrain() async throws {
        // Given the same session with and without shadow labels
        let with = try await Self.run(try Self.configuration(shadow: 0.5), accuracy: 0.4)
        let without = try await Self.run(try Self.configuration(shadow: 0), accuracy: 0.4)

        // Then every round trained on the same labels and scored the same
        let a = try with.store.metrics(), b = try without.store.metrics()
        #expect(a.map(\.evaluation) == b.map(\.evaluation))
        #expect(a.map(\.llmLabels) == b.map(\.llmLabels))
        #expect(a.map(\.humanLabels) == b.map(\.humanLabels))
        #expect(b.allSatisfy { $0.llmEstimate == nil })
        // And no item's label in force comes from a shadow label
        let log = AnnotationLog(try with.store.annotationLog())
        #expect(!log.shadowLabels.isEmpty)
        #expect(log.currentLabels.values.allSatisfy { $0.source != .shadow })
        #expect(log.judgedLLMLabels().isEmpty)
    }

    @Test("The shadow items of a round are a seeded draw: a second session draws the same ones")
    func shadowDrawReplays() async throws {
        let first = try await Self.run(try Self.configuration(shadow: 0.25), accuracy: 0.8)
        let second = try await Self.run(try Self.configuration(shadow: 0.25), accuracy: 0.8)
        func shadowed(_ store: InMemoryEngineStore) throws -> [Int64] {
            try store.annotationLog().filter { $0.source == .shadow }.map(\.itemID).sorted()
        }
        #expect(try shadowed(first.store) == shadowed(second.store))
        #expect(try !shadowed(first.store).isEmpty)
    }

    @Test("auto drops the LLM labels of a session whose annotator is worse than the classifier")
    func autoDropsAWeakAnnotator() async throws {
        // Given an annotator at 20% on three well-separated classes
        let (store, _, _) = try await Self.run(try Self.configuration(shadow: 0.5, use: .auto), accuracy: 0.2)
        let last = try #require(try store.metrics().last)
        let use = try #require(last.llmLabelUse)
        // Then the last round trained on none of its LLM labels, and says why
        #expect(use.given == 120)
        #expect(use.used == 0)
        #expect(last.llmLabels == 0)
        #expect(use.reason == "the classifier beats the LLM on every label")
    }
}

@Suite("Wilson interval and the LLM-label options")
struct LLMLabelUseTests {
    @Test("Wilson 95% interval: known values, and all of [0, 1] without trials")
    func wilson() {
        let i = ProportionInterval.wilson(successes: 8, trials: 10)
        #expect(abs(i.lower - 0.4902) < 1e-4 && abs(i.upper - 0.9433) < 1e-4)
        let none = ProportionInterval.wilson(successes: 0, trials: 0)
        #expect(none.lower == 0 && none.upper == 1)
        let all = ProportionInterval.wilson(successes: 20, trials: 20)
        #expect(abs(all.upper - 1) < 1e-9 && abs(all.lower - 0.8389) < 1e-4)
        #expect(LLMAccuracyEstimate(shadow: [0, 1, 1, 2], expert: [0, 1, 2, 2], classes: 3).summary
            == "LLM ≈ 75% right (30–95%, 4 shadow labels)")
    }

    /// Two LLM labels per class (rows 0–5), one expert label per class (rows 6–8).
    static func data() -> TrainingSet {
        TrainingSet(
            features: Matrix(rows: 9, cols: 2, repeating: 0), labels: [0, 0, 1, 1, 2, 2, 0, 1, 2],
            fidelities: Array(repeating: .llm, count: 6) + Array(repeating: .human, count: 3),
            confidences: [0.9, 0.4, 0.95, 0.3, 0.8, 0.5, nil, nil, nil])
    }

    @Test("auto keeps the LLM labels of the labels where the LLM beats the classifier on the shadow items, and says so")
    func autoPerClass() {
        // Given shadow items where the LLM said "a" (right 5 of 5, the classifier 2 of 5) and
        // "b" (right 1 of 5, the classifier 4 of 5), and too few "c" to judge alone
        var shadow = [ShadowPair]()
        for i in 0 ..< 5 { shadow.append(ShadowPair(llm: 0, expert: 0, classifier: i < 2 ? 0 : 1)) }
        for i in 0 ..< 5 { shadow.append(ShadowPair(llm: 1, expert: i == 0 ? 1 : 2, classifier: i == 0 ? 0 : 2)) }
        shadow.append(ShadowPair(llm: 2, expert: 2, classifier: 2))
        // When auto decides
        let (out, report) = LLMLabelUse.auto.apply(to: Self.data(), shadow: shadow, labels: ["a", "b", "c"])
        // Then "a" trains, "b" does not, "c" follows the overall comparison (LLM 7 of 11, classifier 7 of 11: no)
        #expect(report.used == 2 && report.given == 6)
        #expect(out.labels == [0, 0, 0, 1, 2])
        #expect(report.summary == "used 2 of 6 LLM labels: the LLM beats the classifier on a; not on b, c")
    }

    @Test("threshold cuts where right minus wrong, from the most confident shadow label down, peaks")
    func threshold() {
        let shadow = [(0.95, true), (0.9, true), (0.8, false), (0.7, true), (0.6, true), (0.5, false), (0.4, false), (0.3, false)]
            .map { ShadowPair(llm: 0, confidence: $0.0, expert: $0.1 ? 0 : 1) }
        #expect(LLMLabelUse.threshold(shadow) == 0.6)
        let (out, report) = LLMLabelUse.threshold.apply(to: Self.data(), shadow: shadow, labels: ["a", "b", "c"])
        #expect(report.used == 3)
        #expect(out.confidences.compactMap { $0 } == [0.9, 0.95, 0.8])
        // Without confidences nothing is dropped, and the report says why
        let plain = shadow.map { ShadowPair(llm: $0.llm, expert: $0.expert) }
        #expect(LLMLabelUse.threshold.apply(to: Self.data(), shadow: plain, labels: ["a", "b", "c"]).1.used == 6)
    }

    @Test("weighted scales the LLM labels by the estimated accuracy above chance; at chance they weigh nothing")
    func weighted() {
        let atChance = (0 ..< 9).map { ShadowPair(llm: $0 % 3, expert: 0) }
        let (out, report) = LLMLabelUse.weighted.apply(to: Self.data(), shadow: atChance, labels: ["a", "b", "c"])
        #expect(out.llmWeight == 0 && report.used == 0)
        let good = (0 ..< 10).map { ShadowPair(llm: $0 < 8 ? 0 : 1, expert: 0) }
        let w = LLMLabelUse.weighted.apply(to: Self.data(), shadow: good, labels: ["a", "b", "c"]).0.llmWeight
        #expect(abs(w - 0.7) < 1e-9)
    }

    @Test("Forward correction with the true noise recovers the clean classifier better than training on the noisy labels")
    func forwardCorrectionRecoversKnownConfusion() throws {
        // Given three Gaussian classes in 6 dimensions and labels flipped by a known T
        // (each class is called the next one 40% of the time)
        let classes = 3, n = 900, d = 6
        var rng = SeededGenerator(seed: 3)
        var rows = [[Float]](), clean = [Int](), noisy = [Int]()
        let t: [[Double]] = [[0.6, 0.4, 0], [0, 0.6, 0.4], [0.4, 0, 0.6]]
        for i in 0 ..< n {
            let c = i % classes
            rows.append((0 ..< d).map { j in Float((j == c ? 1.5 : 0) + rng.gaussian()) })
            clean.append(c)
            noisy.append(Double.random(in: 0 ..< 1, using: &rng) < 0.6 ? c : (c + 1) % classes)
        }
        let x = Matrix(stacking: rows)
        let llm = Array(repeating: Fidelity.llm, count: n)
        let config = SoftmaxRegression.Configuration(l2: 1e-3, calibrate: false)
        func fit(_ labels: [Int], _ transition: [[Double]]?) throws -> SoftmaxRegression {
            var model = SoftmaxRegression(classes: classes, dimension: d, configuration: config)
            try model.fit(TrainingSet(features: x, labels: labels, fidelities: llm, noiseTransition: transition))
            return model
        }
        let reference = try fit(clean, nil), plain = try fit(noisy, nil), corrected = try fit(noisy, t)
        // When each predicts fresh points
        var test = [[Float]]()
        for i in 0 ..< 600 { test.append((0 ..< d).map { j in Float((j == i % classes ? 1.5 : 0) + rng.gaussian()) }) }
        let probe = Matrix(stacking: test)
        func distance(_ m: SoftmaxRegression) -> Double {
            let p = m.predictProbabilities(probe), q = reference.predictProbabilities(probe)
            return zip(p.values, q.values).map { Double(abs($0 - $1)) }.reduce(0, +) / Double(2 * probe.rows)
        }
        func accuracy(_ m: SoftmaxRegression) -> Double {
            Double(zip(m.predict(probe), (0 ..< 600).map { $0 % classes }).count { $0 == $1 }) / 600
        }
        // Then the corrected model's probabilities are much closer to the clean model's, and it is as accurate
        let plainGap = distance(plain), correctedGap = distance(corrected)
        #expect(correctedGap < plainGap / 2, "corrected \(correctedGap) vs uncorrected \(plainGap)")
        #expect(accuracy(corrected) >= accuracy(plain) - 0.01)
        #expect(accuracy(corrected) >= accuracy(reference) - 0.03)
    }

    @Test("The transition estimate leans on the overall accuracy where a class has few shadow labels")
    func transitionPrior() {
        let estimate = LLMAccuracyEstimate(shadow: [0, 0, 0, 0, 1, 1, 1, 1], expert: [0, 0, 0, 0, 1, 1, 1, 1], classes: 3)
        let t = estimate.transition()
        for row in t { #expect(abs(row.reduce(0, +) - 1) < 1e-12) }
        // Class 2 has no shadow label: its row is the symmetric annotator of accuracy (8+1)/(8+2)
        #expect(abs(t[2][2] - 0.9) < 1e-12 && abs(t[2][0] - 0.05) < 1e-12)
    }
}

@Suite("Session settings of the LLM estimate")
struct LLMEstimateSettingsTests {
    static let head = "[task]\nlabels = [\"a\", \"b\"]\n"

    @Test("[learner] llm_labels, [llm] shadow and route_doubtful parse, and default to weighted, 0.25 and 0")
    func parses() throws {
        let defaults = try SessionConfig.parse(Self.head, path: "session.toml")
        #expect(defaults.learner.llmLabels == .weighted && defaults.llm.shadow == 0.25 && defaults.llm.routeDoubtful == 0)
        let routing = try SessionConfig.parse(Self.head + "[llm]\nroute_doubtful = 0.25\n", path: "session.toml")
        #expect(try routing.engineConfiguration().routeShare == 0.25)
        for use in LLMLabelUse.allCases {
            let config = try SessionConfig.parse(Self.head + "[learner]\nllm_labels = \"\(use.rawValue)\"\n[llm]\nshadow = 0.5\n", path: "session.toml")
            #expect(config.learner.llmLabels == use && config.llm.shadow == 0.5)
            #expect(try config.engineConfiguration().llmLabelUse == use)
        }
        // A session without the LLM asks for no shadow label
        let off = try SessionConfig.parse(Self.head + "[llm]\nenabled = false\n", path: "session.toml")
        #expect(try off.engineConfiguration().shadowShare == 0)
        // Nor one whose schedule gives the LLM nothing to label
        let expertOnly = try SessionConfig.parse(Self.head + "[budget]\nhuman_share = 1.0\n", path: "session.toml")
        #expect(try expertOnly.engineConfiguration().shadowShare == 0)
        // What imfl init writes reads back the same
        var config = defaults
        config.learner.llmLabels = .auto
        config.llm.shadow = 0.1
        let again = try SessionConfig.parse(config.renderTOML(), path: "session.toml")
        #expect(again.learner.llmLabels == .auto && again.llm.shadow == 0.1)
    }

    @Test("A bad value names the key, what it got and what it accepts")
    func badValues() {
        func message(_ text: String) -> String? {
            do { _ = try SessionConfig.parse(Self.head + text, path: "session.toml"); return nil } catch {
                return "\(error)"
            }
        }
        let use = message("[learner]\nllm_labels = \"best\"\n")
        #expect(use?.contains("learner.llm_labels: must be one of all | weighted | forward | threshold | auto, got \"best\"") == true, "\(use ?? "no error")")
        let shadow = message("[llm]\nshadow = 1.5\n")
        #expect(shadow?.contains("llm.shadow must be a number from 0 to 1, got 1.5") == true, "\(shadow ?? "no error")")
        let route = message("[llm]\nroute_doubtful = -0.1\n")
        #expect(route?.contains("llm.route_doubtful must be a number from 0 to 1, got -0.1") == true, "\(route ?? "no error")")
        let key = message("[learner]\nllm_label = \"auto\"\n")
        #expect(key?.contains("unknown key learner.llm_label") == true, "\(key ?? "no error")")
    }
}

@Suite("Routing LLM labels in doubt to the expert")
struct RoutingTests {
    @Test("LLM labels in doubt take places in the next expert batches, and the expert budget is never exceeded")
    func routingKeepsTheExpertBudget() async throws {
        // Given a weak annotator and half of each later expert batch open to LLM labels in doubt
        var configuration = try ShadowLabelTests.configuration(shadow: 0.25)
        configuration.routeShare = 0.5
        let (store, engine, _) = try await ShadowLabelTests.run(configuration, accuracy: 0.3)
        let log = AnnotationLog(try store.annotationLog())
        let schedule = configuration.schedule
        var routedInAll = 0
        for budget in schedule.rounds {
            let queue = try store.queue(round: budget.round)
            let expert = queue.filter { $0.fidelity == .human }
            let llm = queue.filter { $0.fidelity == .llm }
            // Then each round's expert batch is exactly the schedule's, never more
            #expect(expert.count == budget.human, "round \(budget.round): \(expert.count) expert items for \(budget.human) places")
            #expect(llm.count == budget.llm)
            // And the routed items are LLM labels of earlier rounds, at most half the batch,
            // each now labeled by the expert, with the LLM's label kept beside it
            let routed = expert.filter { log.current($0.itemID)?.llm != nil }
            #expect(routed.count <= RoundEngine.routedPlaces(ofBatch: budget.human, share: 0.5))
            if budget.round == 1 { #expect(routed.isEmpty) }
            for entry in routed {
                let current = try #require(log.current(entry.itemID))
                #expect(current.source == .human)
                #expect((current.llm?.round ?? 0) < budget.round)
            }
            routedInAll += routed.count
        }
        #expect(routedInAll > 0, "a 30% annotator gives labels the classifier doubts")
        // And the expert gave exactly the schedule's expert labels in all
        #expect(log.expertLabelCount == schedule.rounds.map(\.human).reduce(0, +))
        #expect(await engine.nextExpertItem() == nil)
    }

    @Test("Without route_doubtful no LLM label goes back to the expert")
    func noRoutingByDefault() async throws {
        let (store, _, _) = try await ShadowLabelTests.run(try ShadowLabelTests.configuration(shadow: 0.25), accuracy: 0.3)
        let log = AnnotationLog(try store.annotationLog())
        for r in 1 ... 3 {
            #expect(try store.queue(round: r).filter { $0.fidelity == .human && log.current($0.itemID)?.llm != nil }.isEmpty)
        }
    }
}
