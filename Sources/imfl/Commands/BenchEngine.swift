import ArgumentParser
import IMFLCore

/// `imfl bench engine`: times one round of the engine's background work at several pool sizes.
struct BenchEngine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time EEQ selection + retrain + evaluation for one round (targets: ≤ 1 s at 10k, ≤ 5 s at 100k).")

    @Option(name: .customLong("pool"), parsing: .upToNextOption, help: "Pool sizes to time.")
    var poolSizes: [Int] = [1000, 10000, 100_000]

    @Option(name: .customLong("classes"), parsing: .upToNextOption, help: "Class counts to time.")
    var classCounts: [Int] = [3, 77]

    @Option(help: "Repetitions per case; the median is reported.")
    var runs: Int = 5

    @Option(help: "Items selected in the round (263 is round 1 of the default 1000-label schedule).")
    var batch: Int = 263

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard poolSizes.allSatisfy({ $0 >= 2 }) else { throw ValidationError("--pool sizes must be at least 2") }
        guard classCounts.allSatisfy({ $0 >= 2 }) else { throw ValidationError("--classes must be at least 2") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        try EngineBenchmark.run(poolSizes: poolSizes, classCounts: classCounts, runs: runs, batch: batch,
                                threads: threads)
    }
}
