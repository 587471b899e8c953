import ArgumentParser
import Foundation
import IMFLCore

/// `imfl bench llm`: the LLM annotator's throughput against a bare loop sending the same
/// prompts to the same running server, and optionally its label accuracy zero-shot vs. with
/// retrieved examples; with `--local`, labels/s, prompt tokens evaluated and accuracy of each
/// prompt layout on fresh local servers.
struct BenchLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "LLM annotator labels/s vs. a bare HTTP loop (target ≥ 0.9×), and label accuracy.",
        discussion: """
            Runs against the server started by `imfl llm start` unless --base-url is given. \
            Items come from --data (a folder with test.jsonl and pool.jsonl of {"id","text","label"}), \
            by default ../shared/data/fpb_50agree when present, else built-in sentences. \
            With --neighbours (JSONL written by Benchmarks/llm/retrieve_neighbours.py: each test item \
            with its ranked expert-labeled pool neighbours) it also measures label accuracy zero-shot \
            and with k retrieved examples. \
            With --local it starts its own llama.cpp servers (one per arm, fresh, so no arm reuses \
            another's prompt cache) and labels --test-items test items with --k examples retrieved \
            from --expert gold-labeled pool items under each of --arms (LAYOUT@SLOTS; the arms take \
            turns by blocks of --block items), printing prompt tokens sent and evaluated per label, \
            labels/s, accuracy and the ratio to the first arm.
            """)

    @Option(help: "OpenAI-compatible API root; default: the local server's.")
    var baseURL: String?
    @Option(help: "Model name sent to the server.")
    var model = "local"
    @Option(help: "Folder with test.jsonl and pool.jsonl.")
    var data: String?
    @Option(help: "Items per throughput round.")
    var items = 12
    @Option(help: "Rounds over the items (each item once through each loop per round).")
    var rounds = 2
    @Option(help: "Retrieved examples per prompt.")
    var k = 5
    @Option(help: "Label constraint: grammar, json_schema or none.")
    var constraint: String = "grammar"
    @Option(help: "Neighbours JSONL for the accuracy measurement (skipped when absent).")
    var neighbours: String?
    @Option(help: "Items for the accuracy measurement.")
    var accuracyItems = 50
    @Flag(help: "Skip the throughput measurement.")
    var skipThroughput = false
    @Option(help: "Instead of a real server: label --queue-items items through the engine against a local fake endpoint answering after this many seconds, serially and with --concurrency calls in flight.")
    var fakeLatency: Double?
    @Option(help: "With --fake-latency: LLM items in the round.")
    var queueItems = 160
    @Option(help: "With --fake-latency: calls in flight for the concurrent run.")
    var concurrency = 16
    @Flag(help: "Compare prompt layouts on fresh local llama.cpp servers this command starts and stops.")
    var local = false
    @Option(help: "With --local: gold-labeled pool items drawn as the expert's labels.")
    var expert = 200
    @Option(help: "With --local: test items drawn and labeled under each layout.")
    var testItems = 150
    @Option(help: "With --local: the arms, LAYOUT@SLOTS separated by commas; the first is the baseline of the ratios. Layouts: \(PromptLayout.allCases.map(\.rawValue).joined(separator: ", ")).")
    var arms = "similarity@2,group-examples@2,group-context@2,group-context@1"
    @Option(help: "With --local: calls in flight per arm (imfl label's default for the local server is 2).")
    var inFlight = 2
    @Option(help: "With --local: items per turn of an arm.")
    var block = 25
    @Option(help: "With --local: seeds the draw of expert and test items.")
    var seed: UInt64 = 13
    @Option(name: .customLong("description"), help: "With --local: the task phrase of the instruction, \"Classify TEXT.\"")
    var taskDescription: String?
    @Option(help: "With --local: the MiniLM model folder (default: where imfl finds it).")
    var embedderModel: String?

    func validate() throws {
        guard items > 0, rounds > 0, k >= 0, accuracyItems > 0 else {
            throw ValidationError("--items, --rounds and --accuracy-items must be positive, --k non-negative")
        }
        if let fakeLatency, !(fakeLatency > 0 && fakeLatency <= 10) {
            throw ValidationError("--fake-latency must be in (0, 10] seconds")
        }
        guard (1 ... 10000).contains(queueItems), (1 ... 256).contains(concurrency) else {
            throw ValidationError("--queue-items must be in 1…10000 and --concurrency in 1…256")
        }
        guard (1 ... 100_000).contains(expert), (1 ... 100_000).contains(testItems), (1 ... 16).contains(inFlight),
              block > 0
        else {
            throw ValidationError("--expert, --test-items and --block must be positive, --in-flight in 1…16")
        }
        for arm in arms.split(separator: ",") where PromptLayoutBenchmark.Arm(String(arm), defaultSlots: 2) == nil {
            throw ValidationError("--arms: '\(arm)' is not LAYOUT@SLOTS with a layout among \(PromptLayout.allCases.map(\.rawValue).joined(separator: ", ")) and 1…16 slots")
        }
        guard LabelConstraintMode(rawValue: constraint) != nil else {
            throw ValidationError("--constraint must be grammar, json_schema or none, not '\(constraint)'")
        }
    }

    func run() async throws {
        if let fakeLatency { return try await runQueue(latency: fakeLatency) }
        if local { return try await runLayouts() }
        let baseURL = try await resolveBaseURL()
        let data = try BenchData.load(folder: data)
        let mode = LabelConstraintMode(rawValue: constraint)!
        let client = OpenAIChatClient(
            endpoint: ChatEndpoint(baseURL: baseURL, model: model),
            policy: ChatClientPolicy(requestTimeout: .seconds(600), maxConcurrentRequests: 1))
        defer { Task { try? await client.shutdown() } }
        let prompt = PromptBuilder(task: data.task, labels: data.labels, constraint: mode)
        print("imfl bench llm: \(baseURL), \(data.source), labels \(data.labels.joined(separator: "/")), k=\(k), constraint=\(mode.rawValue)")

        if !skipThroughput {
            let annotator = LLMAnnotator(client: client, prompt: prompt, options: .init(k: k, constraint: mode))
            let requests = data.throughputRequests(count: items, k: k)
            let result = try await LLMBenchmark.throughput(
                annotator: annotator, requests: requests, rounds: rounds, progress: { print("  \($0)") })
            print(String(format: "throughput: imfl %.3f labels/s, bare loop %.3f labels/s (%d items × %d rounds, paired, sequential)",
                         result.imflLabelsPerSecond, result.bareLabelsPerSecond, items, rounds))
            print(String(format: "ratio imfl/bare: %.3f (target ≥ 0.90) %@; median paired ratio %.3f",
                         result.ratio, result.ratio >= 0.9 ? "PASS" : "FAIL", result.medianPairedRatio))
        }

        if let neighbours {
            let items = try BenchData.loadNeighbours(path: neighbours, limit: accuracyItems)
            for (name, options) in [
                ("zero-shot", LLMAnnotator.Options(k: 0, zeroShot: true, constraint: mode)),
                ("k=\(k) retrieved", LLMAnnotator.Options(k: k, constraint: mode)),
            ] {
                let annotator = LLMAnnotator(client: client, prompt: prompt, options: options)
                let result = try await LLMBenchmark.accuracy(annotator: annotator, items: items) { done, total in
                    if done % 10 == 0 || done == total { print("  \(name): \(done)/\(total)") }
                }
                print(String(format: "accuracy %@: %.1f%% (%d/%d, %d failed calls), %.2f s/item",
                             name, 100 * result.accuracy, result.correct, items.count, result.failed, result.secondsPerItem))
            }
        }
    }

    /// The engine's LLM queue against a local endpoint with a fixed latency: serial, then
    /// concurrent, in one run.
    private func runQueue(latency: Double) async throws {
        print("imfl bench llm: \(queueItems) LLM items in one round through the engine, fake endpoint answering after \(latency) s")
        let results = try await LLMQueueBenchmark.run(
            items: queueItems, latency: .milliseconds(Int(latency * 1000)), concurrencies: [1, concurrency])
        for m in results {
            print(String(format: "  concurrency %3d: %7.2f s, %6.2f labels/s, peak in flight %d",
                         m.concurrency, m.seconds, m.labelsPerSecond, m.peakInFlight))
        }
        let serial = results[0], wide = results[1]
        let ratio = wide.seconds / max(serial.seconds, 1e-9)
        let met = ratio <= 1.0 / 8 && wide.peakInFlight >= 8
        print(String(format: "concurrent/serial time: %.3f (target ≤ 0.125), peak in flight %d (target ≥ 8): %@",
                     ratio, wide.peakInFlight, met ? "met" : "MISSED"))
    }

    /// Each prompt layout on a fresh local server: the same items, the same k examples per item.
    private func runLayouts() async throws {
        let server = LocalLLMServer()
        guard server.isInstalled else {
            print("imfl bench llm --local: skipped: the local LLM is not installed (\(server.configuration.model.path)); run scripts/install-llm")
            return
        }
        let folder = data ?? BenchData.defaultFolder()
        guard let folder, FileManager.default.fileExists(atPath: folder + "/test.jsonl"),
              FileManager.default.fileExists(atPath: folder + "/pool.jsonl")
        else {
            print("imfl bench llm --local: skipped: no data at \(folder ?? "?") (test.jsonl and pool.jsonl; pass --data or set IMFL_SHARED)")
            return
        }
        let embedder: MiniLMEmbedder
        do {
            embedder = try MiniLMEmbedder(modelDirectory: embedderModel)
        } catch {
            print("imfl bench llm --local: skipped: no sentence embedder for retrieval: \(error)")
            return
        }
        let bench = try BenchData.load(folder: folder)
        let test = PromptLayoutBenchmark.sample(bench.test, count: testItems, seed: seed)
        let expertRows = PromptLayoutBenchmark.sample(bench.pool, count: expert, seed: seed &+ 1)
        let items = try PromptLayoutBenchmark.retrieve(test: test, expert: expertRows, embedder: embedder, k: k)
        let arms = arms.split(separator: ",").compactMap { PromptLayoutBenchmark.Arm(String($0), defaultSlots: 2) }
        let mode = LabelConstraintMode(rawValue: constraint)!
        let task = taskDescription.map { "Classify \($0)." } ?? bench.task
        let prompt = PromptBuilder(task: task, labels: bench.labels, constraint: mode)
        print("imfl bench llm --local: \(folder), \(items.items.count) test items, k = \(k) of \(items.examples.count) expert labels (seed \(seed)), \(inFlight) calls in flight, constraint \(mode.rawValue), answer cache off")
        print("task: \(task)")
        let k = k
        let results = try await PromptLayoutBenchmark.runLocal(
            items, arms: arms, server: server.configuration, inFlight: inFlight, blockSize: block,
            makeAnnotator: { client, log in
                LLMAnnotator(client: client, prompt: prompt, options: .init(k: k, constraint: mode), log: log)
            },
            say: { print($0) })
        print("")
        print("arm                  sent/label  evaluated/label  shared ex.  labels/s  accuracy   ratio")
        let baseline = results.first
        for r in results {
            let ratio = (baseline?.labelsPerSecond ?? 0) > 0 ? r.labelsPerSecond / baseline!.labelsPerSecond : 0
            print(String(
                format: "%@ %10.0f  %15.0f  %10.2f  %8.3f  %7.1f%%  %5.2f×",
                r.arm.description.padding(toLength: 20, withPad: " ", startingAt: 0),
                r.medianPromptTokens, r.medianEvaluatedTokens, r.meanSharedExamples, r.labelsPerSecond,
                100 * r.accuracy, ratio))
            if r.failed > 0 { print("  \(r.arm): \(r.failed) failed calls, counted wrong") }
        }
        let loads = results.flatMap(\.loads)
        print("(arm: prompt layout @ server slots; sent, evaluated: median prompt tokens per label, from the server's usage and timings; shared ex.: mean examples a prompt shares, from its first, with the one sent before it; ratio: labels/s over the first arm's"
            + (loads.isEmpty ? ")" : String(format: "; 1-minute load average %.1f–%.1f during the run)", loads.min()!, loads.max()!)))
        if let baseline {
            for r in results.dropFirst() {
                let ratio = baseline.labelsPerSecond > 0 ? r.labelsPerSecond / baseline.labelsPerSecond : 0
                let change = 100 * (r.accuracy - baseline.accuracy)
                print(String(
                    format: "%@ vs %@: %.2f× labels/s (target ≥ 2), accuracy %+.1f points (target within 2): %@",
                    r.arm.description, baseline.arm.description, ratio, change,
                    ratio >= 2 && change >= -2 ? "met" : "MISSED"))
            }
        }
    }

    private func resolveBaseURL() async throws -> String {
        if let baseURL { return baseURL }
        if case .running(let state) = await LocalLLMServer().status() { return state.baseURL }
        LLM.printError("imfl bench llm: no local server is running; start it with `imfl llm start` or pass --base-url")
        throw ExitCode.failure
    }
}

