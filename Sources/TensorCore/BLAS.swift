import COpenBLAS

/// Controls for the OpenBLAS library behind ``Tensor/matmul(_:transposeA:transposeB:)`` and convolutions.
///
/// This is the only file of `TensorCore` that imports the C module; no C type leaves it.
public enum BLAS {
    /// The thread count of Khru's own kernels in this task, when ``withKernelThreads(_:_:)`` set one.
    @TaskLocal static var kernelThreads: Int?

    /// The number of threads for the next calls: OpenBLAS's, which Khru's own kernels (convolutions,
    /// batch norm, the elementwise passes, the optimizer) follow, unless ``withKernelThreads(_:_:)``
    /// set another for them in this task.
    public static var threadCount: Int {
        kernelThreads ?? Int(openblas_get_num_threads())
    }

    /// Sets the number of threads OpenBLAS uses (at least 1), for the whole process.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(count))
    }

    /// Runs `body` with Khru's own kernels on `count` threads (at least 1) in this task only.
    ///
    /// OpenBLAS and every other task keep their thread count, so a test can compare the kernels at
    /// one and two threads while tests running beside it, whose bits depend on OpenBLAS's thread count
    /// (its products are not bit-identical across thread counts), are left alone.
    public static func withKernelThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        precondition(count >= 1, "kernel thread count must be at least 1, got \(count)")
        return try $kernelThreads.withValue(count, operation: body)
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
