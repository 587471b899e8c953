/// The labels in force, found by replaying the append-only annotation log: an undo takes back
/// the event it names, and for every item the latest label event not taken back wins (so an
/// override replaces the LLM label, and undoing the override brings the LLM label back).
public struct LabelLog: Sendable {
    /// Label events not undone, per item, in log order.
    private var live: [Int64: [AnnotationRecord]] = [:]
    /// Ids of label events that were undone.
    public private(set) var undone: Set<Int64> = []
    /// Position of the last event replayed.
    public private(set) var lastID: Int64 = 0

    public init(_ records: some Sequence<AnnotationRecord> = []) {
        for r in records { apply(r) }
    }

    /// Replays one more event.
    public mutating func apply(_ record: AnnotationRecord) {
        lastID = max(lastID, record.id)
        let a = record.annotation
        if let target = a.undoes {
            undone.insert(target)
            live[a.itemID]?.removeAll { $0.id == target }
        } else if a.label != nil {
            live[a.itemID, default: []].append(record)
        }
    }

    /// The label event in force for an item.
    public func current(_ itemID: Int64) -> AnnotationRecord? { live[itemID]?.last }

    /// The label in force for an item.
    public func label(_ itemID: Int64) -> String? { current(itemID)?.annotation.label }

    /// Whether the item has a label in force from the expert (first-hand or override).
    public func hasExpertLabel(_ itemID: Int64) -> Bool {
        current(itemID)?.annotation.source.fidelity == .human
    }

    /// Whether an LLM label (possibly overridden since) is in force for the item.
    public func llmLabel(_ itemID: Int64) -> AnnotationRecord? {
        live[itemID]?.last { $0.annotation.source == .llm }
    }

    /// Items with a label in force, in id order.
    public var labeledItems: [Int64] { live.keys.filter { !(live[$0]?.isEmpty ?? true) }.sorted() }

    /// The expert's latest event still in force (what `undo` takes back).
    public func latestExpertEvent() -> AnnotationRecord? {
        live.values.compactMap { $0.last { $0.annotation.source.fidelity == .human } }.max { $0.id < $1.id }
    }

    /// Pairs (LLM label, expert label) for every item whose LLM label the expert overrode.
    public func reviewedLLMLabels() -> [(llm: String, expert: String)] {
        labeledItems.compactMap { id in
            guard let cur = current(id), cur.annotation.source == .override,
                  let llm = llmLabel(id), llm.id < cur.id,
                  let l = llm.annotation.label, let e = cur.annotation.label else { return nil }
            return (l, e)
        }
    }
}
