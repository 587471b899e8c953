import ArgumentParser
import Foundation
import IMFLCore

/// `imfl export`: the labeled items of a session, readable again by `imfl init`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every labeled pool item with its current label, source, round, confidence and review state.")

    @Argument(help: "The session folder, or a shared session's URL (postgres://USER@HOST:PORT/DB?session=NAME).")
    var folder: String

    @Option(help: "jsonl or csv.")
    var format: DatasetFormatArgument = .jsonl

    @Option(help: "Comma-separated sources to include: human, llm, override.")
    var source = "human,llm,override"

    @Option(name: [.short, .long], help: "Output file (default: standard output).")
    var output: String?

    @Flag(help: "Write the items the expert set aside (I on the Label screen) with their reason, instead of the labeled items.")
    var ignored = false

    func validate() throws {
        _ = try sources()
    }

    func sources() throws -> Set<LabelSource> {
        let names = source.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try Set(names.map { name in
            guard let value = LabelSource(rawValue: name), value.fidelity != nil else {
                throw ValidationError("unknown source \"\(name)\"; use human, llm or override")
            }
            return value
        })
    }

    func run() async throws {
        let (aside, labels) = try await Session.with(folder, access: .readOnly) { session in
            (try await DatasetExport.ignored(of: session.store),
             try await DatasetExport.labels(of: session.store, sources: try sources()))
        }
        if ignored {
            let data = try DatasetExport.render(aside, format: format.format)
            if let output {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                printError("wrote \(aside.count) item\(aside.count == 1 ? "" : "s") set aside to \(output)")
            } else {
                FileHandle.standardOutput.write(data)
            }
            return
        }
        let data = try DatasetExport.render(labels, format: format.format)
        let more = aside.isEmpty ? "" : "; \(aside.count) item\(aside.count == 1 ? " was" : "s were") set aside unlabeled: `imfl export --ignored` lists them"
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            printError("wrote \(labels.count) labeled items to \(output)\(more)")
        } else {
            FileHandle.standardOutput.write(data)
            if !more.isEmpty { printError(String(more.dropFirst(2))) }
        }
    }
}
