import _KhruKernels

// Convolutions as packed GEMMs whose operands are packed straight from images and gradients (implicit
// im2col): the column matrix is never written out, and every product spans the whole batch, so even
// 7×7 feature maps with 512 channels give the micro-kernel full tiles.

/// A run of consecutive columns `(image, outRow, firstOutColumn ..< firstOutColumn + count)` of the
/// batched column matrix that share one image and one output row, placed at `offset` in a panel.
struct ColumnRun {
    var offset: Int
    var image: Int
    var outRow: Int
    var firstOutColumn: Int
    var count: Int
}

extension ConvolutionShape {
    /// Calls `body` with the runs of columns `columns` (at most `tileColumns` of them, so at most that many runs).
    @inline(__always)
    func withRuns<R>(_ columns: Range<Int>, _ body: (UnsafeMutableBufferPointer<ColumnRun>, Int) -> R) -> R {
        withUnsafeTemporaryAllocation(of: ColumnRun.self, capacity: Swift.max(columns.count, 1)) { runs in
            var count = 0
            var j = columns.lowerBound
            while j < columns.upperBound {
                let image = j / positions
                let position = j - image * positions
                let outRow = position / outWidth
                let outColumn = position - outRow * outWidth
                let length = Swift.min(outWidth - outColumn, columns.upperBound - j)
                runs[count] = ColumnRun(
                    offset: j - columns.lowerBound, image: image, outRow: outRow, firstOutColumn: outColumn,
                    count: length)
                count += 1
                j += length
            }
            return body(runs, count)
        }
    }

    /// Writes the column-matrix values of row `(channel, ky, kx)` for `run` to
    /// `destination[t·step]`, `t < run.count` (the general path, any stride).
    @inline(__always)
    func gatherRun(
        _ input: UnsafePointer<Float>, channel: Int, ky: Int, kx: Int, run: ColumnRun,
        into destination: UnsafeMutablePointer<Float>, step: Int
    ) {
        let y = run.outRow * stride - padding + ky
        if y < 0 || y >= height {
            for t in 0..<run.count { destination[t * step] = 0 }
            return
        }
        let row = input + ((run.image * channels + channel) * height + y) * width
        let x0 = run.firstOutColumn * stride - padding + kx
        // Valid t: 0 <= x0 + t·stride < width.
        let lower = x0 >= 0 ? 0 : Swift.min((-x0 + stride - 1) / stride, run.count)
        let upper = x0 >= width ? 0 : Swift.max(Swift.min((width - 1 - x0) / stride + 1, run.count), lower)
        for t in 0..<lower { destination[t * step] = 0 }
        for t in lower..<upper { destination[t * step] = row[x0 + t * stride] }
        for t in upper..<run.count { destination[t * step] = 0 }
    }
}

/// Bit masks of 16 lanes: all ones in the lanes kept, zero elsewhere.
enum LaneMasks {
    /// `[0] × 16 + [~0] × 16`: the 16 lanes from `16 − lower` keep lanes `lower…` .
    private static let ramp: [UInt32] = Array(repeating: 0, count: 16) + Array(repeating: ~0, count: 16)

    /// Lanes `lower..<16` kept.
    @inline(__always)
    static func from(_ lower: Int) -> SIMD16<UInt32> {
        ramp.withUnsafeBufferPointer {
            UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + 16 - lower).loadUnaligned(
                as: SIMD16<UInt32>.self)
        }
    }

    /// Lanes `0..<upper` kept.
    @inline(__always)
    static func below(_ upper: Int) -> SIMD16<UInt32> {
        ramp.withUnsafeBufferPointer {
            ~UnsafeRawPointer($0.baseAddress.unsafelyUnwrapped + 16 - upper).loadUnaligned(
                as: SIMD16<UInt32>.self)
        }
    }
}

