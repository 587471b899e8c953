import Foundation
import IMFLCore

/// What the engine is doing, as one sentence for the expert: the label screen shows it while
/// no item waits, so the expert always knows what is happening and what to press. A pure
/// function of the engine's progress, tested by its sentences.
public struct EngineActivity: Sendable {
    public var progress: EngineProgress
    /// Embedding the pool, while it runs.
    public var embedding: TaskProgress?
    public var embeddingSeconds: Double?
    /// The round being selected (k-means), while it runs.
    public var selecting: Int?
    /// Recent seconds per LLM label, for the time left (nil until measured).
    public var secondsPerLLMLabel: Double?
    public var now: Date
    /// The last round's macro-F1, said when the session is finished.
    public var lastF1: (round: Int, macroF1: Double)?
    /// A shared session: its end suggests extending through a folder copy.
    public var shared: Bool

    public init(progress: EngineProgress, embedding: TaskProgress? = nil, embeddingSeconds: Double? = nil,
                selecting: Int? = nil, secondsPerLLMLabel: Double? = nil, now: Date = Date(),
                lastF1: (round: Int, macroF1: Double)? = nil, shared: Bool = false) {
        self.lastF1 = lastF1
        self.shared = shared
        self.progress = progress
        self.embedding = embedding
        self.embeddingSeconds = embeddingSeconds
        self.selecting = selecting
        self.secondsPerLLMLabel = secondsPerLLMLabel
        self.now = now
    }

    public var sentence: String {
        if let e = embedding, e.done < e.total {
            return "Embedding the pool: \(Self.count(e.done))/\(Self.count(e.total))\(Self.left(embeddingSeconds))."
        }
        if progress.finished {
            return Self.finished(lastF1, shared: shared)
        }
        var parts: [String] = []
        if let until = progress.llmPausedUntil {
            parts.append("the LLM is paused after failed calls, retrying in \(Self.duration(until.timeIntervalSince(now))) "
                + "(T retries now; the dashboard, D, shows the error)")
        } else if progress.llmRetrying {
            parts.append("the LLM is paused after failed calls; one trial call is under way")
        }
        if let r = selecting { parts.append("choosing round \(r)'s items (k-means over the pool)") }
        if let t = progress.rounds.first(where: \.training) { parts.append("retraining the classifier on round \(t.round)'s labels") }
        if let r = progress.llmRound {
            let waiting = progress.rounds.map(\.llmWaiting).reduce(0, +)
            let left = secondsPerLLMLabel.map { $0 * Double(waiting) }
            if r.expertWaiting > 0 && r.llmInFlight == 0 {
                parts.append("the LLM starts on round \(r.round) once its \(r.expertWaiting) expert item\(r.expertWaiting == 1 ? " is" : "s are") labeled")
            } else if progress.llmPausedUntil == nil {
                parts.append("LLM labeling round \(r.round): \(r.llmDone)/\(r.llmTotal)\(Self.left(left)); review its labels meanwhile: R")
            }
        }
        if progress.heldByOthers > 0 {
            let n = progress.heldByOthers
            parts.append("\(n) item\(n == 1 ? " waiting is" : "s waiting are") being labeled by other experts")
        }
        if let leader = progress.leader {
            parts.append("\(Self.leaderName(leader)) runs the session's engine")
        }
        guard !parts.isEmpty else {
            return progress.rounds.isEmpty && progress.finishedRounds < progress.scheduledRounds
                ? "The engine is preparing round \(progress.finishedRounds + 1)."
                : "The engine is preparing the next round."
        }
        let text = parts.joined(separator: "; ")
        return text.prefix(1).uppercased() + text.dropFirst() + "."
    }

    /// " (≈ 40 s left)", or nothing when unknown.
    static func left(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "" }
        return " (≈ \(duration(seconds)) left)"
    }

    /// "40 s", "3 min", "1.5 h".
    static func duration(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 90 { return "\(Int(s.rounded())) s" }
        if s < 5400 { return "\(Int((s / 60).rounded())) min" }
        return String(format: "%.1f h", s / 3600)
    }

    /// 1,200 with a thousands separator.
    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}

extension EngineActivity {
    /// Who runs a shared session's engine, as its holder said ("ana (pid 4242)").
    public static func leaderName(_ holder: String?) -> String {
        guard let holder, !holder.isEmpty else { return "another expert's terminal" }
        return holder
    }

    /// The end of a session, with its result and the three ways on from it. A shared session
    /// is extended through a folder copy (`imfl extend` takes folders only).
    public static func finished(_ f1: (round: Int, macroF1: Double)?, shared: Bool = false) -> String {
        let result = f1.map { "; macro-F1 \(formatFixed($0.macroF1 * 100, 1)) after round \($0.round)" } ?? ""
        let more = shared
            ? "or add labels by copying it to a folder (`imfl copy`) and extending that (`imfl extend --budget N`)."
            : "or add labels with `imfl extend --budget N`."
        return "Session finished: every round is labeled and trained\(result). Export the labels with `imfl export`, "
            + "take the model home with `imfl model export`, \(more)"
    }
}

