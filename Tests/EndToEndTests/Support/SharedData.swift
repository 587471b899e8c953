import Foundation

/// The evaluation datasets in `../shared/data` beside the repository (or `$IMFL_SHARED`).
/// They are not part of the project; tests that need them skip when absent.
enum SharedData {
    static var root: URL {
        if let explicit = ProcessInfo.processInfo.environment["IMFL_SHARED"] {
            return URL(fileURLWithPath: explicit)
        }
        // Tests/EndToEndTests/Support/SharedData.swift → repository → ../shared
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared")
    }

    static func path(_ dataset: String, _ file: String) -> String {
        root.appendingPathComponent("data").appendingPathComponent(dataset).appendingPathComponent(file).path
    }

    static func available(_ dataset: String) -> Bool {
        FileManager.default.fileExists(atPath: path(dataset, "pool.jsonl"))
    }
}
