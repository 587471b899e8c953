import Foundation
@testable import IMFLCore

/// Paths to the shared data sets and to reference vectors produced outside the repository.
enum Fixtures {
    /// `IMFL_SHARED`, or `../shared` next to the repository root.
    static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["IMFL_SHARED"] { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func dataset(_ name: String) -> URL { shared.appendingPathComponent("data/\(name)") }

    /// True when the FPB-50agree files and the MiniLM model are present.
    static var fpbAvailable: Bool {
        FileManager.default.fileExists(atPath: dataset("fpb_50agree").appendingPathComponent("pool.jsonl").path)
            && (try? ModelLocator().locate()) != nil
    }
}