/// Items for the LLM benchmark.
struct BenchData {
    var source: String
    var task: String
    var labels: [String]
    var test: [(text: String, label: String)]
    var pool: [(text: String, label: String)]

    static func load(folder: String?) throws -> BenchData {
        let candidate = folder ?? defaultFolder()
        if let candidate, FileManager.default.fileExists(atPath: candidate + "/test.jsonl") {
            let test = try readJSONL(candidate + "/test.jsonl")
            let pool = (try? readJSONL(candidate + "/pool.jsonl")) ?? []
            var labels: [String] = []
            for row in pool + test where !labels.contains(row.label) { labels.append(row.label) }
            return BenchData(
                source: candidate, task: "Classify the text into one of the labels.", labels: labels.sorted(),
                test: test, pool: pool)
        }
        if let folder { throw ValidationError("\(folder)/test.jsonl not found") }
        let rows: [(String, String)] = [
            ("Operating profit rose to EUR 13.1 mn from EUR 8.7 mn a year earlier.", "positive"),
            ("The company said it will cut 120 jobs at its Tampere plant.", "negative"),
            ("The annual general meeting will be held on 15 March in Helsinki.", "neutral"),
            ("Net sales increased by 18% to EUR 250 million.", "positive"),
            ("The group's loss before taxes widened to EUR 4.2 mn.", "negative"),
            ("The shares will be listed on the Helsinki stock exchange.", "neutral"),
        ]
        return BenchData(
            source: "built-in sentences", task: "Classify the sentiment of a sentence from financial news.",
            labels: ["negative", "neutral", "positive"], test: rows.map { ($0.0, $0.1) }, pool: rows.map { ($0.0, $0.1) })
    }

