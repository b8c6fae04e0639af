import _KhruKernels

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

    /// The offset of the run of `spatial` elements of `image` and `channel`.
    @inline(__always)
    func offset(image: Int, channel: Int) -> Int { (image * channels + channel) * spatial }

    /// Calls `body(channel)` for every channel, split over ``BLAS/threadCount`` threads when the
    /// `passes` over the tensor add up to ``Parallel/threshold`` elements.
    ///
    /// Each channel is handled whole by one thread, in the same order whatever the split, so
    /// the results do not depend on the thread count.
    func forEachChannel(passes: Int, _ body: @Sendable (Int) -> Void) {
        parallelFor(channels, threads: Parallel.threads(for: passes * batch * channels * spatial), body)
    }
}

/// The sum of `terms(i)` for `i < count`: 16 lanes (`vector(i)` covers `i..<i+16`), added in a fixed
/// tree, then the remaining terms one by one (`scalar(i)`).
@inline(__always)
func laneSum(_ count: Int, vector: (Int) -> SIMD16<Float>, scalar: (Int) -> Float) -> Float {
    var lanes = SIMD16<Float>()
    var i = 0
    while i + 16 <= count {
        lanes += vector(i)
        i += 16
    }
    let eight = lanes.lowHalf + lanes.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    var total = two[0] + two[1]
    while i < count {
        total += scalar(i)
        i += 1
    }
    return total
}

/// Sixteen floats from `pointer + index`.
@inline(__always)
func load16(_ pointer: UnsafePointer<Float>, _ index: Int) -> SIMD16<Float> {
    UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD16<Float>.self)
}

/// Batch norm's passes over `[N, C, …]` on raw buffers, one channel per task.
///
/// Channels are split over threads by ``ChannelLayout/forEachChannel(passes:_:)``. Each run of a
/// channel is summed in 16 lanes, the runs in `Double`, in image order. The training forward and
/// backward passes do all their passes over one channel in one task, so a channel's later passes read
/// it from cache.
enum BatchNormKernels {
    /// Writes each channel's mean and biased variance (two passes: the mean, then squared deviations).
    static func moments(
        _ x: UnsafePointer<Float>, _ layout: ChannelLayout, means: UnsafeMutablePointer<Float>,
        variances: UnsafeMutablePointer<Float>
    ) {
        nonisolated(unsafe) let (x, means, variances) = (x, means, variances)
        layout.forEachChannel(passes: 2) { channel in
            (means[channel], variances[channel]) = moments(of: channel, x, layout)
        }
    }

    /// `y = x·scale[c] + shift[c]`.
    static func affine(
        _ x: UnsafePointer<Float>, _ layout: ChannelLayout, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
    ) {
        nonisolated(unsafe) let (x, scale, shift, y) = (x, scale, shift, y)
        layout.forEachChannel(passes: 1) { channel in
            affine(channel, x, layout, scale: scale[channel], shift: shift[channel], into: y)
        }
    }

    /// Batch norm's forward pass: with `training`, writes each channel's batch mean and biased variance
    /// into `means` and `variances`, else reads them from there; writes `invStd = 1/√(variance + eps)`,
    /// `center = −mean·invStd` (so `x̂ = x·invStd + center`) and `y = x̂·weight + bias`.
    static func forward(
        _ x: UnsafePointer<Float>, _ layout: ChannelLayout, training: Bool,
        means: UnsafeMutablePointer<Float>, variances: UnsafeMutablePointer<Float>,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
        invStd: UnsafeMutablePointer<Float>, center: UnsafeMutablePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        nonisolated(unsafe) let (x, means, variances, invStd, center, y) = (
            x, means, variances, invStd, center, y
        )
        nonisolated(unsafe) let (weight, bias) = (weight, bias)
        layout.forEachChannel(passes: training ? 3 : 1) { channel in
            if training { (means[channel], variances[channel]) = moments(of: channel, x, layout) }
            let mean = means[channel]
            let scale = 1 / (variances[channel] + eps).squareRoot()
            invStd[channel] = scale
            center[channel] = -mean * scale
            let gain = weight.map { scale * $0[channel] } ?? scale
            var shift = -mean * gain
            if let bias { shift += bias[channel] }
            affine(channel, x, layout, scale: gain, shift: shift, into: y)
        }
    }

