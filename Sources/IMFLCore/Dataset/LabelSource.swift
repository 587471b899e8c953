/// Where a label came from. IMFL mixes two fidelities: the expert (high fidelity, scarce) and
/// the LLM (low fidelity, plentiful). An expert correcting an LLM label is an `override`, kept
/// apart from first-hand expert labels so that LLM accuracy can be measured against it.
public enum LabelSource: String, Sendable, Codable, CaseIterable, Hashable {
    /// The expert labeled the item directly.
    case human
    /// The LLM annotator labeled the item.
    case llm
    /// The expert replaced an LLM label.
    case override
    /// The classifier's own prediction (never used for training).
    case model
    /// The LLM's label of an item the expert labels too, asked only to measure the annotator's
    /// accuracy on the items the session selects; never the item's label, never trained on.
    case shadow

    /// The fidelity a label of this source counts as when training.
    public var fidelity: Fidelity? {
        switch self {
        case .human, .override: .human
        case .llm: .llm
        case .model, .shadow: nil
        }
    }
}

/// The two annotator fidelities of IMFL: expensive accurate labels and cheap noisy ones.
public enum Fidelity: String, Sendable, Codable, CaseIterable, Hashable {
    case human
    case llm
}
