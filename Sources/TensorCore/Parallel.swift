import _KhruKernels

/// When TensorCore's memory-bound passes (batch norm, ReLU, sums, pooling) split their work over
/// ``BLAS/threadCount`` threads, through `_KhruKernels`' `parallelFor` like the convolutions.
///
/// Every split gives each output element to exactly one thread, which computes it exactly as one
/// thread would: the results do not depend on the thread count.
enum Parallel {
    /// Passes over at least this many elements use every thread; below it, waking a second thread
    /// costs more than it saves (about 128 KB of floats, tens of microseconds of work).
    static let threshold = 1 << 15

    /// The thread count for a pass over `count` elements.
    static func threads(for count: Int) -> Int { count >= threshold ? BLAS.threadCount : 1 }

    /// Calls `body(range)` for contiguous ranges covering `0..<count` (whole 16-element blocks but
    /// for the last), one per thread for large counts, else once with `0..<count`.
    static func forEachRange(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let threads = threads(for: count)
        guard threads > 1 else {
            body(0..<count)
            return
        }
        let blocks = (count + 15) / 16
        parallelFor(threads, threads: threads) { part in
            let lower = Swift.min(count, blocks * part / threads * 16)
            let upper = Swift.min(count, blocks * (part + 1) / threads * 16)
            body(lower..<upper)
        }
    }
}
