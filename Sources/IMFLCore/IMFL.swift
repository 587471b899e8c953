/// The imfl engine: sessions, embeddings, query strategies, learner, annotation, metrics.
public enum IMFL {
    /// The version printed by `imfl --version`.
    public static let version = "0.1.0"
}
