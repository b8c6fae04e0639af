import COpenBLAS

/// Controls for the OpenBLAS library behind ``Tensor/matmul(_:transposeA:transposeB:)`` and convolutions.
///
/// This is the only file of `TensorCore` that imports the C module; no C type leaves it.
public enum BLAS {
    /// The number of threads OpenBLAS uses for the next calls.
    public static var threadCount: Int {
        Int(openblas_get_num_threads())
    }

    /// Sets the number of threads OpenBLAS uses (at least 1).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(count))
    }
}

/// Row-major single-precision GEMM: `c = alpha * op(a) * op(b) + beta * c`, with `op(a)` of shape
/// `m×k` and `op(b)` of shape `k×n`.
@inline(__always)
func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        for row in 0..<m {
            for column in 0..<n { c[row * ldc + column] *= beta }
        }
        return
    }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
