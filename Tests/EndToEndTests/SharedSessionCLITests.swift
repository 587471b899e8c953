import Foundation
import Testing

/// A shared session through the command line: `imfl init URL`, `status`, `export`, `copy`
/// both ways, and the messages for a session that does not exist and a second `init`.
@Suite struct SharedSessionCLITests {
    static var baseURL: String? {
        ProcessInfo.processInfo.environment["IMFL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Test("imfl init URL, status URL, copy URL → folder → URL, export: the same session everywhere",
          .enabled(if: IMFLBinary.available, "needs the imfl executable built beside the tests"),
          .enabled(if: baseURL != nil, "needs IMFL_TEST_POSTGRES_URL: scripts/test starts a throwaway PostgreSQL cluster and sets it"))
    func sharedSessionRoundTrip() throws {
        // Given a pool and a test file
        let scratch = try Scratch()
        let pool = try scratch.write("pool.jsonl", (1 ... 30).map { #"{"id": "p\#($0)", "text": "pool item \#($0)"}"# }.joined(separator: "\n"))
        let test = try scratch.write("test.jsonl", (1 ... 6).map { #"{"id": "t\#($0)", "text": "test item \#($0)", "label": "\#($0 % 2 == 0 ? "yes" : "no")"}"# }.joined(separator: "\n"))
        let name = "cli_\(UInt32.random(in: 0 ... .max))"
        let url = "\(Self.baseURL!)?session=\(name)"
        // When a shared session is created from them
        let created = try IMFLBinary.run(["init", url, "--pool", pool, "--test", test, "--llm", "off"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("created \(url): 30 pool items, 6 test items, 2 labels (no, yes)"))
        // Then status reads it from the server
        let status = try IMFLBinary.run(["status", url])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("session \(name)") && status.stdout.contains("items     30 pool; F1 on the labeled test file (6 items)"))
        // And plan reads its schedule from the server
        let plan = try IMFLBinary.run(["plan", url])
        #expect(plan.status == 0 && plan.stdout.contains("total"), "\(plan.stderr)")
        // And extend says what to do instead
        let extend = try IMFLBinary.run(["extend", url, "--budget", "10"])
        #expect(extend.status != 0 && extend.stderr.contains("copy it to a folder"), "\(extend.stderr)")
        // And it copies to a folder and back under another name, and reads the same there
        let folder = scratch.path("home")
        let out = try IMFLBinary.run(["copy", url, folder])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("copied to \(folder): 36 items, 0 events"))
        #expect(try IMFLBinary.run(["status", folder]).stdout == status.stdout)
        let again = "\(Self.baseURL!)?session=\(name)_back"
        #expect(try IMFLBinary.run(["copy", folder, again]).status == 0)
        #expect(try IMFLBinary.run(["status", again]).stdout == status.stdout)
        #expect(try IMFLBinary.run(["export", again, "--format", "csv"]).stdout.hasPrefix("id,text,label,source"))
        // And a second init of the same name, and a name the database does not hold, are refused
        let twice = try IMFLBinary.run(["init", url, "--pool", pool, "--test", test, "--llm", "off"])
        #expect(twice.status != 0 && twice.stderr.contains("a session of that name already exists in this database"))
        let missing = try IMFLBinary.run(["status", "\(Self.baseURL!)?session=\(name)_missing"])
        #expect(missing.status != 0 && missing.stderr.contains("no session of that name in this database; it holds"))
        #expect(missing.stderr.contains(name))
        // And labeling a shared session without a name is refused before anything opens
        let anonymous = try IMFLBinary.run(["label", url])
        #expect(anonymous.status == 64 && anonymous.stderr.contains("a shared session needs --annotator NAME"))
    }
}
