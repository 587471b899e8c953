/// A named colour role. Views pick roles; only a `Theme` turns a role into colours, so a view
/// never names a raw colour and every theme (including monochrome) covers every view.
public enum Role: Hashable, Sendable {
    case text
    case dim
    case accent
    case title
    case selection
    case human
    case llm
    case override
    case warning
    case error
    case chart
    /// The colour of label number `n` (1-based) in the label bar; cycles through
    /// `Role.labelPaletteSize` theme entries so 77 labels need only a handful of colours.
    case label(Int)

    /// How many `label-N` roles a theme defines.
    public static let labelPaletteSize = 8

    /// Every role a theme file may set, label roles included.
    public static var all: [Role] {
        [.text, .dim, .accent, .title, .selection, .human, .llm, .override, .warning, .error, .chart]
            + (1...labelPaletteSize).map { .label($0) }
    }

    /// The role for the `index`-th label (0-based) of the session's label set.
    public static func forLabel(index: Int) -> Role {
        .label(index % labelPaletteSize + 1)
    }

    /// The key used in theme files, e.g. `accent` or `label-3`.
    public var name: String {
        switch self {
        case .text: "text"
        case .dim: "dim"
        case .accent: "accent"
        case .title: "title"
        case .selection: "selection"
        case .human: "human"
        case .llm: "llm"
        case .override: "override"
        case .warning: "warning"
        case .error: "error"
        case .chart: "chart"
        case .label(let n): "label-\(n)"
        }
    }

    public init?(name: String) {
        guard let role = Role.all.first(where: { $0.name == name }) else { return nil }
        self = role
    }
}

/// Text attributes a view may add on top of its role (a selected row, a heading).
public struct Emphasis: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Emphasis(rawValue: 1)
    public static let reverse = Emphasis(rawValue: 2)
    public static let underline = Emphasis(rawValue: 4)
}

/// How one cell is drawn: a role and optional emphasis.
public struct Style: Hashable, Sendable {
    public var role: Role
    public var emphasis: Emphasis

    public init(_ role: Role = .text, _ emphasis: Emphasis = []) {
        self.role = role
        self.emphasis = emphasis
    }

    public static let text = Style(.text)
    public static let dim = Style(.dim)
    public static let accent = Style(.accent)

    public func adding(_ more: Emphasis) -> Style { Style(role, emphasis.union(more)) }
}
