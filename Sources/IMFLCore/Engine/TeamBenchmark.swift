import Foundation
import IMFLNumerics

/// `imfl bench team`: simulated experts labeling one large shared session on PostgreSQL at
/// once, each through an engine and a connection of their own, as each expert's `imfl label`
/// would. One of the engines leads the rounds (selection over the whole pool, a simulated LLM,
/// retraining), the others follow.
///
/// It measures what an expert feels and what a team must be able to trust:
/// - key press → next item: from the start of an expert's label to the next item handed to
///   them (the label's commit, the claim of the next item, the catch-up on the others'
///   labels), per label; the median and the 99th percentile;
/// - items handed to two experts (the session has no overlap, so any is a fault);
/// - labels lost: labels whose commit returned that are not in the log;
/// - labels per second, all experts together, over the whole labeling time from the first
///   claim to the last label (waits for the next round included; they are also counted apart).
///
/// Waits for the next round (every expert item of the round labeled, the leader selecting
/// the next) are counted apart: they are the rounds' barrier, not the store's speed.
public enum TeamBenchmark {
    public struct Options: Sendable {
        public var server: String
        public var experts = 8
        public var poolSize = 100_000
        public var testSize = 500
        public var dimension = 32
        public var labels = ["negative", "neutral", "positive"]
        /// The expert labels the experts give in all before the run ends.
        public var expertLabels = 800
        public var rounds = 4
        /// The expert's share of each round's labels (the rest go to the simulated LLM).
        public var humanShare = 0.5
        /// Seconds an expert thinks before each label (0: as fast as the store allows).
        public var think = 0.0
        public var seed: UInt64 = 7

        public init(server: String) { self.server = server }
    }

    public struct Result: Sendable {
        public var latencies: [Double]
        /// The two parts of each latency: the label's commit, and the next item's claim.
        public var commits: [Double]
        public var claims: [Double]
        public var labels: Int
        public var labelingSeconds: Double
        public var roundWaits: Int
        public var roundWaitSeconds: Double
        public var handedTwice: Int
        public var lost: Int
        public var leaders: Int
        public var setupSeconds: Double
        public var roundsOpened: Int
    }

    /// Creates the session, runs the experts, removes the session, and returns the figures.
    public static func run(_ options: Options, progress: @Sendable (String) -> Void = { _ in }) async throws -> Result {
        let name = "bench_team_\(UInt32.random(in: 0 ... .max))"
        let address = try PostgresAddress(parsing: options.server.contains("?") ? options.server : "\(options.server)?session=\(name)")
        let setupStart = ContinuousClock.now
        progress("creating a session of \(options.poolSize) pool items and \(options.testSize) test items on \(address.host):\(address.port)…")
        let (gold, embedder) = try await createSession(address, options)
        let setupSeconds = (ContinuousClock.now - setupStart).seconds
        do {
            let result = try await label(address, options, gold: gold, embedder: embedder, setupSeconds: setupSeconds, progress: progress)
            try await drop(address)
            return result
        } catch {
            try? await drop(address)
            throw error
        }
    }

    private static func drop(_ address: PostgresAddress) async throws {
        let store = try await PostgresStore.open(address)
        try await store.drop()
        await store.close()
    }

    private static func label(
        _ address: PostgresAddress, _ options: Options, gold: [Int64: String], embedder: StoredVectors, setupSeconds: Double,
        progress: @Sendable (String) -> Void
    ) async throws -> Result {

        let schedule = try Schedule(budget: Int((Double(options.expertLabels) / options.humanShare).rounded()),
                                    humanShare: options.humanShare, rounds: options.rounds)
        var base = EngineConfiguration(labels: options.labels, schedule: schedule, pipeline: .overlapped, llmConcurrency: 8,
                                       seed: options.seed)
        base.claimLease = 60
        let annotator = SimulatedAnnotator(matrix: .symmetric(labels: options.labels, accuracy: 0.8), gold: gold, seed: options.seed)
        let ledger = Ledger()
        progress("\(options.experts) experts label \(options.expertLabels) items through PostgreSQL…")
        let start = ContinuousClock.now
        var stores: [PostgresStore] = []
        let results = try await withThrowingTaskGroup(of: ExpertRun.self) { group in
            for n in 0 ..< options.experts {
                let store = try await PostgresStore.open(address)
                stores.append(store)
                var configuration = base
                configuration.annotator = "expert\(n + 1)"
                let engine = RoundEngine(store: store, embedder: embedder, annotator: annotator, configuration: configuration)
                group.addTask {
                    try await expert(engine, gold: gold, ledger: ledger, target: options.expertLabels, think: options.think)
                }
            }
            var all: [ExpertRun] = []
            for try await r in group { all.append(r) }
            return all
        }
        let labelingSeconds = (ContinuousClock.now - start).seconds
        // Every label whose commit returned is in the log, once.
        let log = try await stores[0].annotationLog()
        let logged = Set(log.filter { $0.kind == .label && $0.source == .human }.map { "\($0.annotator)/\($0.itemID)" })
        let committed = results.flatMap { r in r.labeled.map { "\(r.name)/\($0)" } }
        let rounds = try await stores[0].rounds().count
        for store in stores { await store.close() }
        return Result(
            latencies: results.flatMap(\.latencies), commits: results.flatMap(\.commits), claims: results.flatMap(\.claims), labels: committed.count, labelingSeconds: labelingSeconds,
            roundWaits: results.map(\.roundWaits).reduce(0, +), roundWaitSeconds: results.map(\.roundWaitSeconds).reduce(0, +),
            handedTwice: await ledger.handedTwice, lost: committed.filter { !logged.contains($0) }.count,
            leaders: results.filter(\.led).count, setupSeconds: setupSeconds, roundsOpened: rounds)
    }

