import ArgumentParser
import Foundation
import IMFLCore

/// `imfl extend`: more labels for a session, finished or not. The new budget is spread over
/// rounds appended after the planned ones, with the session's expert share and decay; the
/// rounds already planned or run keep their batches (raising `budget.total` instead would
/// re-plan them). The next `imfl label` runs the new rounds.
struct Extend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add labels to a session as new rounds after the planned ones, leaving the past rounds as they were.")

    @Argument(help: "The session folder.")
    var folder: String

    @Option(help: "Labels to add, expert and LLM together (split by the session's budget.human_share).")
    var budget: Int

    @Option(help: "Rounds to spread them over.")
    var rounds = 1

    func run() async throws {
        guard !PostgresAddress.isAddress(folder) else {
            throw ValidationError("imfl extend changes a session folder's session.toml; a shared session keeps its settings in the database, and extending it is not supported yet: copy it to a folder (imfl copy \(folder) FOLDER), extend the folder, and label it there or copy it back under a new name")
        }
        guard (1 ... 1_000_000).contains(budget) else { throw ValidationError("--budget must be 1 to 1000000, got \(budget)") }
        guard (1 ... 100).contains(rounds) else { throw ValidationError("--rounds must be 1 to 100, got \(rounds)") }
        // Opening for writing takes the session's lock: no labeling UI is running on it.
        let session = try Session.openChecked(folder, access: .readWrite)
        let before = try session.config.schedule()
        let path = (folder as NSString).appendingPathComponent(Session.configFile)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let more = SessionConfig.Budget.Extension(total: budget, rounds: rounds)
        let extended = text + (text.hasSuffix("\n") ? "" : "\n") + "\n" + SessionConfig.extensionTOML(more) + "\n"
        // The file is replaced only by one that parses, with the new rounds after the old.
        let config = try SessionConfig.parse(extended, path: path)
        // `Schedule.extended(by:)` appends rounds, so the planned ones stay as they were.
        let after = try config.schedule()
        try Data(extended.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        let added = after.rounds.dropFirst(before.rounds.count)
        print("added \(added.count) round\(added.count == 1 ? "" : "s") (\(added.map { "\($0.human) expert + \($0.llm) LLM" }.joined(separator: ", "))) after round \(before.rounds.count); rounds 1–\(before.rounds.count) are unchanged")
        print(after.table())
        print("next: imfl label \(folder)")
    }
}
