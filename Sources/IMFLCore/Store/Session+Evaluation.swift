extension Session {
    /// What the session's F1 is measured on, in words, for reports and the model card.
    public func evaluationDescription() async throws -> String {
        let test = try await store.items(in: .test)
        let sample = EvaluationSample(testItems: test, rounds: config.budget.rounds)
        guard !sample.isEmpty else { return "the labeled test file (\(test.count) items)" }
        let labeled = Set(try await store.replayedLog().currentLabels.keys)
        let done = sample.itemIDs.filter(labeled.contains).count
        return "an evaluation sample of \(sample.itemIDs.count) pool items drawn at random (\(done) labeled by the expert so far)"
    }
}
