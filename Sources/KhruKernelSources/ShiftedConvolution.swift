import Dispatch
import Synchronization
import _KhruKernels

// Stride-1 convolutions without im2col. The batch is copied once into a zero-padded, channel-major
// layout `[channels][batch][paddedHeight][paddedWidth]`, and outputs are computed in the same padded
// coordinates: output position `p = (image·paddedHeight + y)·paddedWidth + x` reads, for tap
// `(channel, ky, kx)`, the input at `channel·plane + p + ky·paddedWidth + kx`. Every tap is one
// constant shift of the whole plane, so the right operand of the product is read straight from the
// padded copy with vector loads, never packed: the micro-kernel's only overhead is the positions that
// fall into the padding (`(h + 2p)(w + 2p)` computed for `h·w` kept, 1.15× at 28 px, 1.27× at 16 px),
// which is why small maps keep the packed GEMM (see ``ConvolutionShape/prefersShifted``).
//
// Every output value is one fixed-order sum whatever the thread count, so results are bit-identical
// for 1 and 2 threads.

/// Padded positions per dot-product call (four gradient rows of it stay in L1).
let dotChunk = 2048

extension ConvolutionShape {
    /// Computed positions per kept output when positions are counted in the padded geometry
    /// (``ShiftedLayout``).
    private var paddedRatio: Double {
        let layout = ShiftedLayout(self)
        return Double(layout.paddedHeight * layout.paddedWidth) / Double(positions)
    }

    /// Whether the phase planes pay for a stride above 1: only for large kernels (the 7×7 stem), where
    /// the packed GEMM's transposing gathers are slowest; a 3×3 or 1×1 stride-2 convolution measured
    /// faster (or no slower) with the packed GEMM, since scattering all `stride²` phases costs more.
    private var stridedPaysOff: Bool { stride == 1 || (stride == 2 && kernelHeight * kernelWidth >= 25) }

    /// Whether the forward pass (and a stride-1 input gradient, which is one) should use the shifted kernel.
    ///
    /// Rather than the packed GEMM: at most `shiftedForwardLimit` (a parameter of each instruction
    /// set's micro-kernels, 2.0 for both today) times the kept positions computed. With shared borders
    /// (``ShiftedLayout``) 4×4 maps compute 1.56× and go shifted, 2×2 maps 2.25× and take the packed
    /// GEMM. Measured on an AMD EPYC (Zen 5), CPU time at 1 thread, the course's layer 4 (128 channels,
    /// 2×2): AVX2 shifted 4.0 ms, packed 3.1–3.2 ms; AVX-512 shifted 2.5 ms, packed 2.2 ms.
    var prefersShifted: Bool {
        stridedPaysOff && !prefersDirectForward && paddedRatio <= shiftedForwardLimit
    }

    /// Whether the weight gradient should use the shifted dot-product kernel: at most 1.6× (3×3
    /// kernels with padding 1 from 8×8 maps; on 4×4 maps the packed GEMM is faster).
    var prefersShiftedWeightGradient: Bool { stridedPaysOff && paddedRatio <= 1.6 }
}

/// The padded, channel-major geometry of a shifted convolution.
///
/// Stride 1: images share their zero borders. Each row of `width` pixels is followed by
/// `paddedWidth − width ≥ padding` zeros, which are also the left padding of the next row; each image's
/// `height` rows by `paddedHeight − height ≥ padding` zero rows, also the top padding of the next
/// image; and `lead = padding·paddedWidth + padding` zeros come first, the top and left padding of the
/// first image. Output `(image, y, x)` is position `(image·paddedHeight + y)·paddedWidth + x` and reads
/// tap `(ky, kx)` at `lead + that − padding·paddedWidth − padding + ky·paddedWidth + kx`, i.e. at a
/// constant shift `ky·paddedWidth + kx` from the position. For a 3×3 "same" convolution of 8×8 maps
/// that computes 9·9 positions per 64 kept (1.27×) where a border per image computed 10·10 (1.56×);
/// 28×28 maps: 1.07× against 1.15×.
///
/// For stride `s > 1` each channel is
/// split into `s²` phase planes (padded rows `r·s + a`, columns `t·s + b`), so that a strided tap is
/// again one constant shift: output `(y, x)` reads phase `(ky mod s, kx mod s)` at
/// `(y + ky / s, x + kx / s)`.
struct ShiftedLayout {
    let shape: ConvolutionShape
    /// Rows of one (phase) plane of one image: `max(height + padding, outHeight)` for stride 1.
    let paddedHeight: Int
    /// Columns of one (phase) plane of one image: `max(width + padding, outWidth)` for stride 1.
    let paddedWidth: Int
    /// Zeros before the first image of a plane (stride 1; 0 for the phase planes).
    let lead: Int
    /// Floats of one (phase) plane: `lead + batch·paddedHeight·paddedWidth`.
    let plane: Int
    /// One past the last kept output position.
    let end: Int
    /// Positions computed: ``end`` rounded up to whole micro-tiles.
    let span: Int
    /// Floats past the last plane that shifted reads may touch (kept zero).
    let slack: Int

