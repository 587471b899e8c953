import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Predicting new texts")
struct BatchPredictionTests {
    static let labels = ["negative", "neutral", "positive"]

    /// Softmax regression trained on `ClusterEmbedder` vectors of "item 1" … "item 300",
    /// labeled n mod 3, as the fake embedder's clusters are.
    static func classifier() throws -> SoftmaxRegression {
        let texts = (1 ... 300).map { "item \($0)" }
        var model = SoftmaxRegression(classes: 3, dimension: ClusterEmbedder().dimension, configuration: .init(calibrate: false))
        try model.fit(TrainingSet(features: try ClusterEmbedder().embed(texts), labels: (1 ... 300).map { $0 % 3 },
                                  fidelities: Array(repeating: .human, count: 300)))
        return model
    }

    /// 10,000 input lines "item n" with ids "n<n>", among them bad lines: malformed JSON,
    /// a missing text, a text that is not a string, and bytes that are not UTF-8.
    static func input(lines: Int = 10_000) -> (data: Data, bad: [Int: String]) {
        var data = Data()
        var bad = [Int: String]()
        for n in 1 ... lines {
            switch n % 997 {
            case 13: data += Data("{\"id\": \"n\(n)\", \"text\": \"item \(n)\"\n".utf8); bad[n] = "malformed JSON"
            case 500: data += Data("{\"id\": \"n\(n)\"}\n".utf8); bad[n] = "missing \"text\""
            case 700: data += Data("{\"id\": \"n\(n)\", \"text\": \(n)}\n".utf8); bad[n] = "\"text\" must be a string"
            case 900: data += Data("{\"id\": \"n\(n)\", \"text\": \"item ".utf8) + Data([0xFF]) + Data("\"}\n".utf8)
                bad[n] = "not valid UTF-8"
            default: data += Data("{\"id\": \"n\(n)\", \"text\": \"item \(n)\"}\n".utf8)
            }
        }
        return (data, bad)
    }

    struct Row: Decodable, Equatable {
        var id: String
        var label: String?
        var probability: Float
        var probabilities: [String: Float]
    }

    static func rows(_ path: String) throws -> [Row] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    @Test("10,000 lines with bad ones among them: one row per good line, every bad line reported by line")
    func tenThousandLines() throws {
        // Given a JSONL file of 10,000 lines, some of them bad
        let dir = try TempDir()
        let (data, bad) = Self.input()
        let input = try dir.write("new.jsonl", data)
        let model = try Self.classifier()
        // When predicted in batches of 256
        var reports = [Int]()
        let summary = try BatchPrediction(labels: Self.labels, classifier: model, embedder: ClusterEmbedder())
            .run(input: input, output: dir.path("out.jsonl")) { done, _ in reports.append(done) }
        // Then every bad line is listed with its file, line and problem, and none other
        #expect(summary.skipped.map(\.line) == bad.keys.sorted())
        for problem in summary.skipped {
            #expect(problem.file == input)
            #expect(problem.message.contains(bad[problem.line!]!), "line \(problem.line!): \(problem.message)")
        }
        // And the output has one row per good line, in input order, with the classifier's labels
        let good = (1 ... 10_000).filter { bad[$0] == nil }
        let rows = try Self.rows(dir.path("out.jsonl"))
        #expect(summary.items == good.count && summary.written == good.count && summary.resumed == 0)
        #expect(rows.map(\.id) == good.map { "n\($0)" })
        let expected = model.predictProbabilities(try ClusterEmbedder().embed(good.map { "item \($0)" }))
        #expect(rows.indices.allSatisfy { i in rows[i].label == Self.labels[expected.row(i).indices.max { expected[i, $0] < expected[i, $1] }!] })
        #expect(rows.indices.allSatisfy { i in Self.labels.indices.allSatisfy { rows[i].probabilities[Self.labels[$0]] == expected[i, $0] } })
        #expect(rows.allSatisfy { $0.probability == $0.probabilities[$0.label!] })
        // And the labels are mostly the clusters' own (the fake embedder's classes are n mod 3)
        let right = zip(rows, good).filter { $0.label == Self.labels[$1 % 3] }.count
        #expect(Double(right) / Double(good.count) > 0.9)
        // And progress was reported after reading and after each batch
        #expect(reports == [0] + stride(from: 256, to: good.count, by: 256).map { $0 } + [good.count])
    }

