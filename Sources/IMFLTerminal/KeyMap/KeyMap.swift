import TOMLKit

/// One row of the keymap: the keys, what they do, the help text, and when the action is
/// unavailable, why. The same rows drive key dispatch, the footer and the `?` overlay.
public struct Binding: Sendable {
    public var keys: [Key]
    public var action: Action
    public var scope: Scope
    public var help: String
    /// Shown in the footer (the `?` overlay shows every binding).
    public var inFooter: Bool
    /// Why the action cannot run in this state; nil when it can.
    public var disabledReason: @Sendable (AppState) -> String?

    public init(_ keys: [Key], _ action: Action, _ scope: Scope, _ help: String, inFooter: Bool = true,
                disabledReason: @escaping @Sendable (AppState) -> String? = { _ in nil }) {
        self.keys = keys
        self.action = action
        self.scope = scope
        self.help = help
        self.inFooter = inFooter
        self.disabledReason = disabledReason
    }

    /// The keys as the footer shows them, e.g. `j/↓`.
    public var keyText: String { keys.map(\.description).joined(separator: "/") }
}

/// A keymap file or table that cannot be used.
public struct KeyMapError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String
    public var description: String { "\(file): \(problem)" }
}

/// The table of bindings. Defaults follow common TUI conventions plus vim-style navigation
/// (j/k, g/G are taken by guidelines so Home/End jump); a session may rebind any action.
public struct KeyMap: Sendable {
    public private(set) var bindings: [Binding]

    public init(bindings: [Binding]) { self.bindings = bindings }

    public static let standard = KeyMap(bindings: [
        Binding([.char("q"), .ctrl("c")], .quit, .global, "quit"),
        Binding([.char("?")], .help, .global, "keys"),
        Binding([.char("g")], .guidelines, .global, "guidelines", disabledReason: { s in
            (s.session?.guidelines.isEmpty ?? true) ? "this session has no guidelines" : nil
        }),
        Binding([.tab], .nextScreen, .global, "next screen", inFooter: false),
        Binding([.backTab], .previousScreen, .global, "previous screen", inFooter: false),
        Binding([.char("L"), .function(1)], .showLabel, .global, "label screen", inFooter: false),
        Binding([.char("R"), .function(2)], .showReview, .global, "review screen", inFooter: false),
        Binding([.char("D"), .function(3)], .showDashboard, .global, "dashboard", inFooter: false),
        Binding([.char("s")], .skip, .label, "skip", disabledReason: { s in s.label.busyReason ?? s.label.noItemReason }),
        // Shifted, so that it takes no letter from the labels' direct keys and is never pressed
        // by accident; it asks for a reason before it acts.
        Binding([.char("I")], .ignore, .label, "ignore (set aside: unsure, off-topic)…", inFooter: false, disabledReason: { s in s.label.busyReason ?? s.label.noItemReason }),
        Binding([.char("u")], .undo, .label, "undo", disabledReason: { s in s.label.busyReason }),
        Binding([.char("n")], .note, .label, "note", disabledReason: { s in s.label.busyReason ?? s.label.noItemReason }),
        Binding([.char("/")], .pickLabel, .label, "pick label", disabledReason: { s in s.label.busyReason ?? s.label.noItemReason }),
        Binding([.pageDown, .char(" ")], .pageDown, .label, "page down", inFooter: false),
        Binding([.pageUp], .pageUp, .label, "page up", inFooter: false),
        Binding([.char("j"), .down], .down, .label, "scroll down", inFooter: false),
        Binding([.char("k"), .up], .up, .label, "scroll up", inFooter: false),
        Binding([.char("j"), .down], .down, .review, "next row", inFooter: false),
        Binding([.char("k"), .up], .up, .review, "previous row", inFooter: false),
        Binding([.pageDown], .pageDown, .review, "page down", inFooter: false),
        Binding([.pageUp], .pageUp, .review, "page up", inFooter: false),
        Binding([.home], .top, .review, "first row", inFooter: false),
        Binding([.end], .bottom, .review, "last row", inFooter: false),
        Binding([.char("a"), .enter], .accept, .review, "accept", disabledReason: { s in
            s.fitsScreen ? s.review.selectionReason : "the terminal is too small to show the row"
        }),
        Binding([.char("A")], .bulkAccept, .review, "bulk accept ≥", disabledReason: { s in
            s.review.total == 0 ? "no LLM labels to review" : nil
        }),
        Binding([.char("o")], .cycleSort, .review, "sort"),
        Binding([.char("n")], .note, .review, "note", inFooter: false, disabledReason: { s in s.review.selectionReason }),
        Binding([.char("F")], .filterUnreviewed, .review, "unreviewed only / all", inFooter: false),
        Binding([.char("]")], .nextRoundFilter, .review, "one round only: next round", inFooter: false),
        Binding([.char("[")], .previousRoundFilter, .review, "one round only: previous round", inFooter: false),
        Binding([.char("X")], .disputes, .review, "experts' disagreements (adjudicators settle them)", inFooter: false),
        Binding([.char("u")], .undo, .review, "undo accept, override or bulk accept", inFooter: false, disabledReason: { s in
            s.review.undoing ? "still undoing" : nil
        }),
        Binding([.char("/")], .pickLabel, .review, "override…", disabledReason: { s in s.review.selectionReason }),
        Binding([.char("J")], .textDown, .review, "more text", disabledReason: { s in
            ReviewScreen.detailScrollReason(s, down: true)
        }),
        Binding([.char("K")], .textUp, .review, "text back up", inFooter: false, disabledReason: { s in
            ReviewScreen.detailScrollReason(s, down: false)
        }),
        Binding([.char("r")], .refresh, .dashboard, "refresh"),
        Binding([.char("j"), .down], .down, .dashboard, "scroll F1 per class down", inFooter: false),
        Binding([.char("k"), .up], .up, .dashboard, "scroll F1 per class up", inFooter: false),
        Binding([.pageDown], .pageDown, .dashboard, "page F1 per class down", inFooter: false),
        Binding([.pageUp], .pageUp, .dashboard, "page F1 per class up", inFooter: false),
        Binding([.char("E")], .showLLMError, .global, "the LLM's error in full", inFooter: false, disabledReason: { s in
            s.dashboard?.llm.pausedReason == nil && s.dashboard?.llm.lastError == nil ? "the LLM has reported no error" : nil
        }),
        Binding([.char("T")], .retryLLM, .global, "retry the LLM now", inFooter: false, disabledReason: { s in
            (s.dashboard?.llm.isPaused ?? false) ? nil : "the LLM is not paused"
        }),
    ])

