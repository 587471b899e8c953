import IMFLNumerics

/// Why a session has no classifier to hand out.
public enum SessionModelError: Error, Equatable, CustomStringConvertible {
    /// No round has been trained and no refit was asked for.
    case noFinishedRound
    /// Nothing is labeled yet.
    case noLabels
    /// The session's learner is not the softmax regression that can be exported.
    case notExportable(String)

    public var description: String {
        switch self {
        case .noFinishedRound: "no round is finished yet; finish a round, or pass --refit to fit on the labels in force"
        case .noLabels: "the session has no labels to train on"
        case let .notExportable(kind): "the session's classifier (\(kind)) cannot be exported; only softmax regression can"
        }
    }
}

/// The classifier a session has trained, rebuilt from its store: the one the last finished
/// round trained (fitting is deterministic, so replaying the log up to that round's
/// `trainedThrough` gives the same weights), or with `refit` one fitted on every label in
/// force now, including those given since.
public struct SessionModel: Sendable {
    public var classifier: SoftmaxRegression
    /// The labels it was trained on, by fidelity.
    public var humanLabels: Int
    public var llmLabels: Int
    /// The round whose classifier this is; nil for a refit.
    public var round: Int?

    /// - Parameter modelID: the embedder whose stored vectors the classifier is trained on.
    /// - Throws: `SessionModelError`, store errors (a labeled item without a vector).
    public static func build(store: any EngineStore, configuration: EngineConfiguration,
                             modelID: String, refit: Bool) async throws -> SessionModel {
        let whole = AnnotationLog(try await store.annotationLog())
        let last = try await store.rounds().last { $0.status == .finished && $0.trainedThrough != nil }
        let log: AnnotationLog
        if refit {
            log = whole
        } else {
            guard let last, let trained = last.trainedThrough else { throw SessionModelError.noFinishedRound }
            // Exactly the round's training set: with overlapped rounds, labels of later rounds
            // given before it trained are left out, as the engine left them out.
            log = whole.prefix(through: trained, round: last.round)
        }
        var items = [Int64: EngineItem]()
        for item in try await store.items(in: .pool) { items[item.id] = item }
        let ids = log.labeledItems.filter { items[$0] != nil }
        guard !ids.isEmpty else { throw SessionModelError.noLabels }
        let vectors = try await store.vectors(for: ids, modelID: modelID)
        let vectorRow = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let classIndex = Dictionary(configuration.labels.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let data = try RoundTraining.make(log, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors,
                                          configuration: configuration).data
        guard data.count > 0 else { throw SessionModelError.noLabels }
        let untrained = configuration.makeClassifier(configuration.labels.count, vectors.cols)
        guard var classifier = untrained as? SoftmaxRegression else {
            throw SessionModelError.notExportable(String(describing: type(of: untrained)))
        }
        try classifier.fit(data)
        return SessionModel(
            classifier: classifier, humanLabels: data.fidelities.filter { $0 == .human }.count,
            llmLabels: data.fidelities.filter { $0 == .llm }.count, round: refit ? nil : last?.round)
    }
}
