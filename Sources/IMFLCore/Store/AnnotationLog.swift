/// The state of one item derived from the annotation log.
public struct CurrentLabel: Sendable, Hashable {
    public var itemId: Int64
    /// The label that counts for training and export.
    public var label: String
    public var source: LabelSource
    public var round: Int?
    public var confidence: Double?
    /// The event that set `label`.
    public var annotationId: Int64
    /// The label the LLM gave, if it labeled the item (kept after an override).
    public var llmLabel: String?
    /// The expert looked at the LLM's label: accepted it or overrode it.
    public var reviewed: Bool
    /// The latest note on the item.
    public var note: String?
}

/// Derives current labels from the append-only log.
///
/// Rules, applied in log order to the events no undo cancels:
/// - an undo cancels the event it supersedes (an undo of an undo restores that event);
/// - an expert label (`human`) or an `override` sets the label;
/// - an `llm` label sets the label only when no expert label is in force, so a late LLM
///   answer never replaces the expert;
/// - `accept` marks an LLM label as reviewed; `override` marks it reviewed and replaces it;
/// - `model` labels (the classifier's predictions) never count as labels.
public enum AnnotationLog {
    /// The ids of events that are cancelled by an undo in force.
    public static func cancelledIDs(_ events: [Annotation]) -> Set<Int64> {
        var cancelled = Set<Int64>()
        for event in events.sorted(by: { ($0.id ?? 0) > ($1.id ?? 0) }) {
            guard let id = event.id, !cancelled.contains(id) else { continue }
            if event.kind == .undo, let target = event.supersedes { cancelled.insert(target) }
        }
        return cancelled
    }

    /// The current label of every item that has one, keyed by item id.
    /// - Parameter events: the log, in any order.
    public static func currentLabels(_ events: [Annotation]) -> [Int64: CurrentLabel] {
        let cancelled = cancelledIDs(events)
        var result = [Int64: CurrentLabel]()
        var notes = [Int64: String]()
        for event in events.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            guard let id = event.id, !cancelled.contains(id) else { continue }
            switch event.kind {
            case .label:
                guard let label = event.label, let source = event.source else { continue }
                let existing = result[event.itemId]
                switch source {
                case .model:
                    continue
                case .llm:
                    if let existing, existing.source == .human || existing.source == .override { 
                        result[event.itemId]?.llmLabel = label
                        continue
                    }
                    result[event.itemId] = CurrentLabel(
                        itemId: event.itemId, label: label, source: .llm, round: event.round,
                        confidence: event.confidence, annotationId: id, llmLabel: label,
                        reviewed: false, note: nil)
                case .human:
                    result[event.itemId] = CurrentLabel(
                        itemId: event.itemId, label: label, source: .human, round: event.round,
                        confidence: event.confidence, annotationId: id, llmLabel: existing?.llmLabel,
                        reviewed: existing?.llmLabel != nil, note: nil)
                case .override:
                    result[event.itemId] = CurrentLabel(
                        itemId: event.itemId, label: label, source: .override,
                        round: existing?.round ?? event.round, confidence: event.confidence,
                        annotationId: id, llmLabel: existing?.llmLabel, reviewed: true, note: nil)
                }
            case .accept:
                result[event.itemId]?.reviewed = true
            case .note:
                notes[event.itemId] = event.note
            case .undo, .skip:
                continue
            }
        }
        for (itemId, note) in notes { result[itemId]?.note = note }
        return result
    }

    /// The most recent expert action that an undo would cancel: a label, override, accept,
    /// skip or note made by the expert and not already cancelled.
    public static func lastUndoable(_ events: [Annotation]) -> Annotation? {
        let cancelled = cancelledIDs(events)
        return events
            .filter { event in
                guard let id = event.id, !cancelled.contains(id) else { return false }
                switch event.kind {
                case .label: return event.source == .human || event.source == .override
                case .accept, .skip, .note: return true
                case .undo: return false
                }
            }
            .max(by: { ($0.id ?? 0) < ($1.id ?? 0) })
    }
}
