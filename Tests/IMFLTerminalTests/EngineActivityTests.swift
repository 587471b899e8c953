import Foundation
import Testing
import IMFLCore
@testable import IMFLTerminal

@Suite("What the engine is doing, in words")
struct EngineActivityTests {
    static func round(_ r: Int, expert: Int = 0, of expertTotal: Int = 10, llm: Int, of llmTotal: Int = 35,
                      inFlight: Int = 0, training: Bool = false) -> EngineProgress.Round {
        .init(round: r, expertWaiting: expert, expertTotal: expertTotal, llmWaiting: llm, llmTotal: llmTotal,
              llmInFlight: inFlight, training: training)
    }

    static func progress(_ rounds: [EngineProgress.Round], paused: Date? = nil, finished: Bool = false) -> EngineProgress {
        EngineProgress(rounds: rounds, scheduledRounds: 4, finishedRounds: 1, llmPausedUntil: paused,
                       llmRetrying: false, finished: finished)
    }

    @Test("the LLM labeling a round: count, time left from the recent pace, and where to go meanwhile")
    func llmLabeling() {
        let activity = EngineActivity(
            progress: Self.progress([Self.round(2, llm: 23, inFlight: 2)]), secondsPerLLMLabel: 1.75)
        #expect(activity.sentence == "LLM labeling round 2: 12/35 (≈ 40 s left); review its labels meanwhile: R.")
    }

    @Test("the time left counts every open round's LLM items, and no estimate is given before one is measured")
    func timeLeftOverRounds() {
        let two = Self.progress([Self.round(2, llm: 20, inFlight: 2), Self.round(3, expert: 4, llm: 35)])
        #expect(EngineActivity(progress: two, secondsPerLLMLabel: 2).sentence
            == "LLM labeling round 2: 15/35 (≈ 2 min left); review its labels meanwhile: R.")
        #expect(EngineActivity(progress: two).sentence == "LLM labeling round 2: 15/35; review its labels meanwhile: R.")
    }

    @Test("a paused LLM: the countdown in words and the key that retries now")
    func paused() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let activity = EngineActivity(
            progress: Self.progress([Self.round(2, llm: 30)], paused: now.addingTimeInterval(20)), now: now)
        #expect(activity.sentence
            == "The LLM is paused after failed calls, retrying in 20 s (T retries now; the dashboard, D, shows the error).")
    }

    @Test("embedding, selecting, training, waiting for the expert and the end of the session")
    func otherPhases() {
        #expect(EngineActivity(progress: Self.progress([]), embedding: TaskProgress(done: 1200, total: 2264), embeddingSeconds: 10)
            .sentence == "Embedding the pool: 1,200/2,264 (≈ 10 s left).")
        #expect(EngineActivity(progress: Self.progress([]), selecting: 3).sentence
            == "Choosing round 3's items (k-means over the pool).")
        #expect(EngineActivity(progress: Self.progress([Self.round(2, llm: 0, training: true)])).sentence
            == "Retraining the classifier on round 2's labels.")
        #expect(EngineActivity(progress: Self.progress([Self.round(3, expert: 2, llm: 35)])).sentence
            == "The LLM starts on round 3 once its 2 expert items are labeled.")
        #expect(EngineActivity(progress: Self.progress([], finished: true), lastF1: (5, 0.6374)).sentence
            == "Session finished: every round is labeled and trained; macro-F1 63.7 after round 5. Export the labels "
            + "with `imfl export`, take the model home with `imfl model export`, or add labels with `imfl extend --budget N`.")
        // A shared session is extended through a folder copy: extend takes folders only
        #expect(EngineActivity(progress: Self.progress([], finished: true), shared: true).sentence
            == "Session finished: every round is labeled and trained. Export the labels with `imfl export`, take the model "
            + "home with `imfl model export`, or add labels by copying it to a folder (`imfl copy`) and extending that "
            + "(`imfl extend --budget N`).")
    }

    @Test("on a shared session: the items other experts hold, and who runs the engine")
    func sharedSession() {
        var progress = Self.progress([Self.round(2, expert: 2, llm: 35)])
        progress.heldByOthers = 2
        progress.leader = "ana (pid 4242)"
        #expect(EngineActivity(progress: progress).sentence
            == "The LLM starts on round 2 once its 2 expert items are labeled; 2 items waiting are being labeled by other "
            + "experts; ana (pid 4242) runs the session's engine.")
        progress.heldByOthers = 1
        progress.leader = ""
        progress.rounds = []
        #expect(EngineActivity(progress: progress).sentence
            == "1 item waiting is being labeled by other experts; another expert's terminal runs the session's engine.")
    }

    @Test("the label screen shows the engine's activity while no item waits")
    func waitingScreenShowsActivity() {
        var (_, state) = startedDemo()
        state.label.item = nil
        state.label.phase = .waiting
        state.activity = "LLM labeling round 2: 12/35 (≈ 40 s left); review its labels meanwhile: R."
        let lines = render(state).lines
        #expect(lines[2].hasPrefix("No item is waiting for you. LLM labeling round 2: 12/35 (≈ 40 s left); review"))
        #expect(lines[3].hasPrefix("its labels meanwhile: R."))
    }
}
