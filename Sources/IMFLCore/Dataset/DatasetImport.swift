import Foundation

/// What `imfl init` reads: a pool file, a test file, and how to read them.
public struct DatasetSource: Sendable {
    public var poolPath: String
    /// The labeled test file; nil when the session measures F1 on an evaluation sample.
    public var testPath: String?
    public var format: DatasetFormat?
    public var columns: CSVColumns

    public init(poolPath: String, testPath: String?, format: DatasetFormat? = nil, columns: CSVColumns = CSVColumns()) {
        self.poolPath = poolPath
        self.testPath = testPath
        self.format = format
        self.columns = columns
    }
}

/// A validated dataset, ready to be written in one transaction.
public struct DatasetImport: Sendable {
    public var labels: [String]
    public var pool: [Item]
    public var test: [Item]
    /// Problems worth knowing that do not stop the import (repeated or very long texts).
    public var warnings: [DatasetProblem]

    /// Texts longer than this are accepted with a warning: the encoder reads only the first
    /// 256 tokens, and the expert has to page through them.
    public static let longTextCharacters = 2_000

    /// Reads and validates both files.
    ///
    /// Refused (nothing is created): unreadable files, invalid UTF-8, malformed JSON or CSV,
    /// missing or empty text, duplicate ids (within or across the files), a label outside the
    /// label set, a test item without a label, an empty pool or test file, fewer than 2 labels.
    /// - Parameter labels: the label set; when nil it is inferred from the test file's labels
    ///   (without a test file, from the pool's).
    public static func load(_ source: DatasetSource, labels: [String]?) throws -> DatasetImport {
        let records = try readRecords(source)
        return try validate(pool: records.pool, poolPath: source.poolPath,
                            test: records.test, testPath: source.testPath, labels: labels)
    }

    /// Reads both files without checking them against each other.
    ///
    /// Files of the same name in two folders (pool/data.jsonl, test/data.jsonl) would generate
    /// the same ids for rows without one; the test file's take a `-test` suffix on the stem.
    static func readRecords(_ source: DatasetSource) throws -> (pool: [TextRecord], test: [TextRecord]) {
        let poolStem = TextRecord.idStem(ofPath: source.poolPath)
        let testStem = source.testPath.map { TextRecord.idStem(ofPath: $0) }
        return (try read(source.poolPath, source, idStem: poolStem),
                try source.testPath.map { try read($0, source, idStem: testStem == poolStem ? poolStem + "-test" : testStem!) } ?? [])
    }

    private static func read(_ path: String, _ source: DatasetSource, idStem: String) throws -> [TextRecord] {
        var problems = ProblemList()
        let records = try read(path, format: source.format, columns: source.columns, idStem: idStem, problems: &problems)
        try problems.check()
        return records
    }

    /// The records of a file in either format; bad lines go to `problems` and are skipped.
    static func read(_ path: String, format: DatasetFormat?, columns: CSVColumns, idStem: String? = nil,
                     problems: inout ProblemList) throws -> [TextRecord] {
        switch format ?? DatasetFormat.infer(fromPath: path) {
        case .jsonl: try JSONLReader.read(path: path, idStem: idStem, problems: &problems)
        case .csv: try CSVRecordReader.read(path: path, columns: columns, idStem: idStem, problems: &problems)
        }
    }

    /// Checks records against each other and the label set.
    /// - Parameter testPath: nil for a session without a test file; the label set then comes
    ///   from `labels` or, failing that, from the pool's labels.
    public static func validate(
        pool: [TextRecord], poolPath: String, test: [TextRecord], testPath: String?, labels: [String]?
    ) throws -> DatasetImport {
        var problems = ProblemList()
        if pool.isEmpty { problems.add(poolPath, nil, "the pool is empty: it holds no item to label") }
        if let testPath, test.isEmpty { problems.add(testPath, nil, "the test file is empty: F1 needs labeled test items") }

        let labelSet: [String]
        if let labels {
            labelSet = labels
        } else {
            labelSet = Array(Set((testPath == nil ? pool : test).compactMap(\.label).filter { !Self.isBlank($0) })).sorted()
        }
        if labelSet.count < 2 {
            let origin = testPath ?? poolPath
            let from = labels == nil ? " in \(origin) (give them with --labels)" : ""
            problems.add(labels == nil ? origin : "--labels", nil,
                         "at least 2 labels are needed, found \(labelSet.count)\(from)")
        }
        if Set(labelSet).count != labelSet.count { problems.add("--labels", nil, "a label is listed twice") }
        let allowed = Set(labelSet)

        var seenIDs = [String: (String, Int)]()
        func check(_ records: [TextRecord], _ path: String, requireLabel: Bool) {
            for record in records {
                if record.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problems.add(path, record.line, "empty text")
                }
                if let (firstPath, firstLine) = seenIDs[record.id] {
                    let where_ = firstPath == path ? "line \(firstLine)" : "\(firstPath):\(firstLine)"
                    problems.add(path, record.line, "duplicate id \"\(record.id)\" (first at \(where_))")
                } else {
                    seenIDs[record.id] = (path, record.line)
                }
                if let label = record.label, Self.isBlank(label) {
                    problems.add(path, record.line, "empty label\(requireLabel ? ": every test item needs one" : "")")
                } else if let label = record.label {
                    if !allowed.contains(label) && labelSet.count >= 2 {
                        problems.add(path, record.line, "label \"\(label)\" is not in the label set (\(labelSet.joined(separator: ", ")))")
                    }
                } else if requireLabel {
                    problems.add(path, record.line, "missing label: every test item needs one")
                }
            }
        }
        check(pool, poolPath, requireLabel: false)
        if let testPath { check(test, testPath, requireLabel: true) }
        try problems.check()

