import Foundation
import IMFLNumerics
import Testing
@testable import IMFLCore

/// The order of a batch's LLM calls and of the examples in each prompt (issue #11: fewer prompt
/// tokens per label on a server that reuses a shared prompt prefix).
@Suite("Prompt layout")
struct PromptLayoutTests {
    /// `items` neighbour lists of `k` distinct examples out of `examples`, drawn with `seed`,
    /// most similar first.
    static func randomLists(items: Int, examples: Int, k: Int, seed: UInt64) -> [[Int]] {
        var random = SeededGenerator(seed: seed)
        return (0 ..< items).map { _ in
            var pool = Array(0 ..< examples)
            for i in 0 ..< k { pool.swapAt(i, Int.random(in: i ..< examples, using: &random)) }
            return Array(pool.prefix(k))
        }
    }

    static let batches: [[[Int]]] = [
        randomLists(items: 150, examples: 200, k: 5, seed: 1),
        randomLists(items: 60, examples: 12, k: 5, seed: 2),
        randomLists(items: 40, examples: 6, k: 3, seed: 3),
        [[], [4, 2], [2], [], [2, 4]],
        [],
    ]

    @Test("similarity keeps queue order and puts the most similar example last, next to the item")
    func similarityIsTodaysLayout() {
        let plan = PromptPlan([[3, 1, 2], [1, 5, 4]], layout: .similarity)
        #expect(plan.order == [0, 1])
        #expect(plan.examples == [[2, 1, 3], [4, 5, 1]])
    }

    @Test("every layout sends every item exactly once", arguments: PromptLayout.allCases)
    func everyItemOnce(layout: PromptLayout) {
        for ranked in Self.batches {
            let plan = PromptPlan(ranked, layout: layout)
            #expect(plan.order.sorted() == Array(ranked.indices), "\(layout): order \(plan.order)")
            #expect(plan.examples.count == ranked.count)
        }
    }

    @Test("shared-prefix keeps each item's k examples and only reorders them")
    func sharedPrefixKeepsTheExamples() {
        for ranked in Self.batches {
            let plan = PromptPlan(ranked, layout: .sharedPrefix)
            for (mine, planned) in zip(ranked, plan.examples) {
                #expect(planned.sorted() == mine.sorted(), "examples changed: \(mine) → \(planned)")
            }
        }
    }

    @Test("shared-prefix: examples carried by more items come first, in one order for the whole batch")
    func sharedPrefixCanonicalOrder() {
        // Given three items sharing example 7, two of them also 9, and 1 carried once
        let ranked = [[1, 9, 7], [7, 3], [9, 7, 4]]
        // When planned
        let plan = PromptPlan(ranked, layout: .sharedPrefix)
        // Then 7 (three carriers) leads, then 9 (two), then the rest by id, and the items
        // sharing 7 then 9 go out back to back
        #expect(plan.examples == [[7, 9, 1], [7, 3], [7, 9, 4]])
        #expect(plan.order == [0, 2, 1])
        #expect(plan.sharedPrefixLengths == [0, 2, 1])
    }

    @Test("shared-prefix: items sharing a prefix go out consecutively (a depth-first walk of the prefix tree)")
    func sharedPrefixGroupsPrefixes() {
        for ranked in Self.batches where ranked.count > 2 {
            let plan = PromptPlan(ranked, layout: .sharedPrefix)
            let lists = plan.order.map { plan.examples[$0] }
            // The common prefix of two calls is never longer than that of any two calls
            // between them: a prefix shared by two calls is shared by everything between.
            for i in lists.indices {
                for j in (i + 1) ..< lists.count where j - i >= 2 {
                    let outer = PromptPlan<Int>.commonPrefix(lists[i], lists[j])
                    let inner = PromptPlan<Int>.commonPrefix(lists[i], lists[j - 1])
                    #expect(outer <= inner, "calls \(i)…\(j) split a shared prefix")
                }
            }
            // And it shares more than the queue order does.
            let today = PromptPlan(ranked, layout: .similarity).sharedPrefixLengths.reduce(0, +)
            #expect(plan.sharedPrefixLengths.reduce(0, +) >= today)
        }
    }

