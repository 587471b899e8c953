import CKernels
import Testing
import IMFLNumerics
@testable import IMFLCore

@Suite("Quantised nearest-neighbour index")
struct QuantizedNeighbourIndexTests {
    func vectors(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix { .randomUnitRows(rows, cols, seed: seed) }

    /// The plain integer dot product, to check the kernel and the bound against.
    static func integerDot(_ a: [Int8], _ b: [Int8]) -> Int {
        var sum = 0
        for i in a.indices { sum += Int(a[i]) * Int(b[i]) }
        return sum
    }

    /// Same rows in the same order with bit-identical scores.
    func expectIdentical(_ got: [IndexHit], _ expected: [IndexHit], _ context: String) {
        #expect(got == expected, "\(context)")
    }

    @Test("one query gets exactly the exact index's answer, split over workers or not", arguments: [1, 2])
    func singleQueriesMatchExact(workers: Int) throws {
        // Given 20,000 unit vectors of MiniLM's width
        let items = vectors(20_000, 384, seed: 21)
        let quantized = QuantizedNeighbourIndex(vectors: items, workers: workers)
        let exact = ExactNeighbourIndex(vectors: items, workers: workers)
        let queries = vectors(30, 384, seed: 22)
        // When each query is searched alone
        for q in 0..<queries.rows {
            // Then the top 10 are the exact index's, bit for bit
            expectIdentical(try quantized.search(queries.row(q), k: 10), try exact.search(queries.row(q), k: 10), "query \(q)")
        }
    }

    @Test("clusters of near-duplicates, where int8 scores cannot separate rows, still come out exact")
    func nearDuplicates() throws {
        // Given 50 centres, each with 200 copies perturbed by less than an int8 step
        let centres = vectors(50, 384, seed: 23)
        let noise = vectors(10_000, 384, seed: 24)
        var values = [Float](repeating: 0, count: 10_000 * 384)
        for r in 0..<10_000 {
            let centre = centres.row(r % 50), jitter = noise.row(r)
            var row = (0..<384).map { centre[$0] + 0.0005 * jitter[$0] }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            row = row.map { $0 / norm }
            values.replaceSubrange(r * 384 ..< (r + 1) * 384, with: row)
        }
        let items = Matrix(rows: 10_000, cols: 384, values: values)
        let quantized = QuantizedNeighbourIndex(vectors: items)
        let exact = ExactNeighbourIndex(vectors: items)
        // When the queries are members of the clusters
        for q in [0, 7, 4_321, 9_999] {
            // Then the answer is exact, with and without the query's own row
            expectIdentical(try quantized.search(items.row(q), k: 25), try exact.search(items.row(q), k: 25), "row \(q)")
            expectIdentical(
                try quantized.search(items.row(q), k: 25, excluding: q), try exact.search(items.row(q), k: 25, excluding: q),
                "row \(q) excluded")
        }
    }

    @Test("masks, row sets and exclusions give the exact index's answer")
    func filters() throws {
        let items = vectors(12_000, 64, seed: 25)
        let quantized = QuantizedNeighbourIndex(vectors: items)
        let exact = ExactNeighbourIndex(vectors: items)
        let mask = (0..<12_000).map { $0 % 5 == 0 }
        let rows: Set<Int> = Set((0..<12_000).filter { $0 % 7 == 3 })
        let many: Set<Int> = Set((0..<12_000).filter { $0 % 7 != 3 })
        for q in [0, 35, 11_999] {
            let query = items.row(q)
            expectIdentical(
                try quantized.search(query, k: 8, filter: .mask(mask), excluding: q),
                try exact.search(query, k: 8, filter: .mask(mask), excluding: q), "mask, row \(q)")
            expectIdentical(
                try quantized.search(query, k: 8, filter: .rows(rows)), try exact.search(query, k: 8, filter: .rows(rows)),
                "small row set, row \(q)")
            expectIdentical(
                try quantized.search(query, k: 8, filter: .rows(many)), try exact.search(query, k: 8, filter: .rows(many)),
                "large row set, row \(q)")
        }
    }

    @Test("duplicate rows tie and come out lower row first; zero rows and a zero query do not break it")
    func tiesAndZeros() throws {
        var rows = (0..<3_000).map { vectors(1, 32, seed: UInt64(100 + $0 % 40)).values }
        rows[5] = [Float](repeating: 0, count: 32)
        let items = Matrix(stacking: rows)
        let quantized = QuantizedNeighbourIndex(vectors: items)
        let exact = ExactNeighbourIndex(vectors: items)
        let tied = try quantized.search(items.row(3), k: 12)
        expectIdentical(tied, try exact.search(items.row(3), k: 12), "ties")
        #expect(tied.map(\.row).prefix(3) == [3, 43, 83])
        let zero = [Float](repeating: 0, count: 32)
        expectIdentical(try quantized.search(zero, k: 4), try exact.search(zero, k: 4), "zero query")
    }

    @Test("batches, k beyond the pool, k = 0 and bad shapes behave as in the exact index")
    func delegatedCases() throws {
        let items = vectors(3_000, 16, seed: 26)
        let quantized = QuantizedNeighbourIndex(vectors: items)
        let exact = ExactNeighbourIndex(vectors: items)
        let queries = vectors(6, 16, seed: 27)
        #expect(try quantized.search(queries, k: 5) == exact.search(queries, k: 5))
        #expect(try quantized.search(items.row(1), k: 5_000).count == 3_000)
        #expect(try quantized.search(items.row(1), k: 0).isEmpty)
        #expect(throws: RetrievalError.dimensionMismatch(index: 16, query: 3)) { try quantized.search([1, 0, 0], k: 2) }
        #expect(throws: RetrievalError.maskLength(expected: 3_000, got: 2)) {
            try quantized.search(items.row(0), k: 2, filter: .mask([true, false]))
        }
    }

