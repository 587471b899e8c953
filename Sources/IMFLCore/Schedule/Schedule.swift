/// How the human batch size changes from round to round.
public enum ScheduleKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Human batches decay geometrically, B_H(r) ∝ γ^(r−1): more expert labels early, so that
    /// retrieval has good examples when the LLM labels most of the later rounds.
    case geometric
    /// The ablation: every round gets the same human and LLM batch.
    case equal
    /// Everything in one round (no interaction; the non-interactive baseline).
    case single
}

extension ScheduleKind {
    /// The name session.toml's `budget.schedule` and `imfl simulate --schedule` use: `decay`
    /// for the geometric schedule (the raw value stays `geometric`, as results files store it).
    public var sessionName: String { self == .geometric ? "decay" : rawValue }

    public init?(sessionName: String) {
        guard let kind = Self.allCases.first(where: { $0.sessionName == sessionName }) else { return nil }
        self = kind
    }
}

/// A problem with the numbers a schedule is built from (they come from `session.toml`).
public struct ScheduleError: Error, Equatable, CustomStringConvertible {
    public var description: String
}

/// The label budget of one round: expert labels first, LLM labels fill the rest.
public struct RoundBudget: Sendable, Equatable, Codable, Hashable {
    /// 1-based round number.
    public var round: Int
    /// B_H(r): items sent to the expert.
    public var human: Int
    /// B_G(r): items sent to the LLM annotator.
    public var llm: Int
    /// B_H(r) + B_G(r).
    public var total: Int { human + llm }
}

/// The budget split over rounds, a pure function of (B, human share, R, kind, γ).
///
/// Budget B (paper default 1000) is split into B_H = round(B · share) expert labels and
/// B_G = B − B_H LLM labels. With the `geometric` kind the human batches follow
/// B_H(r) ∝ γ^(r−1), and the LLM batches are spread evenly, B_G(r) ≈ B_G / R. Both are rounded
/// to integers with the largest-remainder method (ties go to the earlier round), so
///
/// - Σ_r B_H(r) = B_H and Σ_r B_G(r) = B_G exactly, hence Σ_r (B_H(r) + B_G(r)) = B;
/// - B_H(r) never increases from one round to the next.
///
/// An even LLM share with a decaying human share reproduces the shape of the round totals of
/// Zhang et al. (NeurIPS 2023, arXiv 2310.20153), ≈259, 212, 184, 176, 169 of 1000: with the
/// defaults (share 0.2, R = 5, γ = 0.5) the totals are 263, 212, 186, 173, 166 — a steep drop
/// after round 1 that flattens out, because the constant LLM part dominates later rounds.
///
///     let plan = try Schedule(budget: 1000)
///     print(plan.table())
public struct Schedule: Sendable, Equatable, Codable, Hashable {
    public var budget: Int
    public var humanShare: Double
    public var kind: ScheduleKind
    /// γ of the geometric decay (ignored by `equal` and `single`).
    public var decay: Double
    /// One entry per round, in order.
    public private(set) var rounds: [RoundBudget]

