import Foundation
import Testing
@testable import IMFLCore

@Suite("WordPiece tokenizer with the uncased basic tokenizer")
struct WordPieceTokenizerTests {
    /// Ids are line numbers: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 hello=4 world=5 ","=6 "!"=7 un=8
    /// ##aff=9 ##able=10 $=11 5=12 中=13 国=14 cafe=15 ##s=16 a=17 "-"=18 fi=19 あ=20 ##a=21
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", ",", "!", "un", "##aff",
                             "##able", "$", "5", "中", "国", "cafe", "##s", "a", "-", "fi", "\u{3042}", "##a"]

    func tokenizer(maxLength: Int = 256) throws -> (WordPieceTokenizer, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let url = try directory.write("vocab.txt", Self.vocabulary.joined(separator: "\n") + "\n")
        return (try WordPieceTokenizer(vocabularyURL: url, maxLength: maxLength), directory)
    }

    @Test("text is lower-cased, accents stripped, punctuation split off, wrapped in [CLS] … [SEP]")
    func basics() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("HÉLLO, Wörld!") == [2, 4, 6, 5, 7, 3])
    }

    @Test("ASCII symbols such as $ count as punctuation")
    func asciiSymbols() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("$5") == [2, 11, 12, 3])
    }

    @Test("CJK ideographs become one word each; kana stays joined to its neighbours")
    func cjk() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("中国") == [2, 13, 14, 3])
        #expect(t.encode("\u{3042}") == [2, 20, 3])
        #expect(t.encode("\u{3042}\u{3042}") == [2, 1, 3])
    }

    @Test("control and format characters vanish; tabs and newlines separate words")
    func controlCharacters() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("hel\u{0}lo\u{200B}\tworld\nhello\u{FFFD}") == [2, 4, 5, 4, 3])
    }

    @Test("a word splits into the longest pieces; one unmatched piece makes the whole word [UNK]")
    func wordPieces() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("unaffable cafés") == [2, 8, 9, 10, 15, 16, 3])
        #expect(t.encode("unaffablex hello") == [2, 1, 4, 3])
    }

    @Test("a word over 100 characters is [UNK] even when its pieces exist")
    func longWord() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode(String(repeating: "a", count: 100)) == [2, 17] + Array(repeating: 21, count: 99) + [3])
        #expect(t.encode(String(repeating: "a", count: 101)) == [2, 1, 3])
    }

    @Test("empty and whitespace-only text give [CLS] [SEP]")
    func empty() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("") == [2, 3])
        #expect(t.encode(" \t\n ") == [2, 3])
    }

    @Test("long text is cut to maxLength tokens, [SEP] last, and never padded")
    func truncation() throws {
        let (t, dir) = try tokenizer(maxLength: 6); defer { dir.cleanUp() }
        #expect(t.encode("hello world hello world hello world") == [2, 4, 5, 4, 5, 3])
        #expect(t.encode("hello") == [2, 4, 3])
    }

    @Test("the ligature ﬁ stays one code point: only NFD runs, not compatibility decomposition")
    func ligature() throws {
        let (t, dir) = try tokenizer(); defer { dir.cleanUp() }
        #expect(t.encode("\u{FB01}") == [2, 1, 3])
        #expect(t.encode("fi") == [2, 19, 3])
    }

    @Test("a missing vocabulary file is an error naming the file")
    func missingVocabulary() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = dir.file("vocab.txt")
        let error = #expect(throws: VocabularyError.self) { try WordPieceTokenizer(vocabularyURL: url) }
        #expect(error?.path == url.path)
    }

    @Test("a vocabulary without [UNK] is refused")
    func vocabularyWithoutUnknown() throws {
        let dir = try TemporaryDirectory(); defer { dir.cleanUp() }
        let url = try dir.write("vocab.txt", "[CLS]\n[SEP]\nhello\n")
        let error = #expect(throws: VocabularyError.self) { try WordPieceTokenizer(vocabularyURL: url) }
        #expect(error?.description.contains("[UNK]") == true)
        #expect(error?.description.hasPrefix(url.path) == true)
    }
}
