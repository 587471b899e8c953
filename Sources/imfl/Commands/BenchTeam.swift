import ArgumentParser
import Foundation
import IMFLCore

/// `imfl bench team`: simulated experts labeling one large shared session through PostgreSQL
/// at once, each with an engine and a connection of their own.
struct BenchTeam: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team",
        abstract: "Experts labeling one shared session at once (targets: p99 key press → next item ≤ 20 ms, 0 items to two experts, 0 labels lost).",
        discussion: """
            Creates a throwaway session of --pool synthetic items (vectors stored with them) on the \
            PostgreSQL server --server names (default: IMFL_TEST_POSTGRES_URL, which \
            `eval "$(scripts/test-postgres start)"` sets), runs --experts engines on it in this \
            process, each over its own connection as each expert's `imfl label` would, and removes \
            the session at the end. One engine leads the rounds with a simulated LLM; every expert \
            labels what their engine hands them until the team has given --labels labels.
            """)

    @Option(help: "PostgreSQL URL of a database: postgres://USER@HOST:PORT/DB (default: IMFL_TEST_POSTGRES_URL).")
    var server: String?
    @Option(help: "Simulated experts, each with an engine and a connection of their own.")
    var experts = 8
    @Option(help: "Pool items of the session.")
    var pool = 100_000
    @Option(help: "Expert labels the team gives in all.")
    var labels = 800
    @Option(help: "Seconds each expert thinks before each label (0: as fast as the store allows).")
    var think = 0.0

    func validate() throws {
        guard experts >= 1 else { throw ValidationError("--experts must be at least 1") }
        guard pool >= 1000 else { throw ValidationError("--pool must be at least 1000") }
        guard labels >= experts else { throw ValidationError("--labels must be at least --experts") }
        guard think >= 0 else { throw ValidationError("--think must be 0 or more seconds") }
    }

    func run() async throws {
        guard let server = server ?? ProcessInfo.processInfo.environment["IMFL_TEST_POSTGRES_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("give --server postgres://USER@HOST:PORT/DB, or start a throwaway server with `eval \"$(scripts/test-postgres start)\"` (it sets IMFL_TEST_POSTGRES_URL)")
        }
        var options = TeamBenchmark.Options(server: server)
        options.experts = experts
        options.poolSize = pool
        options.expertLabels = labels
        options.think = think
        print("imfl bench team: \(experts) experts, \(pool) pool items, \(labels) expert labels, think \(think) s")
        let r = try await TeamBenchmark.run(options) { print("  \($0)") }
        func pct(_ xs: [Double], _ p: Double) -> Double {
            let sorted = xs.sorted()
            return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))] * 1000
        }
        let sorted = r.latencies
        func pct(_ p: Double) -> Double { pct(sorted, p) }
        let p99 = pct(0.99)
        print(String(format: "setup: %.1f s (session, items and vectors written)", r.setupSeconds))
        print(String(format: "key press → next item: median %.1f ms, p99 %.1f ms over %d labels (target p99 ≤ 20 ms) %@",
                     pct(0.5), p99, sorted.count, p99 <= 20 ? "PASS" : "FAIL"))
        print(String(format: "  of which the label's commit: median %.1f ms, p99 %.1f ms; the next item's claim: median %.1f ms, p99 %.1f ms",
                     pct(r.commits, 0.5), pct(r.commits, 0.99), pct(r.claims, 0.5), pct(r.claims, 0.99)))
        print("items handed to two experts: \(r.handedTwice) (target 0) \(r.handedTwice == 0 ? "PASS" : "FAIL")")
        print("labels lost: \(r.lost) of \(r.labels) committed (target 0) \(r.lost == 0 ? "PASS" : "FAIL")")
        let busy = r.labelingSeconds
        print(String(format: "labels/s: %.1f sustained (%d labels in %.1f s, %d rounds opened; experts waited for the next round %d times, %.1f expert-s in all)",
                     Double(r.labels) / max(busy, 1e-9), r.labels, busy, r.roundsOpened, r.roundWaits, r.roundWaitSeconds))
        print("engines that led: \(r.leaders) (one at a time)")
    }
}
