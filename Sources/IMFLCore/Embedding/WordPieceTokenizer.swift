import Foundation

/// A problem with a tokenizer vocabulary file.
public struct VocabularyError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "\(path): \(problem)" }
}

/// BERT's WordPiece tokenizer (Wu et al. 2016; Devlin et al. 2019) over the uncased basic
/// tokenizer: each word is split greedily into the longest vocabulary pieces, continuation
/// pieces prefixed `##`; a word that cannot be split, or is longer than 100 code points,
/// becomes `[UNK]`. Output is `[CLS] … [SEP]`, truncated to `maxLength` tokens, not padded.
///
///     let tokenizer = try WordPieceTokenizer(vocabularyURL: dir.appending(path: "vocab.txt"))
///     tokenizer.encode("Hello, world!")   // [101, 7592, 1010, 2088, 999, 102]
public struct WordPieceTokenizer: Sendable {
    /// Token ids keyed by the UTF-8 bytes of the piece: bytes, not `String`, because Swift
    /// compares strings up to canonical equivalence and the vocabulary must match exactly.
    private let ids: [[UInt8]: Int32]
    public let vocabularySize: Int
    public let classifyID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    /// The longest output, special tokens included (sentence-transformers' max_seq_length).
    public let maxLength: Int
    /// Words longer than this many code points become `[UNK]` without being split.
    public let maxWordLength = 100

    /// Reads a `vocab.txt` with one token per line; a token's id is its line number from 0.
    /// - Throws: `VocabularyError` when the file is missing, empty, or lacks a special token.
    public init(vocabularyURL url: URL, maxLength: Int = 256) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw VocabularyError(path: url.path, problem: "cannot be read as UTF-8 text (\(error.localizedDescription))")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            if bytes.last == 0x0D { bytes.removeLast() }
            if ids[bytes] == nil { ids[bytes] = Int32(index) }
        }
        func special(_ token: String) throws -> Int32 {
            guard let id = ids[Array(token.utf8)] else {
                throw VocabularyError(path: url.path, problem: "has no \(token) token (\(lines.count) lines read)")
            }
            return id
        }
        self.ids = ids
        vocabularySize = lines.count
        classifyID = try special("[CLS]")
        separatorID = try special("[SEP]")
        unknownID = try special("[UNK]")
        self.maxLength = max(2, maxLength)
    }

    /// `[CLS]`, the WordPiece ids of `text`, `[SEP]`; cut so the whole is at most `maxLength`.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = [classifyID]
        let budget = maxLength - 1
        words: for word in BasicTokenizer.words(text) {
            for id in pieces(of: word) {
                if out.count == budget { break words }
                out.append(id)
            }
        }
        out.append(separatorID)
        return out
    }

    /// The ids of one word's pieces: longest match first, `[UNK]` for the whole word when any
    /// part has no match.
    func pieces(of word: [Unicode.Scalar]) -> [Int32] {
        if word.count > maxWordLength { return [unknownID] }
        let utf8 = word.map { Array(String($0).utf8) }
        var result: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var key: [UInt8] = start > 0 ? [0x23, 0x23] : []
                for i in start..<end { key.append(contentsOf: utf8[i]) }
                if let id = ids[key] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownID] }
            result.append(id)
            start = end
        }
        return result
    }
}
