import Foundation
import IMFLNumerics

/// A stand-in for the LLM in simulations, for sweeps that would take hours with a real model:
/// it answers with a label drawn from its confusion matrix's row for the item's gold label,
/// after an optional latency (to measure timing, e.g. expert idle time, at an LLM's pace).
/// Its answer for an item depends only on the seed and the item, so a resumed run gets the
/// same answers. `imfl simulate --llm noisy:…` uses it; the matrix can be the one a run with
/// the real LLM measured (`llm-confusion.json` in its run folder).
public struct SimulatedAnnotator: Annotator {
    /// Rows by gold label, columns by answer, in `labels` order; each row sums to 1.
    public struct Confusion: Sendable, Hashable, Codable {
        public var labels: [String]
        public var confusion: [[Double]]

        /// Right with probability `accuracy`, otherwise one of the other labels, uniformly.
        public static func symmetric(labels: [String], accuracy: Double) -> Confusion {
            let wrong = labels.count > 1 ? (1 - accuracy) / Double(labels.count - 1) : 0
            return Confusion(labels: labels, confusion: labels.indices.map { g in
                labels.indices.map { $0 == g ? accuracy : wrong }
            })
        }

        /// Reads `{"labels": […], "confusion": [[…]]}` (counts or probabilities; rows are
        /// normalised) and orders it as `labels`.
        /// - Throws: `SimulationError.badConfusion` naming the file and the problem.
        public static func read(_ path: String, labels: [String]) throws -> Confusion {
            func fail(_ problem: String) -> SimulationError { .badConfusion(path: path, problem: problem) }
            guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
            let file: Confusion
            do { file = try JSONDecoder().decode(Confusion.self, from: data) } catch {
                throw fail("expected {\"labels\": [...], \"confusion\": [[...]]}")
            }
            guard file.confusion.count == file.labels.count, file.confusion.allSatisfy({ $0.count == file.labels.count }) else {
                throw fail("the matrix must be \(file.labels.count)×\(file.labels.count), one row and column per label")
            }
            let missing = labels.filter { !file.labels.contains($0) }
            guard missing.isEmpty else { throw fail("no row for \(missing.joined(separator: ", "))") }
            var rows: [[Double]] = []
            for g in labels {
                let row = file.confusion[file.labels.firstIndex(of: g)!]
                let ordered = labels.map { row[file.labels.firstIndex(of: $0)!] }
                let sum = ordered.reduce(0, +)
                guard ordered.allSatisfy({ $0 >= 0 && $0.isFinite }), sum > 0 else {
                    throw fail("the row of \(g) needs non-negative numbers that do not sum to 0")
                }
                rows.append(ordered.map { $0 / sum })
            }
            return Confusion(labels: labels, confusion: rows)
        }

        /// Share of answers that are right, with every gold label weighted by `counts`.
        public func accuracy(counts: [Int]? = nil) -> Double {
            let weights = counts.map { $0.map(Double.init) } ?? Array(repeating: 1, count: labels.count)
            let total = weights.reduce(0, +)
            return total > 0 ? labels.indices.map { confusion[$0][$0] * weights[$0] }.reduce(0, +) / total : 0
        }
    }

    public var matrix: Confusion
    public var gold: [Int64: String]
    public var seed: UInt64
    public var latency: Duration

    public init(matrix: Confusion, gold: [Int64: String], seed: UInt64, latency: Duration = .zero) {
        self.matrix = matrix
        self.gold = gold
        self.seed = seed
        self.latency = latency
    }

    public func annotate(_ request: AnnotationRequest) async throws -> AnnotationAnswer {
        if latency > .zero { try await Task.sleep(for: latency) }
        guard let g = gold[request.itemID], let row = matrix.labels.firstIndex(of: g) else {
            throw SimulationError.missingGold(itemID: request.itemID)
        }
        var random = SeededGenerator(seed: seed ^ 0x5EED_A11E, stream: UInt64(bitPattern: request.itemID))
        let u = Double.random(in: 0 ..< 1, using: &random)
        var cumulative = 0.0
        var answer = matrix.labels.count - 1
        for (j, p) in matrix.confusion[row].enumerated() {
            cumulative += p
            if u < cumulative {
                answer = j
                break
            }
        }
        return AnnotationAnswer(label: matrix.labels[answer], confidence: nil)
    }
}
