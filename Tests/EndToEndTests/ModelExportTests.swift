import Foundation
import IMFLCore
import Testing

private let ready = IMFLBinary.available && (try? ModelLocator().locate()) != nil && SharedData.available("fpb_50agree")

/// What the expert takes home, from the command line: a finished session's classifier
/// exported, then used by `imfl predict` on new texts with a bad line among them.
@Suite("imfl model export and imfl predict",
       .enabled(if: ready, "needs the imfl binary, the MiniLM model (scripts/setup) and ../shared/data/fpb_50agree"))
struct ModelExportTests {
    @Test func aFinishedSessionsModelLabelsNewTexts() throws {
        // Given a finished two-round session of 60 expert labels on 300 FPB items (no LLM)
        let scratch = try Scratch()
        let pool = try String(contentsOfFile: SharedData.path("fpb_50agree", "pool.jsonl"), encoding: .utf8).split(separator: "\n")
        let test = try String(contentsOfFile: SharedData.path("fpb_50agree", "test.jsonl"), encoding: .utf8).split(separator: "\n")
        let data = scratch.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        _ = try scratch.write("data/pool.jsonl", stride(from: 0, to: pool.count, by: 12).map { pool[$0] }.joined(separator: "\n") + "\n")
        _ = try scratch.write("data/test.jsonl", test.prefix(100).joined(separator: "\n") + "\n")
        let simulated = try IMFLBinary.run([
            "simulate", "--data", data, "--max-pool", "0", "--budget", "60", "--human-share", "1", "--rounds", "2",
            "--seeds", "1", "--name", "expert", "--keep-sessions", "--out", scratch.path("out"),
        ])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let session = scratch.path("out/runs/expert/seed-1/session")
        // And imfl status gives its F1 with the 95 % interval over the 100 test items
        let status = try IMFLBinary.run(["status", session])
        #expect(status.stdout.contains("items     323 pool; F1 on the labeled test file (100 items)"), "\(status.stdout)")
        #expect(status.stdout.range(of: #"macro-F1  \d+\.\d 95% \[\d+\.\d, \d+\.\d\] on 100 items \(latest round\)"#, options: .regularExpression) != nil,
                "\(status.stdout)")

        // When its model is exported
        let exported = try IMFLBinary.run(["model", "export", session, "-o", scratch.path("model")])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("wrote round 2's classifier (60 expert + 0 LLM labels)"))
        let config = try String(contentsOfFile: scratch.path("model/config.json"), encoding: .utf8)
        #expect(config.contains("\"all-MiniLM-L6-v2\"") && config.contains("\"negative\""))
        let card = try String(contentsOfFile: scratch.path("model/README.md"), encoding: .utf8)
        #expect(card.contains("| 2 | 60 | 0 |") && card.contains("def predict_proba"))

        // And 40 new texts, one of them a broken line, are predicted with it
        let texts = pool.suffix(40).map(String.init)
        _ = try scratch.write("new.jsonl", texts.prefix(2).joined(separator: "\n") + "\n{\"id\": 1,\n" + texts.dropFirst(2).joined(separator: "\n") + "\n")
        let predicted = try IMFLBinary.run(["predict", scratch.path("model"), "--in", scratch.path("new.jsonl"),
                                           "--out", scratch.path("out.jsonl"), "--min-confidence", "0.99"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(predicted.stderr.contains("skipped \(scratch.path("new.jsonl")):3: malformed JSON"))
        let rows = try String(contentsOfFile: scratch.path("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 40)
        let unlabeled = rows.filter { $0.contains("\"label\":null") }.count
        #expect(predicted.stderr.contains("40 items in \(scratch.path("out.jsonl")); \(unlabeled) left unlabeled (top probability below 0.99); 1 bad input line skipped"))

        // And the session itself predicts the same labels as its exported model
        let fromSession = try IMFLBinary.run(["predict", session, "--in", scratch.path("new.jsonl"), "--out", scratch.path("session.jsonl")])
        #expect(fromSession.status == 0, "\(fromSession.stderr)")
        func labels(_ file: String) throws -> [String] {
            try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
                let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let p = row?["probabilities"] as? [String: Double] ?? [:]
                return p.max { $0.value < $1.value }?.key ?? ""
            }
        }
        #expect(try labels(scratch.path("out.jsonl")) == labels(scratch.path("session.jsonl")))
    }
}
