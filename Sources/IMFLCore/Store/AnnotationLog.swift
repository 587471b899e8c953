/// What the log says about one labeled item now.
public struct CurrentLabel: Sendable, Hashable {
    public var itemID: Int64
    /// The label that counts for training and export.
    public var label: String
    public var source: LabelSource
    /// The item's round: the round of its first label (an override keeps the LLM label's round).
    public var round: Int?
    public var confidence: Double?
    /// The event that set `label`.
    public var event: Annotation
    /// The LLM's label event, when the LLM labeled the item (kept after an override).
    public var llm: Annotation?
    /// How the expert judged the LLM's label; nil when not (yet).
    public var review: Review?

    /// How the expert judged an LLM label.
    public enum Review: String, Sendable, Hashable {
        /// Accepted one by one.
        case accepted
        /// Accepted by a bulk accept above a confidence threshold, unseen one by one.
        case bulkAccepted
        /// Replaced by the expert's own label.
        case overridden
    }

    public var llmLabel: String? { llm?.label }
    /// The expert looked at the LLM's label in some way.
    public var reviewed: Bool { review != nil }
    /// The expert judged the LLM's label on its own: what the agreement figure counts.
    public var judgedOneByOne: Bool { review == .accepted || review == .overridden }
}

/// Which expert actions an undo takes back: each screen undoes its own.
public enum UndoScope: Sendable, Hashable {
    /// The Label screen: the expert's latest first-hand label or ignore still in force, of any round.
    case expertLabel
    /// The Review screen: the latest accept or override still in force; a bulk accept is one step.
    case review
}

/// The one replay of the append-only annotation log. The engine keeps one and applies every
/// event as it is appended; status, export and the trained model replay the same way, so every
/// figure in the tool follows the same rules:
///
/// - an undo takes back the event it names; an undo of an undo restores that event;
/// - an expert label (`human`) or an `override` sets the item's label;
/// - an `llm` label sets it only when no expert label is in force, so a late LLM answer never
///   replaces the expert (it is kept as the item's LLM label);
/// - `accept` marks the LLM label in force as reviewed; `override` marks it reviewed and replaces it;
/// - `note` sets the item's note (an empty one clears it), `skip` sends the item to the back of
///   the expert queue; both can be undone like any expert action;
/// - `ignore` sets the item aside: it has no label in force until the ignore is undone (or the
///   expert labels it after all), is never trained on, and no longer waits for the expert;
/// - `model` labels (the classifier's predictions) and `shadow` labels (the LLM asked about an
///   expert item only to measure the annotator) never count as labels.
///
/// Applying an event costs only the events of its item, so replaying is incremental.
public struct AnnotationLog: Sendable {
    private var events: [Int64: Annotation] = [:]
    /// Event ids in append order.
    private var order: [Int64] = []
    private var itemEvents: [Int64: [Int64]] = [:]
    /// Events taken back by an undo in force.
    public private(set) var cancelled: Set<Int64> = []
    /// The label in force per labeled item.
    public private(set) var currentLabels: [Int64: CurrentLabel] = [:]
    /// The note in force per item.
    public private(set) var notes: [Int64: String] = [:]
    /// The latest skip in force per item.
    private var skips: [Int64: Int64] = [:]
    /// The ignore in force per item (its `note` says why, when the expert gave a reason).
    public private(set) var ignored: [Int64: Annotation] = [:]
    /// Per item, the first-hand label in force of each expert who labeled it, by annotator
    /// name: what inter-expert agreement is computed from when a team shares a session.
    public private(set) var expertLabelsByAnnotator: [Int64: [String: String]] = [:]
    /// Position of the last event replayed.
    public private(set) var lastID: Int64 = 0

    public init(_ events: some Sequence<Annotation> = [Annotation]()) {
        for event in events { apply(event) }
    }

    /// Replays one more event (appended after every event already replayed).
    public mutating func apply(_ event: Annotation) {
        guard let id = event.id else { preconditionFailure("an event is replayed once the store has appended it") }
        lastID = max(lastID, id)
        events[id] = event
        order.append(id)
        itemEvents[event.itemID, default: []].append(id)
        var touched: Set<Int64> = [event.itemID]
        if event.kind == .undo, let target = event.supersedes { setCancelled(target, true, &touched) }
        for item in touched { derive(item) }
    }

    /// Takes back (or restores) an event; taking back an undo restores what it took back.
    private mutating func setCancelled(_ id: Int64, _ cancel: Bool, _ touched: inout Set<Int64>) {
        if cancel { cancelled.insert(id) } else { cancelled.remove(id) }
        guard let event = events[id] else { return }
        touched.insert(event.itemID)
        if event.kind == .undo, let inner = event.supersedes { setCancelled(inner, !cancel, &touched) }
    }

