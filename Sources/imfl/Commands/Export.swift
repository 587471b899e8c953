import ArgumentParser
import Foundation
import IMFLCore

/// `imfl export`: the labeled items of a session, readable again by `imfl init`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every labeled pool item with its current label, source, round, confidence and review state.")

    @Argument(help: "The session folder.")
    var folder: String

    @Option(help: "jsonl or csv.")
    var format: DatasetFormatArgument = .jsonl

    @Option(help: "Comma-separated sources to include: human, llm, override.")
    var source = "human,llm,override"

    @Option(name: [.short, .long], help: "Output file (default: standard output).")
    var output: String?

    func validate() throws {
        _ = try sources()
    }

    func sources() throws -> Set<LabelSource> {
        let names = source.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try Set(names.map { name in
            guard let value = LabelSource(rawValue: name), value != .model else {
                throw ValidationError("unknown source \"\(name)\"; use human, llm or override")
            }
            return value
        })
    }

    func run() async throws {
        let session = try Session.openChecked(folder, access: .readOnly)
        let labels = try await DatasetExport.labels(of: session.store, sources: try sources())
        let data = try DatasetExport.render(labels, format: format.format)
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            printError("wrote \(labels.count) labeled items to \(output)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
