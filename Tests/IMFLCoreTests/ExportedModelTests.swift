import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

/// Runs python3 on a script; nil when python3 cannot be started.
enum Python {
    /// Whether `python3 -c "import numpy"` succeeds.
    static let hasNumpy: Bool = (try? run("import numpy", arguments: []))?.status == 0

    static func run(_ script: String, arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }
}

@Suite("Model export")
struct ExportedModelTests {
    static let labels = ["negative", "neutral", "positive", "other"]

    /// A calibrated softmax regression on 32-d clustered vectors: 200 expert and 200 LLM
    /// labels, so the temperature is fitted (not 1) and both fidelities count.
    static func trainedModel() throws -> SoftmaxRegression {
        let data = Synthetic(points: 400, clusters: 8, classes: labels.count, dimension: 32, spread: 0.25, seed: 3)
        var model = SoftmaxRegression(classes: labels.count, dimension: 32, configuration: .init(l2: 1e-3, seed: 5))
        try model.fit(TrainingSet(features: data.vectors, labels: data.labels,
                                  fidelities: (0 ..< 400).map { $0 % 2 == 0 ? .human : .llm }))
        return model
    }

    static let identity = ExportedModel.EmbedderIdentity(name: "test-vectors", sha256: String(repeating: "ab", count: 32), dimension: 32)

    /// Fixture vectors the model was not trained on.
    static let fixtures = Synthetic(points: 60, clusters: 8, classes: labels.count, dimension: 32, spread: 0.4, seed: 11).vectors

    @Test("export then load gives the same probabilities, labels and embedder")
    func roundTrip() throws {
        // Given a trained classifier
        let model = try Self.trainedModel()
        #expect(model.temperature != 1, "the fixture exercises temperature scaling")
        let dir = try TempDir()
        // When exported and loaded back
        try ExportedModel(labels: Self.labels, embedder: Self.identity, classifier: model).write(to: dir.url)
        let loaded = try ExportedModel.load(from: dir.url)
        // Then the configuration and the probabilities survive
        #expect(loaded.labels == Self.labels)
        #expect(loaded.embedder == Self.identity)
        #expect(loaded.imflVersion == IMFL.version)
        let expected = model.predictProbabilities(Self.fixtures).values
        let actual = loaded.classifier.predictProbabilities(Self.fixtures).values
        let worst = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "largest difference \(worst)")
        #expect(try dir.contents() == [ExportedModel.configFile, ExportedModel.weightsFile])
    }

    @Test("the model card's Python code gives Swift's probabilities within 1e-6",
          .enabled(if: Python.hasNumpy, "needs python3 with numpy (python3 -c 'import numpy' failed)"))
    func pythonParity() throws {
        // Given an exported model and fixture vectors written as JSON
        let model = try Self.trainedModel()
        let dir = try TempDir()
        try ExportedModel(labels: Self.labels, embedder: Self.identity, classifier: model).write(to: dir.url)
        let rows = (0 ..< Self.fixtures.rows).map { Self.fixtures.row($0) }
        try JSONEncoder().encode(rows).write(to: URL(fileURLWithPath: dir.path("vectors.json")))
        // When the model card's loader runs in Python on them
        let script = ModelCard.pythonLoader + """

            import sys
            weight, bias, temperature, labels = load(sys.argv[1])
            with open(sys.argv[2]) as f:
                vectors = json.load(f)
            p = predict_proba(vectors, weight, bias, temperature)
            print(json.dumps({"labels": labels, "p": [[repr(float(v)) for v in row] for row in p]}))
            """
        let result = try Python.run(script, arguments: [dir.url.path, dir.path("vectors.json")])
        try #require(result.status == 0, "python failed: \(result.error)")
        struct Output: Decodable { var labels: [String]; var p: [[String]] }
        let output = try JSONDecoder().decode(Output.self, from: Data(result.output.utf8))
        // Then the labels come in class order and every probability is within 1e-6 of Swift's
        #expect(output.labels == Self.labels)
        let swift = model.predictProbabilities(Self.fixtures)
        try #require(output.p.count == swift.rows && output.p.allSatisfy { $0.count == swift.cols })
        var worst = 0.0
        for i in 0 ..< swift.rows {
            for j in 0 ..< swift.cols { worst = max(worst, abs(Double(output.p[i][j])! - Double(swift[i, j]))) }
        }
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    @Test("a folder that is not an exported model is refused with the file named")
    func refusesOtherFolders() throws {
        let dir = try TempDir()
        let missing = #expect(throws: ExportedModelError.self) { try ExportedModel.load(from: dir.url) }
        #expect(missing?.path == dir.path(ExportedModel.configFile))
        // A model whose config claims more labels than its tensors hold
        try ExportedModel(labels: Self.labels, embedder: Self.identity, classifier: try Self.trainedModel()).write(to: dir.url)
        let config = try String(contentsOfFile: dir.path(ExportedModel.configFile), encoding: .utf8)
            .replacingOccurrences(of: "\"other\"", with: "\"other\",\n    \"extra\"")
        try dir.write(ExportedModel.configFile, config)
        let shape = #expect(throws: SafeTensorsError.self) { try ExportedModel.load(from: dir.url) }
        #expect(shape?.problem.contains("weight has shape [4, 32], expected [5, 32]") == true)
    }

    @Test("an untrained classifier is not exported")
    func untrained() throws {
        let dir = try TempDir()
        let untrained = SoftmaxRegression(classes: 4, dimension: 32)
        #expect(throws: ExportedModelError.self) {
            try ExportedModel(labels: Self.labels, embedder: Self.identity, classifier: untrained).write(to: dir.url)
        }
    }
}
