/// Per-channel statistics of `[N, C, …]` for batch normalization.
struct ChannelLayout {
    let batch: Int
    let channels: Int
    let spatial: Int

    init(_ shape: [Int]) {
        precondition(shape.count >= 2, "batch norm needs [N, C, …], got \(shape)")
        batch = shape[0]
        channels = shape[1]
        spatial = shape[2...].reduce(1, *)
    }

    /// Elements per channel.
    var perChannel: Int { batch * spatial }

    /// Calls `body(channel, pointer to a run of `spatial` elements)` for every run.
    @inline(__always)
    func forEachRun(_ base: UnsafeMutablePointer<Float>, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        for n in 0..<batch {
            for c in 0..<channels { body(c, base + (n * channels + c) * spatial) }
        }
    }
}

extension Tensor {
    /// Batch mean and biased variance per channel (axis 1) of `[N, C, …]`, accumulated in `Double`.
    public func channelMoments() -> (mean: Tensor, variance: Tensor) {
        let layout = ChannelLayout(shape)
        var sums = [Double](repeating: 0, count: layout.channels)
        layout.forEachRun(storage.pointer) { channel, run in
            var total: Float = 0
            for i in 0..<layout.spatial { total += run[i] }
            sums[channel] += Double(total)
        }
        let count = Double(Swift.max(layout.perChannel, 1))
        let means = sums.map { $0 / count }
        var squares = [Double](repeating: 0, count: layout.channels)
        layout.forEachRun(storage.pointer) { channel, run in
            let mean = Float(means[channel])
            var total: Float = 0
            for i in 0..<layout.spatial {
                let d = run[i] - mean
                total += d * d
            }
            squares[channel] += Double(total)
        }
        return (
            Tensor(means.map { Float($0) }), Tensor(squares.map { Float($0 / count) })
        )
    }

    /// `(x − mean)/√(variance + eps)·weight + bias` per channel (axis 1) of `[N, C, …]`: batch norm with
    /// given statistics (evaluation mode).
    public func batchNormalized(
        mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5
    ) -> Tensor {
        let layout = ChannelLayout(shape)
        let scale = (variance + eps).sqrt().map { 1 / $0 }
        var gain = scale
        if let weight { gain = gain.multiplied(by: weight) }
        var shift = (-mean).multiplied(by: gain)
        if let bias { shift = shift.adding(bias) }
        precondition(
            gain.count == layout.channels, "batch norm statistics have \(gain.count) channels, input \(shape)"
        )
        let result = Tensor(uninitialized: shape)
        let source = storage.pointer
        let g = gain.storage.pointer
        let s = shift.storage.pointer
        layout.forEachRun(result.storage.pointer) { channel, run in
            let offset = run - result.storage.pointer
            let a = g[channel]
            let b = s[channel]
            for i in 0..<layout.spatial { run[i] = source[offset + i] * a + b }
        }
        return result
    }

    /// An inverted-dropout mask: each element 0 with probability `p`, else `1/(1−p)`.
    public static func dropoutMask(
        _ shape: [Int], probability p: Float, generator: Generator = Random.current
    )
        -> Tensor
    {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        let mask = Tensor.uniform(shape, generator: generator)
        let keep = 1 / (1 - p)
        return mask.map { $0 < p ? 0 : keep }
    }
}
