/// The three screens of the UI.
public enum Screen: String, Sendable, CaseIterable, Hashable {
    case label, review, dashboard

    public var scope: Scope {
        switch self {
        case .label: .label
        case .review: .review
        case .dashboard: .dashboard
        }
    }

    public var title: String {
        switch self {
        case .label: "Label"
        case .review: "Review"
        case .dashboard: "Dashboard"
        }
    }
}

/// Where the label screen stands in the commit cycle. While a label is being written the
/// item stays on screen and label keys are ignored (see `reduce`).
public enum LabelPhase: Equatable, Sendable {
    /// Asking the backend for the item at the head of the queue.
    case loading
    /// An item is shown and accepts a label.
    case ready
    /// A label was sent; the backend has not yet confirmed that it is stored.
    case saving(String)
    case skipping
    /// The item is being set aside (ignored).
    case ignoring
    case undoing
    /// The expert queue is empty for now.
    case waiting
}

public struct LabelScreenState: Sendable {
    public var item: ExpertItem?
    public var phase: LabelPhase = .loading
    /// First wrapped line of the item text on screen.
    public var scroll = 0
    /// Expert labels in force in the session (all sittings), for the header.
    public var expertLabels = 0
    public var lastCommit: LabelCommit?
    /// Whether the last line of the item's text has been on screen: it fit, or the expert
    /// paged to its end. A label key is for an item the expert has read; see
    /// `LabelScreen.unseenReason`.
    public var lastLineShown = false

    public init() {}

    /// Why label keys, skip and undo are unavailable right now.
    public var busyReason: String? {
        switch phase {
        case .saving: "still saving the previous label"
        case .skipping: "still skipping"
        case .ignoring: "still setting the item aside"
        case .undoing: "still undoing"
        case .loading: "loading the next item"
        case .ready, .waiting: nil
        }
    }

    public var noItemReason: String? { item == nil || phase == .waiting ? "no item to label" : nil }
}

public struct ReviewScreenState: Sendable {
    /// Rows fetched per request; the screen keeps one window of the list.
    public static let window = 200

    public var sort: ReviewSort = .lowestConfidence
    /// Only the LLM labels not judged yet (`F` toggles).
    public var unreviewedOnly = false
    /// Only the LLM labels of this round (`]` and `[` step through the rounds); nil: all.
    public var round: Int?
    /// The item selected when a reload was asked for: it stays selected where it lands, so
    /// rows arriving from the LLM do not move the expert's place.
    public var anchor: Int64?
    public var rows: [ReviewItem] = []
    /// Index in the whole list of `rows[0]`.
    public var offset = 0
    public var total = 0
    /// Index in the whole list of the selected row.
    public var selected = 0
    /// First row of the list on screen.
    public var scroll = 0
    public var loading = false
    public var loaded = false
    /// Items whose accept or override has not been confirmed yet.
    public var pending: Set<Int64> = []
    /// The last threshold used for bulk accept, offered again.
    public var threshold = 0.9
    /// The threshold prompt still shows the offered value untouched: the first digit typed
    /// replaces it, as in a selected field, instead of being appended to it.
    public var thresholdOffered = false
    /// What a bulk accept at the threshold being typed would accept.
    public var bulkPreview: BulkAcceptResult?
    /// A Review undo is on its way.
    public var undoing = false
    /// The item whose text the detail pane was scrolled, and its first line on screen. Any
    /// other selected item shows from its top, however the selection moved to it.
    public var detailItem: Int64?
    public var detailScroll = 0

    public init() {}

    /// The first line of `item`'s text in the detail pane.
    public func detailScroll(for item: ReviewItem) -> Int {
        item.itemID == detailItem ? detailScroll : 0
    }

    public var selectedItem: ReviewItem? {
        let i = selected - offset
        return rows.indices.contains(i) ? rows[i] : nil
    }

    public var selectionReason: String? {
        if total == 0 { return loaded ? "no LLM labels to review" : "loading LLM labels" }
        guard let item = selectedItem else { return "loading LLM labels" }
        return pending.contains(item.itemID) ? "still saving this row" : nil
    }
}

/// What the filterable label picker is choosing a label for.
public enum PickerPurpose: Equatable, Sendable {
    case labelItem(Int64)
    case overrideReview(Int64)
}

