import Foundation

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

    /// The float32 vectors written by `Benchmarks/embed_reference.py`, from env
    /// `IMFL_FPB_VECTORS`.
    static let fpbVectors: URL? = ProcessInfo.processInfo.environment["IMFL_FPB_VECTORS"].map {
        URL(fileURLWithPath: $0)
    }

    static var fpbAvailable: Bool {
        guard let v = fpbVectors else { return false }
        return FileManager.default.fileExists(atPath: v.path)
            && FileManager.default.fileExists(atPath: dataset("fpb_50agree").appendingPathComponent("pool.jsonl").path)
    }

    /// The `label` field of every line of a JSONL file.
    static func labels(_ url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["label"] as? String ?? ""
        }
    }
}
