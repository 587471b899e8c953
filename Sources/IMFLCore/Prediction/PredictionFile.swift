import CSV
import Foundation
import IMFLNumerics

/// The output of `imfl predict`: one row per good input line, in the input's format, with
/// the id, the label (none when the classifier is less sure than the threshold), its
/// probability and the probability of every label.
///
///     {"id":"n1","label":"positive","probability":0.91,"probabilities":{"negative":0.02,"neutral":0.07,"positive":0.91}}
///
///     id,label,probability,p_negative,p_neutral,p_positive
///     n1,positive,0.91,0.02,0.07,0.91
///
/// Rows are appended a batch at a time, so an interrupted run leaves complete rows and at
/// most one cut row, which `resume` drops before the run continues.
struct PredictionFile {
    let path: String
    let format: DatasetFormat
    let labels: [String]

    /// The CSV header; JSONL has none.
    func header() throws -> Data? {
        format == .csv ? try csv([["id", "label", "probability"] + labels.map { "p_\($0)" }]) : nil
    }

    /// The rows of one batch, and how many of them were left without a label.
    /// - Parameter minConfidence: below this top probability, the row gets no label.
    func rows(ids: [String], probabilities p: Matrix, minConfidence: Double?) throws -> (data: Data, unlabeled: Int) {
        var unlabeled = 0
        var records = [(id: String, label: String?, probability: Float, all: [Float])]()
        for (i, id) in ids.enumerated() {
            let all = p.row(i)
            let best = all.indices.max { all[$0] < all[$1] } ?? 0
            let sure = minConfidence.map { Double(all[best]) >= $0 } ?? true
            if !sure { unlabeled += 1 }
            records.append((id, sure ? labels[best] : nil, all[best], all))
        }
        switch format {
        case .csv:
            return (try csv(records.map { [$0.id, $0.label ?? "", "\($0.probability)"] + $0.all.map { "\($0)" } }), unlabeled)
        case .jsonl:
            var text = ""
            for r in records {
                let byLabel = zip(labels, r.all).map { "\($0.quotedLiteral):\($1)" }.joined(separator: ",")
                text += "{\"id\":\(r.id.quotedLiteral),\"label\":\(r.label?.quotedLiteral ?? "null"),"
                    + "\"probability\":\(r.probability),\"probabilities\":{\(byLabel)}}\n"
            }
            return (Data(text.utf8), unlabeled)
        }
    }

    /// What an earlier, interrupted run left: the ids of its complete rows, in order, and how
    /// many of them have no label. A cut last row (or a cut CSV header) is removed from the file.
    /// - Throws: `DatasetError` naming the output file when it holds something else than
    ///   rows of this format and label set.
    func resume() throws -> (ids: [String], unlabeled: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        let complete = data.lastIndex(of: 0x0A).map { data.startIndex ..< $0 + 1 } ?? data.startIndex ..< data.startIndex
        if complete.count != data.count { try truncate(to: complete.count) }
        let text = String(decoding: data[complete], as: UTF8.self)
        switch format {
        case .jsonl:
            var ids = [String](), unlabeled = 0
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
                guard let row = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                      let id = row["id"] as? String, row["probabilities"] is [String: Any] else {
                    throw DatasetError(path, line: index + 1, "not a prediction row; remove the file or choose another --out")
                }
                ids.append(id)
                if row["label"] is NSNull { unlabeled += 1 }
            }
            return (ids, unlabeled)
        case .csv:
            let expected = String(decoding: try header() ?? Data(), as: UTF8.self)
            guard text.hasPrefix(expected) else {
                if text.isEmpty { return ([], 0) }
                throw DatasetError(path, line: 1, "the header differs from this model's (\(expected.trimmingCharacters(in: .newlines))); remove the file or choose another --out")
            }
            let reader = try CSVReader(string: text, hasHeaderRow: true)
            var ids = [String](), unlabeled = 0
            while let row = reader.next() {
                guard row.count == labels.count + 3 else {
                    throw DatasetError(path, line: ids.count + 2, "expected \(labels.count + 3) fields, found \(row.count); remove the file or choose another --out")
                }
                ids.append(row[0])
                if row[1].isEmpty { unlabeled += 1 }
            }
            return (ids, unlabeled)
        }
    }

    private func truncate(to length: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(length))
    }

    /// Rows as CSV with a line end after each, quoting fields only where needed.
    private func csv(_ rows: [[String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream)
        for (i, row) in rows.enumerated() {
            if i > 0 { writer.beginNewRow() }
            try writer.write(row: row)
        }
        writer.stream.close()
        var data = (stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data) ?? Data()
        if !rows.isEmpty { data.append(0x0A) }
        return data
    }
}