    /// Batch norm's backward pass for upstream `g`, with `x̂ = x·invStd[c] + center[c]` recomputed from
    /// `x`: writes `Σ g` and `Σ g·x̂` per channel (the bias and weight gradients) when `sums` is set, and
    /// `dx` when given: `invStd·weight·(g − mean(g) − x̂·mean(g·x̂))` in training, `invStd·weight·g` in
    /// evaluation.
    static func backward(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ layout: ChannelLayout, training: Bool,
        invStd: UnsafePointer<Float>, center: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
        sums: (g: UnsafeMutablePointer<Float>, gx: UnsafeMutablePointer<Float>)?,
        into dx: UnsafeMutablePointer<Float>?
    ) {
        nonisolated(unsafe) let (g, x, invStd, center, weight) = (g, x, invStd, center, weight)
        nonisolated(unsafe) let (sums, dx) = (sums, dx)
        let needsSums = sums != nil || (training && dx != nil)
        let m = Float(layout.perChannel)
        layout.forEachChannel(passes: (needsSums ? 2 : 0) + (dx == nil ? 0 : 2)) { channel in
            let (a, b) = (invStd[channel], center[channel])
            var (sumG, sumGX): (Float, Float) = (0, 0)
            if needsSums { (sumG, sumGX) = gradientSums(channel, g, x, layout, scale: a, shift: b) }
            if let sums { (sums.g[channel], sums.gx[channel]) = (sumG, sumGX) }
            guard let dx else { return }
            let factor = a * (weight?[channel] ?? 1)
            for image in 0..<layout.batch {
                let offset = layout.offset(image: image, channel: channel)
                let (gradient, input, output) = (g + offset, x + offset, dx + offset)
                if training {
                    let (mg, mgx) = (sumG / m, sumGX / m)
                    for i in 0..<layout.spatial {
                        output[i] = factor * (gradient[i] - mg - (input[i] * a + b) * mgx)
                    }
                } else {
                    for i in 0..<layout.spatial { output[i] = factor * gradient[i] }
                }
            }
        }
    }

    /// One channel's mean and biased variance.
    @inline(__always)
    private static func moments(
        of channel: Int, _ x: UnsafePointer<Float>, _ layout: ChannelLayout
    ) -> (
        Float, Float
    ) {
        let count = Double(Swift.max(layout.perChannel, 1))
        let spatial = layout.spatial
        var sum: Double = 0
        for image in 0..<layout.batch {
            let run = x + layout.offset(image: image, channel: channel)
            sum += Double(laneSum(spatial, vector: { load16(run, $0) }, scalar: { run[$0] }))
        }
        let mean = Float(sum / count)
        let spread = SIMD16(repeating: mean)
        var squares: Double = 0
        for image in 0..<layout.batch {
            let run = x + layout.offset(image: image, channel: channel)
            squares += Double(
                laneSum(
                    spatial,
                    vector: { i in
                        let d = load16(run, i) - spread
                        return d * d
                    },
                    scalar: { i in
                        let d = run[i] - mean
                        return d * d
                    }))
        }
        return (mean, Float(squares / count))
    }

    /// One channel of `y = x·scale + shift`.
    @inline(__always)
    private static func affine(
        _ channel: Int, _ x: UnsafePointer<Float>, _ layout: ChannelLayout, scale a: Float, shift b: Float,
        into y: UnsafeMutablePointer<Float>
    ) {
        for image in 0..<layout.batch {
            let offset = layout.offset(image: image, channel: channel)
            let (source, destination) = (x + offset, y + offset)
            for i in 0..<layout.spatial { destination[i] = source[i] * a + b }
        }
    }

    /// One channel's `Σ g` and `Σ g·(x·scale + shift)`.
    @inline(__always)
    private static func gradientSums(
        _ channel: Int, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ layout: ChannelLayout,
        scale a: Float, shift b: Float
    ) -> (Float, Float) {
        let spatial = layout.spatial
        let (va, vb) = (SIMD16(repeating: a), SIMD16(repeating: b))
        var (totalG, totalGX): (Double, Double) = (0, 0)
        for image in 0..<layout.batch {
            let offset = layout.offset(image: image, channel: channel)
            let (gradient, input) = (g + offset, x + offset)
            var (lanesG, lanesGX) = (SIMD16<Float>(), SIMD16<Float>())
            var i = 0
            while i + 16 <= spatial {
                let v = load16(gradient, i)
                lanesG += v
                lanesGX += v * (load16(input, i) * va + vb)
                i += 16
            }
            var runG = sum(lanesG)
            var runGX = sum(lanesGX)
            while i < spatial {
                runG += gradient[i]
                runGX += gradient[i] * (input[i] * a + b)
                i += 1
            }
            totalG += Double(runG)
            totalGX += Double(runGX)
        }
        return (Float(totalG), Float(totalGX))
    }

    /// The 16 lanes added in a fixed tree.
    @inline(__always)
    private static func sum(_ lanes: SIMD16<Float>) -> Float {
        let eight = lanes.lowHalf + lanes.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

extension Tensor {
    /// Batch mean and biased variance per channel (axis 1) of `[N, C, …]`, accumulated in `Double`
    /// across images.
    public func channelMoments() -> (mean: Tensor, variance: Tensor) {
        let layout = ChannelLayout(shape)
        let mean = Tensor(uninitialized: [layout.channels])
        let variance = Tensor(uninitialized: [layout.channels])
        BatchNormKernels.moments(
            storage.pointer, layout, means: mean.storage.pointer, variances: variance.storage.pointer)
        return (mean, variance)
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
            gain.count == layout.channels && shift.count == layout.channels,
            "batch norm statistics have \(gain.count) channels, input \(shape)")
        let result = Tensor(uninitialized: shape)
        BatchNormKernels.affine(
            storage.pointer, layout, scale: gain.storage.pointer, shift: shift.storage.pointer,
            into: result.storage.pointer)
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
