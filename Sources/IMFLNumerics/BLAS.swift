import CBLAS

/// Thread control for OpenBLAS. imfl splits work across cores itself, which measured faster
/// than OpenBLAS's own threads on small matrices, so the library is pinned to one thread.
public enum BLAS {
    /// Sets the number of threads OpenBLAS may use for one call.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