    /// What one simulated expert did.
    struct ExpertRun: Sendable {
        var name: String
        var labeled: [Int64] = []
        var latencies: [Double] = []
        var commits: [Double] = []
        var claims: [Double] = []
        var roundWaits = 0
        var roundWaitSeconds = 0.0
        var led = false
    }

    /// Who was handed which item.
    actor Ledger {
        private var handed: [Int64: Set<String>] = [:]
        private(set) var labels = 0

        func hand(_ item: Int64, to name: String) { handed[item, default: []].insert(name) }
        var handedTwice: Int { handed.values.filter { $0.count > 1 }.count }
        func count() { labels += 1 }
    }

    /// One expert: serves the session with their engine and labels what it hands them with
    /// the gold label, until the team has given `target` labels or the session is finished.
    private static func expert(
        _ engine: RoundEngine, gold: [Int64: String], ledger: Ledger, target: Int, think: Double
    ) async throws -> ExpertRun {
        let name = await engine.team.annotator
        var run = ExpertRun(name: name)
        let serving = Task { try await engine.serve(electionInterval: .milliseconds(500)) }
        defer { serving.cancel() }
        var events = engine.events.makeAsyncIterator()
        var next: ExpertTask?
        var waitStart: ContinuousClock.Instant?
        while await ledger.labels < target {
            if next == nil { next = try await engine.claimNextExpertItem(neighbours: 5) }
            guard let task = next else {
                // Nothing free: the round's items are all given out; wait for a change.
                if waitStart == nil { waitStart = .now }
                guard let event = await events.next() else { break }
                if case .role(.leading) = event { run.led = true }
                if event == .finished { break }
                continue
            }
            if let w = waitStart {
                run.roundWaits += 1
                run.roundWaitSeconds += (ContinuousClock.now - w).seconds
                waitStart = nil
            }
            await ledger.hand(task.itemID, to: name)
            if think > 0 { try await Task.sleep(for: .seconds(think)) }
            let pressed = ContinuousClock.now
            try await engine.submit(itemID: task.itemID, label: gold[task.itemID]!)
            let committed = ContinuousClock.now
            run.labeled.append(task.itemID)
            await ledger.count()
            next = try await engine.claimNextExpertItem(neighbours: 5)
            if next != nil {
                let shown = ContinuousClock.now
                run.latencies.append((shown - pressed).seconds)
                run.commits.append((committed - pressed).seconds)
                run.claims.append((shown - committed).seconds)
            }
        }
        if case .leading = await engine.role { run.led = true }
        serving.cancel()
        _ = await serving.result
        return run
    }

    /// A session of synthetic items whose vectors cluster by class, stored with their vectors
    /// so that no engine embeds anything.
    private static func createSession(_ address: PostgresAddress, _ options: Options) async throws -> ([Int64: String], StoredVectors) {
        let total = options.poolSize + options.testSize
        let classes = options.labels.count
        var rng = SeededGenerator(seed: options.seed)
        let centres = (0 ..< classes).map { _ in (0 ..< options.dimension).map { _ in Float(rng.gaussian()) } }
        var items: [Item] = []
        var vectors = Matrix(rows: total, cols: options.dimension)
        for n in 0 ..< total {
            let c = n % classes
            let pool = n < options.poolSize
            items.append(Item(key: "b\(n)", text: "benchmark item \(n) of class \(options.labels[c])", split: pool ? .pool : .test,
                              gold: options.labels[c], position: pool ? n : n - options.poolSize))
            var norm: Float = 0
            for j in 0 ..< options.dimension {
                let v = centres[c][j] + 1.5 * Float(rng.gaussian())
                vectors[n, j] = v
                norm += v * v
            }
            let scale = 1 / norm.squareRoot()
            for j in 0 ..< options.dimension { vectors[n, j] *= scale }
        }
        let pool = Array(items[0 ..< options.poolSize]), test = Array(items[options.poolSize...])
        let labels = options.labels
        let store = try await PostgresStore.create(address) { db, logger in
            try await PostgresStore.importDataset(labels: labels, pool: pool, test: test, meta: ["name": "bench team"], db, logger)
        }
        let embedder = StoredVectors(dimension: options.dimension)
        let stored = try await store.items(in: .pool) + (try await store.items(in: .test))
        try await store.saveVectors(vectors, for: stored.map(\.id), modelID: embedder.modelID)
        await store.close()
        let gold = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.gold!) })
        return (gold, embedder)
    }

    /// The benchmark's items have their vectors stored with them; nothing is embedded.
    struct StoredVectors: Embedder {
        let dimension: Int
        var modelID: String { "bench-team-\(dimension)" }
        func embed(_ texts: [String]) throws -> Matrix {
            throw EngineError.missingVector(itemID: -1)
        }
    }
}
