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
        let contents = try await Session.with(folder, access: .readOnly) { session in
            try await DatasetExport.contents(of: session.store, sources: try sources())
        }
        let aside = contents.ignored.count
        let data = ignored ? try DatasetExport.render(contents.ignored, format: format.format)
            : try DatasetExport.render(contents.labels, format: format.format)
        let what = ignored ? "\(aside) item\(aside == 1 ? "" : "s") set aside" : "\(contents.labels.count) labeled items"
        let more = ignored || aside == 0 ? "" : "; \(aside) item\(aside == 1 ? " was" : "s were") set aside unlabeled: `imfl export --ignored` lists them"
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            printError("wrote \(what) to \(output)\(more)")
        } else {
            FileHandle.standardOutput.write(data)
            if !more.isEmpty { printError(String(more.dropFirst(2))) }
        }
    }
}
