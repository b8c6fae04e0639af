import Dispatch
import Synchronization

/// Runs `body(index)` for `index < count`, on `threads` threads when that is more than one.
///
/// At most `threads` workers take contiguous ranges of indices (four per worker) in turn, each range
/// run in ascending order; which worker runs which range varies, so `body` must give every index the
/// same result whoever runs it. It is Khru's one parallel loop: TensorCore's batch norm and
/// elementwise kernels use it too (with ``BLAS``'s thread count), and so do the convolution kernels of
/// every instruction set (`_KhruKernelsAVX512`, `_KhruKernelsAVX2`). Inlinable, so that each caller
/// compiles it for its own target CPU.
@inlinable @inline(__always)
public func parallelFor(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    let workers = Swift.min(threads, count)
    if workers <= 1 {
        for index in 0..<count { body(index) }
        return
    }
    // Four chunks per worker, taken in turn: a worker slowed by another process (or by OpenBLAS's
    // spinning threads) takes fewer chunks instead of holding up the others.
    let chunks = Swift.min(count, workers * 4)
    let next = ChunkCounter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let chunk = next.take()
            if chunk >= chunks { return }
            for index in (count * chunk / chunks)..<(count * (chunk + 1) / chunks) { body(index) }
        }
    }
}

/// The next chunk of a ``parallelFor(_:threads:_:)``, shared by its workers.
public final class ChunkCounter: Sendable {
    private let next = Atomic<Int>(0)

    /// A counter at 0.
    @inlinable public init() {}

    /// The next chunk index (0, 1, 2, … across all callers).
    @inlinable public func take() -> Int { _take() }

    @usableFromInline func _take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}
