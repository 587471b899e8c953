import Foundation
import IMFLNumerics

/// Makes the LLM annotator of one run, and what to call when the run is over.
public typealias SimulationAnnotatorFactory = @Sendable (_ session: Session, _ cache: any AnswerCache) async throws
    -> (annotator: any Annotator, finish: @Sendable () async -> Void)

/// Runs a simulation plan: for every seed and arm, a throwaway session over the seed's pool,
/// driven by the same `RoundEngine` as the terminal UI, with `OracleExpert` labeling the
/// expert queue as soon as it fills and the real LLM annotator labeling the rest.
///
/// Everything is resumable. A finished run leaves `result.json` in its folder and is not run
/// again; an interrupted run resumes from its session (the engine replays its store), and LLM
/// answers come back from the shared cache. Results files are rewritten after every run and
/// cover every finished run in the folder, so a suite run in parts (a few arms or seeds per
/// sitting) ends with one report.
public struct SimulationRunner: Sendable {
    public let plan: SimulationPlan
    public let embedder: any Embedder
    public let makeAnnotator: SimulationAnnotatorFactory
    /// Pauses of the LLM queue in a row (the engine retries after each) before the run gives up.
    public var maxLLMPauses = 5

    public init(plan: SimulationPlan, embedder: any Embedder, makeAnnotator: @escaping SimulationAnnotatorFactory) {
        self.plan = plan
        self.embedder = embedder
        self.makeAnnotator = makeAnnotator
    }

    /// Runs what is not finished yet (nothing with `plan.reportOnly`) and writes the reports.
    /// - Returns: the results of every finished run of the plan, in plan order.
    public func run(progress: @escaping @Sendable (SimulationProgress) -> Void = { _ in }) async throws -> [SimulationRunResult] {
        let dataset = try SimulationDataset.prepare(
            poolPath: plan.poolPath, testPath: plan.testPath, output: plan.output, embedder: embedder
        ) { done, total in progress(.embedding(done: done, total: total)) }
        let runs = plan.seeds.flatMap { seed in plan.arms.map { (arm: $0, seed: seed) } }
        var results: [SimulationRunResult] = []
        var speed = LLMSpeed()
        for (i, run) in runs.enumerated() {
            try Task.checkCancellation()
            let stored = try Self.readResult(in: plan.runFolder(run.arm, seed: run.seed))
            if let earlier = stored, earlier.arm == run.arm {
                results.append(earlier)
                progress(.runFinished(earlier, earlier: true))
                continue
            }
            if plan.reportOnly { continue }
            if let stored {
                progress(.replacingEarlier(arm: run.arm.name, seed: run.seed, changes: stored.arm.changes(to: run.arm)))
            }
            let remaining = runs[(i + 1)...].filter { (try? finishedResult($0.arm, seed: $0.seed)) == nil }
            let laterLLMLabels = remaining.map { Self.llmBudget($0.arm) }.reduce(0, +)
            let result = try await execute(
                run.arm, seed: run.seed, dataset: dataset, position: (i + 1, runs.count),
                laterLLMLabels: laterLLMLabels, speed: &speed, progress: progress)
            results.append(result)
            try writeReport(results, dataset: dataset)
            progress(.runFinished(result, earlier: false))
        }
        try writeReport(results, dataset: dataset)
        return results
    }

    /// Writes the reports for `results` and for the other finished runs in the folder: arms
    /// run by an earlier command with other options. A finished run of an arm the plan also
    /// names, but with other settings (another budget, say), is left out: its figures would
    /// be averaged with runs they are not comparable to.
    private func writeReport(_ results: [SimulationRunResult], dataset: SimulationDataset) throws {
        let planned = Set(plan.arms.map(\.name))
        let others = otherFinishedResults().filter { !planned.contains($0.arm.name) }
        try SimulationReport(
            results: results + others,
            dataset: dataset.summary(maxPool: plan.maxPool, poolFile: plan.poolPath, testFile: plan.testPath)
        ).write(to: URL(fileURLWithPath: plan.output))
    }

