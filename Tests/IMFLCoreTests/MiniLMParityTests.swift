import Foundation
import Testing
import IMFLCore
import IMFLNumerics

/// One line of `../shared/fixtures/minilm/reference.jsonl`: sentence-transformers' output.
struct ReferenceEmbedding: Decodable {
    let text: String
    let input_ids: [Int32]
    let embedding: [Float]
}

@Suite("all-MiniLM-L6-v2 parity with sentence-transformers")
struct MiniLMParityTests {
    func references() throws -> [ReferenceEmbedding] {
        let data = try Data(contentsOf: MiniLMFixtures.reference)
        return try data.split(separator: UInt8(ascii: "\n")).map {
            try JSONDecoder().decode(ReferenceEmbedding.self, from: Data($0))
        }
    }

    @Test(.enabled(if: MiniLMFixtures.available,
                   "needs ../shared/fixtures/minilm/reference.jsonl and the model (scripts/setup or IMFL_MINILM_DIR)"))
    func tokenIdsAreIdentical() throws {
        // Given the 210 reference texts (empty, emoji, CJK, accents, 300-char words, long abstracts)
        let embedder = try #require(MiniLMFixtures.embedder)
        let references = try references()
        #expect(references.count == 210)
        // When each is tokenized, then the ids equal sentence-transformers' ids exactly
        var mismatches: [String] = []
        for (n, reference) in references.enumerated() {
            let ids = embedder.tokenizer.encode(reference.text)
            if ids != reference.input_ids {
                mismatches.append("line \(n + 1) \(reference.text.prefix(40).debugDescription): got \(ids.prefix(20)) expected \(reference.input_ids.prefix(20))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts differ:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test(.enabled(if: MiniLMFixtures.available,
                   "needs ../shared/fixtures/minilm/reference.jsonl and the model (scripts/setup or IMFL_MINILM_DIR)"))
    func embeddingsAgree() async throws {
        // Given the reference texts
        let embedder = try #require(MiniLMFixtures.embedder)
        let references = try references()
        // When they are embedded in one batch
        let texts = references.map(\.text)
        let vectors = try await LearnerReferenceTests.onOwnThread { try embedder.embed(texts) }
        // Then every vector has cosine ≥ 0.9999 with sentence-transformers' vector
        #expect(vectors.rows == references.count && vectors.cols == 384)
        var worst: (cosine: Float, line: Int) = (1, 0)
        for (n, reference) in references.enumerated() {
            var dot: Float = 0, norm: Float = 0
            for c in 0..<384 {
                dot += vectors[n, c] * reference.embedding[c]
                norm += reference.embedding[c] * reference.embedding[c]
            }
            let cosine = dot / norm.squareRoot()
            if cosine < worst.cosine { worst = (cosine, n + 1) }
        }
        #expect(worst.cosine >= 0.9999, "lowest cosine \(worst.cosine) on line \(worst.line)")
    }
}
