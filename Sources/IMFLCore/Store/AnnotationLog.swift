import Foundation

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
    /// Experts gave the item different labels and no adjudicator has settled it: it is not
    /// trained on until one does.
    public var disputed = false
    /// An adjudicator settled the experts' disagreement: `event` is the adjudication.
    public var adjudicated = false

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
/// - when several experts label one item differently it is disputed and not trained on, until
///   an adjudicator settles it with an `accept` of the label that stands (which later expert
///   labels do not change; undo takes it back);
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
    /// The latest shadow label in force per item: what the LLM answered when asked about an
    /// expert item to measure itself (never the item's label).
    public private(set) var shadowLabels: [Int64: Annotation] = [:]
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
        var shadow: Annotation?
        var byAnnotator = [String: String]()
        var adjudication: Annotation?
        for id in itemEvents[item] ?? [] where !cancelled.contains(id) {
            let e = events[id]!
            switch e.kind {
            case .label:
                guard let label = e.label, let source = e.source else { continue }
                switch source {
                case .model:
                    continue
                case .shadow:
                    shadow = e
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
                    if adjudication != nil { continue }
                    current = CurrentLabel(itemID: item, label: label, source: .human, round: e.round,
                                           confidence: e.confidence, event: e, llm: current?.llm,
                                           review: current?.llm == nil ? nil : .overridden)
                case .override:
                    current = CurrentLabel(itemID: item, label: label, source: .override, round: current?.round ?? e.round,
                                           confidence: e.confidence, event: e, llm: current?.llm, review: .overridden)
                }
            case .accept:
                if current?.source == .llm {
                    current?.review = e.batch == nil ? .accepted : .bulkAccepted
                } else if let c = current, c.source == .human, let label = e.label {
                    adjudication = e
                    current = CurrentLabel(itemID: item, label: label, source: .human, round: c.round, confidence: nil,
                                           event: e, llm: c.llm, review: c.review, adjudicated: true)
                }
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
        if adjudication == nil, current?.source == .human, Set(byAnnotator.values).count > 1 { current?.disputed = true }
        currentLabels[item] = current
        notes[item] = note
        skips[item] = skip
        ignored[item] = ignore
        shadowLabels[item] = shadow
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

    /// How often the LLM's label matched each expert's own: on the items the expert labeled
    /// that the LLM was also asked about (shadow labels), and on the LLM labels the expert
    /// judged one by one (an accept agrees, an override does not). By expert name.
    public func llmAgreementByExpert() -> [String: LLMExpertAgreement] {
        var out = [String: LLMExpertAgreement]()
        for (item, shadow) in shadowLabels {
            for (name, label) in expertLabelsByAnnotator[item] ?? [:] {
                out[name, default: .init()].count(agreeing: shadow.label == label)
            }
        }
        for c in currentLabels.values where c.judgedOneByOne && c.llm != nil {
            let judge: String? = c.review == .overridden ? c.event.annotator
                : (itemEvents[c.itemID] ?? []).reversed().first { !cancelled.contains($0) && events[$0]?.kind == .accept }
                    .flatMap { events[$0]?.annotator }
            if let judge { out[judge, default: .init()].count(agreeing: c.review == .accepted) }
        }
        return out
    }

    /// Whether `e` is its annotator's latest label event in force on its item.
    private func isLatest(_ e: Annotation) -> Bool {
        let later = (itemEvents[e.itemID] ?? []).filter { $0 > e.id! && !cancelled.contains($0) }
        return !later.contains { events[$0]!.kind == .label && events[$0]!.source == .human && events[$0]!.annotator == e.annotator }
    }

    /// Items the experts labeled differently that no adjudicator has settled, in id order.
    public var disputedItems: [Int64] { labeledItems.filter { currentLabels[$0]?.disputed == true } }

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
    /// - Parameter annotator: only that expert's actions (on a shared session, each expert
    ///   undoes their own); nil: anyone's.
    public func lastUndoable(_ scope: UndoScope, by annotator: String? = nil) -> [Annotation] {
        for id in order.reversed() where !cancelled.contains(id) {
            let e = events[id]!
            if let annotator, e.annotator != annotator { continue }
            switch scope {
            case .expertLabel:
                if e.kind == .ignore, ignored[e.itemID]?.id == id { return [e] }
                guard e.kind == .label, e.source == .human else { continue }
                // The label in force, or, on an item several experts labeled, this expert's own.
                guard currentLabels[e.itemID]?.event.id == id
                    || (annotator != nil && expertLabelsByAnnotator[e.itemID]?[e.annotator] != nil && isLatest(e)) else { continue }
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

/// The LLM's labels against one expert's own.
public struct LLMExpertAgreement: Sendable, Equatable, Hashable, Codable {
    public var compared = 0
    public var agreed = 0

    public init(compared: Int = 0, agreed: Int = 0) {
        self.compared = compared
        self.agreed = agreed
    }

    mutating func count(agreeing: Bool) {
        compared += 1
        if agreeing { agreed += 1 }
    }

    /// "7 of 9 (77.8%)".
    public var summary: String {
        compared == 0 ? "none compared" : "\(agreed) of \(compared) (" + String(format: "%.1f", Double(agreed) / Double(compared) * 100) + "%)"
    }
}
