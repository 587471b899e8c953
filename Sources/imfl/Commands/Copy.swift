import ArgumentParser
import Foundation
import IMFLCore

/// `imfl copy`: moves a session between a folder and PostgreSQL (or between two folders or
/// two URLs) with every event intact, so that a team can share a session that began on one
/// machine, and take a shared session home as a folder.
struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a session between a folder and a shared session on PostgreSQL, with every event intact.",
        discussion: """
            FROM and TO are each a session folder or a URL postgres://USER@HOST:PORT/DB?session=NAME \
            (the password comes from PGPASSWORD or ~/.pgpass, never from the URL). Items, the \
            annotation log with its ids and order, rounds, queues, metrics, vectors, the LLM call \
            log and the answer cache are copied; so are session.toml and the guidelines. TO must \
            not exist yet, and is created all or nothing.
            """)

    @Argument(help: "The session to copy: a folder or a URL.")
    var from: String

    @Argument(help: "Where to create the copy: a new folder or a URL whose session name is not taken.")
    var to: String

    func validate() throws {
        for location in [from, to] where PostgresAddress.isAddress(location) {
            _ = try PostgresAddress(parsing: location)
        }
    }

    func run() async throws {
        let snapshot = try await Session.copy(from: from, to: to)
        let shown = PostgresAddress.isAddress(to) ? try PostgresAddress(parsing: to).description : to
        print("copied to \(shown): \(snapshot.items.count) items, \(snapshot.annotations.count) events, \(snapshot.rounds.count) rounds, \(snapshot.embeddings.count) vectors, \(snapshot.llmCalls.count) LLM calls, \(snapshot.llmCache.count) cached answers")
    }
}