    @Test("an interrupted run is continued: the file ends as an uninterrupted run's, cut row dropped")
    func resumes() throws {
        // Given an uninterrupted run's output
        let dir = try TempDir()
        let input = try dir.write("new.jsonl", Self.input(lines: 2_000).data)
        let run = BatchPrediction(labels: Self.labels, classifier: try Self.classifier(), embedder: ClusterEmbedder(), batchSize: 100)
        _ = try run.run(input: input, output: dir.path("full.jsonl"))
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.path("full.jsonl")))
        // When another output was cut in the middle of a row, and the run is started again
        let cut = full.prefix(full.count / 3)
        let keptRows = cut.filter { $0 == 0x0A }.count
        try dir.write("resumed.jsonl", cut)
        let summary = try run.run(input: input, output: dir.path("resumed.jsonl"))
        // Then the rows before the cut were kept, and the file equals the uninterrupted one
        #expect(summary.resumed == keptRows)
        #expect(summary.resumed + summary.written == summary.items)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("resumed.jsonl"))) == full)
    }

    @Test("an output holding another input's rows is refused, not overwritten")
    func refusesForeignOutput() throws {
        let dir = try TempDir()
        let input = try dir.write("new.jsonl", "{\"id\": \"a\", \"text\": \"item 1\"}\n")
        let foreign = "{\"id\":\"zzz\",\"label\":\"neutral\",\"probability\":0.5,\"probabilities\":{}}\n"
        let output = try dir.write("out.jsonl", foreign)
        let run = BatchPrediction(labels: Self.labels, classifier: try Self.classifier(), embedder: ClusterEmbedder())
        let error = #expect(throws: DatasetError.self) { try run.run(input: input, output: output) }
        #expect(error?.description.contains("\"zzz\"") == true)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == foreign)
    }

    @Test("below --min-confidence an item gets no label and is counted, also after resuming")
    func minConfidence() throws {
        // Given a threshold that some items do not reach
        let dir = try TempDir()
        let input = try dir.write("new.csv", "id,text\n" + (1 ... 600).map { "c\($0),item \($0)" }.joined(separator: "\n") + "\n")
        let model = try Self.classifier()
        let top = model.predictProbabilities(try ClusterEmbedder().embed((1 ... 600).map { "item \($0)" }))
        let tops = (0 ..< 600).map { i in (0 ..< 3).map { top[i, $0] }.max()! }.sorted()
        let threshold = Double(tops[150]) + 1e-7
        let doubtful = tops.filter { Double($0) < threshold }.count
        // When predicted into CSV in two runs (the first cut short)
        let run = BatchPrediction(labels: Self.labels, classifier: model, embedder: ClusterEmbedder(), minConfidence: threshold, batchSize: 64)
        _ = try run.run(input: input, output: dir.path("full.csv"))
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.path("full.csv")))
        try dir.write("out.csv", full.prefix(full.count / 2))
        let summary = try run.run(input: input, output: dir.path("out.csv"))
        // Then the doubtful items are counted and have an empty label, with their probabilities
        #expect(summary.unlabeled == doubtful)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path("out.csv"))) == full)
        let lines = String(decoding: full, as: UTF8.self).split(separator: "\n")
        #expect(lines[0] == "id,label,probability,p_negative,p_neutral,p_positive")
        let unlabeled = lines.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[1].isEmpty }
        #expect(unlabeled.count == doubtful)
        #expect(unlabeled.allSatisfy { $0.split(separator: ",").count == 5 })
    }
}