/// The batched column matrix `[patch, batch·positions]` of an image batch, as a right operand.
struct ImageColumns: RightOperand, @unchecked Sendable {
    let input: UnsafePointer<Float>
    let shape: ConvolutionShape

    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        if columns.count < tileColumns { panel.update(repeating: 0, count: depth.count * tileColumns) }
        if shape.stride != 1 {
            packStrided(depth: depth, columns: columns, into: panel)
            return
        }
        let (h, w, p) = (shape.height, shape.width, shape.padding)
        let (kh, kw) = (shape.kernelHeight, shape.kernelWidth)
        let window = kh * kw
        let inputStart = input
        let inputEnd = input + shape.batch * shape.channels * h * w
        shape.withRuns(columns) { runs, count in
            // Walk (channel, ky, kx) with counters: no division per row. Each run is written 16 floats
            // at a time, lanes outside the image masked to zero; a vector may spill past its run into
            // the next run, the next row or the buffer's slack, all of which are written afterwards.
            var channel = depth.lowerBound / window
            var ky = (depth.lowerBound - channel * window) / kw
            var kx = depth.lowerBound - channel * window - ky * kw
            var row = panel
            for _ in depth {
                for r in 0..<count {
                    let run = runs[r]
                    let destination = row + run.offset
                    let y = run.outRow - p + ky
                    if y < 0 || y >= h {
                        var t = 0
                        while t < run.count {
                            UnsafeMutableRawPointer(destination + t).storeBytes(
                                of: SIMD16<Float>(), as: SIMD16<Float>.self)
                            t += 16
                        }
                        continue
                    }
                    let x0 = run.firstOutColumn - p + kx
                    let source = input + ((run.image * shape.channels + channel) * h + y) * w
                    var t = 0
                    while t < run.count {
                        let first = x0 + t
                        if source + first >= inputStart && source + first + 16 <= inputEnd {
                            // Lanes [lower, upper) lie inside the row: keep them by a bit mask.
                            let lower = Swift.min(Swift.max(-first, 0), 16)
                            let upper = Swift.max(Swift.min(w - first, 16), 0)
                            let keep =
                                LaneMasks.from(lower) & LaneMasks.below(upper)
                            let vector = UnsafeRawPointer(source + first).loadUnaligned(
                                as: SIMD16<UInt32>.self)
                            UnsafeMutableRawPointer(destination + t).storeBytes(
                                of: vector & keep, as: SIMD16<UInt32>.self)
                        } else {
                            for lane in t..<Swift.min(t + 16, run.count) {
                                let x = x0 + lane
                                destination[lane] = x >= 0 && x < w ? source[x] : 0
                            }
                        }
                        t += 16
                    }
                }
                row += tileColumns
                kx += 1
                if kx == kw {
                    kx = 0
                    ky += 1
                    if ky == kh {
                        ky = 0
                        channel += 1
                    }
                }
            }
        }
    }

    private func packStrided(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>)
    {
        let window = shape.kernelHeight * shape.kernelWidth
        shape.withRuns(columns) { runs, count in
            for q in depth {
                let channel = q / window
                let ky = (q - channel * window) / shape.kernelWidth
                let kx = q - channel * window - ky * shape.kernelWidth
                let row = panel + (q - depth.lowerBound) * tileColumns
                for r in 0..<count {
                    shape.gatherRun(
                        input, channel: channel, ky: ky, kx: kx, run: runs[r], into: row + runs[r].offset,
                        step: 1)
                }
            }
        }
    }
}

