/// Everything a key can do. The raw value is the name used in keymap overrides
/// (`[keys] skip = ["s"]`).
public enum Action: String, CaseIterable, Sendable, Hashable {
    case quit
    case help
    case guidelines
    case nextScreen = "next-screen"
    case previousScreen = "previous-screen"
    case showLabel = "screen-label"
    case showReview = "screen-review"
    case showDashboard = "screen-dashboard"
    case skip
    case ignore
    case undo
    case note
    case pickLabel = "pick-label"
    case pageDown = "page-down"
    case pageUp = "page-up"
    case down
    case up
    case top
    case bottom
    case textDown = "text-down"
    case textUp = "text-up"
    case accept
    case bulkAccept = "bulk-accept"
    case cycleSort = "cycle-sort"
    case filterUnreviewed = "filter-unreviewed"
    case nextRoundFilter = "filter-round-next"
    case previousRoundFilter = "filter-round-previous"
    case disputes
    case refresh
    case retryLLM = "retry-llm"
    case showLLMError = "llm-error"
}

/// Where a binding applies.
public enum Scope: String, Sendable, Hashable, CaseIterable {
    case global
    case label
    case review
    case dashboard
}