    /// Every `runs/ARM/seed-N/result.json` in the output folder, by arm folder and seed.
    private func otherFinishedResults() -> [SimulationRunResult] {
        let runs = URL(fileURLWithPath: plan.output).appendingPathComponent("runs")
        let fm = FileManager.default
        let arms = ((try? fm.contentsOfDirectory(atPath: runs.path)) ?? []).sorted()
        return arms.flatMap { arm -> [SimulationRunResult] in
            let seeds = ((try? fm.contentsOfDirectory(atPath: runs.appendingPathComponent(arm).path)) ?? [])
                .compactMap { $0.hasPrefix("seed-") ? Int($0.dropFirst(5)) : nil }.sorted()
            return seeds.compactMap { seed in
                try? Self.readResult(in: runs.appendingPathComponent(arm).appendingPathComponent("seed-\(seed)"))
            }
        }
    }

    static let resultFile = "result.json"
    static let timingsFile = "timings.json"
    /// The LLM's answers against gold, counts by (gold, answer): `--llm noisy:FILE` replays it.
    static let confusionFile = "llm-confusion.json"
    static let sessionFolder = "session"

    private func finishedResult(_ arm: SimulationArm, seed: Int) throws -> SimulationRunResult? {
        let result = try Self.readResult(in: plan.runFolder(arm, seed: seed))
        return result?.arm == arm ? result : nil
    }

