import Testing
@testable import IMFLCore

@Suite("Metrics")
struct MetricsTests {
    @Test("per-class scores and macro-F1 match a hand-computed case")
    func handComputed() {
        // Given gold and predictions over 3 classes
        let gold = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
        let pred = [0, 0, 1, 1, 2, 2, 2, 2, 0, 1]
        // When scored
        let e = Evaluation(gold: gold, predicted: pred, classes: 3)
        // Then, by hand: class 0 tp 2, predicted 3, gold 3 → P = R = F1 = 2/3
        //               class 1 tp 1, predicted 3, gold 2 → P 1/3, R 1/2, F1 0.4
        //               class 2 tp 3, predicted 4, gold 5 → P 3/4, R 3/5, F1 2/3
        #expect(e.confusion.counts == [[2, 1, 0], [0, 1, 1], [1, 1, 3]])
        #expect(e.accuracy == 0.6)
        #expect(abs(e.perClass[0].f1 - 2.0 / 3) < 1e-12)
        #expect(abs(e.perClass[1].precision - 1.0 / 3) < 1e-12)
        #expect(abs(e.perClass[1].recall - 0.5) < 1e-12)
        #expect(abs(e.perClass[1].f1 - 0.4) < 1e-12)
        #expect(abs(e.perClass[2].f1 - 2.0 / 3) < 1e-12)
        #expect(abs(e.macroF1 - (2.0 / 3 + 0.4 + 2.0 / 3) / 3) < 1e-12)
        #expect(e.perClass.map(\.support) == [3, 2, 5])
    }

    @Test("a class absent from the predictions scores 0 and still counts in the macro mean")
    func classAbsentFromPredictions() {
        // Given class 2 occurs in gold but is never predicted, and class 3 occurs nowhere
        let e = Evaluation(gold: [0, 1, 2, 2], predicted: [0, 1, 0, 1], classes: 4)
        // Then class 2 has P = R = F1 = 0, class 3 is left out of the macro mean
        #expect(e.perClass[2] == ClassScores(precision: 0, recall: 0, f1: 0, support: 2))
        // class 0: P 1/2 R 1 F1 2/3; class 1: same; class 2: 0 → (2/3 + 2/3 + 0) / 3
        #expect(abs(e.macroF1 - 4.0 / 9) < 1e-12)
        #expect(e.accuracy == 0.5)
    }

    @Test("Cohen's kappa matches a hand-computed case and its edge cases")
    func kappa() {
        // Given 2 raters over 10 items: agree on 7; rater A says class 0 six times, B five times
        let a = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
        let b = [0, 0, 0, 0, 1, 1, 0, 1, 1, 1]
        let m = ConfusionMatrix(gold: a, predicted: b, classes: 2)
        // Then p_o = 0.7; rows (A): class0 6, class1 4; cols (B): class0 5, class1 5
        // p_e = (6·5 + 4·5) / 100 = 0.5, κ = (0.7 − 0.5) / 0.5 = 0.4
        #expect(abs(m.cohensKappa - 0.4) < 1e-12)
        #expect(ConfusionMatrix(gold: [1, 1], predicted: [1, 1], classes: 2).cohensKappa == 1)
        #expect(ConfusionMatrix(gold: [], predicted: [], classes: 2).cohensKappa == 0)
    }

    @Test("LLM agreement is measured against the expert's labels on reviewed items")
    func llmAgreement() {
        // Given the expert reviewed 4 LLM labels and changed one
        let agreement = LLMAgreement(llm: [0, 1, 2, 2], expert: [0, 1, 2, 1], classes: 3)
        #expect(agreement.reviewed == 4)
        #expect(agreement.accuracy == 0.75)
        #expect(agreement.kappa != nil)
        // And with nothing reviewed there is no figure
        let none = LLMAgreement(llm: [], expert: [], classes: 3)
        #expect(none.accuracy == nil && none.kappa == nil)
    }
}
