import Foundation
import TOMLKit

/// The settings of a session, read from `session.toml`. Every key has a default, so a file
/// needs only the label set; unknown keys are rejected so that a typo does not silently fall
/// back to a default.
public struct SessionConfig: Sendable, Equatable, Decodable {
    /// What is being labeled.
    public struct Task: Sendable, Equatable, Decodable {
        public var name: String
        /// One sentence for the LLM's instruction, e.g. "the sentiment of a financial news sentence toward the company".
        public var description: String
        public var labels: [String]
        /// Optional guidelines file, relative to the session folder; shown with `g` and put in the LLM instruction.
        public var guidelines: String?

        public init(name: String, description: String = "", labels: [String], guidelines: String? = nil) {
            self.name = name
            self.description = description
            self.labels = labels
            self.guidelines = guidelines
        }

        enum CodingKeys: String, CodingKey { case name, description, labels, guidelines }
    }

    /// The label budget and how it is spread over rounds.
    public struct Budget: Sendable, Equatable, Decodable {
        /// Total labels B, human and LLM together (the paper's default is 1000).
        public var total: Int = 1000
        /// Share of B that goes to the expert (the paper's default is 0.2).
        public var humanShare: Double = 0.2
        /// Rounds R.
        public var rounds: Int = 5
        /// `decay` (more expert labels early), `equal`, or `single`.
        public var schedule: ScheduleKind = .geometric
        /// Ratio between successive rounds' expert batches under `decay`.
        public var decay: Double = 0.5
        /// Cost of one expert label, in the session's currency, for the dashboard.
        public var humanLabelCost: Double = 0
        /// How rounds overlap: `overlapped` (the expert labels round r+1 while the LLM finishes
        /// round r) or `sequential` (the paper's order; the expert waits for the LLM).
        public var pipeline: Pipeline = .overlapped
        /// Budgets added after the session began (`imfl extend`), each spread over its own
        /// rounds after the planned ones, with this budget's share and decay.
        public var extensions: [Extension] = []

        /// Labels added to a session, and the rounds they are spread over.
        public struct Extension: Sendable, Equatable, Codable {
            public var total: Int
            public var rounds: Int
            public init(total: Int, rounds: Int) {
                self.total = total
                self.rounds = rounds
            }
        }

        public init() {}

        enum CodingKeys: String, CodingKey {
            case total, rounds, schedule, decay, pipeline
            case extensions = "extend"
            case humanShare = "human_share"
            case humanLabelCost = "human_label_cost"
        }
    }

    /// How each round picks items.
    public struct Query: Sendable, Equatable, Decodable {
        /// `eeq`, `random`, `least-confidence`, `margin`, `entropy` or `score-difference`.
        public var strategy: String = "eeq"
        /// EEQ's random sub-sample is this many times the round's batch.
        public var subsampleFactor: Int = 10
        public var seed: Int = 1

        public init() {}

        enum CodingKeys: String, CodingKey {
            case strategy, seed
            case subsampleFactor = "subsample_factor"
        }
    }

    /// Which expert labels go into an LLM prompt and beside an item in the UI.
    public struct Retrieval: Sendable, Equatable, Decodable {
        /// Neighbours per item.
        public var k: Int = 5
        /// `similar` (cosine nearest), `random`, or `none` (zero-shot).
        public var mode: RetrievalMode = .similar
        /// Take ⌈k / labels⌉ neighbours per label among the most similar instead of the k
        /// nearest overall (see `ExampleRetrieval.examples`).
        public var labelDiverse: Bool = false
        /// The order of the examples inside a prompt and of the LLM calls; the examples
        /// themselves are the same under every layout.
        public var promptLayout: PromptLayout = .similarity

        public init() {}

        enum CodingKeys: String, CodingKey {
            case k, mode
            case labelDiverse = "label_diverse"
            case promptLayout = "prompt_layout"
        }
    }

    /// The sentence encoder.
    public struct Embedder: Sendable, Equatable, Decodable {
        public var model: String = "all-MiniLM-L6-v2"
        /// Folder with model.safetensors and vocab.txt; found automatically when empty.
        public var path: String?

        public init() {}

