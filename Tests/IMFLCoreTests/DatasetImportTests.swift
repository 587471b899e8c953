import Foundation
import Testing
@testable import IMFLCore

/// Every rejection `imfl init` promises: file, line and reason, and nothing created.
@Suite struct DatasetImportTests {
    /// Imports with the sample test file and returns the error text of a refused pool.
    func refusal(pool: String, test: String = SampleData.test, labels: [String]? = nil, poolName: String = "pool.jsonl") throws -> String {
        let dir = try TempDir()
        let poolPath = try dir.write(poolName, pool)
        let testPath = try dir.write("test.jsonl", test)
        do {
            _ = try DatasetImport.load(DatasetSource(poolPath: poolPath, testPath: testPath), labels: labels)
        } catch let error as DatasetError {
            return error.description.replacingOccurrences(of: dir.url.path + "/", with: "")
        }
        Issue.record("the import was accepted")
        return ""
    }

    @Test func acceptsValidFilesAndInfersSortedLabels() throws {
        // Given a pool with optional ids and labels, and a labeled test file
        let dir = try TempDir()
        let (pool, test) = try SampleData.write(in: dir)
        // When it is imported without --labels
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        // Then the labels come from the test file, sorted, and integer ids become strings
        #expect(dataset.labels == ["negative", "neutral", "positive"])
        #expect(dataset.pool.map(\.key) == ["p1", "p2", "p3", "p4", "5"])
        #expect(dataset.pool.map(\.gold) == ["positive", "neutral", "negative", nil, nil])
        #expect(dataset.test.count == 3)
        #expect(dataset.warnings.isEmpty)
    }

    @Test func rejectsInvalidUTF8WithItsLine() throws {
        let dir = try TempDir()
        var bytes = Data(#"{"id": "a", "text": "fine"}"#.utf8 + [0x0A])
        bytes.append(contentsOf: Data(#"{"id": "b", "text": "bad "#.utf8) + [0xC3, 0x28] + Data(#""}"#.utf8) + [0x0A])
        let pool = try dir.write("pool.jsonl", bytes)
        let test = try dir.write("test.jsonl", SampleData.test)
        #expect(throws: DatasetError(pool, line: 2, "not valid UTF-8 (convert the file to UTF-8 first)")) {
            try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        }
    }

    @Test func rejectsMalformedJSON() throws {
        let message = try refusal(pool: "{\"id\": \"a\", \"text\": \"ok\"}\n{\"id\": \"b\", \"text\": \"unclosed\n")
        #expect(message.hasPrefix("pool.jsonl:2: malformed JSON"))
    }

    @Test func rejectsANonObjectLine() throws {
        #expect(try refusal(pool: "[1, 2]\n") == "pool.jsonl:1: expected a JSON object with \"text\"")
    }

    @Test func rejectsMissingText() throws {
        #expect(try refusal(pool: "{\"id\": \"a\", \"body\": \"x\"}\n") == "pool.jsonl:1: missing \"text\"")
    }

    @Test func rejectsNonStringText() throws {
        #expect(try refusal(pool: "{\"id\": \"a\", \"text\": 42}\n") == "pool.jsonl:1: \"text\" must be a string")
    }

    @Test func rejectsEmptyText() throws {
        #expect(try refusal(pool: "{\"id\": \"a\", \"text\": \"  \\n \"}\n") == "pool.jsonl:1: empty text")
    }

    @Test func rejectsDuplicateIDsWithinAndAcrossFiles() throws {
        let message = try refusal(pool: """
            {"id": "a", "text": "one"}
            {"id": "a", "text": "two"}
            {"id": "t1", "text": "three"}
            """)
        #expect(message == """
            pool.jsonl:2: duplicate id "a" (first at line 1)
            test.jsonl:1: duplicate id "t1" (first at pool.jsonl:3)
            """)
    }

    @Test func rejectsALabelOutsideTheLabelSet() throws {
        let message = try refusal(pool: "{\"id\": \"a\", \"text\": \"x\", \"label\": \"Positive\"}\n", labels: SampleData.labels)
        #expect(message == "pool.jsonl:1: label \"Positive\" is not in the label set (negative, neutral, positive)")
    }

    @Test func rejectsATestItemWithoutLabel() throws {
        let message = try refusal(pool: "{\"text\": \"x\"}\n", test: "{\"id\": \"t\", \"text\": \"y\"}\n", labels: SampleData.labels)
        #expect(message == "test.jsonl:1: missing label: every test item needs one")
    }

    @Test func rejectsAnEmptyPool() throws {
        #expect(try refusal(pool: "\n\n") == "pool.jsonl: the pool is empty: it holds no item to label")
    }

    @Test func rejectsFewerThanTwoLabels() throws {
        let message = try refusal(pool: "{\"text\": \"x\"}\n", test: "{\"text\": \"y\", \"label\": \"yes\"}\n")
        #expect(message == "test.jsonl: at least 2 labels are needed, found 1 in test.jsonl (give them with --labels)")
    }

    @Test func reportsSeveralProblemsAtOnce() throws {
        let lines = (1...30).map { "{\"id\": \"x\($0)\"}" }.joined(separator: "\n")
        let message = try refusal(pool: lines)
        #expect(message.split(separator: "\n").count == 21)
        #expect(message.hasSuffix("… and 10 more problems"))
    }

    @Test func warnsOnRepeatedAndVeryLongTexts() throws {
        // Given a pool that repeats a test text and holds a very long text
        let dir = try TempDir()
        let long = String(repeating: "word ", count: 500)
        let (pool, test) = try SampleData.write(in: dir, pool: """
            {"id": "a", "text": "The annual meeting is in May."}
            {"id": "b", "text": "\(long)"}
            {"id": "c", "text": "The annual meeting is in May."}
            """)
        // When imported
        let dataset = try DatasetImport.load(DatasetSource(poolPath: pool, testPath: test), labels: nil)
        // Then the import goes ahead with warnings naming the lines
        let warnings = dataset.warnings.map { $0.description.replacingOccurrences(of: dir.url.path + "/", with: "") }
        #expect(warnings == [
            "pool.jsonl:2: very long text (2500 characters); the encoder reads its first 256 tokens",
            "pool.jsonl:3: text repeats line 1",
            "test.jsonl:3: text repeats pool.jsonl:1 (the same text in pool and test inflates F1)",
        ])
    }
}
