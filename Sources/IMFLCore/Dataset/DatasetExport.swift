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

/// Writes every labeled pool item with its current label. The output reads back through
/// `imfl init` (the extra fields are ignored there), so a labeled set can seed a new session.
public enum DatasetExport {
    /// The current labels of the session's pool, in file order, from the given sources.
    public static func labels(of store: any SessionStore, sources: Set<LabelSource>) async throws -> [ExportedLabel] {
        let log = try await store.replayedLog()
        return try await store.items(in: .pool).compactMap { item in
            let id = item.id
            guard let label = log.current(id), sources.contains(label.source) else { return nil }
            return ExportedLabel(
                id: item.key ?? String(id), text: item.text, label: label.label, source: label.source,
                round: label.round, confidence: label.confidence,
                reviewed: label.source != .llm || label.reviewed, note: log.note(id))
        }
    }

    /// The pool items set aside by the expert and not labeled since, in file order.
    public static func ignored(of store: any SessionStore) async throws -> [ExportedIgnore] {
        let log = try await store.replayedLog()
        return try await store.items(in: .pool).compactMap { item in
            let id = item.id
            guard let event = log.ignored[id] else { return nil }
            return ExportedIgnore(id: item.key ?? String(id), text: item.text, round: event.round, reason: event.note, note: log.note(id))
        }
    }

    /// Serialises set-aside items in a format.
    public static func render(_ items: [ExportedIgnore], format: DatasetFormat) throws -> Data {
        switch format {
        case .jsonl:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = Data()
            for item in items {
                out.append(try encoder.encode(item))
                out.append(0x0A)
            }
            return out
        case .csv:
            let stream = OutputStream(toMemory: ())
            let writer = try CSVWriter(stream: stream)
            try writer.write(row: ["id", "text", "round", "reason", "note"])
            for item in items {
                writer.beginNewRow()
                try writer.write(row: [item.id, item.text, item.round.map(String.init) ?? "", item.reason ?? "", item.note ?? ""],
                                 quotedAtIndex: { $0 != 2 })
            }
            writer.stream.close()
            var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
            data.append(0x0A)
            return data
        }
    }

    /// Serialises labels in a format.
    public static func render(_ labels: [ExportedLabel], format: DatasetFormat) throws -> Data {
        switch format {
        case .jsonl:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = Data()
            for label in labels {
                out.append(try encoder.encode(label))
                out.append(0x0A)
            }
            return out
        case .csv:
            let stream = OutputStream(toMemory: ())
            let writer = try CSVWriter(stream: stream)
            try writer.write(row: ["id", "text", "label", "source", "round", "confidence", "reviewed", "note"])
            for label in labels {
                writer.beginNewRow()
                try writer.write(row: [
                    label.id, label.text, label.label, label.source.rawValue,
                    label.round.map(String.init) ?? "", label.confidence.map { String($0) } ?? "",
                    label.reviewed ? "true" : "false", label.note ?? "",
                ], quotedAtIndex: { $0 == 1 || $0 == 0 || $0 == 7 })
            }
            writer.stream.close()
            var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
            data.append(0x0A)
            return data
        }
    }
}
