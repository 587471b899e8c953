import ArgumentParser
import IMFLTerminal

extension Bench {
    /// `imfl bench ui`: key press → update + render + diff, without a terminal.
    struct UI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ui",
            abstract: "Time key press → update, render and diff over a scripted session (target p99 ≤ 5 ms)."
        )

        @Option(help: "Items in the scripted session.")
        var items: Int = 100_000

        @Option(help: "Key presses to time.")
        var presses: Int = 5_000

        @Option(help: "Terminal width in cells.")
        var width: Int = 120

        @Option(help: "Terminal height in cells.")
        var height: Int = 40

        @Option(help: "Labels in the label set.")
        var labels: Int = 77

        @Flag(help: "Keep one core busy meanwhile, as retraining would.")
        var backgroundLoad = false

        func run() async throws {
            let r = UIBenchmark.run(items: items, presses: presses, width: width, height: height,
                                    labels: labels, backgroundLoad: backgroundLoad)
            print("ui: \(r.presses) key presses, \(r.items) items, \(labels) labels, \(r.width)×\(r.height)\(backgroundLoad ? ", background load" : "")")
            print("  p50 \(formatFixed(r.p50, 3)) ms   p99 \(formatFixed(r.p99, 3)) ms   max \(formatFixed(r.maximum, 3)) ms")
            print("  p99 / 5 ms target: \(formatFixed(r.p99 / 5, 2))   cells redrawn per press: \(Int(r.changedCellsPerPress.rounded()))")
        }
    }
}
