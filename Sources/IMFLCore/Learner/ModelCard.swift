import Foundation

/// The README.md `imfl model export` writes beside the weights: what the model classifies,
/// how its labels were made, how well it did round by round, and how to use it from Python.
/// It is written from the session, so it says what the session did, not what it planned.
public struct ModelCard: Sendable {
    public var config: SessionConfig
    public var guidelines: String?
    public var status: SessionStatus
    public var metrics: [RoundMetrics]
    public var model: SessionModel
    public var embedder: ExportedModel.EmbedderIdentity
    /// Whether F1 was measured on a labeled test file or on the evaluation sample.
    public var evaluatedOn: String
    public var date: Date

    public init(config: SessionConfig, guidelines: String?, status: SessionStatus, metrics: [RoundMetrics],
                model: SessionModel, embedder: ExportedModel.EmbedderIdentity, evaluatedOn: String, date: Date = Date()) {
        self.config = config
        self.guidelines = guidelines
        self.status = status
        self.metrics = metrics
        self.model = model
        self.embedder = embedder
        self.evaluatedOn = evaluatedOn
        self.date = date
    }

    /// The part of the Python example that loads the files and computes the probabilities,
    /// with numpy alone. The export test runs exactly this code against Swift's predictions.
    public static let pythonLoader = """
        import json, struct
        import numpy as np

        def load(model_dir):
            with open(f"{model_dir}/model.safetensors", "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                header, data = json.loads(f.read(n)), f.read()
            def tensor(name):
                begin, end = header[name]["data_offsets"]
                return np.frombuffer(data[begin:end], dtype="<f4").reshape(header[name]["shape"])
            with open(f"{model_dir}/config.json") as f:
                labels = json.load(f)["labels"]
            return tensor("weight"), tensor("bias"), float(tensor("temperature")[0]), labels

        def predict_proba(vectors, weight, bias, temperature):
            logits = (np.asarray(vectors, dtype=np.float32) @ weight.T + bias).astype(np.float64) / temperature
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            return p / p.sum(axis=1, keepdims=True)
        """

    /// The markdown text.
    public func render() -> String {
        let task = config.task
        var lines = ["# \(task.name.isEmpty ? "imfl model" : task.name)", ""]
        let how = model.llmLabels > 0
            ? "an expert labeled the items the classifier was least sure of, an LLM labeled the rest with the expert's labels as examples"
            : "an expert labeled the items the classifier was least sure of"
        lines.append("A text classifier trained with imfl \(IMFL.version) by interactive multi-fidelity learning "
            + "(Zhang et al., NeurIPS 2023): \(how). Exported on \(Self.day(date)).")
        lines.append("")
        lines.append("## Task")
        lines.append("")
        if !task.description.isEmpty { lines += ["Classify \(task.description).", ""] }
        lines.append("Labels, in class order: " + task.labels.map { "`\($0)`" }.joined(separator: ", ") + ".")
        if let guidelines, !guidelines.isEmpty {
            lines += ["", "### Guidelines given to the expert and the LLM", ""]
            lines += guidelines.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }
        }
        lines += ["", "## Training data", ""]
        let sources: [LabelSource] = [.human, .override, .llm]
        lines.append("| label | " + sources.map(\.rawValue).joined(separator: " | ") + " |")
        lines.append("|---|" + sources.map { _ in "---:|" }.joined())
        for label in task.labels {
            let counts = status.byLabel[label] ?? [:]
            lines.append("| \(label) | " + sources.map { String(counts[$0] ?? 0) }.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("`human`: labeled by the expert; `override`: an LLM label the expert corrected or confirmed; "
            + "`llm`: labeled by the LLM (\(llmDescription)).")
        let which = model.round.map { "the classifier of round \($0)" } ?? "refitted after the last round on every label in force"
        lines.append("This model is \(which): \(model.humanLabels) expert and \(model.llmLabels) LLM labels, "
            + "trained with the IMFL loss (the mean loss over expert labels plus the mean over LLM labels).")
        lines += ["", "## Evaluation", ""]
        lines.append("Macro-F1 on \(evaluatedOn) after each round, with its 95 % bootstrap interval:")
        lines.append("")
        lines.append("| round | expert labels | LLM labels | macro-F1 | 95 % interval | accuracy |")
        lines.append("|---:|---:|---:|---:|---|---:|")
        for m in metrics {
            let interval = m.evaluation.confusion.macroF1Interval().map(\.percentText) ?? "–"
            lines.append("| \(m.round) | \(m.humanLabels) | \(m.llmLabels) | "
                + String(format: "%.1f", m.evaluation.macroF1 * 100) + " | \(interval) | "
                + String(format: "%.1f", m.evaluation.accuracy * 100) + " |")
        }
        if metrics.isEmpty { lines.append("| – | | | no round was evaluated | | |") }
        lines += ["", "## Files", ""]
        lines.append("- `model.safetensors`: `weight` (\(task.labels.count) × \(embedder.dimension)), `bias` (\(task.labels.count)), `temperature` (1), float32.")
        lines.append("- `config.json`: the labels in class order and the embedder: \(embedder.name), "
            + "\(embedder.pooling) pooling, \(embedder.normalize ? "L2-normalised" : "not normalised"), "
            + "weights SHA-256 `\(embedder.sha256)`.")
        lines.append("")
        lines.append("p(label | text) = softmax((x · weightᵀ + bias) / temperature), where x is the sentence vector of the text.")
        lines += ["", "## Use from Python", ""]
        lines.append("```python")
        lines += Self.pythonLoader.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines += [
            "",
            "from sentence_transformers import SentenceTransformer",
            "weight, bias, temperature, labels = load(\".\")",
            "encoder = SentenceTransformer(\"sentence-transformers/\(embedder.name)\")",
            "vectors = encoder.encode([\"Operating profit rose to EUR 13.1 mn.\"], normalize_embeddings=\(embedder.normalize ? "True" : "False"))",
            "p = predict_proba(vectors, weight, bias, temperature)",
            "print([labels[i] for i in p.argmax(axis=1)], p.max(axis=1))",
            "```",
            "",
            "Or from the shell: `imfl predict MODEL_DIR --in new.jsonl --out predicted.jsonl`.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// What labeled the `llm` items.
    private var llmDescription: String {
        guard config.llm.enabled else { return "the LLM was off" }
        return "\(config.llm.model) at \(config.llm.baseURL ?? "imfl's local llama.cpp server")"
    }

    private static func day(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        return f.string(from: date)
    }
}