    @Test("the int8 estimate is always within its error bound, also for vectors with one large component")
    func errorBoundHolds() throws {
        // Given random rows and rows dominated by one coordinate (a coarse int8 step for the rest)
        var rows = (0..<400).map { vectors(1, 384, seed: UInt64(300 + $0)).values }
        for r in 0..<100 {
            rows[r][r % 384] = 40
            let norm = rows[r].reduce(0) { $0 + $1 * $1 }.squareRoot()
            rows[r] = rows[r].map { $0 / norm }
        }
        let items = Matrix(stacking: rows)
        let codes = Int8Rows(items)
        for q in [0, 150, 399] {
            let query = items.row((q + 1) % 400)
            var queryCodes = [Int8](repeating: 0, count: 384)
            let (queryScale, _) = query.withUnsafeBufferPointer { x in queryCodes.withUnsafeMutableBufferPointer { Int8Rows.quantize(x, into: $0) } }
            let error = Int8Rows.ErrorBound(queryScale: queryScale, queryL1: query.reduce(0) { $0 + abs($1) })
            for r in 0..<400 {
                let exact = zip(items.row(r), query).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
                let dot = Self.integerDot(Array(codes.codes[r * 384 ..< (r + 1) * 384]), queryCodes)
                let estimate = Double(dot) * Double(codes.scales[r]) * Double(queryScale)
                let bound = Double(error.bound(rowScale: codes.scales[r], rowL1: codes.l1Norms[r]) - Int8Rows.ErrorBound.slack)
                #expect(abs(exact - estimate) <= bound + 1e-6, "row \(r), query \(q)")
            }
        }
    }

    @Test("the int8 kernel sums exactly at the extremes and for widths that are not a multiple of 32")
    func int8Kernel() {
        for dim in [1, 31, 32, 50, 384] {
            let rows = 5
            let vectors = (0..<rows * dim).map { Int8(truncatingIfNeeded: ($0 * 37) % 255 - 127) }
            let extreme = (0..<rows * dim).map { $0 % 2 == 0 ? Int8(127) : Int8(-127) }
            let query = (0..<dim).map { $0 % 3 == 0 ? Int8(-127) : Int8(127) }
            for data in [vectors, extreme] {
                var out = [Int32](repeating: 0, count: rows)
                imfl_dot_i8(data, Int64(rows), Int64(dim), query, &out)
                let expected: [Int32] = (0..<rows).map { r in Int32(Self.integerDot(Array(data[r * dim ..< (r + 1) * dim]), query)) }
                #expect(out == expected, "dim \(dim)")
            }
        }
    }

    @Test("the float kernel gives a row the same bits alone or in a block")
    func floatKernelIsOrderFixed() {
        let items = vectors(64, 384, seed: 28)
        let query = vectors(1, 384, seed: 29).values
        var block = [Float](repeating: 0, count: 64)
        imfl_dot_f32(items.values, 64, 384, query, &block)
        for r in [0, 13, 63] {
            var alone: Float = 0
            items.values.withUnsafeBufferPointer { imfl_dot_f32($0.baseAddress! + r * 384, 1, 384, query, &alone) }
            #expect(alone.bitPattern == block[r].bitPattern)
        }
    }
}
