import CSV
import Foundation

/// Reads a CSV (or, for `.tsv`, tab-separated) file with a header row through CSV.swift.
///
/// CSV.swift accepts malformed quoting silently, so a first pass walks the quoting rules of
/// RFC 4180 to reject a stray or unclosed quote with its line, and to learn the line on which
/// each record starts (a quoted field may span lines).
public enum CSVRecordReader {
    /// Every record of the file.
    /// - Parameter idStem: the stem of generated ids (default: the file's name).
    /// - Throws: `DatasetError` listing the bad records when there is one.
    public static func read(path: String, columns: CSVColumns = CSVColumns(), idStem: String? = nil) throws -> [TextRecord] {
        var problems = ProblemList()
        let records = try read(path: path, columns: columns, idStem: idStem, problems: &problems)
        try problems.check()
        return records
    }

    /// The good records; a record with the wrong number of fields is recorded in `problems`
    /// and skipped. Broken quoting and invalid UTF-8 still throw: past them, where a record
    /// starts is anyone's guess.
    static func read(path: String, columns: CSVColumns, idStem: String? = nil, problems: inout ProblemList) throws -> [TextRecord] {
        let data = try LineSplitter.read(path)
        _ = try LineSplitter.lines(of: data, file: path)  // UTF-8, line by line
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let delimiter: UnicodeScalar = path.lowercased().hasSuffix(".tsv") ? "\t" : ","
        let recordLines = try scan(text, delimiter: delimiter, path: path)

        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, delimiter: delimiter)
        } catch {
            throw DatasetError(path, line: 1, "the file is empty; expected a header row naming the columns")
        }
        guard let header = reader.headerRow, header.contains(where: { !$0.isEmpty }) else {
            throw DatasetError(path, line: 1, "the file is empty; expected a header row naming the columns")
        }
        guard let textIndex = header.firstIndex(of: columns.text) else {
            throw DatasetError(path, line: 1, "no column \"\(columns.text)\" in the header (columns: \(header.joined(separator: ", "))); name the text column with --text-column")
        }
        let idIndex = header.firstIndex(of: columns.id)
        let labelIndex = header.firstIndex(of: columns.label)
        let stem = idStem ?? TextRecord.idStem(ofPath: path)

        var records = [TextRecord]()
        var recordIndex = 1
        while let row = reader.next() {
            let line = recordIndex < recordLines.count ? recordLines[recordIndex] : recordLines.last ?? 1
            recordIndex += 1
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.count else {
                problems.add(path, line, "expected \(header.count) fields as in the header, found \(row.count)")
                continue
            }
            let id = idIndex.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? TextRecord.generatedID(stem: stem, line: line)
            let label = labelIndex.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            records.append(TextRecord(id: id, text: row[textIndex], label: label, line: line))
        }
        return records
    }

    /// Checks the quoting and returns the 1-based line on which each record starts.
    static func scan(_ text: String, delimiter: UnicodeScalar, path: String) throws -> [Int] {
        var starts = [1]
        var line = 1
        var inQuotes = false
        var quoteOpenedOn = 0
        var atFieldStart = true
        var afterClosingQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: UnicodeScalar? = nil
        func next() -> UnicodeScalar? {
            if let p = pending { pending = nil; return p }
            return scalars.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    let following = next()
                    if following == "\"" { continue }
                    inQuotes = false
                    afterClosingQuote = true
                    pending = following
                } else if c == "\n" {
                    line += 1
                }
                continue
            }
            switch c {
            case "\n":
                line += 1
                starts.append(line)
                atFieldStart = true
                afterClosingQuote = false
            case "\r":
                continue
            case delimiter:
                atFieldStart = true
                afterClosingQuote = false
            case "\"":
                guard atFieldStart else {
                    throw DatasetError(path, line: line, "a quote inside an unquoted field; quote the whole field and double the quotes inside it")
                }
                inQuotes = true
                quoteOpenedOn = line
                atFieldStart = false
            default:
                if afterClosingQuote {
                    throw DatasetError(path, line: line, "text after a closing quote; a quoted field must end at a delimiter or the end of the line")
                }
                atFieldStart = false
            }
        }
        if inQuotes {
            throw DatasetError(path, line: quoteOpenedOn, "a quoted field opened on this line is never closed")
        }
        return starts
    }
}
