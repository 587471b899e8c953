import Foundation
import Testing

/// `imfl extend` adds rounds after the planned ones and leaves the past as it was (issue 13,
/// item 9: raising the budget of a finished session re-planned its rounds and ran no new one).
@Suite struct ExtendTests {
    @Test(.enabled(if: IMFLBinary.available, "needs the imfl executable built beside the tests"))
    func extendAppendsRoundsAndKeepsThePlannedOnes() throws {
        // Given a session of 100 labels over 3 rounds
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (1 ... 300).map { #"{"id": "p\#($0)", "text": "item \#($0)"}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", (1 ... 20).map { #"{"text": "t \#($0)", "label": "\#($0 % 2 == 0 ? "yes" : "no")"}"# }.joined(separator: "\n"))
        let folder = scratch.path("s")
        let created = try IMFLBinary.run(["init", folder, "--pool", pool, "--test", test, "--labels", "yes,no",
                                          "--budget", "100", "--rounds", "3", "--llm", "off"])
        try #require(created.status == 0, "\(created.stderr)")
        let before = try IMFLBinary.run(["plan", folder]).stdout.split(separator: "\n").map(String.init)
        // When 50 labels are added over 2 rounds
        let extended = try IMFLBinary.run(["extend", folder, "--budget", "50", "--rounds", "2"])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(extended.stdout.contains("added 2 rounds"), "\(extended.stdout)")
        #expect(extended.stdout.contains("after round 3; rounds 1–3 are unchanged"))
        // Then the plan has rounds 4 and 5 after rounds 1–3, which are as they were
        let after = try IMFLBinary.run(["plan", folder]).stdout.split(separator: "\n").map(String.init)
        let rows = { (lines: [String]) in lines.filter { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true } }
        #expect(Array(rows(after).prefix(3)) == rows(before))
        #expect(rows(after).count == 5)
        #expect(rows(after)[3].split(separator: " ").first == "4")
        // And session.toml records it where a reader sees it, and still parses for every command
        let toml = try String(contentsOfFile: folder + "/session.toml", encoding: .utf8)
        #expect(toml.contains("[[budget.extend]]"))
        #expect(try IMFLBinary.run(["status", folder]).status == 0)
        // And a budget out of range is refused without touching the file
        let refused = try IMFLBinary.run(["extend", folder, "--budget", "0"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--budget must be 1 to 1000000, got 0"))
        #expect(try String(contentsOfFile: folder + "/session.toml", encoding: .utf8) == toml)
    }
}
