import ArgumentParser
import Foundation
import IMFLCore

/// `imfl simulate`: the IMFL loop run headlessly with a simulated expert (gold labels) and the
/// real LLM annotator, one arm or the paper's whole comparison, with results as CSV, JSON,
/// markdown and a plot.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the loop with a simulated expert and the real LLM, and report F1 by round.",
        discussion: """
            Each run is a throwaway session over a pool sampled from --pool, driven by the same \
            engine as `imfl label`; the simulated expert answers with the gold labels. Results \
            go to --out as results.csv, results.json, summary.md and curves.svg, and are \
            rewritten after every run. Running the same command again skips finished runs and \
            resumes an interrupted one; LLM answers are cached in --out/dataset.
            """)

    @Option(help: "A folder holding pool.jsonl and test.jsonl (instead of --pool and --test).")
    var data: String?

    @Option(help: "The labeled pool (JSONL or CSV); every item needs its gold label.")
    var pool: String?

    @Option(help: "The labeled test split the classifier is scored on.")
    var test: String?

    @Option(help: "Pool items drawn per seed (0: the whole pool).")
    var maxPool = 3000

    @Option(help: "Total labels B, expert and LLM together.")
    var budget = 1000

    @Option(help: "Share of the budget labeled by the simulated expert.")
    var humanShare = 0.2

    @Option(help: "Number of rounds R.")
    var rounds = 5

    @Option(help: "Selection: \(QueryStrategyName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var strategy = "eeq"

    @Option(help: "Human batch sizes: decay, equal or single.")
    var schedule = "decay"

    @Option(help: "γ of the decaying schedule.")
    var decay = 0.5

    @Option(help: "Examples in an LLM prompt: similar, random or none (zero-shot).")
    var retrieval = "similar"

    @Option(help: "Retrieved examples per LLM prompt.")
    var k = 5

    @Flag(help: "Retrieve ⌈k / labels⌉ examples per label among the most similar (retrieval.label_diverse).")
    var labelDiverse = false

    @Option(help: "How LLM labels train the classifier ([learner] llm_labels): \(LLMLabelUse.names).")
    var llmLabels = "all"

    @Option(help: "Share of each expert batch the LLM also labels, to estimate its accuracy ([llm] shadow; 0: off).")
    var shadow = LLMSettings().shadow

    @Option(help: "Share of each expert batch that LLM labels in doubt may take ([llm] route_doubtful; 0: off).")
    var routeDoubtful = 0.0

    @Option(help: "Seeds: runs per arm, each on its own sampled pool.")
    var seeds = 3

    @Option(help: "The LLM: local (imfl's llama.cpp server), an OpenAI-compatible base URL, or a simulated annotator: noisy:ACCURACY (e.g. noisy:0.77) or noisy:FILE (a confusion matrix, e.g. a run's llm-confusion.json).")
    var llm = "local"

    @Option(help: "With --llm noisy:…: seconds per simulated LLM call.")
    var llmLatency = 0.0

    @Option(help: "Model name sent to an --llm URL.")
    var llmModel = "local"

    @Option(help: "LLM calls in flight at once (default: 2 for the local server, 16 for a URL).")
    var llmConcurrency: Int?

    @Option(help: "How rounds overlap: overlapped (the expert labels the next round while the LLM works) or sequential.")
    var pipeline = "overlapped"

    @Option(help: "The simulated expert's think time per label, in seconds.")
    var expertSeconds = 0.0

    @Option(help: "Probability that the simulated expert gives a wrong label.")
    var expertNoise = 0.0

    @Option(help: "Run a suite of arms instead of one: paper (the comparison of Zhang et al. 2023).")
    var suite: String?

    @Option(help: "With --suite: only these arms, comma-separated (see --list-arms).")
    var arms: String?

    @Flag(help: "List the suite's arms and exit.")
    var listArms = false

    @Option(help: "Name of the single arm (without --suite).")
    var name = "custom"

    @Option(help: "A phrase for the LLM instruction: \"Classify <description>.\"")
    var description = ""

    @Option(help: "The results folder, e.g. results/fpb.")
    var out: String?

    @Flag(help: "Keep each run's session folder (open it with imfl status or imfl label).")
    var keepSessions = false

    @Flag(help: "Run nothing: rewrite the results files from the runs of the plan that have finished.")
    var reportOnly = false

    @Option(help: "Folder with model.safetensors and vocab.txt (default: IMFL_MINILM_DIR, imfl's venv).")
    var model: String?

    /// How long the runs may take to notice cancellation after a stop signal before imfl
    /// exits anyway (an embedding batch or a retraining step does not check for it).
    static let stopGrace = Duration.seconds(1)

    func validate() throws {
        if !listArms {
            guard out != nil else { throw ValidationError("--out is required: the folder for the results") }
            guard data != nil || (pool != nil && test != nil) else {
                throw ValidationError("give --data FOLDER (with pool.jsonl and test.jsonl) or both --pool and --test")
            }
        }
        if let suite, suite != "paper" { throw ValidationError("--suite must be paper, got \(suite)") }
        guard QueryStrategyName(rawValue: strategy) != nil else { throw ValidationError("unknown --strategy \(strategy)") }
        guard ScheduleKind(sessionName: schedule) != nil else { throw ValidationError("--schedule must be decay, equal or single") }
        guard RetrievalMode(rawValue: retrieval) != nil else { throw ValidationError("--retrieval must be similar, random or none") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        if llm.hasPrefix("noisy:") {
            let spec = String(llm.dropFirst(6))
            if let accuracy = Double(spec), !(accuracy >= 0 && accuracy <= 1) {
                throw ValidationError("--llm noisy:ACCURACY needs an accuracy in [0, 1], got \(spec)")
            }
            if Double(spec) == nil, !FileManager.default.fileExists(atPath: spec) {
                throw ValidationError("--llm noisy:FILE: \(spec) does not exist")
            }
        } else if llm != "local", !(llm.hasPrefix("http://") || llm.hasPrefix("https://")) {
            throw ValidationError("--llm must be local, an http(s) URL, or noisy:ACCURACY|FILE, got \(llm)")
        }
        guard llmLatency >= 0, llmLatency <= 600 else { throw ValidationError("--llm-latency must be in [0, 600] seconds") }
        guard LLMLabelUse(rawValue: llmLabels) != nil else {
            throw ValidationError("--llm-labels must be one of \(LLMLabelUse.names), got \(llmLabels)")
        }
        guard (0 ... 1).contains(routeDoubtful) else { throw ValidationError("--route-doubtful must be in [0, 1], got \(routeDoubtful)") }
        guard (0 ... 1).contains(shadow) else { throw ValidationError("--shadow must be in [0, 1], got \(shadow)") }
        guard Pipeline(rawValue: pipeline) != nil else { throw ValidationError("--pipeline must be overlapped or sequential") }
        guard expertSeconds >= 0, expertSeconds <= 3600 else { throw ValidationError("--expert-seconds must be in [0, 3600]") }
        if let llmConcurrency, !(1 ... 256).contains(llmConcurrency) {
            throw ValidationError("--llm-concurrency must be in 1…256")
        }
        guard (0 ..< 1).contains(expertNoise) else { throw ValidationError("--expert-noise must be in [0, 1)") }
        guard maxPool >= 0 else { throw ValidationError("--max-pool must not be negative") }
        // The arms' settings become session settings, so session.toml's ranges apply.
        var settings = SessionConfig(task: .init(name: name, labels: ["a", "b"]))
        settings.budget.total = budget
        settings.budget.humanShare = humanShare
        settings.budget.rounds = rounds
        settings.budget.decay = decay
        settings.retrieval.k = k
        do {
            try settings.validate(path: "options")
        } catch let error as SessionError {
            throw ValidationError(error.description)
        }
        _ = try armList()
    }

    /// The arms to run.
    func armList() throws -> [SimulationArm] {
        guard suite != nil else {
            let kind = ScheduleKind(sessionName: schedule) ?? .geometric
            let arm = SimulationArm(
                name: name, budget: budget, humanShare: humanShare, rounds: kind == .single ? 1 : rounds, schedule: kind,
                decay: decay, strategy: QueryStrategyName(rawValue: strategy) ?? .eeq,
                retrieval: RetrievalMode(rawValue: retrieval) ?? .similar, k: k, labelDiverse: labelDiverse,
                pipeline: Pipeline(rawValue: pipeline) ?? .overlapped, llmLabels: LLMLabelUse(rawValue: llmLabels) ?? .all,
                shadow: shadow, routeDoubtful: routeDoubtful)
            do { _ = try arm.labelSchedule() } catch { throw ValidationError("\(error)") }
            return [arm]
        }
        let all = PaperSuite.arms(budget: budget, rounds: rounds, k: k, pipeline: Pipeline(rawValue: pipeline) ?? .overlapped)
            .map { arm -> SimulationArm in
                var arm = arm
                if arm.shadow > 0 { arm.shadow = shadow }
                return arm
            }
        guard let arms else { return all }
        let wanted = arms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let unknown = wanted.filter { name in !all.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw ValidationError("unknown arm \(unknown.joined(separator: ", ")); the suite has \(all.map(\.name).joined(separator: ", "))")
        }
        return all.filter { wanted.contains($0.name) }
    }

    func run() async throws {
        let arms = try armList()
        if listArms {
            for arm in arms {
                let plan = try arm.labelSchedule()
                print("\(arm.name): \(plan.rounds.map(\.human).reduce(0, +)) expert + \(plan.rounds.map(\.llm).reduce(0, +)) LLM labels, \(arm.strategy.rawValue), \(arm.schedule.rawValue), \(arm.rounds) rounds, retrieval \(arm.retrieval.rawValue)")
            }
            return
        }
        let folder = data.map { URL(fileURLWithPath: $0) }
        var settings = LLMSettings()
        let simulated = llm.hasPrefix("noisy:") ? String(llm.dropFirst(6)) : nil
        if llm != "local", simulated == nil {
            settings.baseURL = llm
            settings.model = llmModel
        }
        settings.maxConcurrency = llmConcurrency ?? (llm == "local" ? 2 : 16)
        let plan = SimulationPlan(
            poolPath: pool ?? folder!.appendingPathComponent("pool.jsonl").path,
            testPath: test ?? folder!.appendingPathComponent("test.jsonl").path,
            maxPool: maxPool == 0 ? nil : maxPool, seeds: Array(1 ... seeds), arms: arms, output: out!,
            description: description, llm: settings, expertNoise: expertNoise, keepSessions: keepSessions,
            reportOnly: reportOnly, expertSeconds: expertSeconds)

        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: model)
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        let server = LocalLLMServer(configuration: .init(parallel: settings.maxConcurrency))
        var ownsServer = false
        if !reportOnly, simulated == nil, arms.contains(where: \.usesLLM), settings.usesLocalServer {
            guard server.isInstalled else {
                throw ValidationError("the local LLM is not installed; run scripts/install-llm (or pass --llm URL)")
            }
            if case .running = await server.status() {} else { ownsServer = true }
        }
        let startServer = ownsServer
        let latency = Duration.milliseconds(Int(llmLatency * 1000))
        let runner = SimulationRunner(plan: plan, embedder: embedder) { session, cache in
            if let simulated {
                let labels = session.config.task.labels
                let matrix = try Double(simulated).map { SimulatedAnnotator.Confusion.symmetric(labels: labels, accuracy: $0) }
                    ?? SimulatedAnnotator.Confusion.read(simulated, labels: labels)
                let gold = Dictionary(uniqueKeysWithValues: try session.database.items(split: .pool).compactMap { item in
                    item.gold.map { (item.id!, $0) }
                })
                let annotator = SimulatedAnnotator(matrix: matrix, gold: gold, seed: UInt64(max(0, session.config.query.seed)), latency: latency)
                return (annotator, {})
            }
            let annotator = SessionAnnotator(config: session.config, guidelines: nil, store: try session.database, cache: cache)
            return (annotator, { await annotator.shutdown() })
        }
        let display = SimulationDisplay()
        let work = Task { () -> Result<[SimulationRunResult], any Error> in
            do {
                if startServer {
                    printError("starting the local LLM server …")
                    _ = try await server.start()
                }
                return .success(try await runner.run { display.show($0) })
            } catch {
                return .failure(error)
            }
        }
        // ^C, kill or a closed terminal cancel the runs: finished runs are in the results
        // files and the interrupted one resumes next time. A step that does not notice the
        // cancellation within the grace period is abandoned, after stopping the server.
        let signals = StopSignals { signal in
            work.cancel()
            Task {
                guard !(await work.finished(within: Self.stopGrace)) else { return }
                display.finish()
                if startServer { _ = try? await server.stop() }
                Foundation.exit(128 + signal)
            }
        }
        defer { signals.cancel() }
        let outcome = await work.value
        if ownsServer { _ = try? await server.stop() }
        let results: [SimulationRunResult]
        switch outcome {
        case .success(let r):
            results = r
        case .failure(let error):
            display.finish()
            if let signal = signals.received { throw ExitCode(128 + signal) }
            if error is CancellationError { throw ExitCode(130) }
            if error is LocalLLMServerError { throw error }
            printError("imfl simulate: \(error)")
            throw ExitCode.failure
        }
        display.finish()
        let outURL = URL(fileURLWithPath: out!)
        let markdown = (try? String(contentsOf: outURL.appendingPathComponent(SimulationReport.markdownFile), encoding: .utf8)) ?? ""
        print(markdown)
        print("\(results.count) runs; results in \(outURL.path)/{\(SimulationReport.csvFile),\(SimulationReport.jsonFile),\(SimulationReport.markdownFile),\(SimulationReport.svgFile)}")
    }
}

