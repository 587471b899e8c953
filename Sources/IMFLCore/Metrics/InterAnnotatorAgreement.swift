/// Agreement between the experts of a team beyond what chance would give, on the items more
/// than one of them labeled. Raw percent agreement flatters a skewed label set (two experts who
/// both say "neutral" 80% of the time agree 68% of the time by chance alone), so the dashboard
/// reports chance-corrected figures: Cohen's κ for two experts (Cohen 1960) and Krippendorff's
/// α for any number, with items labeled by only some of them (Krippendorff, "Computing
/// Krippendorff's Alpha-Reliability", 2011). Labels are nominal: any two different labels
/// disagree equally.
public enum InterAnnotatorAgreement {
    /// Cohen's κ of two experts over the items both labeled: (p_o − p_e) / (1 − p_e), with p_e
    /// from each expert's own label frequencies. Nil without pairs, or when chance agreement is
    /// certain (both always gave the same single label), where κ is undefined.
    public static func cohensKappa<Label: Hashable>(_ pairs: [(Label, Label)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        var first = [Label: Double](), second = [Label: Double]()
        var agreed = 0.0
        for (a, b) in pairs {
            first[a, default: 0] += 1
            second[b, default: 0] += 1
            if a == b { agreed += 1 }
        }
        let observed = agreed / n
        let chance = first.reduce(0.0) { $0 + ($1.value / n) * ((second[$1.key] ?? 0) / n) }
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    /// Krippendorff's α (nominal) over units, each the labels its experts gave (one per expert;
    /// units with fewer than two labels carry no information and are left out). Nil when fewer
    /// than two pairable labels remain or every label is the same (no expected disagreement).
    public static func krippendorffAlpha<Label: Hashable>(_ units: [[Label]]) -> Double? {
        // The coincidence matrix: each ordered pair of labels within a unit, weighted 1/(m − 1).
        var coincidence = [Label: [Label: Double]]()
        for unit in units where unit.count >= 2 {
            let weight = 1 / Double(unit.count - 1)
            for i in unit.indices {
                for j in unit.indices where j != i {
                    coincidence[unit[i], default: [:]][unit[j], default: 0] += weight
                }
            }
        }
        let marginals = coincidence.mapValues { $0.values.reduce(0, +) }
        let n = marginals.values.reduce(0, +)
        guard n > 1 else { return nil }
        var observed = 0.0
        for (c, row) in coincidence {
            for (k, count) in row where k != c { observed += count }
        }
        var expected = 0.0
        for (c, nc) in marginals {
            for (k, nk) in marginals where k != c { expected += nc * nk }
        }
        guard expected > 0 else { return nil }
        return 1 - (n - 1) * observed / expected
    }

    /// α for one label against the rest (each label read as "this label or not"): where in the
    /// label set the experts' disagreement lies.
    public static func perLabel<Label: Hashable>(_ units: [[Label]], labels: [Label]) -> [Label: Double] {
        var out = [Label: Double]()
        for label in labels {
            if let alpha = krippendorffAlpha(units.map { $0.map { $0 == label } }) { out[label] = alpha }
        }
        return out
    }
}

/// The experts' agreement in a session, as the dashboard and `imfl status` show it.
public struct TeamAgreement: Sendable, Equatable, Codable, Hashable {
    /// Experts who labeled at least one item another expert also labeled, by name.
    public var annotators: [String]
    /// Items labeled by two or more experts.
    public var sharedItems: Int
    /// Of those, items on which every expert gave the same label.
    public var unanimousItems: Int
    /// Cohen's κ when exactly two experts share items; nil otherwise.
    public var kappa: Double?
    /// Krippendorff's α over every shared item.
    public var alpha: Double?
    /// α per label (that label against the rest).
    public var perLabel: [String: Double]
    /// Per expert: Cohen's κ against the other experts' labels on the items they share.
    public var perAnnotator: [String: Double]

    /// - Parameters:
    ///   - labelsByAnnotator: for each item, the label each expert gave it.
    ///   - labels: the session's label set, in its order.
    public init(labelsByAnnotator: [Int64: [String: String]], labels: [String]) {
        let shared = labelsByAnnotator.keys.sorted().compactMap { id -> [String: String]? in
            let byName = labelsByAnnotator[id]!
            return byName.count >= 2 ? byName : nil
        }
        let names = Set(shared.flatMap(\.keys)).sorted()
        annotators = names
        sharedItems = shared.count
        unanimousItems = shared.count { Set($0.values).count == 1 }
        let units = shared.map { byName in byName.keys.sorted().map { byName[$0]! } }
        alpha = InterAnnotatorAgreement.krippendorffAlpha(units)
        perLabel = InterAnnotatorAgreement.perLabel(units, labels: labels)
        if names.count == 2 {
            kappa = InterAnnotatorAgreement.cohensKappa(shared.map { ($0[names[0]]!, $0[names[1]]!) })
        } else {
            kappa = nil
        }
        var mine = [String: Double]()
        for name in names {
            var pairs = [(String, String)]()
            for byName in shared {
                guard let own = byName[name] else { continue }
                for (other, label) in byName where other != name { pairs.append((own, label)) }
            }
            if let k = InterAnnotatorAgreement.cohensKappa(pairs) { mine[name] = k }
        }
        perAnnotator = mine
    }
}
