extension Session {
    /// What the session's F1 is measured on, in words, for reports and the model card.
    public func evaluationDescription() throws -> String {
        "the labeled test file (\(try database.itemCount(split: .test)) items)"
    }
}
