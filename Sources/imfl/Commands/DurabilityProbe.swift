import ArgumentParser
import Foundation
import IMFLCore

/// `imfl durability-probe`: writes expert labels as fast as it can and prints the id of each
/// annotation once its write has returned. The durability test kills it with SIGKILL at a
/// random moment and checks that every printed annotation is in the session. Hidden from help.
struct DurabilityProbe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durability-probe",
        abstract: "Write labels until killed, printing each committed annotation id.",
        shouldDisplay: false)

    @Argument(help: "The session folder.")
    var folder: String

    @Option(help: "Stop after this many labels.")
    var count = 100_000

    func run() async throws {
        let session = try Session.open(folder)
        let items = try session.database.items(split: .pool)
        let labels = session.config.task.labels
        guard !items.isEmpty else { return }
        for n in 0..<count {
            let item = items[n % items.count]
            var label = Annotation.label(labels[n % labels.count], itemID: item.id!, source: .human, round: 1)
            label.annotator = "probe"
            let event = try session.database.append(label)
            // Unbuffered: the line reaches the pipe before the next write starts.
            FileHandle.standardOutput.write(Data("committed \(event.id!)\n".utf8))
        }
    }
}
