import Foundation
import IMFLNumerics

/// The labeled data a simulation draws its pools from, embedded once for all runs.
///
/// It lives as an ordinary session in `<out>/dataset`: the whole pool and test files imported,
/// every text embedded (resumably, like `imfl embed`), and the LLM answer cache that all runs
/// share, so that a prompt two runs have in common is paid for once and an interrupted suite
/// resumes without asking the LLM again.
public struct SimulationDataset: Sendable {
    public let session: Session
    public let labels: [String]
    /// Every pool item (all with gold labels), in file order.
    public let pool: [Item]
    public let test: [Item]
    /// The vector of each item, by item key.
    public let vectors: [String: [Float]]
    public let modelID: String

    /// The folder inside a simulation's output folder.
    public static let folderName = "dataset"

    /// Imports (first time) or reopens (later) the dataset session and embeds what is missing.
    /// - Throws: `DatasetError` naming file and line when the files are refused, including pool
    ///   items without a gold label (the simulated expert needs them); session and embedder errors.
    public static func prepare(
        poolPath: String, testPath: String, output: String, embedder: any Embedder,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> SimulationDataset {
        let folder = URL(fileURLWithPath: output).appendingPathComponent(folderName).path
        if !FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).appendingPathComponent(Session.databaseFile).path) {
            let source = DatasetSource(poolPath: poolPath, testPath: testPath)
            let (poolRecords, testRecords) = try DatasetImport.readRecords(source)
            var problems = ProblemList()
            for record in poolRecords where record.label == nil {
                problems.add(poolPath, record.line, "no label: a simulation needs the gold label of every pool item")
            }
            try problems.check()
            let dataset = try DatasetImport.validate(
                pool: poolRecords, poolPath: poolPath, test: testRecords,
                testPath: testPath, labels: nil)
            var config = SessionConfig(task: .init(name: "dataset", labels: dataset.labels))
            config.llm.enabled = false
            try Session.create(at: folder, config: config, dataset: dataset)
        }
        let session = try Session.open(folder)
        try SessionEmbedding(database: try session.database, embedder: embedder).run(progress: progress)
        let database = try session.database
        let pool = try database.items(split: .pool), test = try database.items(split: .test)
        let stored = try database.embeddings(model: embedder.modelID)
        let keyOf = Dictionary(uniqueKeysWithValues: (pool + test).map { ($0.id!, $0.key) })
        var vectors = [String: [Float]](minimumCapacity: stored.itemIds.count)
        for (row, id) in stored.itemIds.enumerated() {
            guard let key = keyOf[id] else { continue }
            vectors[key] = Array(stored.vectors.values[row * stored.vectors.cols ..< (row + 1) * stored.vectors.cols])
        }
        return SimulationDataset(
            session: session, labels: try database.labels(), pool: pool, test: test, vectors: vectors,
            modelID: embedder.modelID)
    }

    /// The pool of one seed: `size` items drawn without replacement (all when nil or larger
    /// than the pool), kept in file order. Every arm of a seed gets the same pool.
    public func samplePool(size: Int?, seed: Int) -> [Item] {
        guard let size, size < pool.count else { return pool }
        var random = SeededGenerator(seed: UInt64(bitPattern: Int64(seed)), stream: 0x504F_4F4C)
        var order = Array(pool.indices)
        for i in 0 ..< size { order.swapAt(i, Int.random(in: i ..< order.count, using: &random)) }
        return order.prefix(size).sorted().map { pool[$0] }
    }

    /// Macro-F1 and accuracy of always answering the test split's most frequent label: the
    /// floor any useful classifier must clear.
    public var majorityBaseline: (label: String, macroF1: Double, accuracy: Double) {
        let classIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let gold = test.compactMap { $0.gold.flatMap { classIndex[$0] } }
        var counts = [Int](repeating: 0, count: labels.count)
        for g in gold { counts[g] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let evaluation = Evaluation(gold: gold, predicted: gold.map { _ in majority }, classes: labels.count)
        return (labels[majority], evaluation.macroF1, evaluation.accuracy)
    }
}

/// What a results file says about the data.
public struct DatasetSummary: Sendable, Hashable, Codable {
    public var poolFile: String
    public var testFile: String
    public var poolItems: Int
    /// Items drawn per seed (nil: the whole pool).
    public var maxPool: Int?
    public var testItems: Int
    public var labels: [String]
    public var majorityLabel: String
    public var majorityMacroF1: Double
    public var majorityAccuracy: Double
}

extension SimulationDataset {
    func summary(maxPool: Int?, poolFile: String = "", testFile: String = "") -> DatasetSummary {
        let baseline = majorityBaseline
        return DatasetSummary(
            poolFile: poolFile, testFile: testFile, poolItems: pool.count, maxPool: maxPool, testItems: test.count,
            labels: labels, majorityLabel: baseline.label, majorityMacroF1: baseline.macroF1,
            majorityAccuracy: baseline.accuracy)
    }
}
