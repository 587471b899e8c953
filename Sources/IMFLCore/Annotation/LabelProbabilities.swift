import Foundation

/// Turns the token log-probabilities of an answer into a probability per label.
///
/// The distribution at the token where the label starts is read off the server's top
/// alternatives: each alternative counts for the labels it can begin, ignoring case and a
/// leading space (so "Positive", "positive" and " positive" all count for `positive`). An
/// alternative that can begin several labels (labels sharing a first token, such as
/// `not_entailment` and `not_sure`) is split by the next token's distribution when it is the
/// token the model actually produced, and evenly otherwise (nothing more is known). Mass on
/// tokens that begin no label is dropped and the rest renormalised over the labels.
public enum LabelProbabilities {
    /// Per-label probabilities, or nil when the answer has no log-probabilities or none of the
    /// alternatives begins a label.
    /// - Parameters:
    ///   - tokens: the generated tokens with their alternatives.
    ///   - labelOffset: UTF-8 offset in the answer where the label starts.
    ///   - labels: the label set.
    public static func distribution(tokens: [TokenLogprob], labelOffset: Int, labels: [String]) -> [String: Double]? {
        guard !labels.isEmpty else { return nil }
        var start = 0
        var position: Int?
        for (index, token) in tokens.enumerated() {
            if labelOffset >= start, labelOffset < start + token.byteCount {
                position = index
                break
            }
            start += token.byteCount
        }
        guard let position else { return nil }
        let skip = Array(tokenBytes(tokens[position]).prefix(labelOffset - start))
        let lowered = labels.map { $0.lowercased() }
        let masses = self.masses(
            tokens: tokens, position: position, consumed: "", candidates: Array(labels.indices),
            lowered: lowered, skip: skip)
        let total = masses.values.reduce(0, +)
        guard total > 0 else { return nil }
        var result: [String: Double] = [:]
        for (index, label) in labels.enumerated() { result[label] = (masses[index] ?? 0) / total }
        return result
    }

    private static func tokenBytes(_ token: TokenLogprob) -> [UInt8] {
        token.bytes ?? Array(token.token.utf8)
    }

    /// Unnormalised probability mass per candidate label index at `position`, given that the
    /// label text so far is `consumed` (lowercased).
    private static func masses(
        tokens: [TokenLogprob], position: Int, consumed: String, candidates: [Int], lowered: [String], skip: [UInt8]
    ) -> [Int: Double] {
        guard position < tokens.count else { return [:] }
        let token = tokens[position]
        var out: [Int: Double] = [:]
        for alternative in token.alternatives {
            var bytes = Array(alternative.token.utf8)
            guard bytes.starts(with: skip) else { continue }
            bytes.removeFirst(skip.count)
            var piece = String(decoding: bytes, as: UTF8.self).lowercased()
            if consumed.isEmpty { piece = String(piece.drop(while: \.isWhitespace)) }
            let text = consumed + piece
            let matching: [Int]
            if piece.isEmpty {
                // The answer ends here (or a bare space): it completes a label equal to the text so far.
                matching = consumed.isEmpty ? [] : candidates.filter { lowered[$0] == consumed }
            } else {
                matching = candidates.filter { Self.compatible(text, lowered[$0]) }
            }
            guard !matching.isEmpty else { continue }
            let probability = exp(alternative.logprob)
            if matching.count == 1 {
                out[matching[0], default: 0] += probability
                continue
            }
            var split: [Int: Double] = [:]
            if alternative.token == token.token {
                split = masses(
                    tokens: tokens, position: position + 1, consumed: text, candidates: matching,
                    lowered: lowered, skip: [])
            }
            let total = split.values.reduce(0, +)
            for index in matching {
                out[index, default: 0] += total > 0
                    ? probability * (split[index] ?? 0) / total
                    : probability / Double(matching.count)
            }
        }
        return out
    }

    /// Whether answer text `text` can be (the start of) `label`: it is a prefix of the label,
    /// or the whole label followed by something that is not a letter or digit (a closing quote).
    private static func compatible(_ text: String, _ label: String) -> Bool {
        if label.hasPrefix(text) { return true }
        guard text.hasPrefix(label) else { return false }
        let rest = text.dropFirst(label.count)
        return rest.first.map { !($0.isLetter || $0.isNumber) } ?? true
    }
}
