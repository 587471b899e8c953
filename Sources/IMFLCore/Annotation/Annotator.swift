/// One expert-labeled example placed in an LLM prompt (retrieved by similarity to the item).
public struct FewShotExample: Sendable, Hashable, Codable {
    public var text: String
    public var label: String
    public init(text: String, label: String) {
        self.text = text
        self.label = label
    }
}

/// What the engine asks of the low-fidelity annotator for one item.
public struct AnnotationRequest: Sendable, Hashable {
    /// The item's row id in the session database.
    public var itemID: Int64
    public var text: String
    /// Retrieved examples, least similar first, most similar last.
    public var examples: [FewShotExample]
    public init(itemID: Int64, text: String, examples: [FewShotExample]) {
        self.itemID = itemID
        self.text = text
        self.examples = examples
    }
}

/// The annotator's answer: a label from the label set and, when the endpoint reports token
/// log-probabilities, a probability per label.
public struct AnnotationAnswer: Sendable, Hashable {
    public var label: String
    /// Probability of `label`, or nil when the endpoint gave no log-probabilities.
    public var confidence: Double?
    /// Probability per label (renormalised over the label set); empty when unknown.
    public var probabilities: [String: Double]
    /// The hash of the prompt that was sent (the answer cache's key), when a prompt was.
    public var promptHash: String?
    public init(label: String, confidence: Double?, probabilities: [String: Double] = [:], promptHash: String? = nil) {
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.promptHash = promptHash
    }
}

/// A low-fidelity labeler (an LLM behind an OpenAI-compatible endpoint, or a scripted one in
/// tests and simulations).
public protocol Annotator: Sendable {
    /// Labels one item. Throws when the endpoint fails after its retries; the engine requeues.
    func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer
}
