import CBLAS

/// Read-only float storage with a stable address, shared by the threads of one forward pass.
/// It is written once in `init` and never after, which is what makes sharing it safe.
final class FloatStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// A copy of the concatenation of `parts`.
    init(concatenating parts: [[Float]]) {
        count = parts.reduce(0) { $0 + $1.count }
        pointer = .allocate(capacity: Swift.max(count, 1))
        var offset = 0
        for part in parts {
            part.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { (pointer + offset).update(from: base, count: part.count) }
            }
            offset += part.count
        }
    }

    convenience init(_ values: [Float]) { self.init(concatenating: [values]) }

    deinit { pointer.deallocate() }
}

/// `C = alpha · A · op(B) + beta · C` on raw row-major buffers, the one product shape the
/// forward pass needs (`B` is either `k × n`, or `n × k` when `transposeB`).
@inline(__always)
func sgemm(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
