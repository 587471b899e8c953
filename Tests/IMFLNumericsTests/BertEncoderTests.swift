import Foundation
import Testing
@testable import IMFLNumerics

/// A tiny BERT with random weights, and a plain double-precision forward pass written from the
/// formulas (one text at a time, no packing, no BLAS) to check the fast one against.
struct TinyBert {
    let configuration = BertConfiguration(
        vocabularySize: 20, hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32,
        maxPositions: 12, typeVocabularySize: 2, layerNormEpsilon: 1e-12)
    let weights: BertWeights

    init(seed: UInt64 = 1) {
        var state = seed
        func random() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 2000
        }
        func matrix(_ r: Int, _ c: Int) -> Matrix { Matrix(rows: r, cols: c, values: (0..<r * c).map { _ in random() }) }
        func vector(_ n: Int, around center: Float = 0) -> [Float] { (0..<n).map { _ in center + random() * 0.2 } }
        let h = configuration.hiddenSize, i = configuration.intermediateSize
        let layers = (0..<configuration.layerCount).map { _ in
            BertLayerWeights(
                query: matrix(h, h), queryBias: vector(h), key: matrix(h, h), keyBias: vector(h),
                value: matrix(h, h), valueBias: vector(h),
                attentionOutput: matrix(h, h), attentionOutputBias: vector(h),
                attentionNormGamma: vector(h, around: 1), attentionNormBeta: vector(h),
                intermediate: matrix(i, h), intermediateBias: vector(i),
                output: matrix(h, i), outputBias: vector(h),
                outputNormGamma: vector(h, around: 1), outputNormBeta: vector(h))
        }
        weights = BertWeights(
            wordEmbeddings: matrix(configuration.vocabularySize, h),
            positionEmbeddings: matrix(configuration.maxPositions, h),
            tokenTypeEmbeddings: matrix(2, h),
            embeddingNormGamma: vector(h, around: 1), embeddingNormBeta: vector(h), layers: layers)
    }

    /// The sentence vector of one text, in double precision.
    func reference(_ tokens: [Int32]) -> [Double] {
        let h = configuration.hiddenSize, heads = configuration.headCount, d = h / heads
        let eps = Double(configuration.layerNormEpsilon)
        func linear(_ x: [[Double]], _ w: Matrix, _ b: [Float]) -> [[Double]] {
            x.map { row in (0..<w.rows).map { o in (0..<w.cols).reduce(Double(b[o])) { $0 + row[$1] * Double(w[o, $1]) } } }
        }
        func norm(_ x: [[Double]], _ g: [Float], _ b: [Float]) -> [[Double]] {
            x.map { row in
                let mean = row.reduce(0, +) / Double(row.count)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(row.count)
                return row.indices.map { (row[$0] - mean) / (variance + eps).squareRoot() * Double(g[$0]) + Double(b[$0]) }
            }
        }
        func add(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] { zip(a, b).map { zip($0, $1).map(+) } }
        var x: [[Double]] = tokens.enumerated().map { p, t in
            (0..<h).map { Double(weights.wordEmbeddings[Int(t), $0] + weights.positionEmbeddings[p, $0] + weights.tokenTypeEmbeddings[0, $0]) }
        }
        x = norm(x, weights.embeddingNormGamma, weights.embeddingNormBeta)
        for l in weights.layers {
            let q = linear(x, l.query, l.queryBias), k = linear(x, l.key, l.keyBias), v = linear(x, l.value, l.valueBias)
            var context = Array(repeating: Array(repeating: 0.0, count: h), count: x.count)
            for head in 0..<heads {
                for i in x.indices {
                    let scores = x.indices.map { j in
                        (0..<d).reduce(0.0) { $0 + q[i][head * d + $1] * k[j][head * d + $1] } / Double(d).squareRoot()
                    }
                    let m = scores.max()!
                    let e = scores.map { Foundation.exp($0 - m) }
                    let total = e.reduce(0, +)
                    for j in x.indices {
                        for c in 0..<d { context[i][head * d + c] += e[j] / total * v[j][head * d + c] }
                    }
                }
            }
            x = norm(add(x, linear(context, l.attentionOutput, l.attentionOutputBias)), l.attentionNormGamma, l.attentionNormBeta)
            let inner = linear(x, l.intermediate, l.intermediateBias).map { row in
                row.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
            }
            x = norm(add(x, linear(inner, l.output, l.outputBias)), l.outputNormGamma, l.outputNormBeta)
        }
        let mean = (0..<h).map { c in x.reduce(0.0) { $0 + $1[c] } / Double(x.count) }
        let length = mean.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
        return mean.map { $0 / length }
    }
}

@Suite("BERT forward pass")
struct BertEncoderTests {
    let tiny = TinyBert()
    let texts: [[Int32]] = [[2, 5, 7, 3], [2, 3], [2, 11, 4, 9, 9, 13, 17, 19, 1, 3], [2, 6, 3], [2, 8, 8, 8, 8, 3]]

    @Test("packed texts of different lengths give the per-text reference vectors",
          arguments: [EncoderThreading.split(workers: 2), .blas(threads: 1), .blas(threads: 2)])
    func matchesReference(threading: EncoderThreading) throws {
        // Given a tiny random BERT and texts of mixed lengths
        let encoder = try BertEncoder(configuration: tiny.configuration, weights: tiny.weights)
        // When they are encoded together, in small chunks so several workers share them
        let vectors = try encoder.encode(texts, threading: threading, chunkTokens: 8)
        // Then each row matches the double-precision reference computed for that text alone
        #expect(vectors.rows == texts.count && vectors.cols == 16)
        for (n, text) in texts.enumerated() {
            let expected = tiny.reference(text)
            for c in 0..<16 {
                #expect(abs(Double(vectors[n, c]) - expected[c]) < 1e-5, "text \(n) component \(c)")
            }
        }
    }

    @Test("a text's vector does not depend on the texts batched with it")
    func batchIndependence() throws {
        let encoder = try BertEncoder(configuration: tiny.configuration, weights: tiny.weights)
        let together = try encoder.encode(texts)
        let alone = try encoder.encode([texts[2]])
        for c in 0..<16 { #expect(abs(together[2, c] - alone[0, c]) < 1e-6) }
    }

    @Test("no texts give an empty matrix; an empty text gives a zero row")
    func emptyInputs() throws {
        let encoder = try BertEncoder(configuration: tiny.configuration, weights: tiny.weights)
        #expect(try encoder.encode([]).rows == 0)
        let vectors = try encoder.encode([[], [2, 3]])
        #expect(vectors.row(0).allSatisfy { $0 == 0 })
        #expect(abs(vectors.row(1).reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
    }

    @Test("token ids outside the vocabulary and over-long texts are refused")
    func badInput() throws {
        let encoder = try BertEncoder(configuration: tiny.configuration, weights: tiny.weights)
        #expect(throws: BertEncoderError.tokenOutOfRange(sequence: 1, token: 20, vocabularySize: 20)) {
            try encoder.encode([[2, 3], [2, 20, 3]])
        }
        #expect(throws: BertEncoderError.sequenceTooLong(sequence: 0, length: 13, maxPositions: 12)) {
            try encoder.encode([Array(repeating: 2, count: 13)])
        }
    }

    @Test("weights of the wrong shape are refused with the parameter named")
    func wrongShape() {
        var weights = tiny.weights
        weights.layers[1].intermediate = Matrix(rows: 32, cols: 15)
        #expect(throws: BertEncoderError.shape("layer 1 intermediate is 32×15, expected 32×16")) {
            try BertEncoder(configuration: tiny.configuration, weights: weights)
        }
    }
}