/// The filterable label picker, for label sets larger than the direct keys.
public struct PickerState: Equatable, Sendable {
    public var purpose: PickerPurpose
    public var filter = ""
    /// Index into `matches`.
    public var selected = 0

    public init(purpose: PickerPurpose) { self.purpose = purpose }

    /// Indices of labels matching the filter: prefix matches first, then substring matches,
    /// each in label-set order.
    public func matches(_ labels: [String]) -> [Int] {
        let f = filter.lowercased()
        guard !f.isEmpty else { return Array(labels.indices) }
        var prefix: [Int] = [], inner: [Int] = []
        for (i, l) in labels.enumerated() {
            let lower = l.lowercased()
            if lower.hasPrefix(f) { prefix.append(i) } else if lower.contains(f) { inner.append(i) }
        }
        return prefix + inner
    }
}

/// A window over the current screen.
public enum Overlay: Equatable, Sendable {
    case help(scroll: Int)
    case guidelines(scroll: Int)
    /// The LLM's pause reason and last error in full.
    case llmError(scroll: Int)
    case note(itemID: Int64, text: String)
    /// Setting the item aside, with an optional reason being typed.
    case ignore(itemID: Int64, reason: String)
    case picker(PickerState)
    case bulkThreshold(text: String)
    /// The experts' disagreements, for an adjudicator to settle.
    case disputes(DisputeState)
}

/// The disagreements overlay: the list once loaded, and the selected row.
public struct DisputeState: Equatable, Sendable {
    public var list: DisputeList?
    public var selected = 0
    public init(list: DisputeList? = nil, selected: Int = 0) {
        self.list = list
        self.selected = selected
    }
    public var selectedItem: DisputeItem? {
        guard let items = list?.items, items.indices.contains(selected) else { return nil }
        return items[selected]
    }
}

/// A line in the status bar.
public struct StatusLine: Equatable, Sendable {
    public enum Kind: Sendable { case info, warning, error }
    public var text: String
    public var kind: Kind
    /// The confirmation that a label was saved, which engine notices arriving after it are
    /// added to instead of replacing it, so that it stays readable.
    public var confirmation: String?
    public init(_ text: String, _ kind: Kind = .info, confirmation: String? = nil) {
        self.text = text
        self.kind = kind
        self.confirmation = confirmation
    }

    /// A save confirmation, kept when engine notices follow.
    public static func saved(_ text: String) -> StatusLine { StatusLine(text, confirmation: text) }

    /// `notice` after the confirmation this line holds, if any.
    public func announcing(_ notice: String) -> StatusLine {
        guard let confirmation else { return StatusLine(notice) }
        return StatusLine(confirmation + " · " + notice, confirmation: confirmation)
    }
}

/// Everything the UI shows. `reduce` is the only thing that changes it and `render` the only
/// thing that draws it.
public struct AppState: Sendable {
    public var screen: Screen = .label
    public var overlay: Overlay?
    public var session: SessionInfo?
    public var keymap: KeyMap
    /// The direct key of each label, in label-set order (fewer than the labels when the set is
    /// larger than the free keys).
    public var labelKeys: [Key] = []
    public var label = LabelScreenState()
    public var review = ReviewScreenState()
    public var dashboard: DashboardSnapshot?
    /// The first row of the dashboard's per-class F1 on screen (77 intents do not fit).
    public var perClassScroll = 0
    public var status: StatusLine?
    /// What the engine is doing, in words; shown while no item waits for the expert.
    public var activity: String?
    public var width: Int
    public var height: Int
    public var shouldQuit = false

    public init(keymap: KeyMap = .standard, width: Int = 80, height: Int = 24) {
        self.keymap = keymap
        self.width = width
        self.height = height
    }

    public var labels: [String] { session?.labels ?? [] }

    /// Whether the terminal is large enough for the screens to be drawn at all.
    public var fitsScreen: Bool { width >= AppView.minimumWidth && height >= AppView.minimumHeight }

    /// The label set index reached by `key`, if it is a label key.
    public func labelIndex(for key: Key) -> Int? {
        labelKeys.firstIndex(of: key)
    }
}
