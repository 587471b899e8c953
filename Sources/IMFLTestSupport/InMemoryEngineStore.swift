import Foundation
import IMFLCore
import IMFLNumerics

/// An `EngineStore` in plain dictionaries, for tests: no SQLite underneath, so a test of the
/// engine's rules does not depend on the store's, and a test can compare a run on it with a
/// run on the session database (which must end the same).
public final class InMemoryEngineStore: EngineStore, @unchecked Sendable {
    private let lock = NSLock()
    private var itemsBySplit: [Split: [EngineItem]]
    private var vectorsByModel: [String: [Int64: [Float]]] = [:]
    private var log: [Annotation] = []
    private var roundRecords: [Int: RoundRecord] = [:]
    private var queues: [Int: [QueueEntry]] = [:]
    private var metricsByRound: [Int: RoundMetrics] = [:]

    public init(items: [EngineItem]) {
        itemsBySplit = Dictionary(grouping: items.sorted { $0.id < $1.id }, by: \.split)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    public func items(in split: Split) throws -> [EngineItem] { locked { itemsBySplit[split] ?? [] } }

    public func itemIDsWithVectors(modelID: String) throws -> Set<Int64> {
        locked { Set(vectorsByModel[modelID]?.keys ?? [:].keys) }
    }

    public func vectors(for ids: [Int64], modelID: String) throws -> Matrix {
        try locked {
            let stored = vectorsByModel[modelID] ?? [:]
            var rows = [[Float]]()
            rows.reserveCapacity(ids.count)
            for id in ids {
                guard let v = stored[id] else { throw EngineError.missingVector(itemID: id) }
                rows.append(v)
            }
            return rows.isEmpty ? Matrix(rows: 0, cols: 0) : Matrix(stacking: rows)
        }
    }

    public func saveVectors(_ vectors: Matrix, for ids: [Int64], modelID: String) throws {
        locked {
            for (i, id) in ids.enumerated() { vectorsByModel[modelID, default: [:]][id] = vectors.row(i) }
        }
    }

    public func append(contentsOf events: [Annotation]) throws -> [Annotation] {
        locked {
            events.map { event in
                var stored = event
                stored.id = Int64(log.count + 1)
                log.append(stored)
                return stored
            }
        }
    }

    public func annotationLog() throws -> [Annotation] { locked { log } }

    /// No LLM calls are logged in memory.
    public func llmCallTotals() throws -> LLMCallTotals { LLMCallTotals() }

    public func beginRound(_ round: RoundRecord, queue: [QueueEntry]) throws {
        locked {
            roundRecords[round.round] = round
            queues[round.round] = queue.sorted { $0.rank < $1.rank }
        }
    }

    public func updateRound(_ round: RoundRecord) throws { locked { roundRecords[round.round] = round } }

    public func finishRound(_ round: RoundRecord, metrics: RoundMetrics) throws {
        locked {
            roundRecords[round.round] = round
            metricsByRound[round.round] = metrics
        }
    }

    public func rounds() throws -> [RoundRecord] {
        locked { roundRecords.values.sorted { $0.round < $1.round } }
    }

    public func queue(round: Int) throws -> [QueueEntry] { locked { queues[round] ?? [] } }

    public func metrics() throws -> [RoundMetrics] {
        locked { metricsByRound.values.sorted { $0.round < $1.round } }
    }
}