    /// `test` items cycled to `count`, each with the first `k` pool items as examples (the same
    /// prompts for both loops; retrieval quality does not matter for throughput).
    func throughputRequests(count: Int, k: Int) -> [AnnotationRequest] {
        let examples = pool.prefix(k).map { FewShotExample(text: $0.text, label: $0.label) }
        return (0..<count).map { i in
            let row = test[i % test.count]
            return AnnotationRequest(itemID: Int64(i), text: row.text, examples: Array(examples))
        }
    }

    static func defaultFolder() -> String? {
        let shared = ProcessInfo.processInfo.environment["IMFL_SHARED"] ?? "../shared"
        return shared + "/data/fpb_50agree"
    }

    static func readJSONL(_ path: String) throws -> [(text: String, label: String)] {
        guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        var rows: [(String, String)] = []
        for (number, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let label = object["label"] as? String
            else { throw ValidationError("\(path):\(number + 1): expected {\"text\": …, \"label\": …}") }
            rows.append((text, label))
        }
        return rows
    }

    /// Test items with their ranked neighbours (most similar first) as written by
    /// Benchmarks/llm/retrieve_neighbours.py.
    static func loadNeighbours(path: String, limit: Int) throws -> [LLMBenchmark.LabeledRequest] {
        guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        var items: [LLMBenchmark.LabeledRequest] = []
        for (number, line) in content.split(separator: "\n").enumerated() where items.count < limit {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let label = object["label"] as? String,
                  let neighbours = object["neighbours"] as? [[String: Any]]
            else { throw ValidationError("\(path):\(number + 1): expected {\"text\", \"label\", \"neighbours\"}") }
            let ranked = neighbours.compactMap { n -> FewShotExample? in
                guard let t = n["text"] as? String, let l = n["label"] as? String else { return nil }
                return FewShotExample(text: t, label: l)
            }
            items.append(.init(
                request: AnnotationRequest(
                    itemID: Int64(number), text: text, examples: ExampleSelection.nearest(ranked, k: ranked.count)),
                gold: label))
        }
        return items
    }
}
