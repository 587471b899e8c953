import Foundation
import IMFLCore
import Testing

/// Regression for issue 14: on a read-only mount `status` failed with "SQLite error 14: unable
/// to open database file", and as another user with "attempt to write a readonly database".
/// The read-only commands open the database as an immutable file there, and say so.
@Suite(.serialized, .enabled(if: IMFLBinary.available, "needs the imfl executable built beside the tests"))
struct ReadOnlyAccessTests {
    /// Runs imfl as a user who cannot write `folder`: as `nobody` when the tests run as root
    /// (root writes anywhere), otherwise as this user with the folder's write bits cleared.
    func runWithoutWriteAccess(_ arguments: [String], folder: String) throws -> IMFLBinary.Result {
        if getuid() == 0 {
            return try IMFLBinary.run(arguments, as: "nobody")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }
        return try IMFLBinary.run(arguments)
    }

    @Test(arguments: [["status"], ["plan"], ["export", "--format", "jsonl"]])
    func readOnlyCommandsWorkWithoutWriteAccess(command: [String]) throws {
        // Given a session that has been opened for writing once (its database is in WAL mode)
        let scratch = try Scratch()
        let folder = try DurabilityTests().makeSession(scratch)
        _ = try Session.open(folder)
        // When a read-only command runs as a user who cannot write the folder
        let result = try runWithoutWriteAccess(command + [folder], folder: folder)
        // Then it works, and says that it read an immutable snapshot
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("read as an immutable file"), "\(result.stderr)")
        if command == ["status"] { #expect(result.stdout.contains("items     50 pool; F1 on the labeled test file (2 items)")) }
    }

    /// Regression for issue 14: a bad `[ui.keys]` table was reported only by `label`.
    @Test(arguments: ["status", "plan", "export"])
    func aBadKeyTableIsReportedByEveryCommand(command: String) throws {
        let scratch = try Scratch()
        let folder = try DurabilityTests().makeSession(scratch)
        let config = folder + "/session.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8) + "[ui.keys]\nundo = [\"no-such-key\"]\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try IMFLBinary.run([command, folder])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(config): [keys] undo: cannot read key \"no-such-key\""), "\(result.stderr)")
    }
}
