import Foundation

/// Reads `{"id", "text", "label"}` objects, one per line. `id` may be a string or an integer
/// and may be absent (then `<file stem>-<line>`); `label` may be absent or null; other keys are
/// ignored, so an `imfl export` file reads back as it is. Blank lines are skipped.
public enum JSONLReader {
    /// Every record of the file.
    /// - Parameter idStem: the stem of generated ids (default: the file's name).
    /// - Throws: `DatasetError` listing the bad lines when there is one.
    public static func read(path: String, idStem: String? = nil) throws -> [TextRecord] {
        var problems = ProblemList()
        let records = try read(path: path, idStem: idStem, problems: &problems)
        try problems.check()
        return records
    }

    /// The records of the good lines; each bad line is recorded in `problems` and skipped.
    /// - Throws: `DatasetError` only when the file cannot be read.
    static func read(path: String, idStem: String? = nil, problems: inout ProblemList) throws -> [TextRecord] {
        let lines = LineSplitter.lines(of: try LineSplitter.read(path), file: path, problems: &problems)
        let stem = idStem ?? TextRecord.idStem(ofPath: path)
        let decoder = JSONDecoder()
        var records = [TextRecord]()
        records.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            guard let line, !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                let row = try decoder.decode(Row.self, from: Data(line.utf8))
                records.append(TextRecord(
                    id: row.id ?? TextRecord.generatedID(stem: stem, line: lineNumber), text: row.text, label: row.label, line: lineNumber))
            } catch let error as RowError {
                problems.add(path, lineNumber, error.message)
            } catch let error as DecodingError {
                problems.add(path, lineNumber, Self.describe(error))
            } catch {
                problems.add(path, lineNumber, "malformed JSON")
            }
        }
        return records
    }

    private struct RowError: Error {
        var message: String
    }

    /// One line's fields, checked with messages a user can act on.
    private struct Row: Decodable {
        var id: String?
        var text: String
        var label: String?

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            guard let c = try? decoder.container(keyedBy: Key.self) else {
                throw RowError(message: "expected a JSON object with \"text\"")
            }
            let idKey = Key(stringValue: "id"), textKey = Key(stringValue: "text"), labelKey = Key(stringValue: "label")
            if try !c.contains(idKey) || c.decodeNil(forKey: idKey) {
                id = nil
            } else if let value = try? c.decode(String.self, forKey: idKey) {
                id = value
            } else if let value = try? c.decode(Int64.self, forKey: idKey) {
                id = String(value)
            } else {
                throw RowError(message: "\"id\" must be a string or an integer")
            }
            guard c.contains(textKey) else { throw RowError(message: "missing \"text\"") }
            guard let value = try? c.decode(String.self, forKey: textKey) else {
                throw RowError(message: "\"text\" must be a string")
            }
            text = value
            if try !c.contains(labelKey) || c.decodeNil(forKey: labelKey) {
                label = nil
            } else if let value = try? c.decode(String.self, forKey: labelKey) {
                label = value
            } else {
                throw RowError(message: "\"label\" must be a string or null")
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "malformed JSON" + (underlying.map { ": \($0)" } ?? "")
        default:
            return "malformed JSON"
        }
    }
}
