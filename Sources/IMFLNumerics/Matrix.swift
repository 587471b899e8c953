import CBLAS

/// A dense row-major matrix of `Float`, the one shape every numeric routine in imfl speaks:
/// embeddings (items × 384), weights (features × classes), distances (queries × items).
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public var rows: Int
    /// Number of columns.
    public var cols: Int
    /// Row-major storage, `rows * cols` values.
    public var values: [Float]

    /// A matrix of the given shape filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix shape must be non-negative")
        self.rows = rows
        self.cols = cols
        self.values = [Float](repeating: value, count: rows * cols)
    }

    /// A matrix over existing row-major values.
    /// - precondition: `values.count == rows * cols`
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "expected \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix whose rows are the given vectors, all of the same length.
    public init(stacking rowVectors: [[Float]]) {
        let cols = rowVectors.first?.count ?? 0
        var values = [Float]()
        values.reserveCapacity(rowVectors.count * cols)
        for row in rowVectors {
            precondition(row.count == cols, "rows must have equal length")
            values.append(contentsOf: row)
        }
        self.init(rows: rowVectors.count, cols: cols, values: values)
    }

    /// The element at (`row`, `col`).
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(values[index * cols ..< (index + 1) * cols])
    }

    /// A new matrix made of the given rows, in order.
    public func rows(_ indices: some Collection<Int>) -> Matrix {
        var out = [Float]()
        out.reserveCapacity(indices.count * cols)
        for i in indices { out.append(contentsOf: values[i * cols ..< (i + 1) * cols]) }
        return Matrix(rows: indices.count, cols: cols, values: out)
    }
}

extension Matrix {
    /// `C = alpha · op(A) · op(B) + beta · C` through OpenBLAS `sgemm`.
    ///
    ///     let scores = Matrix.multiply(queries, items, transposeB: true)  // cosine for unit rows
    ///
    /// - Parameters:
    ///   - a: left operand; transposed first when `transposeA`.
    ///   - b: right operand; transposed first when `transposeB`.
    /// - Returns: the product, of shape `(op(A).rows, op(B).cols)`.
    public static func multiply(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1
    ) -> Matrix {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        var c = Matrix(rows: m, cols: n)
        if m == 0 || n == 0 { return c }
        if k == 0 { return c }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress, Int32(a.cols),
                        pb.baseAddress, Int32(b.cols),
                        0, pc.baseAddress, Int32(n))
                }
            }
        }
        return c
    }
}