    init(_ shape: ConvolutionShape) {
        self.shape = shape
        let s = shape.stride
        if s == 1 {
            paddedHeight = Swift.max(shape.height + shape.padding, shape.outHeight)
            paddedWidth = Swift.max(shape.width + shape.padding, shape.outWidth)
            lead = shape.padding * paddedWidth + shape.padding
        } else {
            paddedHeight = (shape.height + 2 * shape.padding + s - 1) / s
            paddedWidth = (shape.width + 2 * shape.padding + s - 1) / s
            lead = 0
        }
        plane = lead + shape.batch * paddedHeight * paddedWidth
        end = ((shape.batch - 1) * paddedHeight + shape.outHeight - 1) * paddedWidth + shape.outWidth
        span = (end + shiftedColumns - 1) / shiftedColumns * shiftedColumns
        slack = shape.kernelHeight * paddedWidth + shape.kernelWidth + 2 * shiftedColumns
    }

    /// Floats of the scattered input: every channel's planes and the slack.
    var count: Int { shape.channels * shape.stride * shape.stride * plane + slack }

    /// The offset of tap `q = (channel·kernelHeight + ky)·kernelWidth + kx` from an output position.
    @inline(__always)
    func offset(_ q: Int) -> Int {
        let s = shape.stride
        let window = shape.kernelHeight * shape.kernelWidth
        let channel = q / window
        let ky = (q - channel * window) / shape.kernelWidth
        let kx = q - channel * window - ky * shape.kernelWidth
        return ((channel * s + ky % s) * s + kx % s) * plane + (ky / s) * paddedWidth + kx / s
    }

    /// Scatters `input` (`[batch][channels][height][width]`) into `destination` (``count`` floats).
    func scatter(_ input: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, threads: Int) {
        let s = shape.stride
        if s == 1 {
            scatterPadded(
                input, batch: shape.batch, channels: shape.channels, height: shape.height, width: shape.width,
                into: destination, rows: paddedHeight, columns: paddedWidth, margin: 0, lead: lead,
                planeStride: plane, slack: slack, threads: threads)
            return
        }
        nonisolated(unsafe) let input = input
        nonisolated(unsafe) let destination = destination
        let (batch, channels, h, w, p) = (
            shape.batch, shape.channels, shape.height, shape.width, shape.padding
        )
        let (rows, columns, plane) = (paddedHeight, paddedWidth, plane)
        parallelFor(channels * batch, threads: threads) { index in
            let channel = index / batch
            let image = index - channel * batch
            let from = input + (image * channels + channel) * h * w
            for a in 0..<s {
                for b in 0..<s {
                    let to = destination + ((channel * s + a) * s + b) * plane + image * rows * columns
                    for r in 0..<rows {
                        let y = r * s + a - p
                        let row = to + r * columns
                        if y < 0 || y >= h {
                            row.update(repeating: 0, count: columns)
                            continue
                        }
                        let source = from + y * w
                        // Columns t with 0 <= t·s + b − p < w.
                        let lower = Swift.min(Swift.max((p - b + s - 1) / s, 0), columns)
                        let last = w - 1 + p - b
                        let upper = last < 0 ? lower : Swift.max(Swift.min(last / s + 1, columns), lower)
                        for t in 0..<lower { row[t] = 0 }
                        for t in lower..<upper { row[t] = source[t * s + b - p] }
                        for t in upper..<columns { row[t] = 0 }
                    }
                }
            }
        }
        (destination + channels * s * s * plane).update(repeating: 0, count: slack)
    }
}

/// A buffer of floats that belongs to one call, taken from ``scratchPool`` and given back.
struct Scratch: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let capacity: Int

    init(count: Int) { self = scratchPool.take(Swift.max(count, 1)) }

    fileprivate init(base: UnsafeMutablePointer<Float>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    func deallocate() { scratchPool.give(self) }
}

/// Scratch buffers reused across calls.
///
/// A fresh multi-megabyte allocation per convolution costs a page fault per 4 KB (a fifth of the time in the first profile). At most `limit` floats are kept.
final class ScratchPool: Sendable {
    private let free = Mutex<[Scratch]>([])
    private let limit = 48 << 20

