import Foundation
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Stored vectors and the embed command's JSONL files")
struct VectorStorageTests {
    @Test("vectors survive encoding to bytes and back exactly")
    func blobRoundTrip() throws {
        let matrix = Matrix(stacking: [[1, -0.5, .leastNonzeroMagnitude], [3.25, 0, -7e8]])
        let blobs = VectorBlob.encodeRows(matrix)
        #expect(blobs.map(\.count) == [12, 12])
        #expect(try VectorBlob.decode(blobs, dimension: 3) == matrix)
    }

    @Test("a blob of another length (another model's vector) is an error naming its index")
    func blobWrongLength() {
        let blobs = [VectorBlob.encode([1, 2, 3]), VectorBlob.encode([1, 2])]
        #expect(throws: VectorBlobError(index: 1, byteCount: 8, dimension: 3)) {
            try VectorBlob.decode(blobs, dimension: 3)
        }
    }

    @Test("texts are read with string and integer ids; blank lines are skipped")
    func readsTexts() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = try dir.write("texts.jsonl", """
            {"id": "a1", "text": "Profit rose.", "label": "positive"}

            {"id": 7, "text": "Line\\nbreak \\"quoted\\""}
            """)
        let records = try EmbeddingJSONL.readTexts(url)
        #expect(records == [
            .init(id: .string("a1"), text: "Profit rose."),
            .init(id: .integer(7), text: "Line\nbreak \"quoted\""),
        ])
    }

    @Test("a bad line is reported with the file and line number", arguments: [
        ("{\"id\": 1}", "missing \"text\""),
        ("{\"text\": \"x\"}", "missing \"id\""),
        ("not json", "not a JSON object"),
        ("{\"id\": [1], \"text\": \"x\"}", "\"id\" must be a string or an integer"),
        ("{\"id\": 1, \"text\": 5}", "\"text\" must be a string"),
    ])
    func badLine(line: String, problem: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = try dir.write("texts.jsonl", "{\"id\": 0, \"text\": \"fine\"}\n\(line)\n")
        #expect(throws: JSONLError(path: url.path, line: 2, problem: problem)) {
            try EmbeddingJSONL.readTexts(url)
        }
    }

    @Test("vectors are written one JSON object per line, ids as given, floats exactly")
    func writesVectors() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = dir.file("vectors.jsonl")
        let records: [EmbeddingJSONL.Record] = [.init(id: .string("a\"b"), text: ""), .init(id: .integer(3), text: "")]
        try EmbeddingJSONL.writeVectors(records, Matrix(stacking: [[0.1, -2], [1e-7, 0]]), to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"{"id":"a\"b","embedding":[0.1,-2.0]}"#, #"{"id":3,"embedding":[1e-07,0.0]}"#])
        let parsed = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect((parsed?["embedding"] as? [Double])?.count == 2)
    }
}
