import Foundation
import Testing
@testable import IMFLCore

@Suite struct CSVImportTests {
    func read(_ csv: String, name: String = "data.csv", columns: CSVColumns = CSVColumns()) throws -> [TextRecord] {
        let dir = try TempDir()
        return try CSVRecordReader.read(path: dir.write(name, csv), columns: columns)
    }

    func refusal(_ csv: String, columns: CSVColumns = CSVColumns()) throws -> String {
        let dir = try TempDir()
        let path = try dir.write("data.csv", csv)
        do {
            _ = try CSVRecordReader.read(path: path, columns: columns)
        } catch let error as DatasetError {
            return error.description.replacingOccurrences(of: dir.url.path + "/", with: "")
        }
        Issue.record("the CSV was accepted")
        return ""
    }

    @Test func readsQuotedMultilineFieldsWithTheirStartingLine() throws {
        // Given a CSV whose second record spans two lines and holds escaped quotes
        let records = try read("""
            id,text,label
            a,plain text,positive
            b,"a ""quoted"" field
            over two lines",negative
            c,"x, y",
            """)
        // Then fields are unquoted, empty labels are nil, and lines point at each record's start
        #expect(records == [
            TextRecord(id: "a", text: "plain text", label: "positive", line: 2),
            TextRecord(id: "b", text: "a \"quoted\" field\nover two lines", label: "negative", line: 3),
            TextRecord(id: "c", text: "x, y", label: nil, line: 5),
        ])
    }

    @Test func usesNamedColumnsAndGeneratesMissingIDs() throws {
        let records = try read("body,category\nhello,yes\nbye,no\n", columns: CSVColumns(id: "id", text: "body", label: "category"))
        #expect(records.map(\.id) == ["data-2", "data-3"])
        #expect(records.map(\.label) == ["yes", "no"])
    }

    @Test func readsTabSeparatedFiles() throws {
        let records = try read("id\ttext\tlabel\n1\thello, world\tyes\n", name: "data.tsv")
        #expect(records == [TextRecord(id: "1", text: "hello, world", label: "yes", line: 2)])
    }

    @Test func rejectsAMissingTextColumn() throws {
        #expect(try refusal("id,body\n1,x\n") == "data.csv:1: no column \"text\" in the header (columns: id, body); name the text column with --text-column")
    }

    @Test func rejectsARowWithTheWrongNumberOfFields() throws {
        #expect(try refusal("id,text,label\n1,a,b\n2,c\n") == "data.csv:3: expected 3 fields as in the header, found 2")
    }

    @Test func rejectsAStrayQuote() throws {
        #expect(try refusal("id,text\n1,he said \"no\"\n") == "data.csv:2: a quote inside an unquoted field; quote the whole field and double the quotes inside it")
    }

    @Test func rejectsTextAfterAClosingQuote() throws {
        #expect(try refusal("id,text\n1,\"quoted\" tail\n") == "data.csv:2: text after a closing quote; a quoted field must end at a delimiter or the end of the line")
    }

    @Test func rejectsAnUnclosedQuote() throws {
        #expect(try refusal("id,text\n1,ok\n2,\"never closed\n3,more\n") == "data.csv:3: a quoted field opened on this line is never closed")
    }

    @Test func rejectsAnEmptyFile() throws {
        #expect(try refusal("") == "data.csv:1: the file is empty; expected a header row naming the columns")
    }
}
