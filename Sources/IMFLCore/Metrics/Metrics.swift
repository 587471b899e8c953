/// Precision, recall and F1 of one class.
public struct ClassScores: Sendable, Equatable, Codable, Hashable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Number of gold items of this class.
    public var support: Int
}

/// A confusion matrix over a label set: `counts[gold][predicted]`.
public struct ConfusionMatrix: Sendable, Equatable, Codable, Hashable {
    public var classes: Int
    public var counts: [[Int]]

    /// Counts the pairs; labels outside `0 ..< classes` are an error of the caller.
    public init(gold: [Int], predicted: [Int], classes: Int) {
        precondition(gold.count == predicted.count, "gold and predicted differ in length")
        self.classes = classes
        var counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (g, p) in zip(gold, predicted) { counts[g][p] += 1 }
        self.counts = counts
    }

    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0 ..< classes).reduce(0) { $0 + counts[$1][$1] } }

    /// Fraction of items predicted correctly (0 when there are none).
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Scores per class. A class never predicted has precision 0; a class with no gold items
    /// has recall 0; F1 is 0 whenever precision + recall is 0 (scikit-learn's
    /// `zero_division=0`).
    public var perClass: [ClassScores] {
        (0 ..< classes).map { c in
            let tp = counts[c][c]
            let predicted = (0 ..< classes).reduce(0) { $0 + counts[$1][c] }
            let gold = counts[c].reduce(0, +)
            let precision = predicted == 0 ? 0 : Double(tp) / Double(predicted)
            let recall = gold == 0 ? 0 : Double(tp) / Double(gold)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            return ClassScores(precision: precision, recall: recall, f1: f1, support: gold)
        }
    }

    /// Unweighted mean of the per-class F1 over the classes that occur in gold or in the
    /// predictions (scikit-learn's `f1_score(average="macro")` over the observed labels), so a
    /// label nobody used does not drag the mean to zero.
    public var macroF1: Double {
        let scores = perClass
        let present = (0 ..< classes).filter { c in
            counts[c].reduce(0, +) > 0 || (0 ..< classes).contains { counts[$0][c] > 0 }
        }
        guard !present.isEmpty else { return 0 }
        return present.reduce(0.0) { $0 + scores[$1].f1 } / Double(present.count)
    }

    /// Cohen's kappa, (p_o − p_e) / (1 − p_e), agreement beyond chance between the two label
    /// sequences. 1 when both agree on everything even if p_e = 1; 0 when there are no pairs.
    public var cohensKappa: Double {
        let n = Double(total)
        guard n > 0 else { return 0 }
        let po = Double(correct) / n
        var pe = 0.0
        for c in 0 ..< classes {
            let row = Double(counts[c].reduce(0, +))
            let col = Double((0 ..< classes).reduce(0) { $0 + counts[$1][c] })
            pe += row * col / (n * n)
        }
        if pe >= 1 { return po >= 1 ? 1 : 0 }
        return (po - pe) / (1 - pe)
    }
}

/// What is reported after each round.
public struct Evaluation: Sendable, Equatable, Codable, Hashable {
    public var macroF1: Double
    public var accuracy: Double
    public var perClass: [ClassScores]
    public var confusion: ConfusionMatrix

    /// Scores `predicted` against `gold` over a label set of `classes` labels.
    public init(gold: [Int], predicted: [Int], classes: Int) {
        let confusion = ConfusionMatrix(gold: gold, predicted: predicted, classes: classes)
        self.confusion = confusion
        macroF1 = confusion.macroF1
        accuracy = confusion.accuracy
        perClass = confusion.perClass
    }
}

/// How good the LLM's labels were where the expert looked at them.
public struct LLMAgreement: Sendable, Equatable, Codable, Hashable {
    /// Items with both an LLM label and an expert label (an override or a confirmation).
    public var reviewed: Int
    /// Fraction of reviewed items where the LLM's label equals the expert's (nil if none).
    public var accuracy: Double?
    /// Cohen's kappa between the LLM and the expert on the reviewed items (nil if none).
    public var kappa: Double?

    /// - Parameters:
    ///   - llm: the LLM's label of each reviewed item.
    ///   - expert: the expert's label of the same items.
    public init(llm: [Int], expert: [Int], classes: Int) {
        reviewed = llm.count
        guard !llm.isEmpty else { accuracy = nil; kappa = nil; return }
        let confusion = ConfusionMatrix(gold: expert, predicted: llm, classes: classes)
        accuracy = confusion.accuracy
        kappa = confusion.cohensKappa
    }
}
