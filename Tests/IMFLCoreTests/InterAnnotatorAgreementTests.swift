import Foundation
import Testing
import IMFLCore

/// Chance-corrected agreement against reference values: Krippendorff's worked example (2011,
/// 4 coders × 12 units with missing values, nominal α = 0.743) and two raters whose κ and α
/// were computed with scikit-learn's `cohen_kappa_score` and the `krippendorff` package.
@Suite struct InterAnnotatorAgreementTests {
    @Test func krippendorffsWorkedExample() throws {
        let coders: [[Int?]] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
            [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
        ]
        let units = (0 ..< 12).map { u in coders.compactMap { $0[u] } }
        let alpha = try #require(InterAnnotatorAgreement.krippendorffAlpha(units))
        #expect(abs(alpha - 0.743421052631579) < 1e-12)
    }

    @Test func twoRatersKappaAndAlpha() throws {
        let a = ["pos", "pos", "neg", "neu", "neg", "pos", "neu", "neu", "pos", "neg"]
        let b = ["pos", "neg", "neg", "neu", "neg", "pos", "pos", "neu", "pos", "neu"]
        let kappa = try #require(InterAnnotatorAgreement.cohensKappa(Array(zip(a, b))))
        #expect(abs(kappa - 0.5454545454545454) < 1e-12)
        let alpha = try #require(InterAnnotatorAgreement.krippendorffAlpha(zip(a, b).map { [$0, $1] }))
        #expect(abs(alpha - 0.5681818181818181) < 1e-12)
    }

    @Test func undefinedCasesAreNil() {
        #expect(InterAnnotatorAgreement.cohensKappa([(String, String)]()) == nil)
        #expect(InterAnnotatorAgreement.cohensKappa([("a", "a"), ("a", "a")]) == nil)
        #expect(InterAnnotatorAgreement.krippendorffAlpha([["a"], ["b"]]) == nil)
        #expect(InterAnnotatorAgreement.krippendorffAlpha([["a", "a"], ["a", "a"]]) == nil)
        // Perfect agreement over varied labels is 1
        #expect(InterAnnotatorAgreement.krippendorffAlpha([["a", "a"], ["b", "b", "b"]]) == 1)
    }

    @Test func theLogGivesEachExpertsLabelAndTheTeamsAgreement() {
        func label(_ id: Int64, _ item: Int64, _ label: String, by name: String) -> Annotation {
            Annotation(id: id, itemID: item, kind: .label, label: label, source: .human, annotator: name, round: 1)
        }
        var log = AnnotationLog([
            label(1, 10, "pos", by: "ana"), label(2, 10, "pos", by: "ben"),
            label(3, 11, "neg", by: "ana"), label(4, 11, "neu", by: "ben"),
            label(5, 12, "neu", by: "ana"),
        ])
        // An undo takes that expert's label out of the comparison
        log.apply(Annotation(id: 6, itemID: 11, kind: .undo, annotator: "ben", round: 1, supersedes: 4))
        #expect(log.expertLabelsByAnnotator[11] == ["ana": "neg"])
        log.apply(label(7, 11, "neg", by: "ben"))
        log.apply(label(8, 12, "pos", by: "ben"))
        let team = log.teamAgreement(labels: ["pos", "neg", "neu"])
        #expect(team.annotators == ["ana", "ben"])
        #expect(team.sharedItems == 3)
        #expect(team.unanimousItems == 2)
        let pairs = [("pos", "pos"), ("neg", "neg"), ("neu", "pos")]
        #expect(team.kappa == InterAnnotatorAgreement.cohensKappa(pairs))
        #expect(team.perAnnotator["ana"] == team.perAnnotator["ben"])
        #expect(team.perLabel["neg"] == 1)
    }
}
