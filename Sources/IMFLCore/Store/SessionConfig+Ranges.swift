import Foundation

/// The accepted range of one numeric key of session.toml.
///
/// Every number a session reads has bounds that keep the arithmetic on it exact and the work
/// it causes finite: a budget of 2⁶³ − 1 labels overflows converting to and from Double, a
/// timeout of `inf` cannot become a `Duration`, and a million rounds is a schedule imfl would
/// spend minutes printing. The bounds are generous for real sessions; `validate` checks them
/// when a session is created (`imfl init` flags) and every time it is opened, and refuses a
/// value outside them with the key's name.
public struct SettingRange: Sendable {
    /// The bounds, in the key's own type.
    public enum Bounds: Sendable, Equatable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
    }

    /// The dotted key, e.g. `budget.total`.
    public let key: String
    public let bounds: Bounds
    /// The `imfl init` flag that sets the key, if any.
    public let flag: String?
    private let check: @Sendable (SessionConfig) -> String?

    private init(_ key: String, _ bounds: Bounds, flag: String?, check: @escaping @Sendable (SessionConfig) -> String?) {
        self.key = key
        self.bounds = bounds
        self.flag = flag
        self.check = check
    }

    static func integer(
        _ key: String, _ range: ClosedRange<Int>, flag: String? = nil, _ value: @escaping @Sendable (SessionConfig) -> Int
    ) -> SettingRange {
        SettingRange(key, .integer(range), flag: flag) { config in
            let v = value(config)
            return range.contains(v) ? nil : String(v)
        }
    }

    static func number(
        _ key: String, _ range: ClosedRange<Double>, flag: String? = nil, _ value: @escaping @Sendable (SessionConfig) -> Double
    ) -> SettingRange {
        SettingRange(key, .number(range), flag: flag) { config in
            let v = value(config)
            return range.contains(v) ? nil : "\(v)"
        }
    }

    /// The range as the README and error messages write it, e.g. `1 to 1000000`.
    public var rangeText: String {
        switch bounds {
        case .integer(let r): "\(r.lowerBound) to \(r.upperBound)"
        case .number(let r): "\(Self.plain(r.lowerBound)) to \(Self.plain(r.upperBound))"
        }
    }

    /// The problem with `config`'s value for this key, or nil when it is in range.
    func problem(in config: SessionConfig) -> String? {
        guard let found = check(config) else { return nil }
        let name = flag.map { "\(key) (\($0))" } ?? key
        let kind = if case .integer = bounds { "an integer" } else { "a number" }
        return "\(name) must be \(kind) from \(rangeText), got \(found)"
    }

    private static func plain(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

extension SettingRange {
    /// Every numeric key of session.toml, in file order.
    public static let all: [SettingRange] = [
        .integer("budget.total", 1 ... 1_000_000, flag: "--budget") { $0.budget.total },
        // human_share 0: the LLM labels everything (the paper's LLM-only baseline).
        .number("budget.human_share", 0 ... 1, flag: "--human-share") { $0.budget.humanShare },
        .integer("budget.rounds", 1 ... 100, flag: "--rounds") { $0.budget.rounds },
        .number("budget.decay", 0.01 ... 1) { $0.budget.decay },
        .number("team.overlap", 0 ... 1) { $0.team.overlap },
        .number("team.claim_lease", 3 ... 86_400) { $0.team.claimLease },
        .number("budget.human_label_cost", 0 ... 1_000_000) { $0.budget.humanLabelCost },
        .integer("query.subsample_factor", 1 ... 1000) { $0.query.subsampleFactor },
        .integer("query.seed", 0 ... Int(Int32.max)) { $0.query.seed },
        .integer("retrieval.k", 0 ... 50) { $0.retrieval.k },
        .integer("llm.max_item_tokens", 16 ... 32768) { $0.llm.itemTokenLimit },
        .integer("llm.max_example_tokens", 8 ... 32768) { $0.llm.maxExampleTokens },
        .number("llm.temperature", 0 ... 2) { $0.llm.temperature },
        .integer("llm.top_logprobs", 0 ... 20) { $0.llm.topLogprobs },
        .number("llm.timeout_seconds", 1 ... 3600) { $0.llm.timeoutSeconds },
        .number("llm.connect_timeout_seconds", 0.1 ... 600) { $0.llm.connectTimeoutSeconds },
        .integer("llm.max_concurrency", 1 ... 256) { $0.llm.maxConcurrency },
        .integer("llm.max_attempts", 1 ... 20) { $0.llm.maxAttempts },
        .number("llm.backoff_base_seconds", 0 ... 600) { $0.llm.backoffBaseSeconds },
        .number("llm.backoff_max_seconds", 0 ... 3600) { $0.llm.backoffMaxSeconds },
        .integer("llm.breaker_threshold", 1 ... 1000) { $0.llm.breakerThreshold },
        .number("llm.breaker_cooldown_seconds", 0 ... 3600) { $0.llm.breakerCooldownSeconds },
        .number("llm.prompt_price_per_1k", 0 ... 1000) { $0.llm.promptPricePer1K },
        .number("llm.completion_price_per_1k", 0 ... 1000) { $0.llm.completionPricePer1K },
        .number("llm.shadow", 0 ... 1) { $0.llm.shadow },
        .number("llm.route_doubtful", 0 ... 1) { $0.llm.routeDoubtful },
    ]
}