    func take(_ count: Int) -> Scratch {
        let reused: Scratch? = free.withLock { buffers in
            var best: Int?
            for (index, buffer) in buffers.enumerated() where buffer.capacity >= count {
                if best.map({ buffer.capacity < buffers[$0].capacity }) ?? true { best = index }
            }
            return best.map { buffers.remove(at: $0) }
        }
        return reused ?? Scratch(base: .allocate(capacity: count), capacity: count)
    }

    func give(_ buffer: Scratch) {
        let dropped: [Scratch] = free.withLock { buffers in
            buffers.append(buffer)
            buffers.sort { $0.capacity > $1.capacity }
            var total = 0
            var kept = 0
            while kept < buffers.count && total + buffers[kept].capacity <= limit {
                total += buffers[kept].capacity
                kept += 1
            }
            let dropped = Array(buffers[kept...])
            buffers.removeSubrange(kept...)
            return dropped
        }
        for buffer in dropped { buffer.base.deallocate() }
    }
}

let scratchPool = ScratchPool()

/// Copies `source[batch][channels][height][width]` into `destination[channels][batch][rows][columns]`
/// at row and column offset `margin`, zeros elsewhere; channel planes are `planeStride` floats apart,
/// start with `lead` zeros (then the images) and are zero past `lead + batch·rows·columns`; `slack`
/// floats past the last plane are zeroed.
func scatterPadded(
    _ source: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
    into destination: UnsafeMutablePointer<Float>, rows: Int, columns: Int, margin: Int, lead: Int = 0,
    planeStride: Int? = nil, slack: Int, threads: Int
) {
    nonisolated(unsafe) let source = source
    nonisolated(unsafe) let destination = destination
    let used = lead + batch * rows * columns
    let plane = planeStride ?? used
    parallelFor(channels * batch, threads: threads) { index in
        let channel = index / batch
        let image = index - channel * batch
        let from = source + (image * channels + channel) * height * width
        if image == 0 { (destination + channel * plane).update(repeating: 0, count: lead) }
        let to = destination + channel * plane + lead + image * rows * columns
        to.update(repeating: 0, count: margin * columns)
        for y in 0..<height {
            // Rows are short (2–64 floats): plain loops, not a memset and memcpy call per piece.
            let row = to + (margin + y) * columns
            let line = from + y * width
            for x in 0..<margin { row[x] = 0 }
            copyRow(line, to: row + margin, count: width)
            for x in (margin + width)..<columns { row[x] = 0 }
        }
        let below = margin + height
        (to + below * columns).update(repeating: 0, count: (rows - below) * columns)
        if image == batch - 1 {
            (destination + channel * plane + used).update(repeating: 0, count: plane - used)
        }
    }
    (destination + channels * plane).update(repeating: 0, count: slack)
}

