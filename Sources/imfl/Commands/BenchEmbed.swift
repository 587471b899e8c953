import ArgumentParser
import Foundation
import IMFLCore
import IMFLNumerics

/// `imfl bench embed`: encoder throughput, exact kNN latency and cached-vector load time.
struct BenchEmbed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Measure the MiniLM encoder, exact nearest-neighbour search and vector loading.",
        discussion: """
            Encodes 2,000 sentences (the first 2,000 of ../shared/data/fpb_50agree/pool.jsonl \
            when present, otherwise generated ~25-word sentences) and prints sentences/s and \
            tokens/s as medians. Compare with Benchmarks/reference_embed.py on the same file.
            """
    )

    @Option(help: "JSONL file whose first texts are encoded (default: fpb_50agree pool under IMFL_SHARED or ../shared).")
    var sentences: String?

    @Option(help: "How many sentences to encode.")
    var count: Int = 2000

    @Option(help: "Timed runs per configuration; the median is reported.")
    var runs: Int = 5

    @Option(help: "Directory holding model.safetensors and vocab.txt.")
    var model: String?

    @Option(help: "Write the sentences used to this JSONL file (for the Python reference).")
    var saveSentences: String?

    @Flag(help: "Also measure OpenBLAS's own threads (1 and 2) against imfl's split across cores.")
    var compareThreads = false

    @Flag(help: "Skip the encoder; measure only kNN and vector loading.")
    var skipEncoder = false

    @Flag(help: "Measure only the encoder.")
    var encoderOnly = false

    func validate() throws {
        guard count > 0, runs > 0 else { throw ValidationError("--count and --runs must be positive") }
        if let sentences, !FileManager.default.fileExists(atPath: sentences) {
            throw ValidationError("--sentences: \(sentences) does not exist")
        }
    }

    func run() async throws {
        do {
            if !skipEncoder { try encoder() }
            if encoderOnly { return }
            for line in try EmbeddingBenchmark.neighbours().lines { print(line) }
            print(try EmbeddingBenchmark.blobLoad())
        } catch let error as CustomStringConvertible & Error {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func encoder() throws {
        let file = sentences.map { URL(fileURLWithPath: $0) } ?? EmbeddingBenchmark.defaultSentenceFile()
        let (texts, source) = try EmbeddingBenchmark.sentences(count: count, from: file)
        if let saveSentences {
            let records = texts.enumerated().map { EmbeddingJSONL.Record(id: .integer($0.offset), text: $0.element) }
            try EmbeddingJSONL.writeTexts(records, to: URL(fileURLWithPath: saveSentences))
        }
        let embedder = try MiniLMEmbedder(modelDirectory: model)
        print("sentences: \(source)")
        var threadings: [(String, EncoderThreading)] = [("split across 2 workers, OpenBLAS 1 thread", .split(workers: 2))]
        if compareThreads {
            threadings += [("OpenBLAS 2 threads, no split", .blas(threads: 2)),
                           ("1 thread", .blas(threads: 1))]
        }
        let reports = try EmbeddingBenchmark.throughput(embedder, texts: texts, runs: runs, threadings: threadings)
        for report in reports { print(report.line) }
    }
}
