/// An `LLMCallLog` in memory: what `imfl bench llm --local` reads each call's tokens from, and
/// what tests of the annotator's logging read.
public actor InMemoryCallLog: LLMCallLog {
    public private(set) var records: [LLMCallRecord] = []

    public init() {}

    public func record(_ record: LLMCallRecord) { records.append(record) }

    public var totals: LLMCallTotals { LLMCallTotals(records) }
}
