import Foundation

/// Latency of the UI's path from key press to a drawn frame, without a terminal.
public struct UIBenchmarkResult: Sendable {
    public var presses: Int
    public var items: Int
    public var width: Int
    public var height: Int
    /// Milliseconds per press, sorted.
    public var samples: [Double]

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
        samples.reserveCapacity(presses)
        for i in 0..<presses {
            let key = script[i % script.count]
            let t0 = DispatchTime.now().uptimeNanoseconds
            session.drive(&state, .key(key))
            AppView.render(state, into: &next)
            let updates = diff(prev, next)
            let t1 = DispatchTime.now().uptimeNanoseconds
            precondition(updates.count >= 0)
            swap(&prev, &next)
            samples.append(Double(t1 - t0) / 1_000_000)
        }
        samples.sort()
        return UIBenchmarkResult(presses: presses, items: items, width: width, height: height, samples: samples)
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
