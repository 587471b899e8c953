import Foundation

/// One row of an imported file before it becomes an `Item`.
public struct TextRecord: Sendable, Equatable {
    /// The user's id; generated as `<file stem>-<line>` when the file has none.
    public var id: String
    public var text: String
    public var label: String?
    /// 1-based line where the record starts.
    public var line: Int

    public init(id: String, text: String, label: String?, line: Int) {
        self.id = id
        self.text = text
        self.label = label
        self.line = line
    }

    /// The stem of generated ids for a file: its name without the extension.
    public static func idStem(ofPath path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    /// The id of a row that has none: `<stem>-<line>`.
    static func generatedID(stem: String, line: Int) -> String { "\(stem)-\(line)" }
}

/// Which columns of a CSV file hold what.
public struct CSVColumns: Sendable, Equatable {
    public var id: String
    public var text: String
    public var label: String

    public init(id: String = "id", text: String = "text", label: String = "label") {
        self.id = id
        self.text = text
        self.label = label
    }
}

/// The file formats imfl reads and writes.
public enum DatasetFormat: String, Sendable, CaseIterable {
    case jsonl
    case csv

    /// The format a file name implies: `.csv` and `.tsv` are CSV, everything else JSONL.
    public static func infer(fromPath path: String) -> DatasetFormat {
        let lower = path.lowercased()
        return lower.hasSuffix(".csv") || lower.hasSuffix(".tsv") ? .csv : .jsonl
    }
}
