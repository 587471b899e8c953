import Foundation
import IMFLCore

/// Where the shared reference data and the installed model are, when they are.
enum MiniLMFixtures {
    /// `$IMFL_SHARED`, else `../shared` beside the repository root.
    static let shared: URL = {
        if let path = ProcessInfo.processInfo.environment["IMFL_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "shared")
    }()

    static let reference = shared.appending(path: "fixtures/minilm/reference.jsonl")

    static let modelDirectory: URL? = try? ModelLocator().locate()

    static var available: Bool {
        modelDirectory != nil && FileManager.default.fileExists(atPath: reference.path)
    }

    /// Loaded once for all tests that need it.
    static let embedder: MiniLMEmbedder? = modelDirectory.flatMap { try? MiniLMEmbedder(directory: $0) }
}

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "imfl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appending(path: name) }

    func write(_ name: String, _ text: String) throws -> URL {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: target, atomically: true, encoding: .utf8)
        return target
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
