import ArgumentParser
import IMFLCore

/// `imfl plan`: the label schedule of a session, round by round, before anything is labeled.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a session's label schedule: expert and LLM batches per round.")

    @Argument(help: "The session folder, or a shared session's URL.")
    var folder: String

    func run() async throws {
        try await Session.with(folder, access: .readOnly) { session in try await plan(session) }
    }

    private func plan(_ session: Session) async throws {
        let schedule = try session.config.schedule()
        print(schedule.table())
        let share = session.config.llm.enabled ? session.config.llm.routeDoubtful : 0
        let routed = schedule.rounds.dropFirst().map { ($0.round, $0.human, RoundEngine.routedPlaces(ofBatch: $0.human, share: share)) }
        if routed.contains(where: { $0.2 > 0 }) {
            print("LLM labels in doubt go back to the expert (llm.route_doubtful = \(share)), in places of the expert batch, never extra:")
            for (round, human, places) in routed where places > 0 {
                print("  round \(round): up to \(places) of its \(human) expert items")
            }
        }
        let rounds = try await session.store.rounds()
        if let current = rounds.last {
            print("now: round \(current.round), \(current.status.rawValue)")
        }
    }
}
