import Foundation

/// Reads `{"id", "text", "label"}` objects, one per line. `id` may be a string or an integer
/// and may be absent (then `<file stem>-<line>`); `label` may be absent or null; other keys are
/// ignored, so an `imfl export` file reads back as it is. Blank lines are skipped.
public enum JSONLReader {
    /// - Parameter idStem: the stem of generated ids (default: the file's name).
    public static func read(path: String, idStem: String? = nil) throws -> [TextRecord] {
        let lines = try LineSplitter.lines(of: LineSplitter.read(path), file: path)
        let stem = idStem ?? TextRecord.idStem(ofPath: path)
        let decoder = JSONDecoder()
        var problems = ProblemList()
        var records = [TextRecord]()
        records.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.allSatisfy(\.isWhitespace) { continue }
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
        try problems.check()
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
