import Foundation

/// How the learner trains on LLM labels, given what the shadow labels say about the annotator
/// (session.toml's `[learner] llm_labels`). The IMFL loss alone trains on every LLM label with
/// the same weight, so an annotator that is wrong a third of the time pulls the classifier
/// down as hard as a good one pulls it up; these options use the live estimate
/// (`LLMAccuracyEstimate`) so that a weak annotator cannot hurt.
public enum LLMLabelUse: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every LLM label, with the learner's fidelity weights (the paper's IMFL loss).
    case all
    /// Every LLM label, their mean loss scaled by how far the estimated accuracy is above
    /// chance, κ = (a − 1/C) / (1 − 1/C) clipped to [0, 1]: an annotator at chance weighs nothing.
    case weighted
    /// Every LLM label through the forward loss correction (Patrini et al., CVPR 2017) with
    /// the confusion the shadow labels measured: the classifier learns p, and Tᵀp is fitted to
    /// the LLM's labels.
    case forward
    /// Only LLM labels at or above a confidence threshold chosen on the shadow labels: the
    /// lowest confidence down to which the shadow labels, taken from the most confident down,
    /// are right more often than wrong by the widest margin.
    case threshold
    /// Only LLM labels where the LLM beats the classifier: on the shadow items, per label the
    /// LLM gave (and per confidence band when the endpoint reports confidence), the LLM's
    /// accuracy against that of a classifier trained on the expert labels alone, each shadow
    /// item predicted by a fit that did not see it. LLM labels help only where they are better
    /// than the model they train (Mallen & Belrose, arXiv 2410.13215).
    case auto

    /// The values as session.toml and the help texts list them.
    public static var names: String { allCases.map(\.rawValue).joined(separator: " | ") }
}

/// One shadow label and what it is compared with.
public struct ShadowPair: Sendable, Hashable {
    /// The LLM's class on the item, and the confidence it reported.
    public var llm: Int
    public var confidence: Double?
    /// The expert's class in force on the item.
    public var expert: Int
    /// The class a classifier trained on the expert labels without this item predicts (only
    /// computed for `auto`).
    public var classifier: Int?

    public init(llm: Int, confidence: Double? = nil, expert: Int, classifier: Int? = nil) {
        self.llm = llm
        self.confidence = confidence
        self.expert = expert
        self.classifier = classifier
    }
}

/// What a round's training did with the LLM labels, and why: stored with the round's metrics
/// and shown on the dashboard.
public struct LLMLabelReport: Sendable, Hashable, Codable {
    public var use: LLMLabelUse
    /// LLM labels in force that could train.
    public var given: Int
    /// Those the classifier was trained on.
    public var used: Int
    /// The factor on the LLM labels' mean loss (`weighted`).
    public var weight: Double?
    /// The confidence threshold (`threshold`, and `auto`'s band when it has one).
    public var threshold: Double?
    /// Why, in words: "the LLM beats the classifier on positive, neutral; not on negative".
    public var reason: String

    /// "used 120 of 160: the LLM beats the classifier on positive, neutral; not on negative".
    public var summary: String { "used \(used) of \(given) LLM labels: \(reason)" }
}

extension LLMLabelUse {
    /// Fewest shadow labels a class or a confidence band needs before `auto` decides it on its
    /// own; smaller groups follow the decision over all shadow labels.
    static let minimumGroup = 5

    /// The training set this option makes of `data`, and the report of what it did.
    /// - Parameters:
    ///   - shadow: the session's shadow labels so far, each with the expert's label in force
    ///     (and, for `auto`, the cross-validated classifier's prediction).
    ///   - labels: the session's label names, class i being `labels[i]`.
    public func apply(to data: TrainingSet, shadow: [ShadowPair], labels: [String]) -> (TrainingSet, LLMLabelReport) {
        let given = data.fidelities.count { $0 == .llm }
        func report(_ used: Int, _ reason: String, weight: Double? = nil, threshold: Double? = nil) -> LLMLabelReport {
            LLMLabelReport(use: self, given: given, used: used, weight: weight, threshold: threshold, reason: reason)
        }
        if self == .all { return (data, report(given, "every LLM label trains (llm_labels = \"all\")")) }
        guard given > 0 else { return (data, report(0, "no LLM label yet")) }
        guard !shadow.isEmpty else { return (data, report(given, "no shadow label yet, so every LLM label trains")) }
        let classes = labels.count
        let estimate = LLMAccuracyEstimate(shadow: shadow.map(\.llm), expert: shadow.map(\.expert), classes: classes)
        let accuracy = estimate.accuracy ?? 0
        switch self {
        case .all:
            return (data, report(given, ""))
        case .weighted:
            let chance = 1 / Double(classes)
            let kappa = min(1, max(0, (accuracy - chance) / (1 - chance)))
            var out = data
            out.llmWeight = kappa
            let reason = String(format: "they weigh %.2f (the LLM is %.0f%% right, chance is %.0f%%)", kappa, accuracy * 100, chance * 100)
            return (out, report(kappa > 0 ? given : 0, reason, weight: kappa))
        case .forward:
            var out = data
            out.noiseTransition = estimate.transition()
            return (out, report(given, "trained through the LLM's confusion measured on \(estimate.count) shadow labels (forward correction)"))
        case .threshold:
            guard let tau = Self.threshold(shadow) else {
                return (data, report(given, "the annotator reports no confidence, so every LLM label trains"))
            }
            let keep = data.fidelities.indices.filter { i in
                data.fidelities[i] == .human || (data.confidences[i] ?? 1) >= tau
            }
            let used = keep.count { data.fidelities[$0] == .llm }
            return (data.subset(rows: keep), report(used, String(format: "LLM labels below confidence %.2f are dropped", tau), threshold: tau))
        case .auto:
            return autoRule(data, shadow: shadow, labels: labels, report: report)
        }
    }

