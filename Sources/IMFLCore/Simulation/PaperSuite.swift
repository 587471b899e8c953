/// The comparison of Zhang et al., "Interactive Multi-fidelity Learning for Cost-effective
/// Adaptation of Language Model with Sparse Human Supervision" (NeurIPS 2023, arXiv
/// 2310.20153), Tables 1–4, as simulation arms. With the paper's budget B = 1000:
///
/// - expert only, 1× (200), 3× (600) and 5× (1000) labels, with random and with EEQ selection;
/// - LLM only: 1000 zero-shot LLM labels on random items;
/// - IMFL: 200 expert + 800 LLM labels, EEQ, decaying human batches, similar retrieval;
/// - ablations of IMFL: equal batches, random retrieval, a single batch, and human shares of
///   10% and 5%;
/// - IMFL with each `[learner] llm_labels` option that uses the live estimate of the LLM's
///   accuracy: weighted, forward correction, confidence threshold and auto; and with routing
///   by doubt, alone and with weighted LLM labels (the session default).
///
/// A smaller budget scales every arm alike (1× is always 20% of B), so that a short run keeps
/// the table's shape.
public enum PaperSuite {
    /// The arms for budget `budget` over `rounds` rounds, cheap (expert-only) arms first. The
    /// IMFL arms use `pipeline`; `imfl-sequential` is IMFL in the paper's order, to measure
    /// what overlapping rounds costs.
    public static func arms(budget: Int = 1000, rounds: Int = 5, k: Int = 5, pipeline: Pipeline = .overlapped) -> [SimulationArm] {
        let unit = Int((Double(budget) * 0.2).rounded())
        var arms: [SimulationArm] = []
        for multiple in [1, 3, 5] {
            for strategy in [QueryStrategyName.random, .eeq] {
                arms.append(SimulationArm(
                    name: "expert-\(multiple)x-\(strategy.rawValue)", budget: min(budget, unit * multiple),
                    humanShare: 1, rounds: rounds, schedule: .equal, strategy: strategy, retrieval: .none, k: 0))
            }
        }
        let imfl = SimulationArm(name: "imfl", budget: budget, humanShare: 0.2, rounds: rounds, k: k, pipeline: pipeline)
        arms.append(imfl)
        var sequential = imfl
        sequential.name = "imfl-sequential"
        sequential.pipeline = .sequential
        arms.append(sequential)
        arms.append(SimulationArm(
            name: "llm-only-zero-shot", budget: budget, humanShare: 0, rounds: rounds, schedule: .equal,
            strategy: .random, retrieval: .none, k: 0))
        var equal = imfl
        equal.name = "imfl-equal-schedule"
        equal.schedule = .equal
        var random = imfl
        random.name = "imfl-random-retrieval"
        random.retrieval = .random
        var single = imfl
        single.name = "imfl-single-batch"
        single.schedule = .single
        single.rounds = 1
        var ten = imfl
        ten.name = "imfl-human-10"
        ten.humanShare = 0.1
        var five = imfl
        five.name = "imfl-human-5"
        five.humanShare = 0.05
        // The ways of training on LLM labels given the live estimate (`[learner] llm_labels`).
        let uses = [LLMLabelUse.weighted, .forward, .threshold, .auto].map { use in
            var arm = imfl
            arm.name = "imfl-\(use.rawValue)"
            arm.llmLabels = use
            return arm
        }
        // Routing by doubt: LLM labels in doubt take a quarter of the next expert batches.
        var route = imfl
        route.name = "imfl-route"
        route.routeDoubtful = 0.25
        var weightedRoute = route
        weightedRoute.name = "imfl-weighted-route"
        weightedRoute.llmLabels = .weighted
        return arms + [equal, random, single, ten, five] + uses + [route, weightedRoute]
    }
}
