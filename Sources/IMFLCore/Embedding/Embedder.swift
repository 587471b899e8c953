import IMFLNumerics

/// Turns texts into unit-length sentence vectors. IMFL uses one embedding three times:
/// k-means for diversity in the query, retrieval of few-shot examples for the LLM prompt, and
/// the neighbours shown to the expert.
public protocol Embedder: Sendable {
    /// A stable identifier of the model and its settings; cached vectors are keyed by it.
    var modelID: String { get }
    /// Length of every vector this embedder returns.
    var dimension: Int { get }
    /// Embeds `texts`, one L2-normalised row per text, in order.
    /// - Throws: when the model cannot run (never for odd text: empty text is valid input).
    func embed(_ texts: [String]) throws -> Matrix
}
