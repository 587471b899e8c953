import Foundation

/// Constraining the LLM's answer to the label set, and checking it.
public enum LabelConstraint {
    /// A GBNF grammar whose only sentences are the labels, for llama.cpp's `grammar` field.
    public static func grammar(labels: [String]) -> String {
        "root ::= " + labels.map { literal($0) }.joined(separator: " | ")
    }

    /// A JSON schema for `{"label": <one of the labels>}`.
    public static func jsonSchema(labels: [String]) -> JSONValue {
        .object([
            "type": .string("object"),
            "properties": .object(["label": .object([
                "type": .string("string"), "enum": .array(labels.map { .string($0) }),
            ])]),
            "required": .array([.string("label")]),
            "additionalProperties": .bool(false),
        ])
    }

    /// The label an answer names, and where the label's text starts in the answer (UTF-8
    /// offset, for aligning token log-probabilities).
    public struct ParsedAnswer: Sendable, Hashable {
        public var label: String
        public var utf8Offset: Int
    }

    /// Reads the label from the model's answer. Matching ignores case and surrounding spaces,
    /// quotes and final punctuation; the label is returned as spelled in `labels`.
    /// - Throws: ``LLMError/answerOutsideLabelSet(answer:labels:)`` when the answer names no label.
    public static func parse(_ content: String, mode: LabelConstraintMode, labels: [String]) throws -> ParsedAnswer {
        // A JSON answer is accepted whatever the mode: an endpoint that ignores the grammar but
        // follows the instruction's format, or a chat template that favours JSON, still labels.
        if mode == .jsonSchema || content.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{"),
           let parsed = parseJSON(content, labels: labels) {
            return parsed
        }
        let trimmable = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\"'`.!,;:"))
        let scalars = Array(content.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, trimmable.contains(scalars[start]) { start += 1 }
        while end > start, trimmable.contains(scalars[end - 1]) { end -= 1 }
        var core = String.UnicodeScalarView()
        core.append(contentsOf: scalars[start..<end])
        let candidate = String(core)
        if let label = match(candidate, labels) {
            let offset = String(String.UnicodeScalarView(scalars[..<start])).utf8.count
            return ParsedAnswer(label: label, utf8Offset: offset)
        }
        throw LLMError.answerOutsideLabelSet(answer: content, labels: labels)
    }

    private static func parseJSON(_ content: String, labels: [String]) -> ParsedAnswer? {
        struct Wire: Decodable { var label: String }
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(content.utf8)),
              let label = match(wire.label.trimmingCharacters(in: .whitespaces), labels)
        else { return nil }
        // The label value starts after `"label"`, the colon and the opening quote.
        guard let key = content.range(of: "\"label\""),
              let value = content.range(of: wire.label, range: key.upperBound..<content.endIndex)
        else { return ParsedAnswer(label: label, utf8Offset: 0) }
        return ParsedAnswer(label: label, utf8Offset: content.utf8.distance(from: content.startIndex, to: value.lowerBound))
    }

    private static func match(_ candidate: String, _ labels: [String]) -> String? {
        let lowered = candidate.lowercased()
        return labels.first { $0.lowercased() == lowered }
    }

    private static func literal(_ label: String) -> String { label.quotedLiteral }
}
