import Foundation
import IMFLNumerics

/// A line of a texts file that cannot be used, with its file and line number.
public struct JSONLError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let problem: String

    public var description: String { "\(path):\(line): \(problem)" }
}

/// `imfl embed --in texts.jsonl --out vectors.jsonl`: reads `{"id", "text"}` lines and
/// writes `{"id", "embedding"}` lines with the same ids, so anyone can reuse the vectors or
/// check them against another implementation.
public enum EmbeddingJSONL {
    /// One text to embed. The id is kept as written: a JSON string, or an integer.
    public struct Record: Sendable, Equatable {
        public enum ID: Sendable, Equatable {
            case string(String)
            case integer(Int)
        }
        public let id: ID
        public let text: String

        public init(id: ID, text: String) {
            self.id = id
            self.text = text
        }
    }

    /// Reads a texts file; blank lines are skipped, other fields on a line are ignored.
    /// - Throws: `JSONLError` naming the file and line for a line that is not a JSON object,
    ///   lacks `id` or `text`, or has them of the wrong type.
    public static func readTexts(_ url: URL) throws -> [Record] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JSONLError(path: url.path, line: 0, problem: "cannot be read (\(error.localizedDescription))")
        }
        var records: [Record] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func fail(_ problem: String) -> JSONLError { JSONLError(path: url.path, line: lineNumber, problem: problem) }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) as? [String: Any] else {
                throw fail("not a JSON object")
            }
            guard let rawID = object["id"] else { throw fail("missing \"id\"") }
            let id: Record.ID
            if let string = rawID as? String {
                id = .string(string)
            } else if let number = rawID as? NSNumber, let integer = Int(exactly: number.doubleValue) {
                id = .integer(integer)
            } else {
                throw fail("\"id\" must be a string or an integer")
            }
            guard let rawText = object["text"] else { throw fail("missing \"text\"") }
            guard let text = rawText as? String else { throw fail("\"text\" must be a string") }
            records.append(Record(id: id, text: text))
        }
        return records
    }

    /// Writes one `{"id", "embedding"}` line per record, the floats in shortest round-trip form.
    public static func writeVectors(_ records: [Record], _ vectors: Matrix, to url: URL) throws {
        precondition(records.count == vectors.rows, "one vector per record")
        var text = ""
        text.reserveCapacity(records.count * vectors.cols * 12)
        for (r, record) in records.enumerated() {
            text += "{\"id\":" + idLiteral(record.id) + ",\"embedding\":["
            for c in 0..<vectors.cols {
                if c > 0 { text += "," }
                text += vectors[r, c].description
            }
            text += "]}\n"
        }
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw JSONLError(path: url.path, line: 0, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Writes one `{"id", "text"}` line per record: the input format of `readTexts`.
    public static func writeTexts(_ records: [Record], to url: URL) throws {
        var text = ""
        for record in records {
            text += "{\"id\":" + idLiteral(record.id) + ",\"text\":" + jsonString(record.text) + "}\n"
        }
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw JSONLError(path: url.path, line: 0, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    static func idLiteral(_ id: Record.ID) -> String {
        switch id {
        case .string(let s): jsonString(s)
        case .integer(let i): String(i)
        }
    }

    /// `s` as a JSON string literal.
    static func jsonString(_ s: String) -> String { s.quotedLiteral }
}
