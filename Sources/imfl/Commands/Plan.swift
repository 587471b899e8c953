import ArgumentParser
import IMFLCore

/// `imfl plan`: the label schedule of a session, round by round, before anything is labeled.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a session's label schedule: expert and LLM batches per round.")

    @Argument(help: "The session folder.")
    var folder: String

    func run() async throws {
        let session = try Session.openChecked(folder, access: .readOnly)
        let schedule = try session.config.schedule()
        print(schedule.table())
        let rounds = try session.database.rounds()
        if let current = rounds.last {
            print("now: round \(current.round), \(current.status.rawValue)")
        }
    }
}
