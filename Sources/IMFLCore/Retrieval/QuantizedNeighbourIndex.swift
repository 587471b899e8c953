import CKernels
import Dispatch
import IMFLNumerics

/// Exact top-k cosine search that reads a quarter of the memory for a single query.
///
/// One query against a large pool is bound by memory bandwidth: it reads every float once and
/// does one multiply-add per float. This index first scores every row from int8 codes (a
/// quarter of the bytes, exact integer dot products), then re-scores in float only the rows
/// whose score could still reach the top `k` given the quantisation error bound (see
/// `Int8Rows.ErrorBound`). The answer is the exact index's answer, row for row and bit for
/// bit: the candidates are re-scored with the same fixed-order kernel the exact index uses for
/// one query, and every row left out is provably below the `k`-th exact score.
///
/// A batch of queries goes to the exact index instead: there one matrix product reuses each
/// vector across the queries, which is already compute-bound.
///
///     let index = QuantizedNeighbourIndex(vectors: embeddings)    // items × 384, unit rows
///     let similar = try index.search(vector, k: 10)
public struct QuantizedNeighbourIndex: NeighbourIndex {
    public let exact: ExactNeighbourIndex
    public let codes: Int8Rows

    public var count: Int { exact.count }
    public var dimension: Int { exact.dimension }
    public var workers: Int { exact.workers }

    /// - Parameter vectors: one unit-length vector per row.
    public init(vectors: Matrix, workers: Int = 2) {
        exact = ExactNeighbourIndex(vectors: vectors, workers: workers)
        codes = Int8Rows(vectors)
    }

    public func search(_ queries: Matrix, k: Int, filter: RowFilter = .all, excluding: [Int?] = []) throws -> [[IndexHit]] {
        try validate(queries, filter: filter, excluding: excluding)
        if queries.rows != 1 || count == 0 || k <= 0 { return try exact.search(queries, k: k, filter: filter, excluding: excluding) }
        // A filter that keeps few rows: the exact index scores only those.
        if case .rows(let rows) = filter, rows.count * 2 < count {
            return try exact.search(queries, k: k, filter: filter, excluding: excluding)
        }
        return [searchOne(queries.values, k: min(k, count), filter: filter, excluding: excluding.first ?? nil)]
    }

    /// Candidates from the int8 scan, then exact scores for the candidates.
    private func searchOne(_ query: [Float], k: Int, filter: RowFilter, excluding: Int?) -> [IndexHit] {
        let d = dimension
        var queryCodes = [Int8](repeating: 0, count: d)
        let (queryScale, _) = query.withUnsafeBufferPointer { q in
            queryCodes.withUnsafeMutableBufferPointer { Int8Rows.quantize(q, into: $0) }
        }
        let queryL1 = query.reduce(Float(0)) { $0 + abs($1) }
        let dots = integerDots(queryCodes)
        let error = Int8Rows.ErrorBound(queryScale: queryScale, queryL1: queryL1)

        // One pass over plain buffers: the filter becomes a mask once, not an enum per row.
        let mask: [Bool]? = switch filter {
        case .all: nil
        case .mask(let mask): mask
        case .rows(let rows): (0..<count).map(rows.contains)
        }
        let candidates = dots.withUnsafeBufferPointer { dots in
            codes.scales.withUnsafeBufferPointer { scales in
                codes.l1Norms.withUnsafeBufferPointer { l1Norms in
                    (mask ?? []).withUnsafeBufferPointer { allowed in
                        Self.candidates(
                            dots: dots, scales: scales, l1Norms: l1Norms, queryScale: queryScale, error: error, k: k,
                            mask: mask == nil ? nil : allowed, excluding: excluding)
                    }
                }
            }
        }

        var best = BestK(k: k)
        var score: Float = 0
        exact.vectors.values.withUnsafeBufferPointer { v in
            query.withUnsafeBufferPointer { q in
                for r in candidates {
                    imfl_dot_f32(v.baseAddress! + r * d, 1, Int64(d), q.baseAddress!, &score)
                    best.offer(r, score)
                }
            }
        }
        return best.hits
    }

    /// The rows whose exact score could reach the top `k`: every allowed row whose upper
    /// bound reaches the `k`-th largest lower bound. At least `k` rows score that lower bound
    /// or more exactly, so a row whose upper bound is below it cannot be among the best `k`.
    private static func candidates(
        dots: UnsafeBufferPointer<Int32>, scales: UnsafeBufferPointer<Float>, l1Norms: UnsafeBufferPointer<Float>,
        queryScale: Float, error: Int8Rows.ErrorBound, k: Int, mask: UnsafeBufferPointer<Bool>?, excluding: Int?
    ) -> [Int] {
        let n = dots.count
        var lower = [Float](repeating: -.infinity, count: n)
        var upper = [Float](repeating: -.infinity, count: n)
        var lowest = BestK(k: k)
        lower.withUnsafeMutableBufferPointer { lower in
            upper.withUnsafeMutableBufferPointer { upper in
                for r in 0..<n {
                    if let mask, !mask[r] { continue }
                    let estimate = Float(dots[r]) * (scales[r] * queryScale)
                    let bound = error.bound(rowScale: scales[r], rowL1: l1Norms[r])
                    lower[r] = estimate - bound
                    upper[r] = estimate + bound
                }
                if let excluding, excluding >= 0, excluding < n {
                    lower[excluding] = -.infinity
                    upper[excluding] = -.infinity
                }
                for r in 0..<n where lower[r] > lowest.threshold { lowest.offer(r, lower[r]) }
            }
        }
        let floor = lowest.hits.count == k ? lowest.hits[k - 1].score : -Float.infinity
        var result: [Int] = []
        upper.withUnsafeBufferPointer { upper in
            for r in 0..<n where upper[r] >= floor && upper[r] > -.infinity { result.append(r) }
        }
        return result
    }

    /// Exact integer dot products of the query codes with every row, split across workers.
    private func integerDots(_ queryCodes: [Int8]) -> [Int32] {
        let n = count, d = dimension
        var dots = [Int32](repeating: 0, count: n)
        let parts = min(workers, max(1, n / 8192))
        let slice = (n + parts - 1) / parts
        dots.withUnsafeMutableBufferPointer { out in
            codes.codes.withUnsafeBufferPointer { c in
                queryCodes.withUnsafeBufferPointer { q in
                    let target = SendablePointer(out.baseAddress!)
                    let source = SendablePointer(UnsafeMutablePointer(mutating: c.baseAddress!))
                    let query = SendablePointer(UnsafeMutablePointer(mutating: q.baseAddress!))
                    let run: @Sendable (Int) -> Void = { part in
                        let start = part * slice, end = min(n, start + slice)
                        guard start < end else { return }
                        imfl_dot_i8(source.pointer + start * d, Int64(end - start), Int64(d), query.pointer, target.pointer + start)
                    }
                    if parts == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: run) }
                }
            }
        }
        return dots
    }
}

/// A raw pointer handed to concurrent workers that write disjoint ranges of it.
private struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
