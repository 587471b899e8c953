import CSV
import Foundation

/// One labeled item as `imfl export` writes it.
public struct ExportedLabel: Sendable, Equatable, Codable {
    public var id: String
    public var text: String
    public var label: String
    public var source: LabelSource
    public var round: Int?
    public var confidence: Double?
    /// The expert looked at this label (an expert label, an override, or an accepted LLM label).
    public var reviewed: Bool
    /// The expert's note on the item, if any.
    public var note: String?
    /// Who gave the label in force: the expert's name (`--annotator`; "expert" in a folder's
    /// session), or "llm".
    public var annotator: String
}

/// One item the expert set aside (ignored) instead of labeling, as `imfl export --ignored`
/// writes it: a list to settle with a colleague or the guidelines' author.
public struct ExportedIgnore: Sendable, Equatable, Codable {
    public var id: String
    public var text: String
    public var round: Int?
    /// Why the expert set it aside, when they said.
    public var reason: String?
    public var note: String?
}

/// A row of an export: JSON Lines writes it by its own keys, CSV by these columns.
public protocol ExportRow: Encodable {
    static var csvHeader: [String] { get }
    var csvFields: [String] { get }
    /// Whether the CSV column at an index is always quoted (free text and ids).
    static func csvQuoted(_ column: Int) -> Bool
}

extension ExportedLabel: ExportRow {
    public static let csvHeader = ["id", "text", "label", "source", "round", "confidence", "reviewed", "note", "annotator"]
    public var csvFields: [String] {
        [id, text, label, source.rawValue, round.map(String.init) ?? "", confidence.map { String($0) } ?? "",
         reviewed ? "true" : "false", note ?? "", annotator]
    }
    public static func csvQuoted(_ column: Int) -> Bool { column == 1 || column == 0 || column == 7 || column == 8 }
}

extension ExportedIgnore: ExportRow {
    public static let csvHeader = ["id", "text", "round", "reason", "note"]
    public var csvFields: [String] { [id, text, round.map(String.init) ?? "", reason ?? "", note ?? ""] }
    public static func csvQuoted(_ column: Int) -> Bool { column != 2 }
}

/// Writes every labeled pool item with its current label. The output reads back through
/// `imfl init` (the extra fields are ignored there), so a labeled set can seed a new session.
public enum DatasetExport {
    /// What `imfl export` can write, from one replay of the log and one read of the pool.
    public struct Contents: Sendable, Equatable {
        /// The current labels of the pool, in file order, from the sources asked for.
        public var labels: [ExportedLabel]
        /// The pool items set aside by the expert and not labeled since, in file order.
        public var ignored: [ExportedIgnore]
    }

    public static func contents(of store: any SessionStore, sources: Set<LabelSource>) async throws -> Contents {
        let log = try await store.replayedLog()
        var contents = Contents(labels: [], ignored: [])
        for item in try await store.items(in: .pool) {
            let id = item.id, key = item.key ?? String(id)
            if let label = log.current(id), sources.contains(label.source) {
                contents.labels.append(ExportedLabel(
                    id: key, text: item.text, label: label.label, source: label.source,
                    round: label.round, confidence: label.confidence,
                    reviewed: label.source != .llm || label.reviewed, note: log.note(id), annotator: label.event.annotator))
            }
            if let event = log.ignored[id] {
                contents.ignored.append(ExportedIgnore(id: key, text: item.text, round: event.round, reason: event.note, note: log.note(id)))
            }
        }
        return contents
    }

    /// The current labels of the session's pool, in file order, from the given sources.
    public static func labels(of store: any SessionStore, sources: Set<LabelSource>) async throws -> [ExportedLabel] {
        try await contents(of: store, sources: sources).labels
    }

    /// Serialises rows in a format.
    public static func render<Row: ExportRow>(_ rows: [Row], format: DatasetFormat) throws -> Data {
        switch format {
        case .jsonl:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = Data()
            for row in rows {
                out.append(try encoder.encode(row))
                out.append(0x0A)
            }
            return out
        case .csv:
            let stream = OutputStream(toMemory: ())
            let writer = try CSVWriter(stream: stream)
            try writer.write(row: Row.csvHeader)
            for row in rows {
                writer.beginNewRow()
                try writer.write(row: row.csvFields, quotedAtIndex: Row.csvQuoted)
            }
            writer.stream.close()
            var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
            data.append(0x0A)
            return data
        }
    }
}