    /// `threshold`'s cut: taking the shadow labels from the most confident down, the
    /// confidence where (right − wrong) peaks; above every confidence when it never gets
    /// positive; nil when no shadow label has a confidence.
    static func threshold(_ shadow: [ShadowPair]) -> Double? {
        let rated = shadow.compactMap { p in p.confidence.map { ($0, p.llm == p.expert) } }.sorted { $0.0 > $1.0 }
        guard !rated.isEmpty else { return nil }
        var score = 0, best = 0, cut = Double.infinity
        var i = 0
        while i < rated.count {
            let c = rated[i].0
            while i < rated.count, rated[i].0 == c {
                score += rated[i].1 ? 1 : -1
                i += 1
            }
            if score > best { best = score; cut = c }
        }
        return cut
    }

    private func autoRule(
        _ data: TrainingSet, shadow: [ShadowPair], labels: [String],
        report: (Int, String, Double?, Double?) -> LLMLabelReport
    ) -> (TrainingSet, LLMLabelReport) {
        let judged = shadow.filter { $0.classifier != nil }
        guard !judged.isEmpty else {
            return (data, report(data.fidelities.count { $0 == .llm }, "no classifier to compare with yet, so every LLM label trains", nil, nil))
        }
        func beats(_ pairs: [ShadowPair]) -> Bool {
            pairs.count { $0.llm == $0.expert } > pairs.count { $0.classifier == $0.expert }
        }
        let overall = beats(judged)
        let byClass = labels.indices.map { c -> Bool in
            let group = judged.filter { $0.llm == c }
            return group.count >= Self.minimumGroup ? beats(group) : overall
        }
        // Confidence bands: below and above the shadow labels' median confidence.
        let confidences = judged.compactMap(\.confidence).sorted()
        var lowBandUsed = true, highBandUsed = true, median: Double?
        if confidences.count >= 2 * Self.minimumGroup {
            let m = confidences[confidences.count / 2]
            median = m
            let low = judged.filter { ($0.confidence ?? m) < m }, high = judged.filter { ($0.confidence ?? m) >= m }
            if low.count >= Self.minimumGroup { lowBandUsed = beats(low) }
            if high.count >= Self.minimumGroup { highBandUsed = beats(high) }
        }
        func used(_ i: Int) -> Bool {
            guard data.fidelities[i] == .llm else { return true }
            guard byClass[data.labels[i]] else { return false }
            guard let m = median, let c = data.confidences[i] else { return true }
            return c < m ? lowBandUsed : highBandUsed
        }
        let keep = data.fidelities.indices.filter(used)
        let usedCount = keep.count { data.fidelities[$0] == .llm }
        let yes = labels.indices.filter { byClass[$0] }.map { labels[$0] }
        let no = labels.indices.filter { !byClass[$0] }.map { labels[$0] }
        var reason = yes.isEmpty ? "the classifier beats the LLM on every label"
            : no.isEmpty ? "the LLM beats the classifier on every label"
            : "the LLM beats the classifier on \(yes.joined(separator: ", ")); not on \(no.joined(separator: ", "))"
        if let m = median, !(lowBandUsed && highBandUsed) {
            reason += lowBandUsed == highBandUsed ? "; in no confidence band"
                : String(format: lowBandUsed ? "; not at confidence ≥ %.2f" : "; not below confidence %.2f", m)
        }
        return (data.subset(rows: keep), report(usedCount, reason, nil, median))
    }
}
