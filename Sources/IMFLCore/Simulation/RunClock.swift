import Foundation

/// Wall-clock figures of one simulation run, per round: how long the round took, how long the
/// simulated expert waited for an item, and how long LLM calls were in flight. Kept in the
/// run folder's `timings.json`, so that a resumed run adds to what was measured before.
public struct RunTimings: Sendable, Equatable, Codable {
    public var seconds: [Int: Double] = [:]
    public var expertIdle: [Int: Double] = [:]
    public var llmWall: [Int: Double] = [:]
    /// Wall time of the run so far, over every sitting.
    public var wall: Double? = nil

    public init() {}

    enum CodingKeys: String, CodingKey { case seconds, expertIdle = "expert_idle", llmWall = "llm_wall", wall }

    /// Reads the file; a file from before idle and LLM time were measured holds only the
    /// seconds per round.
    static func read(_ url: URL) -> RunTimings {
        guard let data = try? Data(contentsOf: url) else { return RunTimings() }
        if let timings = try? JSONDecoder().decode(RunTimings.self, from: data) { return timings }
        var timings = RunTimings()
        timings.seconds = (try? JSONDecoder().decode([Int: Double].self, from: data)) ?? [:]
        return timings
    }
}

/// Measures a run's `RunTimings` from the engine's events and the simulated expert.
actor RunClock {
    private let url: URL
    private(set) var timings: RunTimings
    private var started: [Int: ContinuousClock.Instant] = [:]
    /// Rounds with LLM calls in flight, and since when.
    private var llmSince: [Int: ContinuousClock.Instant] = [:]
    private let sittingStarted = ContinuousClock.now
    private let earlierWall: Double?

    init(url: URL) {
        self.url = url
        timings = RunTimings.read(url)
        // A run resumed from a file without a wall time (written before it was measured) has
        // none: its earlier sittings are unknown.
        earlierWall = timings.seconds.isEmpty ? 0 : timings.wall
    }

    func roundStarted(_ round: Int) {
        if started[round] == nil { started[round] = .now }
    }

    func roundFinished(_ round: Int) throws {
        if let start = started.removeValue(forKey: round) {
            timings.seconds[round, default: 0] += (ContinuousClock.now - start).seconds
        }
        try save()
    }

    func llmCalls(round: Int, inFlight: Int) {
        if inFlight > 0 {
            if llmSince[round] == nil { llmSince[round] = .now }
        } else if let since = llmSince.removeValue(forKey: round) {
            timings.llmWall[round, default: 0] += (ContinuousClock.now - since).seconds
        }
    }

    func expertIdle(round: Int, seconds: Double) {
        timings.expertIdle[round, default: 0] += seconds
    }

    func save() throws {
        timings.wall = earlierWall.map { $0 + (ContinuousClock.now - sittingStarted).seconds }
        try JSONEncoder.pretty.encode(timings).write(to: url, options: .atomic)
    }
}
