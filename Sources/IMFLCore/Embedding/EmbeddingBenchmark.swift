import CKernels
import Dispatch
import Foundation
import IMFLNumerics

/// The measurements behind `imfl bench embed`: encoder throughput, exact kNN latency and the
/// time to load cached vectors. Each returns a report whose `lines` the command prints.
public enum EmbeddingBenchmark {
    /// Throughput of one threading choice over repeated runs.
    public struct ThroughputReport: Sendable {
        public let label: String
        public let sentences: Int
        public let tokens: Int
        public let seconds: [Double]

        public var medianSeconds: Double { median(seconds) }
        public var sentencesPerSecond: Double { Double(sentences) / medianSeconds }
        public var tokensPerSecond: Double { Double(tokens) / medianSeconds }

        public var line: String {
            "\(label): " + String(format: "%.1f sentences/s, %.0f tokens/s (median of %d runs, %.2f s each)",
                                   sentencesPerSecond, tokensPerSecond, seconds.count, medianSeconds)
        }
    }

    /// `$IMFL_SHARED/data/fpb_50agree/pool.jsonl`, else `../shared/…` from the current
    /// directory: where the benchmarks take their sentences from by default.
    public static func defaultSentenceFile() -> URL {
        let shared = ProcessInfo.processInfo.environment["IMFL_SHARED"] ?? "../shared"
        return URL(fileURLWithPath: shared + "/data/fpb_50agree/pool.jsonl")
    }

    /// The benchmark sentences: the first `count` texts of `file` when it exists, otherwise
    /// generated sentences of about 25 words (the same ones on every run).
    /// - Returns: the sentences and a description of where they came from.
    public static func sentences(count: Int = 2000, from file: URL?) throws -> (texts: [String], source: String) {
        if let file, FileManager.default.fileExists(atPath: file.path) {
            let records = try EmbeddingJSONL.readTexts(file)
            return (records.prefix(count).map(\.text), "first \(min(count, records.count)) texts of \(file.path)")
        }
        var random = BenchmarkRandom(seed: 2023)
        let words = generatorWords
        let texts = (0..<count).map { _ in
            let length = 20 + Int(random.next() % 11)
            var sentence = (0..<length).map { _ in words[Int(random.next() % UInt64(words.count))] }
                .joined(separator: " ")
            sentence = sentence.prefix(1).uppercased() + sentence.dropFirst() + "."
            return sentence
        }
        return (texts, "\(count) generated sentences of 20–30 words")
    }

    /// Encodes `texts` `runs` times (after one warm-up) with each threading choice, tokenizer
    /// included, as sentence-transformers' `encode` includes its tokenizer.
    public static func throughput(
        _ embedder: MiniLMEmbedder, texts: [String], runs: Int = 5,
        threadings: [(String, EncoderThreading)]
    ) throws -> [ThroughputReport] {
        let tokens = texts.reduce(0) { $0 + embedder.tokenizer.encode($1).count }
        var reports: [ThroughputReport] = []
        for (label, threading) in threadings {
            _ = try embedder.embed(Array(texts.prefix(64)), threading: threading)
            var seconds: [Double] = []
            for _ in 0..<max(1, runs) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try embedder.embed(texts, threading: threading)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            reports.append(ThroughputReport(label: label, sentences: texts.count, tokens: tokens, seconds: seconds))
        }
        BLAS.setThreads(1)
        return reports
    }

    /// kNN over random unit vectors: a batch of queries in one call, and single queries with
    /// the exact float index and with the int8-first index, which must return the same lists.
    public struct NeighbourReport: Sendable {
        public let items: Int
        public let dimension: Int
        public let k: Int
        public let batchQueries: Int
        public let batchSeconds: [Double]
        public let singleQuerySeconds: [Double]
        public let quantizedSingleQuerySeconds: [Double]
        /// Single queries whose int8-first result equals the exact one, row for row and bit for bit.
        public let identical: Int
        public let quantizedBuildSeconds: Double
        public let quantizedBytes: Int
        /// The per-query latency target of the single-query search.
        public static let targetMilliseconds = 5.0

        public var lines: [String] {
            let exact = median(singleQuerySeconds) * 1000, int8 = median(quantizedSingleQuerySeconds) * 1000
            return [
                String(format: "kNN batch: %d queries × %d items × %d dims, top-%d: %.3f ms per query (median of %d runs)",
                       batchQueries, items, dimension, k, median(batchSeconds) * 1000 / Double(batchQueries), batchSeconds.count),
                String(format: "kNN single query, exact float: top-%d over %d items: %.2f ms median, %.2f ms p90 (%d queries)",
                       k, items, exact, percentile(singleQuerySeconds, 0.9) * 1000, singleQuerySeconds.count),
                String(format: "kNN single query, int8 scan + exact re-score: %.2f ms median, %.2f ms p90; %.1f× faster; identical results on %d of %d queries",
                       int8, percentile(quantizedSingleQuerySeconds, 0.9) * 1000, exact / max(int8, 1e-9), identical,
                       quantizedSingleQuerySeconds.count),
                String(format: "kNN int8 copy: %.1f MB, built in %.2f s (kernel: %@)",
                       Double(quantizedBytes) / 1e6, quantizedBuildSeconds, imfl_dot_i8_uses_avx2() == 1 ? "AVX2" : "portable"),
                String(format: "kNN target: one query ≤ %.0f ms: %@ (%.2f ms)", Self.targetMilliseconds,
                       int8 <= Self.targetMilliseconds ? "met" : "missed", int8),
            ]
        }
    }

