import IMFLNumerics

extension TrainingSet {
    /// What the classifier is trained on: every pool label in force in `log`, in item order,
    /// with the fidelity of its source. Items outside the pool (the test file, or the
    /// evaluation sample held out of the pool) never train it. The round engine and
    /// `SessionModel` both build their training sets here, so an exported model is the one
    /// the session trained. An item the experts disagree on trains only once an adjudicator
    /// has settled it.
    /// - Parameters:
    ///   - vectorRow: the row of each item's vector in `vectors`.
    static func labelsInForce(
        _ log: AnnotationLog, items: [Int64: EngineItem], classIndex: [String: Int],
        vectorRow: [Int64: Int], vectors: Matrix
    ) -> TrainingSet {
        labelsInForceWithItems(log, items: items, classIndex: classIndex, vectorRow: vectorRow, vectors: vectors).data
    }

    /// `labelsInForce`, with the item of each row.
    static func labelsInForceWithItems(
        _ log: AnnotationLog, items: [Int64: EngineItem], classIndex: [String: Int],
        vectorRow: [Int64: Int], vectors: Matrix
    ) -> (data: TrainingSet, itemIDs: [Int64]) {
        var rows = [Int](), labels = [Int](), fidelities = [Fidelity](), confidences = [Double?](), ids = [Int64]()
        for id in log.labeledItems where items[id]?.split == .pool {
            guard let current = log.current(id), !current.disputed, let f = current.source.fidelity,
                  let c = classIndex[current.label], let row = vectorRow[id] else { continue }
            rows.append(row)
            labels.append(c)
            fidelities.append(f)
            confidences.append(f == .llm ? current.confidence : nil)
            ids.append(id)
        }
        return (TrainingSet(features: vectors.rows(rows), labels: labels, fidelities: fidelities, confidences: confidences), ids)
    }
}