    /// The `result.json` of the run folder `folder`; nil when the run has not finished.
    private static func readResult(in folder: URL) throws -> SimulationRunResult? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(resultFile).path) else { return nil }
        return try JSONDecoder().decode(SimulationRunResult.self, from: data)
    }

    private static func llmBudget(_ arm: SimulationArm) -> Int {
        ((try? arm.labelSchedule().rounds) ?? []).map(\.llm).reduce(0, +)
    }

    /// Seconds per LLM label measured in this process, for the ETA.
    struct LLMSpeed {
        var labels = 0
        var seconds = 0.0
        var perLabel: Double? { labels >= 3 ? seconds / Double(labels) : nil }
    }

    // MARK: - One run

    private func execute(
        _ arm: SimulationArm, seed: Int, dataset: SimulationDataset, position: (Int, Int), laterLLMLabels: Int,
        speed: inout LLMSpeed, progress: @escaping @Sendable (SimulationProgress) -> Void
    ) async throws -> SimulationRunResult {
        let folder = plan.runFolder(arm, seed: seed)
        let sessionFolder = folder.appendingPathComponent(Self.sessionFolder)
        let config = arm.sessionConfig(
            name: "\(arm.name)-seed-\(seed)", labels: dataset.labels, description: plan.description, seed: seed, llm: plan.llm)
        if !FileManager.default.fileExists(atPath: sessionFolder.appendingPathComponent(Session.databaseFile).path) {
            try? FileManager.default.removeItem(at: sessionFolder)
            let pool = dataset.samplePool(size: plan.maxPool, seed: seed)
            let imported = DatasetImport(
                labels: dataset.labels,
                pool: pool.enumerated().map { Item(key: $1.key, text: $1.text, split: .pool, gold: $1.gold, position: $0) },
                test: dataset.test.map { Item(key: $0.key, text: $0.text, split: .test, gold: $0.gold, position: $0.position) },
                warnings: [])
            try Session.create(at: sessionFolder.path, config: config, dataset: imported)
        }
        let session = try Session.open(sessionFolder.path)
        let database = try session.database
        let items = try database.items(split: .pool) + database.items(split: .test)
        try copyVectors(items, from: dataset, into: database)
        let gold = Dictionary(uniqueKeysWithValues: items.map { ($0.id!, $0.gold) })

        let (annotator, finish) = try await makeAnnotator(session, try dataset.session.database)
        let engine = RoundEngine(
            store: database, embedder: embedder, annotator: annotator,
            configuration: try config.engineConfiguration())
        let oracle = OracleExpert(labels: dataset.labels, noise: plan.expertNoise, seed: UInt64(bitPattern: Int64(seed)))
        let schedule = try arm.labelSchedule()
        let engineTask = Task { try await engine.run() }
        let clock = RunClock(url: folder.appendingPathComponent(Self.timingsFile))
        let (expertWakes, expertWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let expertTask = Task {
            try await Self.simulatedExpert(engine: engine, oracle: oracle, gold: gold, seconds: plan.expertSeconds,
                                           wakes: expertWakes, clock: clock)
        }

        var state = RunProgress(
            index: position.0, runs: position.1, arm: arm.name, seed: seed, round: 0, rounds: schedule.rounds.count,
            labels: 0, budget: arm.budget, llmLabels: 0, llmBudget: Self.llmBudget(arm))
        let resumed = try await database.replayedLog().currentLabels.values
        state.labels = resumed.count
        state.llmLabels = resumed.count { $0.llm != nil }
        var lastLLMLabel = Date()
        var pauses = 0
        var failure: String?

        do {
            try await withTaskCancellationHandler {
                for await event in engine.events {
                    switch event {
                    case let .selecting(r):
                        await clock.roundStarted(r)
                    case let .roundStarted(r, _, _):
                        state.round = r
                        expertWake.yield()
                    case let .queues(sizes):
                        await clock.roundStarted(sizes.round)
                        if sizes.expert > 0 { expertWake.yield() }
                    case .undone:
                        expertWake.yield()
                    case let .llmCalls(r, inFlight):
                        await clock.llmCalls(round: r, inFlight: inFlight)
                    case let .labeled(_, _, source) where source != .shadow:
                        state.labels += 1
                        if source == .llm {
                            state.llmLabels += 1
                            let now = Date()
                            speed.labels += 1
                            speed.seconds += now.timeIntervalSince(lastLLMLabel)
                            lastLLMLabel = now
                        }
                        state.eta = speed.perLabel.map { Double(state.llmBudget - state.llmLabels + laterLLMLabels) * $0 }
                        progress(.run(state))
                    case let .roundFinished(metrics):
                        try await clock.roundFinished(metrics.round)
                        progress(.run(state))
                    case .llmError:
                        lastLLMLabel = Date()
                    case let .llmPaused(reason, retryAt):
                        pauses += 1
                        progress(.llmPaused(arm: arm.name, seed: seed, reason: reason, retryAt: retryAt))
                        if pauses > maxLLMPauses {
                            failure = reason
                            engineTask.cancel()
                        }
                    case .llmResumed:
                        pauses = 0
                        lastLLMLabel = Date()
                    default:
                        break
                    }
                }
            } onCancel: {
                engineTask.cancel()
            }
            expertTask.cancel()
            try Task.checkCancellation()
            _ = try await engineTask.value
            try await clock.save()
        } catch {
            engineTask.cancel()
            expertTask.cancel()
            _ = await engineTask.result
            _ = await expertTask.result
            try? await clock.save()
            await finish()
            if let failure { throw SimulationError.llmUnavailable(arm: arm.name, seed: seed, reason: failure) }
            throw error
        }
        if case .failure(let error) = await expertTask.result, !(error is CancellationError) { throw error }
        await finish()

        let result = try collect(arm, seed: seed, database: database, gold: gold, timings: await clock.timings,
                                 poolSize: items.filter { $0.split == .pool }.count, testSize: dataset.test.count)
        try JSONEncoder.pretty.encode(result).write(to: folder.appendingPathComponent(Self.resultFile), options: .atomic)
        if let confusion = try Self.llmConfusion(database: database, gold: gold, labels: dataset.labels) {
            try JSONEncoder.pretty.encode(confusion).write(to: folder.appendingPathComponent(Self.confusionFile), options: .atomic)
        }
        if !plan.keepSessions { try? FileManager.default.removeItem(at: sessionFolder) }
        return result
    }

    /// The simulated expert: labels the items the engine offers, taking `seconds` per label,
    /// and waits for a wake when none is waiting. The wait before an item counts as that
    /// item's round's idle time; the wait after the session's last expert item never ends in
    /// an item, so it does not count.
    private static func simulatedExpert(
        engine: RoundEngine, oracle: OracleExpert, gold: [Int64: String?], seconds: Double,
        wakes: AsyncStream<Void>, clock: RunClock
    ) async throws {
        var wakes = wakes.makeAsyncIterator()
        var idleSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            guard let task = await engine.nextExpertItem(neighbours: 0) else {
                if idleSince == nil { idleSince = .now }
                guard await wakes.next() != nil else { return }
                continue
            }
            if let since = idleSince {
                await clock.expertIdle(round: task.round, seconds: (ContinuousClock.now - since).seconds)
                idleSince = nil
            }
            guard let answer = gold[task.itemID] ?? nil else { throw SimulationError.missingGold(itemID: task.itemID) }
            if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) }
            do {
                try await engine.submit(itemID: task.itemID, label: oracle.label(itemID: task.itemID, gold: answer))
            } catch EngineError.notInExpertQueue, EngineError.alreadyLabeled {
                continue  // the round moved on while the expert thought; the next item is asked for
            }
        }
    }

    /// Counts of the run's LLM labels by gold label (rows) and answer (columns); nil when the
    /// run had no LLM label.
    static func llmConfusion(database: AppDatabase, gold: [Int64: String?], labels: [String]) throws -> SimulatedAnnotator.Confusion? {
        let given = try database.annotationLog().filter { $0.kind == .label && $0.source == .llm }
        guard !given.isEmpty else { return nil }
        var counts = Array(repeating: Array(repeating: 0.0, count: labels.count), count: labels.count)
        for a in given {
            guard let g = gold[a.itemID] ?? nil, let row = labels.firstIndex(of: g),
                  let col = labels.firstIndex(of: a.label!) else { continue }
            counts[row][col] += 1
        }
        return SimulatedAnnotator.Confusion(labels: labels, confusion: counts)
    }

    /// Gives the run's session the dataset's vectors, so no run embeds anything.
    private func copyVectors(_ items: [Item], from dataset: SimulationDataset, into database: AppDatabase) throws {
        let have = try database.itemIDsWithVectors(modelID: dataset.modelID)
        let missing = items.filter { !have.contains($0.id!) }
        guard !missing.isEmpty else { return }
        var values = [Float]()
        for item in missing {
            guard let vector = dataset.vectors[item.key] else { throw SimulationError.missingVector(key: item.key) }
            values += vector
        }
        let matrix = Matrix(rows: missing.count, cols: values.count / missing.count, values: values)
        try database.saveVectors(matrix, for: missing.map { $0.id! }, modelID: dataset.modelID)
    }

    /// The per-round rows of a finished run, from its session store.
    private func collect(
        _ arm: SimulationArm, seed: Int, database: AppDatabase, gold: [Int64: String?], timings: RunTimings,
        poolSize: Int, testSize: Int
    ) throws -> SimulationRunResult {
        let records = try database.annotationLog().filter { $0.kind == .label }
        let usage = try database.llmCallTotalsByRound()
        func agreement(_ source: LabelSource, through round: Int) -> Double? {
            let given = records.filter { $0.source == source && ($0.round ?? 0) <= round }
            guard !given.isEmpty else { return nil }
            return Double(given.filter { gold[$0.itemID] == $0.label }.count) / Double(given.count)
        }
        let rounds = try database.metrics().map { m in
            let calls = usage[m.round] ?? LLMCallTotals()
            return SimulationRound(
                arm: arm.name, seed: seed, round: m.round, humanLabels: m.humanLabels, llmLabels: m.llmLabels,
                macroF1: m.evaluation.macroF1, accuracy: m.evaluation.accuracy,
                llmAccuracy: agreement(.llm, through: m.round), expertAccuracy: agreement(.human, through: m.round),
                llmCalls: calls.calls, cacheHits: calls.cacheHits, promptTokens: calls.promptTokens,
                completionTokens: calls.completionTokens, seconds: timings.seconds[m.round] ?? 0,
                macroF1Interval: m.evaluation.confusion.macroF1Interval(),
                expertIdleSeconds: timings.expertIdle[m.round] ?? 0, llmWallSeconds: timings.llmWall[m.round] ?? 0,
                llmEstimate: m.llmEstimate?.accuracy, llmEstimateInterval: m.llmEstimate?.interval,
                shadowLabels: m.llmEstimate?.count, llmLabelsGiven: m.llmLabelUse?.given)
        }
        return SimulationRunResult(arm: arm, seed: seed, poolSize: poolSize, testSize: testSize, rounds: rounds,
                                   wallSeconds: timings.wall)
    }
}

extension JSONEncoder {
    /// Indented, with sorted keys: results files that diff well.
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
