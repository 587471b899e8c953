import Dispatch

/// How a forward pass uses the machine's cores.
public enum EncoderThreading: Sendable, Equatable {
    /// OpenBLAS pinned to one thread; the texts are split into chunks that Dispatch's worker
    /// threads (one per core) encode side by side. `workers` is the parallelism the chunking
    /// plans for; `workers: 1` encodes on the calling thread alone.
    case split(workers: Int)
    /// One chunk at a time, each matrix product spread over `threads` OpenBLAS threads.
    case blas(threads: Int)
}

/// A problem with the weights or the token ids given to a `BertEncoder`.
public enum BertEncoderError: Error, Equatable, CustomStringConvertible {
    case shape(String)
    case tokenOutOfRange(sequence: Int, token: Int32, vocabularySize: Int)
    case sequenceTooLong(sequence: Int, length: Int, maxPositions: Int)

    public var description: String {
        switch self {
        case .shape(let message): message
        case let .tokenOutOfRange(s, token, v):
            "sequence \(s): token id \(token) is outside the vocabulary of \(v)"
        case let .sequenceTooLong(s, length, maxPositions):
            "sequence \(s): \(length) tokens, more than the model's \(maxPositions) positions"
        }
    }
}

/// The BERT forward pass of Sentence-BERT (Reimers & Gurevych 2019): embeddings, the encoder
/// layers, mean pooling over each text's tokens and L2 normalisation.
///
/// Texts are not padded. The tokens of a batch are packed one after another, so every dense
/// layer runs once over exactly the real tokens, and attention runs per text over its own
/// tokens. That is the attention mask in exact form: no padded position is ever computed,
/// whatever the mix of lengths, which makes sorting texts by length unnecessary.
///
///     let encoder = try BertEncoder(configuration: .miniLML6, weights: weights)
///     let vectors = try encoder.encode([[101, 7592, 102]])   // 1 × 384, unit length
public final class BertEncoder: Sendable {
    public let configuration: BertConfiguration
    private let word: FloatStorage, position: FloatStorage, tokenType: FloatStorage
    private let embeddingGamma: FloatStorage, embeddingBeta: FloatStorage
    private let layers: [Layer]

    /// One layer with query, key and value fused into one `3h × h` product.
    private struct Layer: Sendable {
        let qkv: FloatStorage, qkvBias: FloatStorage
        let attentionOut: FloatStorage, attentionOutBias: FloatStorage
        let norm1Gamma: FloatStorage, norm1Beta: FloatStorage
        let intermediate: FloatStorage, intermediateBias: FloatStorage
        let output: FloatStorage, outputBias: FloatStorage
        let norm2Gamma: FloatStorage, norm2Beta: FloatStorage
    }

    /// - Throws: `BertEncoderError.shape` when a parameter does not fit `configuration`.
    public init(configuration c: BertConfiguration, weights w: BertWeights) throws {
        let h = c.hiddenSize, i = c.intermediateSize
        guard h > 0, c.headCount > 0, h % c.headCount == 0 else {
            throw BertEncoderError.shape("hidden size \(h) is not a multiple of \(c.headCount) heads")
        }
        guard h % VectorMath.lanes == 0, i % VectorMath.lanes == 0 else {
            throw BertEncoderError.shape("hidden size \(h) and intermediate size \(i) must be multiples of 8")
        }
        func check(_ m: Matrix, _ rows: Int, _ cols: Int, _ name: String) throws {
            guard m.rows == rows, m.cols == cols else {
                throw BertEncoderError.shape("\(name) is \(m.rows)×\(m.cols), expected \(rows)×\(cols)")
            }
        }
        func check(_ v: [Float], _ count: Int, _ name: String) throws {
            guard v.count == count else {
                throw BertEncoderError.shape("\(name) has \(v.count) values, expected \(count)")
            }
        }
        try check(w.wordEmbeddings, c.vocabularySize, h, "word embeddings")
        try check(w.positionEmbeddings, c.maxPositions, h, "position embeddings")
        guard w.tokenTypeEmbeddings.rows >= 1, w.tokenTypeEmbeddings.cols == h else {
            throw BertEncoderError.shape("token type embeddings must have at least one row of \(h)")
        }
        try check(w.embeddingNormGamma, h, "embedding layer norm weight")
        try check(w.embeddingNormBeta, h, "embedding layer norm bias")
        guard w.layers.count == c.layerCount else {
            throw BertEncoderError.shape("\(w.layers.count) layers, expected \(c.layerCount)")
        }
        var layers: [Layer] = []
        for (n, l) in w.layers.enumerated() {
            let p = "layer \(n) "
            for (m, name) in [(l.query, "query"), (l.key, "key"), (l.value, "value"), (l.attentionOutput, "attention output")] {
                try check(m, h, h, p + name)
            }
            try check(l.intermediate, i, h, p + "intermediate")
            try check(l.output, h, i, p + "output")
            for (v, name) in [
                (l.queryBias, "query bias"), (l.keyBias, "key bias"), (l.valueBias, "value bias"),
                (l.attentionOutputBias, "attention output bias"), (l.outputBias, "output bias"),
                (l.attentionNormGamma, "attention norm weight"), (l.attentionNormBeta, "attention norm bias"),
                (l.outputNormGamma, "output norm weight"), (l.outputNormBeta, "output norm bias"),
            ] {
                try check(v, h, p + name)
            }
            try check(l.intermediateBias, i, p + "intermediate bias")
            layers.append(Layer(
                qkv: FloatStorage(concatenating: [l.query.values, l.key.values, l.value.values]),
                qkvBias: FloatStorage(concatenating: [l.queryBias, l.keyBias, l.valueBias]),
                attentionOut: FloatStorage(l.attentionOutput.values),
                attentionOutBias: FloatStorage(l.attentionOutputBias),
                norm1Gamma: FloatStorage(l.attentionNormGamma), norm1Beta: FloatStorage(l.attentionNormBeta),
                intermediate: FloatStorage(l.intermediate.values),
                intermediateBias: FloatStorage(l.intermediateBias),
                output: FloatStorage(l.output.values), outputBias: FloatStorage(l.outputBias),
                norm2Gamma: FloatStorage(l.outputNormGamma), norm2Beta: FloatStorage(l.outputNormBeta)))
        }
        configuration = c
        word = FloatStorage(w.wordEmbeddings.values)
        position = FloatStorage(w.positionEmbeddings.values)
        tokenType = FloatStorage(w.tokenTypeEmbeddings.values)
        embeddingGamma = FloatStorage(w.embeddingNormGamma)
        embeddingBeta = FloatStorage(w.embeddingNormBeta)
        self.layers = layers
    }

