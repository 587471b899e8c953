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