    /// The bindings that apply on `screen`, screen-specific first.
    public func bindings(for screen: Scope) -> [Binding] {
        bindings.filter { $0.scope == screen } + bindings.filter { $0.scope == .global }
    }

    /// The binding `key` triggers on `screen`, if any.
    public func binding(for key: Key, on screen: Scope) -> Binding? {
        bindings(for: screen).first { $0.keys.contains(key) }
    }

    /// Keys reserved by bindings on the label and review screens: label keys must avoid them.
    public var reservedKeys: Set<Key> {
        Set(bindings.filter { $0.scope != .dashboard }.flatMap(\.keys))
    }

    /// Direct keys for labels: 1–9, then lower-case letters no binding uses, in order. Labels
    /// beyond these are reached through the filterable picker.
    public func labelKeys(count: Int) -> [Key] {
        let reserved = reservedKeys
        let candidates = "123456789abcdefghijklmnopqrstuvwxyz".map { Key.char($0) }
        return Array(candidates.filter { !reserved.contains($0) }.prefix(count))
    }

    // MARK: - Overrides

    /// Replaces the keys of the named actions. Each value is a key or a list of keys, as
    /// `Key(spec:)` reads them; an action with different bindings per screen gets the keys on
    /// every screen.
    /// - Throws: `KeyMapError` naming `file` for an unknown action, an unreadable key, or two
    ///   actions on one screen sharing a key.
    public func overriding(_ overrides: [String: [String]], file: String) throws -> KeyMap {
        var map = self
        for name in overrides.keys.sorted() {
            guard let action = Action(rawValue: name) else {
                let known = Action.allCases.map(\.rawValue).joined(separator: ", ")
                throw KeyMapError(file: file, problem: "unknown action \"\(name)\" in [keys]; known actions: \(known)")
            }
            var keys: [Key] = []
            for spec in overrides[name]! {
                guard let key = Key(spec: spec) else {
                    throw KeyMapError(file: file, problem: "[keys] \(name): cannot read key \"\(spec)\" (use a character or a name such as ctrl-s, pgdn, f2, space)")
                }
                keys.append(key)
            }
            guard !keys.isEmpty else {
                throw KeyMapError(file: file, problem: "[keys] \(name): no keys given")
            }
            for i in map.bindings.indices where map.bindings[i].action == action {
                map.bindings[i].keys = keys
            }
        }
        try map.checkConflicts(file: file)
        return map
    }

    /// Reads overrides from the `[keys]` table of a TOML document (session.toml or a keymap
    /// file) and applies them.
    /// - Throws: `KeyMapError` naming `file` (and the line, for syntax errors).
    public func overriding(toml: String, file: String) throws -> KeyMap {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw KeyMapError(file: file, problem: "line \(error.source.begin.line): \(error.description)")
        }
        guard let keys = table["keys"] else { return self }
        guard let keysTable = keys.table else {
            throw KeyMapError(file: file, problem: "keys must be a table ([keys]), found \(keys.type)")
        }
        var overrides: [String: [String]] = [:]
        for (name, value) in keysTable {
            if let s = value.string {
                overrides[name] = [s]
            } else if let array = value.array {
                var list: [String] = []
                for element in array {
                    guard let s = element.string else {
                        throw KeyMapError(file: file, problem: "[keys] \(name): keys must be strings, found \(element.type)")
                    }
                    list.append(s)
                }
                overrides[name] = list
            } else {
                throw KeyMapError(file: file, problem: "[keys] \(name): expected a key or a list of keys, found \(value.type)")
            }
        }
        return try overriding(overrides, file: file)
    }

    private func checkConflicts(file: String) throws {
        for screen in [Scope.label, .review, .dashboard] {
            var owner: [Key: Action] = [:]
            for b in bindings(for: screen) {
                for key in b.keys {
                    if let other = owner[key], other != b.action {
                        throw KeyMapError(file: file, problem: "key \(key) is bound to both \(other.rawValue) and \(b.action.rawValue) on the \(screen.rawValue) screen")
                    }
                    owner[key] = b.action
                }
            }
        }
    }
}