/// The progress of a simulation on standard error: a line rewritten in place on a terminal,
/// one line per finished round otherwise (for logs).
final class SimulationDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let live = isatty(STDERR_FILENO) == 1
    private let embedding = ProgressBar("embedding the dataset")
    private var lastDraw = Date.distantPast
    private var lastRound: (arm: String, seed: Int, round: Int)?

    func show(_ progress: SimulationProgress) {
        switch progress {
        case let .embedding(done, total):
            embedding.update(done, of: total)
        case let .run(state):
            lock.lock()
            defer { lock.unlock() }
            let eta = state.eta.map { " · ETA \(Self.duration($0))" } ?? ""
            let line = "[\(state.index)/\(state.runs)] \(state.arm) seed \(state.seed) · round \(state.round)/\(state.rounds) · labels \(state.labels)/\(state.budget) (LLM \(state.llmLabels)/\(state.llmBudget))\(eta)"
            if live {
                guard Date().timeIntervalSince(lastDraw) > 0.2 || state.labels == state.budget else { return }
                lastDraw = Date()
                FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
            } else if lastRound.map({ $0 != (state.arm, state.seed, state.round) }) ?? true {
                lastRound = (state.arm, state.seed, state.round)
                printError(line)
            }
        case let .runFinished(result, earlier):
            lock.lock()
            defer { lock.unlock() }
            let f1 = result.final.map { String(format: "%.1f", $0.macroF1 * 100) + ($0.macroF1Interval.map { " 95% " + $0.percentText } ?? "") } ?? "–"
            let llm = result.final?.llmAccuracy.map { String(format: ", LLM labels %.1f%% right", $0 * 100) } ?? ""
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            printError("\(result.arm.name) seed \(result.seed): macro-F1 \(f1)\(llm)\(earlier ? " (finished earlier)" : "")")
        case let .replacingEarlier(arm, seed, changes):
            lock.lock()
            defer { lock.unlock() }
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let what = changes.isEmpty ? "" : " (\(changes.joined(separator: ", ")))"
            printError("\(arm) seed \(seed): its finished run had other settings\(what); running it again replaces it (give the earlier settings to keep it)")
        case let .llmPaused(arm, seed, reason, retryAt):
            lock.lock()
            defer { lock.unlock() }
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            printError("\(arm) seed \(seed): LLM paused (\(reason)); retrying in \(Self.duration(max(0, retryAt.timeIntervalSinceNow)))")
        }
    }

    func finish() {
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0fs", seconds)
            : seconds < 5400 ? String(format: "%.0fmin", seconds / 60) : String(format: "%.1fh", seconds / 3600)
    }
}
