import Foundation
import Testing
import IMFLCore

/// A label whose write returned survives the process being killed at any moment.
@Suite(.serialized) struct DurabilityTests {
    func makeSession(_ scratch: Scratch) throws -> String {
        let pool = (1...50).map { #"{"id": "p\#($0)", "text": "pool sentence number \#($0)"}"# }.joined(separator: "\n")
        let test = #"{"id": "t1", "text": "a", "label": "yes"}"# + "\n" + #"{"id": "t2", "text": "b", "label": "no"}"#
        let folder = scratch.path("s")
        let result = try IMFLBinary.run(["init", folder, "--pool", scratch.write("pool.jsonl", pool), "--test", scratch.write("test.jsonl", test)])
        try #require(result.status == 0, "imfl init failed: \(result.stderr)")
        return folder
    }

    @Test(.enabled(if: IMFLBinary.available, "needs the imfl executable built beside the tests"))
    func everyCommittedLabelSurvivesSIGKILL() throws {
        // Given a session and a writer that reports each committed label
        let scratch = try Scratch()
        let folder = try makeSession(scratch)
        let seed = UInt64(Date().timeIntervalSince1970)
        var rng = SplitMix64(state: seed)
        var committed = [Int64]()
        var killedWhileWriting = 0
        // When the writer is killed with SIGKILL at a random moment, 50 times
        for _ in 0..<50 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: IMFLBinary.path)
            process.arguments = ["durability-probe", folder]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 30_000...250_000, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedWhileWriting += 1 }
            let text = String(decoding: data, as: UTF8.self)
            // Only whole lines count: a line cut by the kill was never fully reported.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            committed += lines.compactMap { $0.hasPrefix("committed ") ? Int64($0.dropFirst(10)) : nil }
        }
        // Then every reported annotation is in the log and the database is intact
        let session = try Session.open(folder)
        let stored = Set(try session.database.annotationLog().compactMap(\.id))
        let missing = committed.filter { !stored.contains($0) }
        #expect(killedWhileWriting == 50, "the writer finished before it was killed; seed \(seed)")
        #expect(committed.count > 50, "too few labels were written to test anything; seed \(seed)")
        #expect(missing.isEmpty, "\(missing.count) committed labels were lost; seed \(seed)")
        let integrity = try session.database.reader.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
    }
}

private let labelUIReady = TmuxSession.available && TmuxSession.imflBuilt && ((try? ModelLocator().locate()) != nil)

/// The guarantee as the expert meets it: a label whose "saved" message was on screen survives
/// `imfl label` being killed with SIGKILL at any moment — idle, just after a key, mid-burst,
/// during start-up and across round transitions — and the session reopens at the next item.
@Suite(.serialized, .enabled(if: labelUIReady, "needs tmux, the imfl binary and the MiniLM model (scripts/setup)"))
struct UIDurabilityTests {
    static let labels = ["negative", "neutral", "positive"]

