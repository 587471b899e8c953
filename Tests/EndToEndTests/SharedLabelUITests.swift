import Foundation
import Testing
import IMFLCore

private let postgresURL = ProcessInfo.processInfo.environment["IMFL_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
private let modelPresent = (try? ModelLocator().locate()) != nil
private let ready = TmuxSession.available && TmuxSession.imflBuilt && modelPresent && postgresURL != nil
private let skipReason: Comment = "needs tmux, the imfl binary, the MiniLM model (scripts/setup) and IMFL_TEST_POSTGRES_URL (scripts/test starts a throwaway PostgreSQL cluster)"

/// Two experts label one shared session at the same time, each in their own `imfl label`
/// under tmux (120×40 and 80×24): they are shown different items, each header counts the
/// other's labels as they are given, and when first one expert's process and then the
/// engine's are killed with SIGKILL mid-label, the other expert's terminal takes the engine
/// over and finishes the rounds. Every label confirmed on screen is in the database, once.
@Suite("Two experts, one shared session, at once", .serialized, .enabled(if: ready, skipReason))
struct SharedLabelUITests {
    let ui = SessionUITests()

    final class Expert {
        let name: String
        let url: String
        let tmux: TmuxSession
        /// Items whose "saved" line this expert saw, with the label.
        var confirmed: [(item: String, label: String)] = []

        init(_ name: String, url: String, width: Int, height: Int) throws {
            self.name = name
            self.url = url
            tmux = try TmuxSession(Self.command(name, url), width: width, height: height)
        }

        static func command(_ name: String, _ url: String) -> String {
            "\(TmuxSession.imflBinary) label '\(url)' --annotator \(name)"
        }

        /// The process of this expert's `imfl label`.
        var pid: Int32? { imflProcesses(["label", url, "--annotator", name]).first }

        func restart() throws {
            try tmux.respawn(Self.command(name, url))
        }

        /// Kills the process with SIGKILL and waits until it is gone.
        func kill() {
            guard let pid else { return }
            Foundation.kill(pid, SIGKILL)
            #expect(eventually { self.pid == nil }, "imfl label of \(name) survived SIGKILL")
        }
    }

    /// Labels the item on screen with key `n` (1-based label) once the screen confirms it was
    /// saved; returns the item's id.
    @discardableResult
    func label(_ expert: Expert, _ n: Int) throws -> String {
        // The item just saved stays on screen (dimmed) until the next one is loaded.
        let item = try ui.waitForItem(expert.tmux, after: expert.confirmed.last?.item)
        let before = try expert.tmux.capture()
        try expert.tmux.send(String(n))
        let label = SessionUITests.labels[n - 1]
        do {
            try expert.tmux.waitFor("saved “\(label)” for item \(item)", timeout: .seconds(60))
        } catch {
            Issue.record("\(expert.name) pressed \(n) on this screen:\n\(before)")
            throw error
        }
        expert.confirmed.append((item, label))
        return item
    }

    @Test func twoExpertsLabelAtOnceAndOutliveTheEnginesProcess() async throws {
        let server = try await LatencyChatServer.start(labels: SessionUITests.labels, latency: .zero, json: true)
        defer { Task { await server.stop() } }
        // Given a shared session whose dead terminals' items go back after 3 s
        let scratch = try Scratch()
        let folder = try ui.makeSession(scratch, llm: server.baseURL, options: ["--no-llm-check"])
        let toml = folder + "/session.toml"
        let text = try String(contentsOfFile: toml, encoding: .utf8)
        try text.replacingOccurrences(of: "claim_lease = 60.0", with: "claim_lease = 3.0").write(toFile: toml, atomically: true, encoding: .utf8)
        let url = "\(postgresURL!)?session=team_ui_\(UInt32.random(in: 0 ... .max))"
        let copied = try IMFLBinary.run(["copy", folder, url])
        try #require(copied.status == 0, "\(copied.stderr)")

        // When ana opens it (her terminal runs the engine), then ben
        let ana = try Expert("ana", url: url, width: 120, height: 40)
        let first = try ui.waitForItem(ana.tmux, after: nil)
        let ben = try Expert("ben", url: url, width: 80, height: 24)
        try ben.tmux.waitFor("ana (pid", timeout: .seconds(60))
        let second = try ui.waitForItem(ben.tmux, after: nil)
        // Then they are shown different items
        #expect(first != second)
        // And each header counts the other's labels as they are given
        try label(ana, 1)
        try ben.tmux.waitFor("· 1 labeled", timeout: .seconds(60))
        try label(ben, 3)
        try ana.tmux.waitFor("· 2 labeled", timeout: .seconds(60))

        // When ben's process is killed with an item on screen, and ana labels on
        _ = try ui.waitForItem(ben.tmux, after: ben.confirmed.last?.item)
        ben.kill()
        var anaItems = Set(ana.confirmed.map(\.item))
        for _ in 0 ..< 2 { anaItems.insert(try label(ana, 2)) }
        // And ben comes back, and the engine's process (ana's) is killed mid-label
        try ben.restart()
        try ben.tmux.waitFor("ana (pid", timeout: .seconds(60))
        try label(ben, 1)
        _ = try ui.waitForItem(ana.tmux, after: ana.confirmed.last?.item)
        try ana.tmux.send("2")
        ana.kill()
        // Then ben's terminal runs the engine, and ben labels until the session is finished
        try ben.tmux.waitFor("This terminal now runs the session's engine", timeout: .seconds(60))
        var finished = false
        for _ in 0 ..< 60 where !finished {
            // The item just saved stays on screen (dimmed) until the next one, or the end, shows.
            let last = ben.confirmed.last?.item
            let screen = try ben.tmux.waitUntil("a new item or the end of the session", timeout: .seconds(120)) { s in
                s.contains("Session finished") || (ui.itemID(s).map { $0 != last } ?? false)
            }
            if screen.contains("Session finished") { finished = true } else { try label(ben, 1) }
        }
        let last = try ben.tmux.capture()
        #expect(finished, "the session did not finish:\n\(last)")

        // And every label confirmed on screen is in the database, once, under its expert
        let export = try IMFLBinary.run(["export", url, "--source", "human", "--format", "csv"])
        #expect(export.status == 0, "\(export.stderr)")
        // Rows are "id","text",label,source,round,confidence,reviewed,"note","annotator"; no text has a comma.
        let rows = export.stdout.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        let exported = Dictionary(rows.map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows.count == exported.count, "an item was exported twice")
        for (expert, c) in (ana.confirmed.map { ("ana", $0) } + ben.confirmed.map { ("ben", $0) }) {
            let row = exported[c.item]
            #expect(row?[2] == c.label && row?.last == expert, "\(expert)'s \(c.label) for \(c.item): \(row ?? [])")
        }
        // And no item was labeled by both (the item ben's dead terminal held went to one of them)
        #expect(Set(ana.confirmed.map(\.item)).isDisjoint(with: Set(ben.confirmed.map(\.item))))
        let status = try IMFLBinary.run(["status", url]).stdout
        #expect(status.contains("rounds    2 of 2 done"), "\(status)")
        #expect(status.contains("experts   ana \(ana.confirmed.count)") || status.contains("experts   ana \(ana.confirmed.count + 1)"), "\(status)")
        try? ben.tmux.send("q")
    }
}
