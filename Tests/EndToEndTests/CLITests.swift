import Foundation
import Testing
import IMFLCore

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

    /// Issue 13, item 5: an abstract of about 2,000 characters reached the LLM cut at ~1,000,
    /// and nothing said so.
    @Test("status counts the items the LLM's prompt cuts; the local model takes a whole abstract, a URL keeps 256 tokens",
          .enabled(if: binary, "needs the imfl executable built beside the tests"))
    func statusCountsItemsTruncatedForTheLLM() throws {
        // Given a pool of 3 abstracts of about 2,000 characters and 7 short sentences
        let scratch = try Scratch()
        let abstract = String(repeating: "Patients in the trial were followed for two years after treatment. ", count: 30)
        let texts = (0 ..< 3).map { "Abstract \($0). " + abstract + "Conclusion \($0): yes." } + (0 ..< 7).map { "Sentence \($0)." }
        let pool = try scratch.write("pool.jsonl", texts.enumerated().map { #"{"id": "p\#($0)", "text": "\#($1)"}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", #"{"text": "x", "label": "yes"}"# + "\n" + #"{"text": "y", "label": "no"}"#)
        // When one session uses the local model and one a URL endpoint
        let local = scratch.path("local"), remote = scratch.path("remote")
        try #require(try IMFLBinary.run(["init", local, "--pool", pool, "--test", test]).status == 0)
        try #require(try IMFLBinary.run(["init", remote, "--pool", pool, "--test", test,
                                         "--llm", "http://127.0.0.1:9/v1", "--no-llm-check"]).status == 0)
        // Then the local model's prompt takes the abstracts whole, the URL's cuts all three
        let localStatus = try IMFLBinary.run(["status", local]).stdout
        #expect(localStatus.contains("LLM view  0 of 10 pool items truncated for the LLM at llm.max_item_tokens = 1024"), "\(localStatus)")
        let remoteStatus = try IMFLBinary.run(["status", remote]).stdout
        #expect(remoteStatus.contains("LLM view  3 of 10 pool items truncated for the LLM at llm.max_item_tokens = 256"), "\(remoteStatus)")
        // And a limit set in session.toml is the one counted
        let toml = remote + "/session.toml"
        let text = try String(contentsOfFile: toml, encoding: .utf8)
        try text.replacingOccurrences(of: "[llm]\n", with: "[llm]\nmax_item_tokens = 2048\n").write(toFile: toml, atomically: true, encoding: .utf8)
        #expect(try IMFLBinary.run(["status", remote]).stdout.contains("LLM view  0 of 10 pool items truncated for the LLM at llm.max_item_tokens = 2048"))
    }

    @Test("status shows each expert's labels and, where experts labeled the same items, their agreement",
          .enabled(if: binary, "needs the imfl executable built beside the tests"))
    func statusShowsTheTeamsAgreement() async throws {
        // Given a session in which two experts labeled three of the same items
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (0 ..< 6).map { #"{"id": "p\#($0)", "text": "Sentence \#($0)."}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", #"{"text": "x", "label": "yes"}"# + "\n" + #"{"text": "y", "label": "no"}"#)
        let folder = scratch.path("team")
        try #require(try IMFLBinary.run(["init", folder, "--pool", pool, "--test", test]).status == 0)
        do {
            let session = try Session.open(folder)
            let ids = try await session.store.items(in: .pool).map(\.id)
            func label(_ i: Int, _ label: String, _ name: String) -> Annotation {
                Annotation(itemID: ids[i], kind: .label, label: label, source: .human, annotator: name, round: 1)
            }
            _ = try session.database.append(contentsOf: [
                label(0, "yes", "ana"), label(0, "yes", "ben"), label(1, "no", "ana"), label(1, "no", "ben"),
                label(2, "yes", "ana"), label(2, "no", "ben"), label(3, "no", "ana"),
            ])
        }
        // Then status lists the labels by expert and their agreement on the shared items
        let status = try IMFLBinary.run(["status", folder]).stdout
        #expect(status.contains("experts   ana 4, ben 3"), "\(status)")
        let kappa = try #require(InterAnnotatorAgreement.cohensKappa([("yes", "yes"), ("no", "no"), ("yes", "no")]))
        #expect(status.contains("agreement 2 of 3 shared items labeled alike, Cohen's κ \(String(format: "%.2f", kappa))"), "\(status)")
    }

    @Test("PubMedQA abstracts reach the local model whole",
          .enabled(if: binary, "needs the imfl executable built beside the tests"),
          .enabled(if: SharedData.available("pubmedqa_pqal"), "needs ../shared/data/pubmedqa_pqal"))
    func pubMedQAIsNotCutForTheLocalModel() throws {
        let scratch = try Scratch()
        let folder = scratch.path("pqa")
        let created = try IMFLBinary.run(["init", folder, "--pool", SharedData.path("pubmedqa_pqal", "pool.jsonl"),
                                          "--test", SharedData.path("pubmedqa_pqal", "test.jsonl")])
        try #require(created.status == 0, "\(created.stderr)")
        let status = try IMFLBinary.run(["status", folder]).stdout
        #expect(status.contains("LLM view  0 of 500 pool items truncated for the LLM at llm.max_item_tokens = 1024"), "\(status)")
    }

    @Test("a mistyped command or option gets a did-you-mean", .enabled(if: binary, "needs the imfl executable built beside the tests"),
          arguments: [
              (["stats", "sessions/demo"], "unknown command 'stats'; did you mean 'status'?"),
              (["init", "s", "--pool", "p.jsonl", "--tset", "t.jsonl"], "Did you mean '--test'?"),
              (["llm", "stat"], "unknown command 'llm stat'; did you mean 'llm start' or 'llm status'?\nSee 'imfl llm --help' for the commands."),
              (["exprot", "s"], "unknown command 'exprot'; did you mean 'export'?"),
          ])
    func didYouMean(arguments: [String], message: String) throws {
        let result = try IMFLBinary.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("init warns when the test file is larger than the pool, and refuses an empty --description",
          .enabled(if: binary, "needs the imfl executable built beside the tests"))
    func initWarnsAboutSwappedFilesAndRefusesAnEmptyDescription() throws {
        // Given a 3-item pool and a 6-item test file, as when the two were swapped
        let scratch = try Scratch()
        let pool = try scratch.write("small.jsonl", (1...3).map { #"{"text": "p\#($0)", "label": "yes"}"# }.joined(separator: "\n"))
        let test = try scratch.write("large.jsonl", (1...6).map { #"{"text": "t\#($0)", "label": "\#($0 % 2 == 0 ? "yes" : "no")"}"# }.joined(separator: "\n"))
        // When init runs, then it creates the session and warns
        let swapped = try IMFLBinary.run(["init", scratch.path("s"), "--pool", pool, "--test", test, "--labels", "yes,no"])
        #expect(swapped.status == 0, "\(swapped.stderr)")
        #expect(swapped.stderr.contains("warning: the test file \(test) (6 items) is larger than the pool \(pool) (3 items): were --pool and --test swapped?"))
        // The right way round, no warning
        let right = try IMFLBinary.run(["init", scratch.path("t"), "--pool", test, "--test", pool, "--labels", "yes,no"])
        #expect(right.status == 0)
        #expect(!right.stderr.contains("swapped"))
        // An empty or blank description is refused, and nothing is created
        for blank in ["", "   "] {
            let refused = try IMFLBinary.run(["init", scratch.path("u"), "--pool", test, "--test", pool, "--labels", "yes,no", "--description", blank])
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("--description is empty"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("u")))
        }
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
  copy                    Copy a session between a folder and a shared session
                          on PostgreSQL, with every event intact.
  plan                    Print a session's label schedule: expert and LLM
                          batches per round.
  extend                  Add labels to a session as new rounds after the
                          planned ones, leaving the past rounds as they were.
  label                   Label a session in the terminal UI while the engine
                          runs the IMFL rounds.
  bench                   Measure imfl's speed: embedding, the engine's round,
                          prediction, the LLM annotator, a team on one session,
                          the UI.
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