/// Copies `count` floats 16 at a time, then the tail.
@inline(__always)
private func copyRow(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int)
{
    var x = 0
    while x + 16 <= count {
        UnsafeMutableRawPointer(destination + x).storeBytes(
            of: UnsafeRawPointer(source + x).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
        x += 16
    }
    while x < count {
        destination[x] = source[x]
        x += 1
    }
}

/// Stride-1 convolution kernels on padded, channel-major copies (see the file's comment).
enum ShiftedConvolution {
    /// `output = conv2d(input, weight) + bias` for a ``ConvolutionShape/prefersShifted`` shape.
    static func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias biasPointer: UnsafePointer<Float>?,
        output outputPointer: UnsafeMutablePointer<Float>, shape: ConvolutionShape, threads: Int
    ) {
        let layout = ShiftedLayout(shape)
        let padded = Scratch(count: layout.count)
        defer { padded.deallocate() }
        layout.scatter(input, into: padded.base, threads: threads)
        forward(
            padded: UnsafePointer(padded.base), layout: layout, weight: weight, bias: biasPointer,
            output: outputPointer, threads: threads)
    }

    /// The forward pass from the input already scattered into `layout`'s padded geometry.
    static func forward(
        padded: UnsafePointer<Float>, layout: ShiftedLayout, weight: UnsafePointer<Float>,
        bias biasPointer: UnsafePointer<Float>?, output outputPointer: UnsafeMutablePointer<Float>,
        threads: Int
    ) {
        let shape = layout.shape
        nonisolated(unsafe) let padded = padded
        // Weights as [block][tap][8 rows], zero past the last output channel; one offset per tap.
        let patch = shape.patch
        let blocks = (shape.outChannels + shiftedRows - 1) / shiftedRows
        let packed = Scratch(count: blocks * patch * shiftedRows)
        defer { packed.deallocate() }
        packed.base.initialize(repeating: 0, count: blocks * patch * shiftedRows)
        for o in 0..<shape.outChannels {
            let block = packed.base + (o / shiftedRows) * patch * shiftedRows + o % shiftedRows
            for q in 0..<patch { block[q * shiftedRows] = weight[o * patch + q] }
        }
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: patch)
        defer { offsets.deallocate() }
        for q in 0..<patch { offsets[q] = layout.offset(q) }

        let result = Scratch(count: blocks * shiftedRows * layout.span)
        defer { result.deallocate() }
        let span = layout.span
        nonisolated(unsafe) let taps = UnsafePointer(offsets)
        parallelFor(span / shiftedColumns, threads: threads) { tile in
            let column = tile * shiftedColumns
            for block in 0..<blocks {
                shiftedKernel(
                    depth: patch, a: packed.base + block * patch * shiftedRows, offsets: taps,
                    b: padded + column, c: result.base + block * shiftedRows * span + column, ldc: span)
            }
        }

        // Back to [batch][outChannels][outHeight][outWidth], adding the bias.
        let (oh, ow, ph, pw) = (shape.outHeight, shape.outWidth, layout.paddedHeight, layout.paddedWidth)
        let outChannels = shape.outChannels
        nonisolated(unsafe) let output = outputPointer
        nonisolated(unsafe) let bias = biasPointer
        parallelFor(shape.batch * outChannels, threads: threads) { index in
            let image = index / outChannels
            let channel = index - image * outChannels
            let from = result.base + channel * span + image * ph * pw
            let to = output + index * oh * ow
            let value = bias?[channel] ?? 0
            for y in 0..<oh {
                let source = from + y * pw
                let destination = to + y * ow
                for x in 0..<ow { destination[x] = source[x] + value }
            }
        }
    }

    /// The gradient of the weight (overwritten) for a
    /// ``ConvolutionShape/prefersShiftedWeightGradient`` shape:
    /// `Σ_p gradient[o][p] · input[tap offset + p]` over the padded positions, with the gradient
    /// scattered into the padded geometry (zero outside the kept outputs).
    static func weightGradient(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
        weightGradient weightGradientPointer: UnsafeMutablePointer<Float>, shape: ConvolutionShape,
        threads: Int
    ) {
        let layout = ShiftedLayout(shape)
        let (ph, pw) = (layout.paddedHeight, layout.paddedWidth)
        let padded = Scratch(count: layout.count)
        defer { padded.deallocate() }
        layout.scatter(input, into: padded.base, threads: threads)
        // The gradient in the same padded geometry, one row per channel padded with zeros to a
        // multiple of 16 floats.
        let length = (layout.plane + 15) / 16 * 16
        let gradients = Scratch(count: shape.outChannels * length)
        defer { gradients.deallocate() }
        scatterPadded(
            gradient, batch: shape.batch, channels: shape.outChannels, height: shape.outHeight,
            width: shape.outWidth, into: gradients.base, rows: ph, columns: pw, margin: 0,
            planeStride: length, slack: 0, threads: threads)
        weightGradient(
            padded: UnsafePointer(padded.base), gradients: UnsafePointer(gradients.base),
            gradientStride: length,
            length: length, layout: layout, weightGradient: weightGradientPointer, threads: threads)
    }

    /// The weight gradient from the input scattered into `layout`'s padded geometry and the gradient
    /// in the same geometry with margin 0 (row `o` at `gradients + o·gradientStride`, zero outside the
    /// kept outputs), summed over positions `0..<length` (a multiple of 16).
    static func weightGradient(
        padded: UnsafePointer<Float>, gradients: UnsafePointer<Float>, gradientStride: Int, length: Int,
        layout: ShiftedLayout, weightGradient weightGradientPointer: UnsafeMutablePointer<Float>,
        threads: Int
    ) {
        let shape = layout.shape
        nonisolated(unsafe) let padded = padded
        nonisolated(unsafe) let gradients = gradients
        let (o, patch) = (shape.outChannels, shape.patch)
        let rowBlocks = (o + dotRows - 1) / dotRows
        let tapBlocks = (patch + dotColumns - 1) / dotColumns
        nonisolated(unsafe) let weightGradient = weightGradientPointer
        weightGradient.update(repeating: 0, count: o * patch)
        let offsets = (0..<patch).map { layout.offset($0) }
        // Chunks of `dotChunk` padded positions; per chunk, each block of four gradient rows (16 KB,
        // kept in L1) meets every block of taps. The chunk is a constant, so the order of the sums,
        // and the result, does not depend on the thread count.
        let workers = Swift.min(threads, tapBlocks)
        let work: @Sendable (Int) -> Void = { worker in
            let blocks = (tapBlocks * worker / workers)..<(tapBlocks * (worker + 1) / workers)
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: dotRows + dotColumns) {
                rows in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: dotRows * dotColumns) { sums in
                    let sums = sums.baseAddress.unsafelyUnwrapped
                    let left = rows.baseAddress.unsafelyUnwrapped
                    let right = left + dotRows
                    var start = 0
                    while start < length {
                        let count = Swift.min(dotChunk, length - start)
                        for rowBlock in 0..<rowBlocks {
                            let kept = Swift.min(dotRows, o - rowBlock * dotRows)
                            for i in 0..<dotRows {
                                // Missing rows repeat the first one; their sums are dropped.
                                let channel = rowBlock * dotRows + (i < kept ? i : 0)
                                left[i] = gradients + channel * gradientStride + start
                            }
                            for tapBlock in blocks {
                                let taps = Swift.min(dotColumns, patch - tapBlock * dotColumns)
                                for j in 0..<dotColumns {
                                    let q = tapBlock * dotColumns + (j < taps ? j : 0)
                                    right[j] = padded + offsets[q] + start
                                }
                                dotKernel(left: left, right: right, count: count, sums: sums)
                                for i in 0..<kept {
                                    let row =
                                        weightGradient + (rowBlock * dotRows + i) * patch + tapBlock
                                        * dotColumns
                                    for j in 0..<taps { row[j] += sums[i * dotColumns + j] }
                                }
                            }
                        }
                        start += count
                    }
                }
            }
        }
        if workers <= 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
    }

    /// Both gradients of a "same" stride-1 convolution, with one scatter of the gradient for both.
    ///
    /// For a square kernel with `2·padding = kernel − 1` whose input gradient and weight gradient
    /// both prefer the shifted kernels: the input gradient's padded gradient, read from its first image
    /// (past ``ShiftedLayout/lead``), is the weight gradient's margin-0 one. Returns `false` (and does
    /// nothing) for other shapes.
    static func backward(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>,
        weightGradient weightGradientPointer: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) -> Bool {
        let (o, c, k, p) = (shape.outChannels, shape.channels, shape.kernelHeight, shape.padding)
        guard shape.stride == 1, shape.kernelWidth == k, 2 * p == k - 1, shape.prefersShiftedWeightGradient
        else { return false }
        let transposed = ConvolutionShape(
            batch: shape.batch, channels: o, height: shape.outHeight, width: shape.outWidth, outChannels: c,
            kernelHeight: k, kernelWidth: k, stride: 1, padding: p)
        let layout = ShiftedLayout(shape)
        let gradientLayout = ShiftedLayout(transposed)
        let length = (layout.end + 15) / 16 * 16
        guard transposed.prefersShifted, gradientLayout.paddedWidth == layout.paddedWidth,
            gradientLayout.paddedHeight == layout.paddedHeight, gradientLayout.lead == layout.lead,
            length <= layout.plane
        else { return false }

        let flipped = Scratch(count: o * c * k * k)
        defer { flipped.deallocate() }
        let window = k * k
        for outChannel in 0..<o {
            for channel in 0..<c {
                let source = weight + (outChannel * c + channel) * window
                let destination = flipped.base + (channel * o + outChannel) * window
                for index in 0..<window { destination[window - 1 - index] = source[index] }
            }
        }
        let paddedGradient = Scratch(count: gradientLayout.count)
        defer { paddedGradient.deallocate() }
        gradientLayout.scatter(gradient, into: paddedGradient.base, threads: threads)
        forward(
            padded: UnsafePointer(paddedGradient.base), layout: gradientLayout, weight: flipped.base,
            bias: nil, output: inputGradient, threads: threads)

        let padded = Scratch(count: layout.count)
        defer { padded.deallocate() }
        layout.scatter(input, into: padded.base, threads: threads)
        // Positions past the last kept output are zero in the gradient up to `length` (at most the
        // plane): they fall in the last image's zero rows and columns, then in the next channel's lead
        // (or the slack after the last channel).
        weightGradient(
            padded: UnsafePointer(padded.base),
            gradients: UnsafePointer(paddedGradient.base + gradientLayout.lead),
            gradientStride: gradientLayout.plane, length: length, layout: layout,
            weightGradient: weightGradientPointer, threads: threads)
        return true
    }

}
