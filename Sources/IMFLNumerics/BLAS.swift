import CBLAS

/// Thread control for OpenBLAS. imfl splits work across cores itself, which measured faster
/// than OpenBLAS's own threads on small matrices, so the library is pinned to one thread.
public enum BLAS {
    /// Sets the number of threads OpenBLAS may use for one call.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

extension BLAS {
    /// `C = A · Bᵀ` with `A` `m × k`, `B` `n × k` and `C` `m × n`, all row-major and dense:
    /// queries scored against rows in one product.
    public static func multiplyTransposed(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
    }
}
