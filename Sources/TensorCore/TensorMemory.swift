import Synchronization

/// The bytes held by tensor buffers in this process: what is alive now and the peak since
/// ``resetPeak()`` (for the peak memory of a training step; scratch buffers of the kernels are not
/// counted).
public enum TensorMemory {
    private static let live = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    /// Bytes of tensor storage alive now.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// The largest ``liveBytes`` since the last ``resetPeak()`` (or since launch).
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }

    /// Starts a new peak from the bytes alive now.
    public static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }

    static func allocated(_ count: Int) {
        let now = live.add(count * MemoryLayout<Float>.size, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(
                expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    static func freed(_ count: Int) {
        live.subtract(count * MemoryLayout<Float>.size, ordering: .relaxed)
    }
}
