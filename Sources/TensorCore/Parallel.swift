import _KhruKernels

/// When TensorCore's memory-bound passes (batch norm, ReLU, sums, pooling) split their work over
/// ``BLAS/threadCount`` threads, through `_KhruKernels`' `parallelFor` like the convolutions.
///
/// Every split gives each output element to exactly one thread, which computes it exactly as one
/// thread would: the results do not depend on the thread count.
public enum Parallel {
    /// Passes over at least this many elements (512 KB of floats) use every thread.
    ///
    /// Below it, waking a second thread costs about what it saves: on the 2-vCPU development VM the
    /// ResNet-18 step at 2 threads measured best at 2¹⁷ (64.5 ms; 2¹⁵ 67.1, 2¹⁹ 64.9, never 68.3, min of
    /// several rounds on a quiet machine). For that step it threads the stem, layer 1 and layer 2
    /// (batch 64: 1M, 262K and 131K elements) and leaves layers 3 and 4 on one thread.
    public static let threshold = 1 << 17

    /// The thread count for a pass over `count` elements.
    static func threads(for count: Int) -> Int { count >= threshold ? BLAS.threadCount : 1 }

    /// Calls `body(range)` for contiguous ranges covering `0..<count`, on ``BLAS/threadCount`` threads
    /// when the pass is large, else once with `0..<count`.
    ///
    /// - Parameters:
    ///   - count: The number of elements.
    ///   - passes: How many arrays of `count` floats the pass reads or writes (the work per element),
    ///     for the decision to thread: `passes · count` against ``threshold``.
    ///   - body: Processes one range; every range but the last is a whole number of 16-element blocks.
    ///     It must compute each element the same way whatever the range (the split varies).
    public static func forEachRange(_ count: Int, passes: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        let threads = threads(for: count * passes)
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