    /// 320 pool sentences; the expert labels 300 of them in 10 equal rounds of 30, LLM off.
    func makeSession(_ scratch: Scratch) throws -> String {
        let moves = ["fell", "held", "rose"]
        func line(_ id: String, _ n: Int) -> String {
            #"{"id": "\#(id)", "text": "Unit \#(n) sales \#(moves[n % 3]) \#(n % 7) points in quarter \#(n % 4 + 1).", "label": "\#(Self.labels[n % 3])"}"#
        }
        let pool = try scratch.write("pool.jsonl", (0 ..< 320).map { line("p\($0)", $0) }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", (320 ..< 332).map { line("t\($0)", $0) }.joined(separator: "\n"))
        let folder = scratch.path("s")
        let created = try IMFLBinary.run([
            "init", folder, "--pool", pool, "--test", test, "--labels", Self.labels.joined(separator: ","),
            "--budget", "300", "--human-share", "1", "--rounds", "10", "--llm", "off",
        ])
        try #require(created.status == 0, "imfl init failed: \(created.stderr)")
        let config = folder + "/session.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: #"schedule = "decay""#, with: #"schedule = "equal""#)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return folder
    }

    @Test func everyLabelConfirmedOnScreenSurvivesSIGKILLOfTheUI() throws {
        // Given the labeling UI on a session whose expert queue spans 10 rounds of 30 items
        let scratch = try Scratch()
        let folder = try makeSession(scratch)
        let command = "\(TmuxSession.imflBinary) label \(folder)"
        let tmux = try TmuxSession(command)
        let seed = UInt64(Date().timeIntervalSince1970)
        var rng = SplitMix64(state: seed)
        // Items as the screen names them: by their id in the imported file.
        var confirmed: [(item: String, label: String)] = []
        let kills = 100
        let ui = SessionUITests()
        for k in 0 ..< kills {
            // When the UI starts, the expert labels 0–4 items, each confirmed on screen, and the
            // process is killed: while idle, just after a key, or during start-up
            if k > 0 { try tmux.respawn(command) }
            eventually { !imflProcesses(["label", folder]).isEmpty || ((try? tmux.paneDead()) ?? false) }
            let screen = (try? tmux.capture()) ?? ""
            let pid = try #require(imflProcesses(["label", folder]).first, "imfl label did not start; seed \(seed); screen:\n\(screen)")
            if Int.random(in: 0 ..< 10, using: &rng) == 0 {
                usleep(UInt32.random(in: 0 ..< 400_000, using: &rng))
            } else {
                var item = try ui.itemID(tmux.waitUntil("an item", timeout: .seconds(60)) { ui.itemID($0) != nil })
                let keys = Int.random(in: 0 ... 4, using: &rng)
                let waitForLast = Bool.random(using: &rng)
                for n in 0 ..< keys {
                    guard let current = item else { break }
                    let choice = Int.random(in: 0 ..< 3, using: &rng)
                    try tmux.send(String(choice + 1))
                    if n == keys - 1 && !waitForLast { break }
                    // The status line says what was saved, and keeps saying it while the engine's
                    // notices (a new round) are added after it.
                    let saved = "saved “\(Self.labels[choice])” for item \(current)"
                    try tmux.waitFor(saved, timeout: .seconds(60))
                    confirmed.append((current, Self.labels[choice]))
                    let screen = try tmux.waitUntil("the next item", timeout: .seconds(60)) { s in
                        ui.itemID(s).map { $0 != current } ?? false
                    }
                    item = ui.itemID(screen)
                }
            }
            kill(pid, SIGKILL)
            // A killed process whose threads are still finishing a write shows as a zombie
            // while it holds its files, and with them the session lock, for a moment.
            #expect(eventually { imflProcesses(["label", folder]).isEmpty && (try? Session.open(folder)) != nil },
                    "imfl label survived SIGKILL or kept the session locked")
        }
        // Then every label confirmed on screen is in force in the store, with the same label,
        // the database is intact, and the expert went through at least four round transitions
        let session = try Session.open(folder, access: .readOnly)
        let current = AnnotationLog(try session.database.annotationLog()).currentLabels
        let ids = Dictionary(uniqueKeysWithValues: try session.database.items(split: .pool).map { ($0.key, $0.id!) })
        let lost = confirmed.filter { c in
            guard let id = ids[c.item], let label = current[id] else { return true }
            return label.label != c.label || label.source != .human
        }
        #expect(confirmed.count >= 100, "too few labels were confirmed to test anything; seed \(seed)")
        #expect(lost.isEmpty, "\(lost.count) of \(confirmed.count) labels confirmed on screen were lost: \(lost.prefix(5)); seed \(seed)")
        let integrity = try session.database.reader.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
        #expect(try session.database.rounds().count >= 5, "fewer than 4 round transitions; seed \(seed)")
    }
}
