import Foundation
import IMFLCore
import Testing

private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = IMFLBinary.available && modelPresent && LocalLLMServer().isInstalled
    && SharedData.available("fpb_50agree")

/// `imfl simulate` end to end: the real MiniLM encoder, the real local LLM, the FPB-50agree
/// data. Small (a 300-item pool, budget 100 in 2 rounds, 50 LLM labels) but complete.
@Suite("imfl simulate with the local LLM", .serialized,
       .enabled(if: ready, "needs the imfl binary, the MiniLM model, the local LLM (scripts/setup) and ../shared/data/fpb_50agree"))
struct SimulateTests {
    @Test
    func aSmallRunBeatsTheMajorityClassAndWritesWellFormedResults() throws {
        // Given the FPB pool and test files and an empty results folder
        let scratch = try Scratch()
        let out = scratch.path("fpb")
        // When one IMFL arm runs: 50 expert (gold) labels and 50 LLM labels over 2 rounds
        let run = try IMFLBinary.run([
            "simulate", "--data", SharedData.root.appendingPathComponent("data/fpb_50agree").path,
            "--max-pool", "300", "--budget", "100", "--human-share", "0.5", "--rounds", "2", "--seeds", "1",
            "--description", "the sentiment of a sentence from financial news", "--name", "smoke", "--out", out,
        ])
        #expect(run.status == 0, "\(run.stderr)")

        // Then results.csv has a header and one well-formed row per round
        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")
        try #require(csv.count == 3, "\(csv)")
        let header = csv[0].split(separator: ",").map(String.init)
        #expect(header.first == "arm" && header.contains("macro_f1") && header.contains("llm_accuracy"))
        let rows = csv.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
        #expect(rows.map { $0["round"] } == ["1", "2"])
        let last = try #require(rows.last)
        #expect(last["human_labels"] == "50" && last["llm_labels"] == "50")
        #expect(Int(last["llm_calls"] ?? "") ?? 0 > 0)
        let llmAccuracy = try #require(Double(last["llm_accuracy"] ?? ""))
        #expect(llmAccuracy > 0.34, "the LLM with retrieved examples beats chance on 3 labels")

        // And results.json agrees, with the majority-class baseline beaten
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/results.json"))) as? [String: Any])
        let dataset = try #require(json["dataset"] as? [String: Any])
        let baseline = try #require(dataset["majorityMacroF1"] as? Double)
        let f1 = try #require(Double(last["macro_f1"] ?? ""))
        #expect(f1 > baseline, "macro-F1 \(f1) against the majority-class \(baseline)")
        #expect(((json["summaries"] as? [[String: Any]])?.first?["arm"] as? [String: Any])?["name"] as? String == "smoke")

        // And the summary and the plot are there
        let summary = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        #expect(summary.contains("| smoke | 1 | 50 | 50 | eeq |"))
        #expect(run.stdout.contains("A  smoke (final"))
        let svg = try String(contentsOfFile: out + "/curves.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))
    }
}