    /// Builds the schedule.
    /// - Parameters:
    ///   - budget: total labels B, ≥ 0.
    ///   - humanShare: fraction of B that goes to the expert, in [0, 1].
    ///   - rounds: R ≥ 1 (forced to 1 for `single`).
    ///   - kind: how human batches change over rounds.
    ///   - decay: γ in (0, 1] for `geometric`; 1 is the same as `equal`.
    /// - Throws: `ScheduleError` naming the bad value.
    public init(
        budget: Int, humanShare: Double = 0.2, rounds: Int = 5,
        kind: ScheduleKind = .geometric, decay: Double = 0.5
    ) throws {
        guard budget >= 0 else { throw ScheduleError(description: "budget must be ≥ 0, got \(budget)") }
        guard humanShare.isFinite, (0 ... 1).contains(humanShare) else {
            throw ScheduleError(description: "human share must be between 0 and 1, got \(humanShare)")
        }
        guard rounds >= 1 else { throw ScheduleError(description: "rounds must be ≥ 1, got \(rounds)") }
        guard decay.isFinite, decay > 0, decay <= 1 else {
            throw ScheduleError(description: "decay γ must be in (0, 1], got \(decay)")
        }
        self.budget = budget
        self.humanShare = humanShare
        self.kind = kind
        self.decay = decay
        let humanTotal = Int((Double(budget) * humanShare).rounded())
        let llmTotal = budget - humanTotal
        let r = kind == .single ? 1 : rounds
        let humanWeights: [Double] = switch kind {
        case .geometric: (0 ..< r).map { Self.power(decay, $0) }
        case .equal, .single: Array(repeating: 1, count: r)
        }
        let human = Self.apportion(humanTotal, weights: humanWeights)
        let llm = Self.apportion(llmTotal, weights: Array(repeating: 1, count: r))
        self.rounds = (0 ..< r).map { RoundBudget(round: $0 + 1, human: human[$0], llm: llm[$0]) }
    }

    /// B_H, the expert labels over all rounds.
    public var humanTotal: Int { rounds.reduce(0) { $0 + $1.human } }
    /// B_G, the LLM labels over all rounds.
    public var llmTotal: Int { rounds.reduce(0) { $0 + $1.llm } }

    /// This schedule followed by `more`'s rounds, numbered on: how `imfl extend` adds rounds to a
    /// session without changing the rounds already planned or run.
    public func extended(by more: Schedule) -> Schedule {
        var result = self
        result.budget += more.budget
        result.rounds += more.rounds.map { RoundBudget(round: rounds.count + $0.round, human: $0.human, llm: $0.llm) }
        return result
    }

    /// The budget of round `r` (1-based), nil past the last round.
    public func budget(ofRound r: Int) -> RoundBudget? {
        rounds.indices.contains(r - 1) ? rounds[r - 1] : nil
    }

    /// Splits `total` into integers proportional to `weights` by the largest-remainder
    /// method; ties in the remainder go to the earlier index.
    public static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard total > 0, sum > 0 else { return Array(repeating: 0, count: weights.count) }
        let quotas = weights.map { Double(total) * $0 / sum }
        var shares = quotas.map { Int($0.rounded(.down)) }
        let left = total - shares.reduce(0, +)
        let order = quotas.indices.sorted { a, b in
            let fa = quotas[a] - Double(shares[a]), fb = quotas[b] - Double(shares[b])
            return fa != fb ? fa > fb : a < b
        }
        for i in order.prefix(left) { shares[i] += 1 }
        return shares
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var x = 1.0
        for _ in 0 ..< exponent { x *= base }
        return x
    }

    /// The schedule as a fixed-width table (printed by `imfl plan`).
    ///
    ///     round  expert    LLM  total
    ///         1     103    160    263
    ///     …
    ///     total     200    800   1000
    public func table() -> String {
        func row(_ a: String, _ b: Int, _ c: Int, _ d: Int) -> String {
            pad(a, 5) + pad(String(b), 8) + pad(String(c), 7) + pad(String(d), 7)
        }
        var lines = [pad("round", 5) + pad("expert", 8) + pad("LLM", 7) + pad("total", 7)]
        for r in rounds { lines.append(row(String(r.round), r.human, r.llm, r.total)) }
        lines.append(row("total", humanTotal, llmTotal, humanTotal + llmTotal))
        let header = switch kind {
        case .geometric: "schedule: geometric, γ = \(decay), human share \(humanShare), budget \(budget)"
        case .equal: "schedule: equal, human share \(humanShare), budget \(budget)"
        case .single: "schedule: single round, human share \(humanShare), budget \(budget)"
        }
        return ([header] + lines).joined(separator: "\n")
    }

    private func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