        enum CodingKeys: String, CodingKey { case model, path }
    }

    /// How F1 is measured when the session has no test file.
    public struct Evaluation: Sendable, Equatable, Decodable {
        /// Pool items `imfl init` holds out, at random, for the expert to label for F1 only.
        public var sample: Int = EvaluationSample.defaultSize

        public init() {}

        enum CodingKeys: String, CodingKey { case sample }
    }

    /// The classifier the session trains.
    public struct Learner: Sendable, Equatable, Decodable {
        /// How LLM labels train it, given the live estimate of the annotator's accuracy.
        /// `weighted` by default: in the simulations of README "The LLM measured live" it was
        /// never below the expert labels alone, with annotators at the local LLM's accuracy
        /// and near chance, and never below training on every LLM label alike (`all`).
        public var llmLabels: LLMLabelUse = .weighted

        public init() {}

        enum CodingKeys: String, CodingKey {
            case llmLabels = "llm_labels"
        }
    }

    /// Several experts on one session: how many of their items two of them label, and who
    /// settles their disagreements.
    public struct Team: Sendable, Equatable, Decodable {
        /// Share of each round's expert items that a second expert labels too, so that the
        /// experts' agreement can be measured (Prodigy's `feed_overlap`, Label Studio's
        /// `maximum_annotations`, for a share of the items).
        public var overlap: Double = 0
        /// Experts whose label settles an item the experts labeled differently; such an item
        /// is not trained on until one of them has.
        public var adjudicators: [String] = []
        /// Seconds an expert item stays with the expert it was shown to after their terminal
        /// stops renewing the claim (it renews every third of this while it runs): how soon
        /// another expert gets the item of a terminal that died.
        public var claimLease: Double = 60

        public init() {}

        enum CodingKeys: String, CodingKey { case overlap, adjudicators, claimLease = "claim_lease" }
    }

    /// The terminal UI.
    public struct UI: Sendable, Equatable, Decodable {
        public var theme: String = "default"
        /// Key overrides: action name → key list, e.g. `undo = ["u", "ctrl-z"]`.
        public var keys: [String: [String]] = [:]

        public init() {}

        enum CodingKeys: String, CodingKey { case theme, keys }
    }

    public var task: Task
    public var budget = Budget()
    public var query = Query()
    public var retrieval = Retrieval()
    public var embedder = Embedder()
    /// The low-fidelity annotator (`[llm]`): endpoint, model, constraint, retries, prices.
    public var llm = LLMSettings()
    public var evaluation = Evaluation()
    public var learner = Learner()
    public var team = Team()
    public var ui = UI()

    public init(task: Task) {
        self.task = task
    }

    /// session.toml's tables.
    enum CodingKeys: String, CodingKey { case task, budget, query, retrieval, embedder, llm, evaluation, learner, team, ui }
}

// MARK: - Decoding with defaults

extension SessionConfig {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(Task.self, forKey: .task)
        budget = try c.decodeIfPresent(Budget.self, forKey: .budget) ?? Budget()
        query = try c.decodeIfPresent(Query.self, forKey: .query) ?? Query()
        retrieval = try c.decodeIfPresent(Retrieval.self, forKey: .retrieval) ?? Retrieval()
        embedder = try c.decodeIfPresent(Embedder.self, forKey: .embedder) ?? Embedder()
        llm = try c.decodeIfPresent(LLMSettings.self, forKey: .llm) ?? LLMSettings()
        evaluation = try c.decodeIfPresent(Evaluation.self, forKey: .evaluation) ?? Evaluation()
        learner = try c.decodeIfPresent(Learner.self, forKey: .learner) ?? Learner()
        team = try c.decodeIfPresent(Team.self, forKey: .team) ?? Team()
        ui = try c.decodeIfPresent(UI.self, forKey: .ui) ?? UI()
    }
}

extension SessionConfig.Task {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        labels = try c.decode([String].self, forKey: .labels)
        guidelines = try c.decodeIfPresent(String.self, forKey: .guidelines)
    }
}

