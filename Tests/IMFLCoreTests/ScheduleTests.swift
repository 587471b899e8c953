import Testing
@testable import IMFLCore

@Suite("Schedule")
struct ScheduleTests {
    @Test("the default plan sums to the budget and decays like the paper's round totals")
    func defaultPlan() throws {
        // Given the paper's defaults: B = 1000, 20 % expert, 5 rounds, γ = 0.5
        let plan = try Schedule(budget: 1000)
        // Then human and LLM batches sum exactly, and the totals fall steeply then flatten
        #expect(plan.humanTotal == 200)
        #expect(plan.llmTotal == 800)
        #expect(plan.rounds.map(\.human) == [103, 52, 26, 13, 6])
        #expect(plan.rounds.map(\.llm) == [160, 160, 160, 160, 160])
        #expect(plan.rounds.map(\.total) == [263, 212, 186, 173, 166])
    }

    @Test("sums are exact and human batches never grow, over many budgets and decays",
          arguments: [0.3, 0.5, 0.7, 0.9, 1.0])
    func sumsAndMonotonicDecay(gamma: Double) throws {
        for budget in [0, 1, 7, 99, 1000, 1234] {
            for rounds in 1 ... 8 {
                for share in [0.0, 0.13, 0.2, 0.5, 1.0] {
                    // Given any valid combination
                    let plan = try Schedule(budget: budget, humanShare: share, rounds: rounds, decay: gamma)
                    // Then the batches add up to the budget and the human part does not increase
                    #expect(plan.rounds.count == rounds)
                    #expect(plan.rounds.reduce(0) { $0 + $1.total } == budget)
                    #expect(plan.humanTotal == Int((Double(budget) * share).rounded()))
                    let human = plan.rounds.map(\.human)
                    #expect(zip(human, human.dropFirst()).allSatisfy { $0 >= $1 }, "\(human)")
                }
            }
        }
    }

    @Test("equal spreads evenly and single puts everything in one round")
    func ablations() throws {
        let equal = try Schedule(budget: 1000, rounds: 3, kind: .equal)
        #expect(equal.rounds.map(\.human) == [67, 67, 66])
        #expect(equal.rounds.map(\.llm) == [267, 267, 266])
        let single = try Schedule(budget: 1000, rounds: 5, kind: .single)
        #expect(single.rounds == [RoundBudget(round: 1, human: 200, llm: 800)])
    }

    @Test("bad numbers are rejected with the value named")
    func rejectsBadInput() {
        #expect(throws: ScheduleError(description: "rounds must be ≥ 1, got 0")) {
            try Schedule(budget: 10, rounds: 0)
        }
        #expect(throws: ScheduleError.self) { try Schedule(budget: -1) }
        #expect(throws: ScheduleError.self) { try Schedule(budget: 10, humanShare: 1.5) }
        #expect(throws: ScheduleError.self) { try Schedule(budget: 10, decay: 0) }
    }

    @Test("the table lists every round and the totals")
    func table() throws {
        let text = try Schedule(budget: 1000).table()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 8)
        #expect(lines[1] == "round  expert    LLM  total")
        #expect(lines[2] == "    1     103    160    263")
        #expect(lines[7] == "total     200    800   1000")
    }

    @Test("largest remainder gives leftovers to the biggest fractions, ties to the earlier")
    func apportion() {
        #expect(Schedule.apportion(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(Schedule.apportion(5, weights: [0.5, 0.3, 0.2]) == [3, 1, 1])
        #expect(Schedule.apportion(0, weights: [1, 2]) == [0, 0])
    }
}