        return DatasetImport(
            labels: labelSet,
            pool: pool.enumerated().map { Item(key: $1.id, text: $1.text, split: .pool, gold: $1.label, position: $0) },
            test: test.enumerated().map { Item(key: $1.id, text: $1.text, split: .test, gold: $1.label, position: $0) },
            warnings: labelVariants(labelSet, in: [(pool, poolPath)] + (testPath.map { [(test, $0)] } ?? []))
                + warnings(pool: pool, poolPath: poolPath, test: test, testPath: testPath ?? poolPath))
    }

    static func isBlank(_ label: String) -> Bool { label.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    /// Labels that differ only by case or surrounding spaces ("Neutral", "neutral ") are
    /// almost always one label typed two ways; they stay apart, with a warning at the first
    /// use of each later spelling.
    static func labelVariants(_ labelSet: [String], in files: [([TextRecord], String)]) -> [DatasetProblem] {
        func normal(_ label: String) -> String { label.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
        var first = [String: String]()
        var variants = [String: String]()
        for label in labelSet {
            if let earlier = first[normal(label)] { variants[label] = earlier } else { first[normal(label)] = label }
        }
        guard !variants.isEmpty else { return [] }
        var warned = Set<String>()
        var out = [DatasetProblem]()
        for (records, path) in files {
            for record in records {
                guard let label = record.label, let earlier = variants[label], warned.insert(label).inserted else { continue }
                out.append(DatasetProblem(file: path, line: record.line, message: "label \"\(label)\" differs from \"\(earlier)\" only by case or spaces; they are kept as two labels (give the label set with --labels to choose one)"))
            }
        }
        return out
    }

    static func warnings(pool: [TextRecord], poolPath: String, test: [TextRecord], testPath: String) -> [DatasetProblem] {
        var warnings = [DatasetProblem]()
        var seenTexts = [String: (String, Int)]()
        for (records, path) in [(pool, poolPath), (test, testPath)] {
            for record in records {
                let key = record.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if let (firstPath, firstLine) = seenTexts[key] {
                    let leak = firstPath != path ? " (the same text in pool and test inflates F1)" : ""
                    let where_ = firstPath == path ? "line \(firstLine)" : "\(firstPath):\(firstLine)"
                    warnings.append(DatasetProblem(file: path, line: record.line, message: "text repeats \(where_)\(leak)"))
                } else {
                    seenTexts[key] = (path, record.line)
                }
                if record.text.count > longTextCharacters {
                    warnings.append(DatasetProblem(
                        file: path, line: record.line,
                        message: "very long text (\(record.text.count) characters); the encoder reads its first 256 tokens"))
                }
            }
        }
        return warnings
    }
}

extension DatasetImport {
    /// The dataset with `size` pool items, drawn uniformly at random, moved out of the pool
    /// into the evaluation sample: test items without a gold label, which the expert labels
    /// during the session (see `EvaluationSample`). A label the pool file gave them is
    /// dropped, so F1 rests on the expert's judgement like every other label of the session.
    public func holdingOutEvaluationSample(size: Int, seed: UInt64) -> DatasetImport {
        let drawn = EvaluationSample.draw(size: size, from: pool.count, seed: seed)
        let held = Set(drawn)
        var copy = self
        copy.pool = pool.indices.filter { !held.contains($0) }.enumerated().map { position, index in
            var item = pool[index]
            item.position = position
            return item
        }
        copy.test = drawn.enumerated().map { position, index in
            Item(key: pool[index].key, text: pool[index].text, split: .test, gold: nil, position: position)
        }
        return copy
    }
}