    /// Encodes token sequences (each already with its special tokens) into sentence vectors.
    ///
    /// - Parameters:
    ///   - sequences: token ids per text; an empty sequence gives a zero row.
    ///   - threading: how to use the cores; see `EncoderThreading`.
    ///   - chunkTokens: the most tokens packed into one chunk (one set of matrix products).
    /// - Returns: `sequences.count × hiddenSize`, each row mean-pooled and L2-normalised.
    /// - Throws: `BertEncoderError` for an id outside the vocabulary or a sequence longer than
    ///   the model's positions.
    public func encode(
        _ sequences: [[Int32]], threading: EncoderThreading = .split(workers: 2),
        chunkTokens: Int = 2048
    ) throws -> Matrix {
        let c = configuration
        for (s, sequence) in sequences.enumerated() {
            guard sequence.count <= c.maxPositions else {
                throw BertEncoderError.sequenceTooLong(sequence: s, length: sequence.count, maxPositions: c.maxPositions)
            }
            for token in sequence where token < 0 || Int(token) >= c.vocabularySize {
                throw BertEncoderError.tokenOutOfRange(sequence: s, token: token, vocabularySize: c.vocabularySize)
            }
        }
        var result = Matrix(rows: sequences.count, cols: c.hiddenSize)
        if sequences.isEmpty { return result }
        let workers: Int
        switch threading {
        case .split(let n):
            workers = Swift.max(1, n)
            BLAS.setThreads(1)
        case .blas(let n):
            workers = 1
            BLAS.setThreads(Swift.max(1, n))
        }
        let total = sequences.reduce(0) { $0 + $1.count }
        // Several chunks per worker, so that a worker slowed by other processes on the machine
        // does not hold up the rest: threads claim chunks as they finish the previous one.
        let target = workers == 1
            ? chunkTokens
            : Swift.max(Swift.min(256, chunkTokens), Swift.min(chunkTokens, total / (workers * 4)))
        var chunks: [Range<Int>] = []
        var start = 0, tokens = 0
        for (s, sequence) in sequences.enumerated() {
            if tokens > 0 && tokens + sequence.count > target {
                chunks.append(start..<s)
                start = s
                tokens = 0
            }
            tokens += sequence.count
        }
        chunks.append(start..<sequences.count)

        result.values.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer.baseAddress!
            if workers == 1 || chunks.count == 1 {
                for chunk in chunks { forward(sequences, chunk, into: out) }
            } else {
                // Dispatch hands iterations to its worker threads (one per core) as they free up.
                let chunkList = chunks
                DispatchQueue.concurrentPerform(iterations: chunkList.count) { index in
                    self.forward(sequences, chunkList[index], into: out)
                }
            }
        }
        return result
    }

    /// Runs the whole network over the texts `range` and writes their pooled, normalised
    /// vectors to their rows of `out`.
    private func forward(_ sequences: [[Int32]], _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let c = configuration
        let h = c.hiddenSize, h3 = 3 * h, inner = c.intermediateSize
        let heads = c.headCount, d = h / heads
        var offsets: [Int] = [], lengths: [Int] = []
        var t = 0, longest = 0
        for s in range {
            offsets.append(t)
            lengths.append(sequences[s].count)
            t += sequences[s].count
            longest = Swift.max(longest, sequences[s].count)
        }
        if t == 0 {
            for s in range { (out + s * h).update(repeating: 0, count: h) }
            return
        }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: t * h)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: t * h3)
        let context = UnsafeMutablePointer<Float>.allocate(capacity: t * h)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: t * h)
        let hidden = UnsafeMutablePointer<Float>.allocate(capacity: t * inner)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, longest * longest))
        defer {
            x.deallocate(); qkv.deallocate(); context.deallocate()
            scratch.deallocate(); hidden.deallocate(); scores.deallocate()
        }

        // Embeddings: word + position + token type 0, then layer norm.
        for (n, s) in range.enumerated() {
            for (p, token) in sequences[s].enumerated() {
                let row = x + (offsets[n] + p) * h
                let w = word.pointer + Int(token) * h, pos = position.pointer + p * h
                for j in 0..<h { row[j] = w[j] + pos[j] + tokenType.pointer[j] }
            }
        }
        VectorMath.addLayerNorm(
            x, residual: nil, rows: t, cols: h, gamma: embeddingGamma.pointer,
            beta: embeddingBeta.pointer, epsilon: c.layerNormEpsilon)

        let scale = 1 / Float(d).squareRoot()
        for layer in layers {
            sgemm(m: t, n: h3, k: h, a: x, lda: h, b: layer.qkv.pointer, ldb: h, transposeB: true, c: qkv, ldc: h3)
            VectorMath.addBias(qkv, rows: t, cols: h3, ld: h3, bias: layer.qkvBias.pointer)
            for n in 0..<offsets.count {
                let length = lengths[n]
                if length == 0 { continue }
                let base = qkv + offsets[n] * h3
                for head in 0..<heads {
                    let q = base + head * d, k = base + h + head * d, v = base + 2 * h + head * d
                    sgemm(m: length, n: length, k: d, alpha: scale, a: q, lda: h3, b: k, ldb: h3,
                          transposeB: true, c: scores, ldc: length)
                    VectorMath.softmaxRows(scores, rows: length, cols: length, ld: length)
                    sgemm(m: length, n: d, k: length, a: scores, lda: length, b: v, ldb: h3,
                          transposeB: false, c: context + offsets[n] * h + head * d, ldc: h)
                }
            }
            sgemm(m: t, n: h, k: h, a: context, lda: h, b: layer.attentionOut.pointer, ldb: h,
                  transposeB: true, c: scratch, ldc: h)
            VectorMath.addBias(scratch, rows: t, cols: h, ld: h, bias: layer.attentionOutBias.pointer)
            VectorMath.addLayerNorm(
                x, residual: scratch, rows: t, cols: h, gamma: layer.norm1Gamma.pointer,
                beta: layer.norm1Beta.pointer, epsilon: c.layerNormEpsilon)
            sgemm(m: t, n: inner, k: h, a: x, lda: h, b: layer.intermediate.pointer, ldb: h,
                  transposeB: true, c: hidden, ldc: inner)
            VectorMath.addBiasGELU(hidden, rows: t, cols: inner, bias: layer.intermediateBias.pointer)
            sgemm(m: t, n: h, k: inner, a: hidden, lda: inner, b: layer.output.pointer, ldb: inner,
                  transposeB: true, c: scratch, ldc: h)
            VectorMath.addBias(scratch, rows: t, cols: h, ld: h, bias: layer.outputBias.pointer)
            VectorMath.addLayerNorm(
                x, residual: scratch, rows: t, cols: h, gamma: layer.norm2Gamma.pointer,
                beta: layer.norm2Beta.pointer, epsilon: c.layerNormEpsilon)
        }

        // Mean pooling over each text's tokens, then unit length.
        for (n, s) in range.enumerated() {
            let row = out + s * h
            row.update(repeating: 0, count: h)
            let length = lengths[n]
            if length == 0 { continue }
            for p in 0..<length {
                let token = x + (offsets[n] + p) * h
                for j in 0..<h { row[j] += token[j] }
            }
            let inverse = 1 / Float(length)
            for j in 0..<h { row[j] *= inverse }
            VectorMath.normalizeRows(row, rows: 1, cols: h)
        }
    }
}
