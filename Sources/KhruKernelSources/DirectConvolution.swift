import Dispatch
import _KhruKernels

// A direct convolution for layers with few input channels (the 3-channel 7×7 stem): output channels in
// the lanes of a `KernelVector` (16 for AVX-512, 8 for AVX2), eight output positions per step, one
// broadcast FMA per input tap. im2col would pack 147 values per output position for only 16 output
// channels, which is all packing and no arithmetic.

extension ConvolutionShape {
    /// Whether ``ISAConvolution/forward(input:weight:bias:output:shape:threads:)`` should go direct.
    var prefersDirectForward: Bool { channels <= 4 && kernelHeight * kernelWidth >= 25 }
}

enum DirectConvolution {
    /// `output = conv2d(input, weight) + bias` for ``ConvolutionShape/prefersDirectForward`` shapes.
    static func forward(
        input source: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias biasPointer: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, threads: Int
    ) {
        let patch = shape.patch
        let width = KernelVector.scalarCount
        let blocks = (shape.outChannels + width - 1) / width
        // Weights transposed to [block][q][lanes], zero in the lanes past the last channel.
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: blocks * patch * width)
        packed.initialize(repeating: 0, count: blocks * patch * width)
        defer { packed.deallocate() }
        for o in 0..<shape.outChannels {
            for q in 0..<patch {
                packed[((o / width) * patch + q) * width + o % width] = weight[o * patch + q]
            }
        }
        // A zero-padded copy of the batch (plus 8·stride columns of slack), so taps need no bounds checks.
        let padded = PaddedImages(source, shape: shape)
        defer { padded.deallocate() }
        nonisolated(unsafe) let out = output
        nonisolated(unsafe) let input = padded
        nonisolated(unsafe) let bias = biasPointer
        let rows = shape.batch * shape.outHeight
        let chunks = threads > 1 && rows >= 2 ? threads : 1
        nonisolated(unsafe) let weights = UnsafePointer(packed)
        let work: @Sendable (Int) -> Void = { index in
            for row in (rows * index / chunks)..<(rows * (index + 1) / chunks) {
                forwardRow(
                    input: input, weights: weights, bias: bias, output: out, shape: shape,
                    image: row / shape.outHeight, outRow: row % shape.outHeight)
            }
        }
        if chunks == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
        }
    }

    /// One output row of one image, every output channel.
    private static func forwardRow(
        input: PaddedImages, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, image: Int, outRow: Int
    ) {
        let s = shape.stride
        let (kh, kw, patch) = (shape.kernelHeight, shape.kernelWidth, shape.patch)
        let positions = shape.positions
        let lanes = 8
        let width = KernelVector.scalarCount
        for block in 0..<((shape.outChannels + width - 1) / width) {
            let blockWeights = weights + block * patch * width
            var first = 0
            while first < shape.outWidth {
                let count = Swift.min(lanes, shape.outWidth - first)
                var acc = (
                    KernelVector(), KernelVector(), KernelVector(), KernelVector(), KernelVector(),
                    KernelVector(), KernelVector(), KernelVector()
                )
                var q = 0
                for channel in 0..<shape.channels {
                    for ky in 0..<kh {
                        // Padded coordinates: output (oy, ox) reads rows oy·s + ky, columns ox·s + kx.
                        let row = input.row(image: image, channel: channel, y: outRow * s + ky) + first * s
                        for kx in 0..<kw {
                            let vector = UnsafeRawPointer(blockWeights + q * width).loadUnaligned(
                                as: KernelVector.self)
                            let taps = row + kx
                            acc.0.addProduct(KernelVector(repeating: taps[0]), vector)
                            acc.1.addProduct(KernelVector(repeating: taps[s]), vector)
                            acc.2.addProduct(KernelVector(repeating: taps[2 * s]), vector)
                            acc.3.addProduct(KernelVector(repeating: taps[3 * s]), vector)
                            acc.4.addProduct(KernelVector(repeating: taps[4 * s]), vector)
                            acc.5.addProduct(KernelVector(repeating: taps[5 * s]), vector)
                            acc.6.addProduct(KernelVector(repeating: taps[6 * s]), vector)
                            acc.7.addProduct(KernelVector(repeating: taps[7 * s]), vector)
                            q += 1
                        }
                    }
                }
                let base = output + image * shape.outChannels * positions + outRow * shape.outWidth + first
                withUnsafeBytes(of: &acc) { raw in
                    // The eight accumulators, position-major: results[i·width + lane].
                    let results = raw.bindMemory(to: Float.self)
                    for lane in 0..<Swift.min(width, shape.outChannels - block * width) {
                        let o = block * width + lane
                        let value = bias?[o] ?? 0
                        let destination = base + o * positions
                        for i in 0..<count { destination[i] = results[i * width + lane] + value }
                    }
                }
                first += lanes
            }
        }
    }
}

/// A zero-padded copy of an image batch: `padding` on every side, and on the right enough slack for
/// eight strided taps past the last output column.
struct PaddedImages: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let height: Int
    let width: Int
    let channels: Int

    init(_ source: UnsafePointer<Float>, shape: ConvolutionShape) {
        let p = shape.padding
        height = shape.height + 2 * p
        width = shape.width + 2 * p + 8 * shape.stride + shape.kernelWidth
        channels = shape.channels
        let count = shape.batch * channels * height * width
        base = .allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
        for plane in 0..<(shape.batch * channels) {
            for y in 0..<shape.height {
                (base + (plane * height + y + p) * width + p).update(
                    from: source + (plane * shape.height + y) * shape.width, count: shape.width)
            }
        }
    }

    /// Row `y` (padded coordinates) of one channel of one image.
    @inline(__always)
    func row(image: Int, channel: Int, y: Int) -> UnsafePointer<Float> {
        UnsafePointer(base + ((image * channels + channel) * height + y) * width)
    }

    func deallocate() { base.deallocate() }
}
