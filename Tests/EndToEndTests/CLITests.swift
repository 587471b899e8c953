import Foundation
import Testing

/// The command line as a user meets it: real files, the built binary, exit codes and output.
@Suite struct CLITests {
    static let binary = IMFLBinary.available

    @Test(.enabled(if: binary, "needs the imfl executable built beside the tests"),
          .enabled(if: SharedData.available("fpb_50agree"), "needs ../shared/data/fpb_50agree"))
    func financialPhraseBankImportsAndRoundTrips() throws {
        // Given the FPB-50agree pool and test files
        let scratch = try Scratch()
        let folder = scratch.path("fpb")
        let created = try IMFLBinary.run(["init", folder, "--pool", SharedData.path("fpb_50agree", "pool.jsonl"),
                                          "--test", SharedData.path("fpb_50agree", "test.jsonl")])
        #expect(created.status == 0, "\(created.stderr)")
        // Then status shows the pool, the test split and the three labels
        let status = try IMFLBinary.run(["status", folder])
        #expect(status.stdout.contains("items     3876 pool; F1 on the labeled test file (970 items)"))
        #expect(status.stdout.contains("labels    3: negative, neutral, positive"))
        // And an export (empty so far) is written without error
        let export = try IMFLBinary.run(["export", folder, "--format", "csv"])
        #expect(export.status == 0)
        #expect(export.stdout.hasPrefix("id,text,label,source,round,confidence,reviewed"))
    }

    @Test("without --test, init holds out a random evaluation sample of the pool",
          .enabled(if: binary, "needs the imfl executable built beside the tests"))
    func initWithoutATestFile() throws {
        // Given an unlabeled pool of 300 items and a label set
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (1...300).map { #"{"id": "p\#($0)", "text": "item \#($0)"}"# }.joined(separator: "\n"))
        // When a session is created without --test
        let folder = scratch.path("s")
        let created = try IMFLBinary.run(["init", folder, "--pool", pool, "--labels", "yes,no", "--evaluation-sample", "40"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("260 pool items, an evaluation sample of 40 pool items for the expert to label"))
        // Then status says what F1 will be measured on, and session.toml records the sample size
        let status = try IMFLBinary.run(["status", folder])
        #expect(status.stdout.contains("items     260 pool; F1 on an evaluation sample of 40 pool items drawn at random (0 labeled by the expert so far)"))
        let toml = try String(contentsOfFile: folder + "/session.toml", encoding: .utf8)
        #expect(toml.contains("[evaluation]\nsample = 40"))
        // And a pool too small for the sample is refused
        let small = try scratch.write("small.jsonl", (1...50).map { #"{"text": "item \#($0)"}"# }.joined(separator: "\n"))
        let refused = try IMFLBinary.run(["init", scratch.path("t"), "--pool", small, "--labels", "yes,no"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("\(small): the pool has 50 items, too few to hold out an evaluation sample of 100"))
    }

    @Test(.enabled(if: binary, "needs the imfl executable built beside the tests"))
    func aRefusedImportExitsNonZeroAndCreatesNothing() throws {
        // Given a pool with a duplicate id and an empty text
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", """
            {"id": "a", "text": "one"}
            {"id": "a", "text": "two"}
            {"id": "b", "text": ""}
            """)
        let test = try scratch.write("test.jsonl", #"{"text": "x", "label": "yes"}"# + "\n" + #"{"text": "y", "label": "no"}"#)
        // When imfl init runs
        let result = try IMFLBinary.run(["init", scratch.path("s"), "--pool", pool, "--test", test])
        // Then it exits 65, names each problem with file and line, and leaves no folder
        #expect(result.status == 65)
        #expect(result.stderr == """
            imfl init: refused, nothing was created:
            \(pool):2: duplicate id "a" (first at line 1)
            \(pool):3: empty text

            """)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("s")))
    }

    @Test(.enabled(if: binary, "needs the imfl executable built beside the tests"))
    func aSessionOpenForWritingNamesTheHolder() throws {
        // Given a session held open by a writer
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (1...5).map { #"{"text": "item \#($0)"}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", #"{"text": "x", "label": "yes"}"# + "\n" + #"{"text": "y", "label": "no"}"#)
        let folder = scratch.path("s")
        try #require(try IMFLBinary.run(["init", folder, "--pool", pool, "--test", test]).status == 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: IMFLBinary.path)
        holder.arguments = ["durability-probe", folder, "--count", "100000000"]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        usleep(300_000)
        // When a second writer opens it
        let second = try IMFLBinary.run(["durability-probe", folder, "--count", "1"])
        // Then it is refused with the holder's PID, while status still reads it
        #expect(second.status != 0)
        #expect(second.stderr.contains("session is open in process \(holder.processIdentifier)"))
        #expect(try IMFLBinary.run(["status", folder]).status == 0)
    }

    @Test(.enabled(if: binary, "needs the imfl executable built beside the tests"))
    func exportRejectsAnUnknownSource() throws {
        let result = try IMFLBinary.run(["export", "/nonexistent", "--source", "human,robot"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown source \"robot\"; use human, llm or override"))
    }

    /// The command tree as `imfl --help` prints it, word for word: a new, renamed or hidden
    /// command shows up here.
    @Test(.enabled(if: binary, "needs the imfl executable built beside the tests"))
    func topLevelHelpListsTheCommands() throws {
        let result = try IMFLBinary.run(["--help"], environment: ["COLUMNS": "80"])
        #expect(result.status == 0)
        #expect(result.stdout == #"""
OVERVIEW: Label text for a classifier with an expert, an LLM and interactive
multi-fidelity learning.

USAGE: imfl <subcommand>

OPTIONS:
  --version               Show the version.
  -h, --help              Show help information.

SUBCOMMANDS:
  init                    Create a session from a pool file and, optionally, a
                          labeled test file (JSONL or CSV).
  status                  Show a session's items, labels per source and label,
                          rounds and budget.
  export                  Write every labeled pool item with its current label,
                          source, round, confidence and review state.
  plan                    Print a session's label schedule: expert and LLM
                          batches per round.
  label                   Label a session in the terminal UI while the engine
                          runs the IMFL rounds.
  bench                   Measure imfl's speed: embedding, the engine's round,
                          prediction, the LLM annotator, the UI.
  embed                   Embed texts with all-MiniLM-L6-v2 (384-d, unit
                          length).
  llm                     Start, stop or inspect the local llama.cpp server
                          used as the offline LLM annotator.
  simulate                Run the loop with a simulated expert and the real
                          LLM, and report F1 by round.
  model                   Take a session's classifier home.
  predict                 Label a JSONL or CSV file of new texts with a
                          session's classifier or an exported model.

  See 'imfl help <subcommand>' for detailed help.

"""#)
    }
}