    private mutating func derive(_ item: Int64) {
        var current: CurrentLabel?
        var note: String?
        var skip: Int64?
        var ignore: Annotation?
        var byAnnotator = [String: String]()
        for id in itemEvents[item] ?? [] where !cancelled.contains(id) {
            let e = events[id]!
            switch e.kind {
            case .label:
                guard let label = e.label, let source = e.source else { continue }
                switch source {
                case .model, .shadow:
                    continue
                case .llm:
                    if ignore != nil { continue }
                    if let c = current, c.source.fidelity == .human {
                        current?.llm = e
                        continue
                    }
                    current = CurrentLabel(itemID: item, label: label, source: .llm, round: e.round,
                                           confidence: e.confidence, event: e, llm: e, review: nil)
                case .human:
                    ignore = nil
                    byAnnotator[e.annotator] = label
                    current = CurrentLabel(itemID: item, label: label, source: .human, round: e.round,
                                           confidence: e.confidence, event: e, llm: current?.llm,
                                           review: current?.llm == nil ? nil : .overridden)
                case .override:
                    current = CurrentLabel(itemID: item, label: label, source: .override, round: current?.round ?? e.round,
                                           confidence: e.confidence, event: e, llm: current?.llm, review: .overridden)
                }
            case .accept:
                if current?.source == .llm { current?.review = e.batch == nil ? .accepted : .bulkAccepted }
            case .note:
                note = (e.note ?? "").isEmpty ? nil : e.note
            case .skip:
                skip = id
            case .ignore:
                ignore = e
                current = nil
                byAnnotator[e.annotator] = nil
            case .undo:
                continue
            }
        }
        currentLabels[item] = current
        notes[item] = note
        skips[item] = skip
        ignored[item] = ignore
        expertLabelsByAnnotator[item] = byAnnotator.isEmpty ? nil : byAnnotator
    }

    // MARK: - Reading

    /// The label in force for an item.
    public func current(_ itemID: Int64) -> CurrentLabel? { currentLabels[itemID] }

    public func label(_ itemID: Int64) -> String? { currentLabels[itemID]?.label }

    public func note(_ itemID: Int64) -> String? { notes[itemID] }

    /// An event by its log position.
    public func event(_ id: Int64) -> Annotation? { events[id] }

    /// Items with a label in force, in id order.
    public var labeledItems: [Int64] { currentLabels.keys.sorted() }

    /// Whether the item needs nothing more: it has a label in force, or the expert set it aside.
    public func isSettled(_ itemID: Int64) -> Bool { currentLabels[itemID] != nil || ignored[itemID] != nil }

    /// Whether the item's label in force is the expert's (first-hand or override).
    public func hasExpertLabel(_ itemID: Int64) -> Bool { currentLabels[itemID]?.source.fidelity == .human }

    /// Items whose latest skip is in force, in the order they were skipped.
    public var skipOrder: [Int64] { skips.sorted { $0.value < $1.value }.map(\.key) }

    /// First-hand expert labels in force: what the expert budget counts, in the header, the
    /// dashboard and status alike (overrides are reviews of LLM labels, counted apart).
    public var expertLabelCount: Int { currentLabels.values.count { $0.source == .human } }

    /// How far the session's experts agree on the items more than one of them labeled.
    public func teamAgreement(labels: [String]) -> TeamAgreement {
        TeamAgreement(labelsByAnnotator: expertLabelsByAnnotator, labels: labels)
    }

    /// (LLM label, label in force) for every LLM label the expert judged one by one (accepted
    /// or overrode): the one LLM-agreement figure, on the dashboard, in status and in metrics.
    /// Bulk accepts are not judgements of single labels and do not count.
    public func judgedLLMLabels() -> [(llm: String, expert: String)] {
        labeledItems.compactMap { id in
            guard let c = currentLabels[id], c.judgedOneByOne, let llm = c.llmLabel else { return nil }
            return (llm, c.label)
        }
    }

    /// What one undo in `scope` would take back: the latest such action still in force (all
    /// events of it for a bulk accept); empty when there is none.
    public func lastUndoable(_ scope: UndoScope) -> [Annotation] {
        for id in order.reversed() where !cancelled.contains(id) {
            let e = events[id]!
            switch scope {
            case .expertLabel:
                if e.kind == .ignore, ignored[e.itemID]?.id == id { return [e] }
                guard e.kind == .label, e.source == .human, currentLabels[e.itemID]?.event.id == id else { continue }
                return [e]
            case .review:
                guard e.kind == .accept || (e.kind == .label && e.source == .override) else { continue }
                if e.kind == .label, currentLabels[e.itemID]?.event.id != id { continue }
                guard let batch = e.batch else { return [e] }
                return order.compactMap { i in
                    guard !cancelled.contains(i), let b = events[i], b.batch == batch, b.kind == .accept else { return nil }
                    return b
                }
            }
        }
        return []
    }

    /// The log up to `through` (inclusive), counting only events of rounds ≤ `round`: what the
    /// classifier of round `round` was trained on.
    public func prefix(through: Int64, round: Int) -> AnnotationLog {
        AnnotationLog(order.lazy.filter { $0 <= through }.map { events[$0]! }.filter { ($0.round ?? 0) <= round })
    }

    /// The item's label in force just before event `before` was appended (what an LLM prompt
    /// appended at `before` saw as that example's label).
    public func label(of itemID: Int64, before: Int64) -> CurrentLabel? {
        let earlier = (itemEvents[itemID] ?? []).filter { $0 < before }.map { events[$0]! }
        return AnnotationLog(earlier).current(itemID)
    }
}
