import IMFLNumerics

/// Which expert labels an LLM prompt carries (session.toml's `retrieval.mode`).
public enum RetrievalMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The k most similar expert-labeled items (IMFL's retrieval).
    case similar
    /// k expert-labeled items at random (the ablation).
    case random
    /// None: zero-shot prompts.
    case none
}

/// How the few-shot examples of an LLM prompt are retrieved, and so which expert labels the
/// UI shows beside an item (the same ones). Decided once from session.toml's `[retrieval]` and
/// handed to the engine as a value.
///
///     let retrieval = ExampleRetrieval(mode: .similar, k: 5, labelDiverse: true)
///     let index = retrieval.index(over: labeledVectors)
///     let hits = try retrieval.examples(for: vector, k: 5, in: index, rowLabels: labelOfRow, labelSet: labels)
public struct ExampleRetrieval: Sendable, Equatable {
    public var mode: RetrievalMode
    /// Examples per prompt.
    public var k: Int
    /// ⌈k / labels⌉ examples per label among the most similar, instead of the k most similar
    /// overall: so that a prompt shows the LLM every label the expert has used, not k
    /// examples of the majority class (see `examples(for:k:in:rowLabels:labelSet:)`).
    public var labelDiverse: Bool
    /// Seeds the random mode's draws.
    public var seed: UInt64

    public init(mode: RetrievalMode = .similar, k: Int = 5, labelDiverse: Bool = false, seed: UInt64 = 0) {
        self.mode = mode
        self.k = k
        self.labelDiverse = labelDiverse
        self.seed = seed
    }

    /// Examples a prompt carries: none for zero-shot.
    public var examplesPerPrompt: Int { mode == .none ? 0 : max(0, k) }

    /// The index a prompt's examples are searched in, over the candidate examples' vectors
    /// (one unit row each): exact cosine search, or the random draw of the ablation.
    public func index(over vectors: Matrix) -> any NeighbourIndex {
        switch mode {
        case .random: RandomSampleIndex(vectors: vectors, seed: seed)
        case .similar, .none: ExactNeighbourIndex(vectors: vectors, workers: 1)
        }
    }

    /// The examples for one query vector, in the index's order (most similar first, ties to
    /// the lower row).
    ///
    /// Without `labelDiverse`: the index's `k` hits. With it, for L = `labelSet.count` and
    /// q = ⌈k / L⌉: each label's q best rows (best as the index ranks them: most similar, or
    /// drawn in the random mode), then of those the `k` most similar; when labels with fewer than q
    /// rows leave places free, the best rows not yet taken, of any label, fill them. So with
    /// k = 5 and three labels a prompt carries at most two examples of a label whenever the
    /// other labels have examples, and always five when five exist.
    ///
    /// - Parameters:
    ///   - k: examples wanted; fewer when the index holds fewer rows.
    ///   - rowLabels: the label of each row of `index`.
    ///   - labelSet: the session's labels (L counts all of them, used or not).
    /// - Throws: `RetrievalError` when the query or `rowLabels` do not fit the index.
    public func examples(
        for query: [Float], k: Int, in index: any NeighbourIndex, rowLabels: [String], labelSet: [String]
    ) throws -> [IndexHit] {
        guard k > 0, index.count > 0 else { return [] }
        guard labelDiverse, !labelSet.isEmpty else { return try index.search(query, k: k) }
        guard rowLabels.count == index.count else {
            throw RetrievalError.maskLength(expected: index.count, got: rowLabels.count)
        }
        let perLabel = (k + labelSet.count - 1) / labelSet.count
        var chosen: [IndexHit] = []
        for label in labelSet {
            let mask = rowLabels.map { $0 == label }
            guard mask.contains(true) else { continue }
            chosen += try index.search(query, k: perLabel, filter: .mask(mask))
        }
        chosen.sort(by: Self.ranksBefore)
        if chosen.count >= k { return Array(chosen.prefix(k)) }
        let taken = Set(chosen.map(\.row))
        let fill = try index.search(query, k: k - chosen.count, filter: .mask(rowLabels.indices.map { !taken.contains($0) }))
        return (chosen + fill).sorted(by: Self.ranksBefore)
    }

    /// The order every index returns hits in: higher score first, the lower row on ties.
    static func ranksBefore(_ a: IndexHit, _ b: IndexHit) -> Bool {
        a.score > b.score || (a.score == b.score && a.row < b.row)
    }
}