    @Test("group-examples: k distinct examples per prompt, the item's most similar among them, all from its group")
    func groupExamplesCarryTheGroupsExamples() {
        for ranked in Self.batches {
            let plan = PromptPlan(ranked, layout: .groupExamples)
            let carried = Set(ranked.joined())
            for (mine, planned) in zip(ranked, plan.examples) {
                #expect(planned.count == mine.count)
                #expect(Set(planned).count == planned.count, "repeated example in \(planned)")
                if let nearest = mine.first { #expect(planned.contains(nearest), "\(mine) lost its nearest: \(planned)") }
                #expect(planned.allSatisfy(carried.contains))
            }
        }
    }

    @Test("group-examples: a group goes out back to back and its prompts differ only in their last example")
    func groupExamplesShareAllButTheLast() {
        // Given three items carrying 1 and 7 (the most widely carried examples) and two carrying 2 and 6
        let ranked = [[7, 1, 8], [2, 5, 6], [1, 7, 9], [6, 2, 3], [8, 1, 7]]
        // When planned
        let plan = PromptPlan(ranked, layout: .groupExamples)
        // Then 1's group goes first: its two most carried examples (1 and 7, in all three),
        // then each item's own most similar example not among them
        #expect(plan.order == [0, 2, 4, 1, 3])
        #expect(plan.examples[0] == [1, 7, 8])
        #expect(plan.examples[2] == [1, 7, 9])
        #expect(plan.examples[4] == [1, 7, 8])
        // And 2's group shares 2 and 6, each item then adding its own
        #expect(plan.examples[1] == [2, 6, 5])
        #expect(plan.examples[3] == [2, 6, 3])
        #expect(plan.sharedPrefixLengths == [0, 2, 2, 0, 2])
    }

    @Test("group-context: the group's k most carried examples, then the item's nearest not among them")
    func groupContextAddsTheNearestToTheGroupsK() {
        // Given the batch of the group-examples case
        let ranked = [[7, 1, 8], [2, 5, 6], [1, 7, 9], [6, 2, 3], [8, 1, 7]]
        // When planned with the group's whole k shared
        let plan = PromptPlan(ranked, layout: .groupContext)
        // Then the groups and their order are those of group-examples
        #expect(plan.order == [0, 2, 4, 1, 3])
        // And each prompt carries the group's three most carried examples (1, 7, then 8,
        // carried by two), then the item's own most similar example not among them, if any
        #expect(plan.examples[0] == [1, 7, 8])
        #expect(plan.examples[2] == [1, 7, 8, 9])
        #expect(plan.examples[4] == [1, 7, 8])
        // (3 and 5 each carried once: 3 first in the canonical order)
        #expect(plan.examples[1] == [2, 6, 3, 5])
        #expect(plan.examples[3] == [2, 6, 3])
        #expect(plan.sharedPrefixLengths == [0, 3, 3, 0, 3])
        // And on random batches every prompt holds its item's nearest and at most k + 1 examples
        for ranked in Self.batches {
            let plan = PromptPlan(ranked, layout: .groupContext)
            for (mine, planned) in zip(ranked, plan.examples) {
                #expect(planned.count <= mine.count + 1)
                #expect(Set(planned).count == planned.count, "repeated example in \(planned)")
                if let nearest = mine.first { #expect(planned.contains(nearest), "\(mine) lost its nearest: \(planned)") }
            }
        }
    }

    @Test("the plan is a function of its input")
    func deterministic() {
        for layout in PromptLayout.allCases {
            let ranked = Self.randomLists(items: 80, examples: 30, k: 5, seed: 9)
            #expect(PromptPlan(ranked, layout: layout) == PromptPlan(ranked, layout: layout))
        }
    }
}

@Suite("Prompt layout benchmark arms")
struct PromptLayoutBenchmarkArmTests {
    @Test("an arm is LAYOUT@SLOTS, the slots defaulting, anything else refused")
    func parsesArms() {
        #expect(PromptLayoutBenchmark.Arm("group-examples@1", defaultSlots: 2) == .init(layout: .groupExamples, slots: 1))
        #expect(PromptLayoutBenchmark.Arm("similarity", defaultSlots: 2) == .init(layout: .similarity, slots: 2))
        #expect(PromptLayoutBenchmark.Arm("similarity@2", defaultSlots: 1)?.description == "similarity@2")
        for bad in ["", "nearest@1", "shared-prefix@0", "shared-prefix@x", "shared-prefix@17", "@2"] {
            #expect(PromptLayoutBenchmark.Arm(bad, defaultSlots: 2) == nil, "'\(bad)' was accepted")
        }
    }

    @Test("the draw of test and expert items is seeded, distinct and of the asked size")
    func sample() {
        let rows = Array(0 ..< 100)
        let drawn = PromptLayoutBenchmark.sample(rows, count: 30, seed: 13)
        #expect(drawn.count == 30 && Set(drawn).count == 30)
        #expect(drawn == PromptLayoutBenchmark.sample(rows, count: 30, seed: 13))
        #expect(drawn != PromptLayoutBenchmark.sample(rows, count: 30, seed: 14))
        #expect(PromptLayoutBenchmark.sample(rows, count: 500, seed: 1).sorted() == rows)
    }
}