/// The batched column matrix of a stride-1 convolution, read from the input scattered into `layout`'s
/// zero-padded geometry: each run of a row is one contiguous copy, without bounds checks or masks
/// (for small maps, whose runs are a few floats long and mostly touch the padding).
struct PaddedImageColumns: RightOperand, @unchecked Sendable {
    let padded: UnsafePointer<Float>
    let layout: ShiftedLayout

    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        if columns.count < tileColumns { panel.update(repeating: 0, count: depth.count * tileColumns) }
        let shape = layout.shape
        let (rows, width) = (layout.paddedHeight, layout.paddedWidth)
        shape.withRuns(columns) { runs, count in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(count, 1)) { starts in
                // Each run's first position in the padded plane of one tap.
                for r in 0..<count {
                    starts[r] = (runs[r].image * rows + runs[r].outRow) * width + runs[r].firstOutColumn
                }
                var row = panel
                for q in depth {
                    let tap = padded + layout.offset(q)
                    for r in 0..<count {
                        copyRun(tap + starts[r], to: row + runs[r].offset, count: runs[r].count)
                    }
                    row += tileColumns
                }
            }
        }
    }

    /// Copies `count` floats, eight then four at a time, then the rest.
    @inline(__always)
    private func copyRun(
        _ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, count: Int
    ) {
        var t = 0
        while t + 8 <= count {
            UnsafeMutableRawPointer(destination + t).storeBytes(
                of: UnsafeRawPointer(source + t).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            t += 8
        }
        if t + 4 <= count {
            UnsafeMutableRawPointer(destination + t).storeBytes(
                of: UnsafeRawPointer(source + t).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            t += 4
        }
        while t < count {
            destination[t] = source[t]
            t += 1
        }
    }
}

/// The transpose `[batch·positions, patch]` of the batched column matrix, as a right operand.
struct ImageColumnsTransposed: RightOperand, @unchecked Sendable {
    let input: UnsafePointer<Float>
    let shape: ConvolutionShape

    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        if columns.count < tileColumns { panel.update(repeating: 0, count: depth.count * tileColumns) }
        let window = shape.kernelHeight * shape.kernelWidth
        let (h, w, s, p) = (shape.height, shape.width, shape.stride, shape.padding)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: tileColumns * 4) { table in
            // Per panel column q: its channel, tap (ky, kx) and offset from the window's corner.
            let width = columns.count
            for (t, q) in columns.enumerated() {
                let channel = q / window
                let ky = (q - channel * window) / shape.kernelWidth
                let kx = q - channel * window - ky * shape.kernelWidth
                table[t] = (channel * h + ky) * w + kx
                table[tileColumns + t] = channel
                table[2 * tileColumns + t] = ky
                table[3 * tileColumns + t] = kx
            }
            shape.withRuns(depth) { runs, count in
                for r in 0..<count {
                    let run = runs[r]
                    let y0 = run.outRow * s - p
                    let rowInside = y0 >= 0 && y0 + shape.kernelHeight <= h
                    let image = input + run.image * shape.channels * h * w
                    for step in 0..<run.count {
                        let x0 = (run.firstOutColumn + step) * s - p
                        let out = panel + (run.offset + step) * tileColumns
                        if rowInside && x0 >= 0 && x0 + shape.kernelWidth <= w {
                            // Every tap of this window is inside the image: a gather by offsets.
                            let corner = image + y0 * w + x0
                            for t in 0..<width { out[t] = corner[table[t]] }
                        } else {
                            for t in 0..<width {
                                let y = y0 + table[2 * tileColumns + t]
                                let x = x0 + table[3 * tileColumns + t]
                                out[t] =
                                    y >= 0 && y < h && x >= 0 && x < w
                                    ? image[(table[tileColumns + t] * h + y) * w + x] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An `[batch, rows, positions]` tensor read as the matrix `[rows, batch·positions]` (right operand).
struct BatchedColumns: RightOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let positions: Int

    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        if columns.count < tileColumns { panel.update(repeating: 0, count: depth.count * tileColumns) }
        for p in depth {
            let out = panel + (p - depth.lowerBound) * tileColumns
            var j = columns.lowerBound
            while j < columns.upperBound {
                let image = j / positions
                let position = j - image * positions
                let length = Swift.min(positions - position, columns.upperBound - j)
                (out + (j - columns.lowerBound)).update(
                    from: base + (image * rows + p) * positions + position, count: length)
                j += length
            }
        }
    }
}

/// An `[batch, rows, positions]` tensor read as the matrix `[rows, batch·positions]` (left operand).
struct BatchedRows: LeftOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rows: Int
    let positions: Int

    func packPanel(rows range: Range<Int>, depth: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        if range.count < tileRows { panel.update(repeating: 0, count: depth.count * tileRows) }
        for (i, row) in range.enumerated() {
            var j = depth.lowerBound
            while j < depth.upperBound {
                let image = j / positions
                let position = j - image * positions
                let length = Swift.min(positions - position, depth.upperBound - j)
                let source = base + (image * rows + row) * positions + position
                var out = panel + (j - depth.lowerBound) * tileRows + i
                for t in 0..<length {
                    out.pointee = source[t]
                    out += tileRows
                }
                j += length
            }
        }
    }
}

/// Convolution kernels for the instruction set this module is compiled for (`_KhruKernelsAVX512` or
/// `_KhruKernelsAVX2`); the caller checks the CPU before calling any of them.
public enum ISAConvolution {
    /// `output = conv2d(input, weight) + bias`, output `[batch, outChannels, outHeight, outWidth]`.
    ///
    /// One GEMM `weight[outChannels, patch] · columns[patch, batch·positions]` into a scratch
    /// `[outChannels, batch·positions]`, then a transposing copy that adds the bias.
    public static func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, threads: Int
    ) {
        if shape.prefersDirectForward {
            DirectConvolution.forward(
                input: input, weight: weight, bias: bias, output: output, shape: shape, threads: threads)
            return
        }
        if shape.prefersShifted {
            ShiftedConvolution.forward(
                input: input, weight: weight, bias: bias, output: output, shape: shape, threads: threads)
            return
        }
        if shape.stride == 1 {
            // Small maps (too much padding for the shifted kernel): pack from a zero-padded copy, where
            // every run of a column-matrix row is one plain copy, without bounds checks or masks.
            let layout = ShiftedLayout(shape)
            let padded = Scratch(count: layout.count)
            defer { padded.deallocate() }
            layout.scatter(input, into: padded.base, threads: threads)
            packedForward(
                right: PaddedImageColumns(padded: UnsafePointer(padded.base), layout: layout), weight: weight,
                bias: bias, output: output, shape: shape, threads: threads)
        } else {
            packedForward(
                right: ImageColumns(input: input, shape: shape), weight: weight, bias: bias, output: output,
                shape: shape, threads: threads)
        }
    }

    /// The forward pass as one packed GEMM `weight · columns` (`right` packs the column matrix).
    private static func packedForward<Right: RightOperand & Sendable>(
        right: Right, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, shape: ConvolutionShape, threads: Int
    ) {
        let positions = shape.positions
        let o = shape.outChannels
        let left = MatrixLeft(base: weight, ld: shape.patch, transposed: false)
        if shape.batch == 1 {
            gemm(
                m: o, n: positions, k: shape.patch, left: left,
                right: right, c: output, ldc: positions, accumulate: false,
                threads: threads)
            if let bias { addBias(bias, to: output, channels: o, positions: positions) }
            return
        }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: o * shape.columns)
        defer { scratch.deallocate() }
        gemm(
            m: o, n: shape.columns, k: shape.patch, left: left,
            right: right, c: scratch, ldc: shape.columns, accumulate: false, threads: threads)
        // One (image, channel) plane per task.
        nonisolated(unsafe) let (source, destination, bias) = (UnsafePointer(scratch), output, bias)
        let columns = shape.columns
        parallelFor(shape.batch * o, threads: threads) { index in
            let (image, channel) = index.quotientAndRemainder(dividingBy: o)
            let plane = destination + index * positions
            let row = source + channel * columns + image * positions
            if let bias {
                let value = bias[channel]
                for index in 0..<positions { plane[index] = row[index] + value }
            } else {
                plane.update(from: row, count: positions)
            }
        }
    }

    /// The gradient of the convolution's input, `[batch, channels, height, width]` (overwritten).
    ///
    /// Stride 1: a forward convolution of the gradient with the flipped, transposed kernels.
    /// Otherwise: `weightᵀ · gradient` over the batch in chunks, folded back with col2im.
    public static func inputGradient(
        gradient: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        let (o, c, kh, kw) = (shape.outChannels, shape.channels, shape.kernelHeight, shape.kernelWidth)
        let window = kh * kw
        if shape.stride == 1 && shape.padding < kh && shape.padding < kw && kh == kw {
            let flipped = UnsafeMutablePointer<Float>.allocate(capacity: o * c * window)
            defer { flipped.deallocate() }
            for outChannel in 0..<o {
                for channel in 0..<c {
                    let source = weight + (outChannel * c + channel) * window
                    let destination = flipped + (channel * o + outChannel) * window
                    for index in 0..<window { destination[window - 1 - index] = source[index] }
                }
            }
            let transposedShape = ConvolutionShape(
                batch: shape.batch, channels: o, height: shape.outHeight, width: shape.outWidth,
                outChannels: c, kernelHeight: kh, kernelWidth: kw, stride: 1, padding: kh - 1 - shape.padding)
            forward(
                input: gradient, weight: flipped, bias: nil, output: inputGradient, shape: transposedShape,
                threads: threads)
            return
        }
        let imageSize = c * shape.height * shape.width
        let positions = shape.positions
        // About 16 MB of columns per chunk of images.
        let chunk = Swift.max(1, Swift.min(shape.batch, (4 << 20) / Swift.max(shape.patch * positions, 1)))
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: shape.patch * chunk * positions)
        defer { columns.deallocate() }
        var first = 0
        while first < shape.batch {
            let count = Swift.min(chunk, shape.batch - first)
            let width = count * positions
            gemm(
                m: shape.patch, n: width, k: o,
                left: MatrixLeft(base: weight, ld: shape.patch, transposed: true),
                right: BatchedColumns(base: gradient + first * o * positions, rows: o, positions: positions),
                c: columns, ldc: width, accumulate: false, threads: threads)
            // One image per task: each zeroes and accumulates only its own gradient.
            nonisolated(unsafe) let (source, destination) = (
                UnsafePointer(columns), inputGradient + first * imageSize
            )
            parallelFor(count, threads: threads) { image in
                let target = destination + image * imageSize
                target.update(repeating: 0, count: imageSize)
                col2im(source + image * positions, ld: width, into: target, shape: shape)
            }
            first += count
        }
    }

    /// Both gradients (overwritten), sharing work where the shape allows (one scatter of the gradient
    /// for a stride-1 "same" convolution); otherwise ``inputGradient(gradient:weight:inputGradient:shape:threads:)``
    /// then ``weightGradient(gradient:input:weightGradient:shape:threads:)``.
    public static func gradients(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        if ShiftedConvolution.backward(
            gradient: gradient, input: input, weight: weight, inputGradient: inputGradient,
            weightGradient: weightGradient, shape: shape, threads: threads)
        {
            return
        }
        self.inputGradient(
            gradient: gradient, weight: weight, inputGradient: inputGradient, shape: shape, threads: threads)
        self.weightGradient(
            gradient: gradient, input: input, weightGradient: weightGradient, shape: shape, threads: threads)
    }

    /// The gradient of the weight, `[outChannels, channels, kernelHeight, kernelWidth]` (overwritten):
    /// `gradient[outChannels, batch·positions] · columnsᵀ`.
    public static func weightGradient(
        gradient: UnsafePointer<Float>, input: UnsafePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape, threads: Int
    ) {
        if shape.prefersShiftedWeightGradient {
            ShiftedConvolution.weightGradient(
                gradient: gradient, input: input, weightGradient: weightGradient, shape: shape,
                threads: threads)
            return
        }
        gemm(
            m: shape.outChannels, n: shape.patch, k: shape.columns,
            left: BatchedRows(base: gradient, rows: shape.outChannels, positions: shape.positions),
            right: ImageColumnsTransposed(input: input, shape: shape), c: weightGradient, ldc: shape.patch,
            accumulate: false, threads: threads)
    }

    private static func addBias(
        _ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, channels: Int, positions: Int
    ) {
        for channel in 0..<channels {
            let plane = output + channel * positions
            let value = bias[channel]
            for index in 0..<positions { plane[index] += value }
        }
    }

    /// Adds the columns of one image (`[patch, positions]` with row stride `ld`) back into its input.
    private static func col2im(
        _ columns: UnsafePointer<Float>, ld: Int, into image: UnsafeMutablePointer<Float>,
        shape: ConvolutionShape
    ) {
        let (h, w, s, p) = (shape.height, shape.width, shape.stride, shape.padding)
        for channel in 0..<shape.channels {
            let plane = image + channel * h * w
            for ky in 0..<shape.kernelHeight {
                for kx in 0..<shape.kernelWidth {
                    let row = columns + ((channel * shape.kernelHeight + ky) * shape.kernelWidth + kx) * ld
                    let x0 = -p + kx
                    let lower = x0 >= 0 ? 0 : Swift.min((-x0 + s - 1) / s, shape.outWidth)
                    let upper =
                        x0 >= w ? 0 : Swift.max(Swift.min((w - 1 - x0) / s + 1, shape.outWidth), lower)
                    for oy in 0..<shape.outHeight {
                        let y = oy * s - p + ky
                        if y < 0 || y >= h { continue }
                        let source = row + oy * shape.outWidth
                        let destination = plane + y * w + x0
                        for ox in lower..<upper { destination[ox * s] += source[ox] }
                    }
                }
            }
        }
    }
}
