import Foundation

/// Latency of the UI's path from key press to a drawn frame, without a terminal.
public struct UIBenchmarkResult: Sendable {
    public var presses: Int
    public var items: Int
    public var width: Int
    public var height: Int
    /// Milliseconds per press, sorted.
    public var samples: [Double]
    /// Cells the terminal would rewrite per press, on average.
    public var changedCellsPerPress: Double

    public func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let i = min(samples.count - 1, Int((p / 100 * Double(samples.count)).rounded(.up)) - 1)
        return samples[max(0, i)]
    }
    public var p50: Double { percentile(50) }
    public var p99: Double { percentile(99) }
    public var maximum: Double { samples.last ?? 0 }
}

/// Measures key press → reduce → (scripted backend answers) → render → diff, over a scripted
/// session. The backend answers synchronously, so the figure is the UI's own cost; with
/// `backgroundLoad` a thread keeps one core busy as retraining would.
public enum UIBenchmark {
    public static func run(items: Int, presses: Int, width: Int = 120, height: Int = 40,
                           labels: Int = 77, backgroundLoad: Bool = false) -> UIBenchmarkResult {
        let names = (1...labels).map { "intent_\($0 < 10 ? "0" : "")\($0)" }
        var session = ScriptedSession(name: "bench", labels: names, itemCount: items,
                                      expertPlan: [items / 2, items / 4, items / 4], llmLabelCount: 2000)
        var state = AppState(width: width, height: height)
        session.start(&state)
        var prev = Buffer(width: 0, height: 0)
        var next = Buffer(width: 0, height: 0)
        AppView.render(state, into: &prev)

        let stop = StopFlag()
        if backgroundLoad {
            Thread.detachNewThread { busyWork(until: stop) }
        }
        defer { stop.set() }

        let script: [Key] = state.labelKeys.prefix(20) + [.pageDown, .char("j"), .pageUp, .char("u"), .tab, .char("j"),
                                                          .char("a"), .char("o"), .tab, .tab]
        var samples: [Double] = []
        var changedCells = 0
        samples.reserveCapacity(presses)
        for i in 0..<presses {
            let key = script[i % script.count]
            // Only the UI's share is timed: reduce for the key and for every answer, then
            // render and diff. The scripted backend's answers stand in for the engine's, which
            // run off the UI's path.
            var uiNanos: UInt64 = 0
            var queue: [Msg] = [.key(key)]
            while !queue.isEmpty {
                let msg = queue.removeFirst()
                let t0 = DispatchTime.now().uptimeNanoseconds
                let effects = reduce(&state, msg)
                uiNanos += DispatchTime.now().uptimeNanoseconds - t0
                for effect in effects {
                    if let answer = session.perform(effect) { queue.append(answer) }
                }
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            AppView.render(state, into: &next)
            let updates = diff(prev, next)
            uiNanos += DispatchTime.now().uptimeNanoseconds - t1
            changedCells += updates.count
            swap(&prev, &next)
            samples.append(Double(uiNanos) / 1_000_000)
        }
        samples.sort()
        return UIBenchmarkResult(presses: presses, items: items, width: width, height: height, samples: samples,
                                 changedCellsPerPress: Double(changedCells) / Double(max(1, presses)))
    }

    private final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        func set() { lock.lock(); stopped = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
    }

    private static func busyWork(until stop: StopFlag) {
        var a = [Float](repeating: 1.0001, count: 256 * 256)
        while !stop.isSet {
            for i in a.indices { a[i] = a[i] * 1.0001 + 0.0001 }
        }
    }
}