    public static func neighbours(
        items: Int = 100_000, dimension: Int = 384, batchQueries: Int = 1000, singleQueries: Int = 100,
        k: Int = 10, runs: Int = 3, workers: Int = 2
    ) throws -> NeighbourReport {
        var random = BenchmarkRandom(seed: 7)
        let vectors = randomUnitRows(items, dimension, &random)
        let index = ExactNeighbourIndex(vectors: vectors, workers: workers)
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let quantized = QuantizedNeighbourIndex(vectors: vectors, workers: workers)
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
        let queries = randomUnitRows(batchQueries, dimension, &random)
        _ = try index.search(queries.rows(0..<min(8, batchQueries)), k: k)
        var batch: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try index.search(queries, k: k)
            batch.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        // Interleaved, so that both indexes see the same machine load.
        var single: [Double] = [], quantizedSingle: [Double] = []
        var identical = 0
        for q in 0..<min(singleQueries, batchQueries) {
            let vector = queries.row(q)
            var start = DispatchTime.now().uptimeNanoseconds
            let expected = try index.search(vector, k: k)
            single.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            start = DispatchTime.now().uptimeNanoseconds
            let got = try quantized.search(vector, k: k)
            quantizedSingle.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            if got == expected { identical += 1 }
        }
        return NeighbourReport(
            items: items, dimension: dimension, k: k, batchQueries: batchQueries, batchSeconds: batch,
            singleQuerySeconds: single, quantizedSingleQuerySeconds: quantizedSingle, identical: identical,
            quantizedBuildSeconds: buildSeconds,
            quantizedBytes: quantized.codes.codes.count + 8 * quantized.codes.rows)
    }

    /// Decoding cached vectors from their stored bytes into one matrix.
    public static func blobLoad(count: Int = 100_000, dimension: Int = 384, runs: Int = 5) throws -> String {
        var random = BenchmarkRandom(seed: 11)
        let blobs = VectorBlob.encodeRows(randomUnitRows(count, dimension, &random))
        var seconds: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            let matrix = try VectorBlob.decode(blobs, dimension: dimension)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            precondition(matrix.rows == count)
        }
        return String(format: "load %d cached %d-d vectors from blobs: %.1f ms (median of %d runs)",
                      count, dimension, median(seconds) * 1000, seconds.count)
    }

    /// Rows of Gaussian noise scaled to unit length (uniform directions on the sphere).
    static func randomUnitRows(_ rows: Int, _ cols: Int, _ random: inout BenchmarkRandom) -> Matrix {
        var values = [Float](repeating: 0, count: rows * cols)
        var i = 0
        while i < values.count {
            let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-300)
            let u2 = Double(random.next() >> 11) / Double(1 << 53)
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            values[i] = Float(radius * Foundation.cos(2 * .pi * u2))
            if i + 1 < values.count { values[i + 1] = Float(radius * Foundation.sin(2 * .pi * u2)) }
            i += 2
        }
        values.withUnsafeMutableBufferPointer { VectorMath.normalizeRows($0.baseAddress!, rows: rows, cols: cols) }
        return Matrix(rows: rows, cols: cols, values: values)
    }

    static func median(_ xs: [Double]) -> Double { percentile(xs, 0.5) }

    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let sorted = xs.sorted()
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// Words for generated sentences: financial news vocabulary, like the labeled pools.
    static let generatorWords: [String] = """
        the company said its net sales rose fell percent in quarter year compared with period \
        operating profit loss million euros dollars market shares investors expects growth \
        demand orders production plant employees board chief executive officer agreement deal \
        acquisition contract customers services products new strong weak results first second \
        third fourth half revenue costs price prices increase decrease finnish group bank \
        according to report analysts forecast outlook remains stable during while after before \
        will would could has have been was were also however due lower higher than expected
        """.split(separator: " ").map(String.init)
}

extension MiniLMEmbedder {
    /// Embeds with a threading choice other than the embedder's own (for benchmarks).
    public func embed(_ texts: [String], threading: EncoderThreading) throws -> Matrix {
        try encoder.encode(texts.map(tokenizer.encode), threading: threading)
    }
}

/// A small, fast, seedable generator (Steele, Lea & Flood 2014, BenchmarkRandom) so benchmarks and
/// tests see the same data on every run.
public struct BenchmarkRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
