import Foundation

/// A fresh directory under the system temp folder, removed when the value is released.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("imfl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes text to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let p = path(name)
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Names of the entries in the directory.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// A small labeled dataset written as JSONL.
enum SampleData {
    static let labels = ["negative", "neutral", "positive"]

    static let pool = """
        {"id": "p1", "text": "Profit rose sharply in the third quarter.", "label": "positive"}
        {"id": "p2", "text": "The board will meet on Tuesday.", "label": "neutral"}
        {"id": "p3", "text": "The company cut 400 jobs after sales fell.", "label": "negative"}
        {"id": "p4", "text": "Orders doubled compared with last year."}
        {"id": 5, "text": "The plant was closed for maintenance.", "label": null}

        """

    static let test = """
        {"id": "t1", "text": "Revenue grew 12% to 40 million euros.", "label": "positive"}
        {"id": "t2", "text": "The firm reported a widening loss.", "label": "negative"}
        {"id": "t3", "text": "The annual meeting is in May.", "label": "neutral"}

        """

    /// Writes pool.jsonl and test.jsonl into `dir` and returns their paths.
    static func write(in dir: TempDir, pool: String = pool, test: String = test) throws -> (String, String) {
        (try dir.write("pool.jsonl", pool), try dir.write("test.jsonl", test))
    }
}
