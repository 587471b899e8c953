import CKernels
import Dispatch
import IMFLNumerics

/// Exact top-k cosine search: one matrix product scores a block of queries against every
/// vector, and a bounded insertion keeps the best `k` per query without sorting all scores.
/// The rows are split across cores, each core keeps its own best `k`, and the lists are merged.
///
///     let index = ExactNeighbourIndex(vectors: embeddings)        // items × 384, unit rows
///     let shots = try index.search(vector, k: 8, filter: .mask(isExpertLabel))
public struct ExactNeighbourIndex: NeighbourIndex {
    public let vectors: Matrix
    /// Threads scoring and selecting in parallel.
    public let workers: Int

    public var count: Int { vectors.rows }
    public var dimension: Int { vectors.cols }

    /// - Parameter vectors: one unit-length vector per row (cosine is then a dot product).
    public init(vectors: Matrix, workers: Int = 2) {
        self.vectors = vectors
        self.workers = max(1, workers)
    }

    public func search(_ queries: Matrix, k: Int, filter: RowFilter = .all, excluding: [Int?] = []) throws -> [[IndexHit]] {
        try validate(queries, filter: filter, excluding: excluding)
        let k = min(max(0, k), count)
        if queries.rows == 0 { return [] }
        if k == 0 || count == 0 { return Array(repeating: [], count: queries.rows) }

        // A filter that keeps few rows: score only those rows.
        if let allowed = allowedRows(filter), allowed.count * 2 < count {
            let subset = ExactNeighbourIndex(vectors: vectors.rows(allowed), workers: workers)
            var position: [Int: Int] = [:]
            for (i, row) in allowed.enumerated() { position[row] = i }
            let mapped = excluding.map { $0.flatMap { position[$0] } }
            return try subset.search(queries, k: k, filter: .all, excluding: mapped).map { list in
                list.map { IndexHit(row: allowed[$0.row], score: $0.score) }
            }
        }

        let parts = min(workers, max(1, count / 4096))
        let sliceLength = (count + parts - 1) / parts
        let partial = PartialResults(parts: parts)
        BLAS.setThreads(1)
        let run: @Sendable (Int) -> Void = { part in
            let rows = part * sliceLength ..< min(count, (part + 1) * sliceLength)
            partial.store(part, self.searchSlice(rows, queries, k: k, filter: filter, excluding: excluding))
        }
        if parts == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: run) }
        var merged = partial.list(0)
        for part in 1..<parts {
            for q in 0..<queries.rows {
                var best = BestK(k: k)
                for n in merged[q] { best.offer(n.row, n.score) }
                for n in partial.list(part)[q] { best.offer(n.row, n.score) }
                merged[q] = best.hits
            }
        }
        return merged
    }

    /// Rows a `.rows` or `.mask` filter keeps, in increasing order; nil for `.all`.
    private func allowedRows(_ filter: RowFilter) -> [Int]? {
        switch filter {
        case .all: nil
        case .rows(let set): set.filter { $0 >= 0 && $0 < count }.sorted()
        case .mask(let mask): mask.indices.filter { mask[$0] }
        }
    }

    /// The best `k` of `rows` for every query, scoring blocks of queries with one product each.
    private func searchSlice(
        _ rows: Range<Int>, _ queries: Matrix, k: Int, filter: RowFilter, excluding: [Int?]
    ) -> [[IndexHit]] {
        let d = dimension, n = rows.count
        let block = max(1, min(queries.rows, (1 << 22) / max(1, n)))
        var scores = [Float](repeating: 0, count: block * n)
        var result: [[IndexHit]] = []
        result.reserveCapacity(queries.rows)
        var start = 0
        while start < queries.rows {
            let m = min(block, queries.rows - start)
            queries.values.withUnsafeBufferPointer { q in
                vectors.values.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in
                        if m == 1 {
                            // Not sgemv: its summation order depends on the rows' alignment and
                            // count, and the quantised index must reproduce these scores exactly.
                            imfl_dot_f32(v.baseAddress! + rows.lowerBound * d, Int64(n), Int64(d),
                                         q.baseAddress! + start * d, s.baseAddress!)
                        } else {
                            BLAS.multiplyTransposed(m: m, n: n, k: d, a: q.baseAddress! + start * d,
                                                    b: v.baseAddress! + rows.lowerBound * d, c: s.baseAddress!)
                        }
                    }
                }
            }
            for i in 0..<m {
                let excluded = excluding.isEmpty ? nil : excluding[start + i]
                var best = BestK(k: k)
                scores.withUnsafeBufferPointer { s in
                    let row = s.baseAddress! + i * n
                    for j in 0..<n where row[j] > best.threshold {
                        let r = rows.lowerBound + j
                        if r != excluded && filter.allows(r) { best.offer(r, row[j]) }
                    }
                }
                result.append(best.hits)
            }
            start += m
        }
        return result
    }
}

/// The `k` best (score, row) pairs seen so far, kept sorted best first. Offers arrive in
/// increasing row order within a slice, so a strict comparison keeps the lower row on ties.
struct BestK {
    let k: Int
    private(set) var hits: [IndexHit] = []
    /// Scores at or below this cannot enter (−∞ until `k` are held).
    private(set) var threshold: Float = -.infinity

    init(k: Int) {
        self.k = k
        hits.reserveCapacity(k + 1)
    }

    mutating func offer(_ row: Int, _ score: Float) {
        if hits.count == k {
            let last = hits[k - 1]
            guard score > last.score || (score == last.score && row < last.row) else { return }
            hits.removeLast()
        }
        var i = hits.count
        while i > 0 && (hits[i - 1].score < score || (hits[i - 1].score == score && hits[i - 1].row > row)) {
            i -= 1
        }
        hits.insert(IndexHit(row: row, score: score), at: i)
        if hits.count == k { threshold = nextAfterDown(hits[k - 1].score) }
    }

    /// Slightly below `x`, so that a later equal score with a lower row (from another slice)
    /// still reaches `offer`'s tie rule.
    private func nextAfterDown(_ x: Float) -> Float { x.nextDown }
}

/// Per-slice results written by concurrent workers, each to its own preallocated slot, so
/// no two threads touch the same memory.
private final class PartialResults: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[[IndexHit]]>
    init(parts: Int) {
        slots = .allocate(capacity: parts)
        slots.initialize(repeating: [])
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
    func store(_ part: Int, _ value: [[IndexHit]]) { slots[part] = value }
    func list(_ part: Int) -> [[IndexHit]] { slots[part] }
}