extension SessionConfig.Budget {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        total = try c.decodeIfPresent(Int.self, forKey: .total) ?? d.total
        humanShare = try c.decodeIfPresent(Double.self, forKey: .humanShare) ?? d.humanShare
        rounds = try c.decodeIfPresent(Int.self, forKey: .rounds) ?? d.rounds
        schedule = try c.decodeChoice(.schedule, mayBe: "decay, equal or single", ScheduleKind.init(sessionName:)) ?? d.schedule
        decay = try c.decodeIfPresent(Double.self, forKey: .decay) ?? d.decay
        humanLabelCost = try c.decodeIfPresent(Double.self, forKey: .humanLabelCost) ?? d.humanLabelCost
        extensions = try c.decodeIfPresent([Extension].self, forKey: .extensions) ?? []
        pipeline = try c.decodeChoice(.pipeline, mayBe: "overlapped or sequential", Pipeline.init(rawValue:)) ?? d.pipeline
    }
}

extension SessionConfig.Query {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        strategy = try c.decodeIfPresent(String.self, forKey: .strategy) ?? d.strategy
        subsampleFactor = try c.decodeIfPresent(Int.self, forKey: .subsampleFactor) ?? d.subsampleFactor
        seed = try c.decodeIfPresent(Int.self, forKey: .seed) ?? d.seed
    }
}

extension SessionConfig.Retrieval {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self()
        k = try c.decodeIfPresent(Int.self, forKey: .k) ?? d.k
        mode = try c.decodeChoice(.mode, mayBe: "similar, random or none", RetrievalMode.init(rawValue:)) ?? d.mode
        labelDiverse = try c.decodeIfPresent(Bool.self, forKey: .labelDiverse) ?? d.labelDiverse
        let layouts = PromptLayout.allCases.map(\.rawValue).joined(separator: ", ")
        promptLayout = try c.decodeChoice(.promptLayout, mayBe: "one of \(layouts)", PromptLayout.init(rawValue:)) ?? d.promptLayout
    }
}

extension SessionConfig.Embedder {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? Self().model
        path = try c.decodeIfPresent(String.self, forKey: .path)
    }
}

extension SessionConfig.Evaluation {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sample = try c.decodeIfPresent(Int.self, forKey: .sample) ?? Self().sample
    }
}

extension SessionConfig.Learner {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        llmLabels = try c.decodeChoice(.llmLabels, mayBe: "one of \(LLMLabelUse.names)", LLMLabelUse.init(rawValue:)) ?? Self().llmLabels
    }
}

extension SessionConfig.Team {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        overlap = try c.decodeIfPresent(Double.self, forKey: .overlap) ?? Self().overlap
        adjudicators = try c.decodeIfPresent([String].self, forKey: .adjudicators) ?? []
        claimLease = try c.decodeIfPresent(Double.self, forKey: .claimLease) ?? Self().claimLease
        if let empty = adjudicators.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty || $0 == "llm" }) {
            throw DecodingError.dataCorruptedError(
                forKey: .adjudicators, in: c, debugDescription: "must be the names experts label with (--annotator), got \"\(empty)\"")
        }
    }
}

extension SessionConfig.UI {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        theme = try c.decodeIfPresent(String.self, forKey: .theme) ?? Self().theme
        keys = try c.decodeIfPresent([String: [String]].self, forKey: .keys) ?? [:]
    }
}

extension SessionConfig {
    /// The annotator's settings with the parts that live in other tables filled in: the task
    /// description, the guidelines file and the retrieved examples.
    public var annotatorSettings: LLMSettings {
        var settings = llm
        settings.task = task.description.isEmpty
            ? "Classify the text into one of the labels."
            : "Classify \(task.description)."
        settings.guidelinesFile = task.guidelines
        settings.k = retrieval.k
        settings.zeroShot = retrieval.mode == .none || retrieval.k == 0
        return settings
    }
}

extension KeyedDecodingContainer {
    /// A setting spelled as one of a fixed set of names: nil when the key is absent; a name
    /// `parse` does not know is refused with what the setting may be.
    func decodeChoice<T>(_ key: Key, mayBe choices: String, _ parse: (String) -> T?) throws -> T? {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = parse(name) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be \(choices), got \"\(name)\"")
        }
        return value
    }
}
