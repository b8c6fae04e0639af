import _KhruKernels

/// The sizes of one 2-D convolution: input `[n, c, h, w]`, weight `[o, c, kh, kw]`, output `[n, o, oh, ow]`.
struct ConvGeometry {
    let n: Int
    let c: Int
    let h: Int
    let w: Int
    let o: Int
    let kh: Int
    let kw: Int
    let stride: Int
    let padding: Int
    let oh: Int
    let ow: Int

    init(input: [Int], weight: [Int], stride: Int, padding: Int) {
        precondition(input.count == 4, "conv2d input must be [N, C, H, W], got \(input)")
        precondition(weight.count == 4, "conv2d weight must be [O, C, kH, kW], got \(weight)")
        precondition(
            input[1] == weight[1], "conv2d input channels \(input[1]) ≠ weight channels \(weight[1])")
        precondition(stride >= 1 && padding >= 0, "conv2d stride \(stride), padding \(padding)")
        n = input[0]
        c = input[1]
        h = input[2]
        w = input[3]
        o = weight[0]
        kh = weight[2]
        kw = weight[3]
        self.stride = stride
        self.padding = padding
        oh = (h + 2 * padding - kh) / stride + 1
        ow = (w + 2 * padding - kw) / stride + 1
        precondition(oh > 0 && ow > 0, "conv2d kernel \(kh)×\(kw) larger than padded input \(h)×\(w)")
    }

    /// Rows of the column matrix: `c·kh·kw`.
    var patch: Int { c * kh * kw }
    /// Columns of the column matrix: `oh·ow`.
    var positions: Int { oh * ow }
    /// Images per OpenBLAS product: about 1M floats (4 MB) of column matrix, at least one image.
    var imagesPerProduct: Int { Swift.max(1, Swift.min(n, (1 << 20) / Swift.max(patch * positions, 1))) }

    /// The output columns `lower..<upper` whose input column `ox·stride − padding + kx` lies inside the image.
    @inline(__always)
    func validColumns(_ kx: Int) -> (lower: Int, upper: Int) {
        let lower = padding - kx <= 0 ? 0 : (padding - kx + stride - 1) / stride
        let last = w - 1 + padding - kx
        let upper = last < 0 ? 0 : Swift.min(ow, last / stride + 1)
        return (Swift.min(lower, upper), upper)
    }

    /// Unfolds one image `[c, h, w]` into columns `[c·kh·kw, oh·ow]` whose rows are `ld` floats apart.
    func im2col(_ image: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>, ld: Int) {
        for channel in 0..<c {
            let plane = image + channel * h * w
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = columns + ((channel * kh + ky) * kw + kx) * ld
                    for oy in 0..<oh {
                        let y = oy * stride - padding + ky
                        let destination = row + oy * ow
                        if y < 0 || y >= h {
                            destination.update(repeating: 0, count: ow)
                            continue
                        }
                        let source = plane + y * w - padding + kx
                        let (lower, upper) = validColumns(kx)
                        for ox in 0..<lower { destination[ox] = 0 }
                        if stride == 1 {
                            (destination + lower).update(from: source + lower, count: upper - lower)
                        } else {
                            for ox in lower..<upper { destination[ox] = source[ox * stride] }
                        }
                        for ox in upper..<ow { destination[ox] = 0 }
                    }
                }
            }
        }
    }

    /// Folds columns `[c·kh·kw, oh·ow]` (rows `ld` floats apart) back, adding into one image `[c, h, w]`.
    func col2im(_ columns: UnsafePointer<Float>, _ image: UnsafeMutablePointer<Float>, ld: Int) {
        for channel in 0..<c {
            let plane = image + channel * h * w
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = columns + ((channel * kh + ky) * kw + kx) * ld
                    for oy in 0..<oh {
                        let y = oy * stride - padding + ky
                        if y < 0 || y >= h { continue }
                        let source = row + oy * ow
                        let destination = plane + y * w - padding + kx
                        let (lower, upper) = validColumns(kx)
                        if stride == 1 {
                            for ox in lower..<upper { destination[ox] += source[ox] }
                        } else {
                            for ox in lower..<upper { destination[ox * stride] += source[ox] }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// 2-D cross-correlation (PyTorch's `conv2d`, groups = 1).
    ///
    /// On x86-64 CPUs with AVX2 or AVX-512, Khru's own whole-batch kernels for that instruction set
    /// (see ``ConvolutionKernels`` and ``InstructionSet``), using ``BLAS/threadCount`` threads;
    /// elsewhere im2col and one OpenBLAS SGEMM per chunk of images.
    ///
    /// - Parameters:
    ///   - weight: `[outChannels, inChannels, kH, kW]`.
    ///   - bias: `[outChannels]`, or `nil`.
    ///   - stride: The step in both directions.
    ///   - padding: Zero padding on every side.
    /// - Returns: `[N, outChannels, (H + 2·padding − kH)/stride + 1, (W + 2·padding − kW)/stride + 1]`.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        conv2d(weight: weight, bias: bias, stride: stride, padding: padding, kernels: .current)
    }

    /// ``conv2d(weight:bias:stride:padding:)`` with the given implementation.
    func conv2d(
        weight: Tensor, bias: Tensor?, stride: Int, padding: Int, kernels: ConvolutionKernels
    ) -> Tensor {
        let g = ConvGeometry(input: shape, weight: weight.shape, stride: stride, padding: padding)
        if let bias {
            precondition(bias.count == g.o, "conv2d bias has \(bias.count) elements for \(g.o) channels")
        }
        if kernels.isKhru {
            let result = Tensor(uninitialized: [g.n, g.o, g.oh, g.ow])
            kernels.forward(
                input: storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
                output: result.storage.pointer, shape: g.kernelShape, threads: BLAS.threadCount)
            return result
        }
        // im2col and one OpenBLAS product per chunk of images (wide products thread well in OpenBLAS;
        // one product per image did not: slower at 2 threads than at 1). The copies around a product
        // run on Khru's threads, the product on OpenBLAS's, never both at once.
        let result = Tensor(uninitialized: [g.n, g.o, g.oh, g.ow])
        let chunk = g.imagesPerProduct
        let columns = TensorStorage(count: g.patch * chunk * g.positions)
        let products = TensorStorage(count: g.o * chunk * g.positions)
        let threads = BLAS.threadCount
        nonisolated(unsafe) let (input, out, bias) = (
            storage.pointer, result.storage.pointer, bias?.storage.pointer
        )
        nonisolated(unsafe) let (cols, product) = (columns.pointer, products.pointer)
        var first = 0
        while first < g.n {
            let count = Swift.min(chunk, g.n - first)
            let width = count * g.positions
            let start = first
            parallelFor(count, threads: threads) { image in
                g.im2col(input + (start + image) * g.c * g.h * g.w, cols + image * g.positions, ld: width)
            }
            sgemm(
                transposeA: false, transposeB: false, m: g.o, n: width, k: g.patch, a: weight.storage.pointer,
                lda: g.patch, b: cols, ldb: width, c: product, ldc: width)
            parallelFor(count * g.o, threads: threads) { index in
                let (image, channel) = index.quotientAndRemainder(dividingBy: g.o)
                let plane = out + ((start + image) * g.o + channel) * g.positions
                let row = product + channel * width + image * g.positions
                let value = bias?[channel] ?? 0
                for position in 0..<g.positions { plane[position] = row[position] + value }
            }
            first += count
        }
        withExtendedLifetime((columns, products)) {}
        return result
    }

    /// The gradients of ``conv2d(weight:bias:stride:padding:)`` for upstream gradient `gradient`.
    ///
    /// Without `needsBias` (a convolution without bias) Khru's kernels return zeros for the bias
    /// gradient instead of summing the gradient's planes.
    static func conv2dBackward(
        input: Tensor, weight: Tensor, gradient: Tensor, stride: Int, padding: Int, needsInput: Bool,
        needsWeight: Bool, needsBias: Bool = true, kernels: ConvolutionKernels = .current
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor) {
        let g = ConvGeometry(input: input.shape, weight: weight.shape, stride: stride, padding: padding)
        if kernels.isKhru {
            let threads = BLAS.threadCount
            let biasGradient =
                needsBias ? gradient.channelSums(channels: g.o) : Tensor(repeating: 0, shape: [g.o])
            var inputGradient: Tensor?
            var weightGradient: Tensor?
            if needsInput && needsWeight {
                let dx = Tensor(uninitialized: input.shape)
                let dw = Tensor(uninitialized: weight.shape)
                kernels.gradients(
                    gradient: gradient.storage.pointer, input: input.storage.pointer,
                    weight: weight.storage.pointer, inputGradient: dx.storage.pointer,
                    weightGradient: dw.storage.pointer, shape: g.kernelShape, threads: threads)
                return (dx, dw, biasGradient)
            }
            if needsInput {
                let result = Tensor(uninitialized: input.shape)
                kernels.inputGradient(
                    gradient: gradient.storage.pointer, weight: weight.storage.pointer,
                    inputGradient: result.storage.pointer, shape: g.kernelShape, threads: threads)
                inputGradient = result
            }
            if needsWeight {
                let result = Tensor(uninitialized: weight.shape)
                kernels.weightGradient(
                    gradient: gradient.storage.pointer, input: input.storage.pointer,
                    weightGradient: result.storage.pointer, shape: g.kernelShape, threads: threads)
                weightGradient = result
            }
            return (inputGradient, weightGradient, biasGradient)
        }
        // As the forward pass: per chunk of images, the gradient gathered into [o, images·positions]
        // and im2col (Khru's threads), then one OpenBLAS product per gradient.
        let inputGradient = needsInput ? Tensor(uninitialized: input.shape) : nil
        let weightGradient = needsWeight ? Tensor(repeating: 0, shape: weight.shape) : nil
        let biasGradient = gradient.channelSums(channels: g.o)
        let chunk = g.imagesPerProduct
        let columns = TensorStorage(count: g.patch * chunk * g.positions)
        let gathered = TensorStorage(count: g.o * chunk * g.positions)
        let threads = BLAS.threadCount
        nonisolated(unsafe) let (source, upstream) = (input.storage.pointer, gradient.storage.pointer)
        nonisolated(unsafe) let (cols, rows) = (columns.pointer, gathered.pointer)
        let imageSize = g.c * g.h * g.w
        var first = 0
        while first < g.n {
            let count = Swift.min(chunk, g.n - first)
            let width = count * g.positions
            let start = first
            parallelFor(count * g.o, threads: threads) { index in
                let (image, channel) = index.quotientAndRemainder(dividingBy: g.o)
                (rows + channel * width + image * g.positions).update(
                    from: upstream + ((start + image) * g.o + channel) * g.positions, count: g.positions)
            }
            if let weightGradient {
                parallelFor(count, threads: threads) { image in
                    g.im2col(source + (start + image) * imageSize, cols + image * g.positions, ld: width)
                }
                // dW += G · colsᵀ
                sgemm(
                    transposeA: false, transposeB: true, m: g.o, n: g.patch, k: width, a: rows, lda: width,
                    b: cols, ldb: width, beta: 1, c: weightGradient.storage.pointer, ldc: g.patch)
            }
            if let inputGradient {
                nonisolated(unsafe) let dx = inputGradient.storage.pointer
                // dCols = Wᵀ · G, then fold back, one image per task.
                sgemm(
                    transposeA: true, transposeB: false, m: g.patch, n: width, k: g.o,
                    a: weight.storage.pointer,
                    lda: g.patch, b: rows, ldb: width, c: cols, ldc: width)
                parallelFor(count, threads: threads) { image in
                    let destination = dx + (start + image) * imageSize
                    destination.update(repeating: 0, count: imageSize)
                    g.col2im(cols + image * g.positions, destination, ld: width)
                }
            }
            first += count
        }
        withExtendedLifetime((columns, gathered)) {}
        return (inputGradient, weightGradient, biasGradient)
    }
}

extension Tensor {
    /// Per-channel sums over every axis but 1 of `[N, C, …]`.
    ///
    /// Each plane is summed 16 lanes at a time, the lanes added as a fixed tree, then the tail: one
    /// order for every call (a sequential scalar sum is a chain of dependent adds, ~2 ms for the
    /// 64×32×28×28 bias gradient).
    func channelSums(channels: Int) -> Tensor {
        let result = Tensor(repeating: 0, shape: [channels])
        let sums = result.storage.pointer
        let spatial = count / Swift.max(shape[0] * channels, 1)
        let source = storage.pointer
        for image in 0..<shape[0] {
            for channel in 0..<channels {
                let plane = source + (image * channels + channel) * spatial
                var lanes = SIMD16<Float>()
                var index = 0
                while index + 16 <= spatial {
                    lanes += UnsafeRawPointer(plane + index).loadUnaligned(as: SIMD16<Float>.self)
                    index += 16
                }
                let eight = lanes.lowHalf + lanes.highHalf
                let four = eight.lowHalf + eight.highHalf
                let two = four.lowHalf + four.highHalf
                var total = two.x + two.y
                while index < spatial {
                    total += plane[index]
                    index += 1
                }
                sums[channel] += total
            }
        }
        return result
    }
}

// MARK: - Pooling

/// Pooling windows along one axis: output position `i` covers input `starts[i]..<ends[i]`.
struct PoolWindows {
    let starts: [Int]
    let ends: [Int]

    /// Windows of a fixed kernel with stride and padding (clipped to the input).
    init(input: Int, kernel: Int, stride: Int, padding: Int) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "pool kernel \(kernel), stride \(stride)")
        precondition(
            padding * 2 <= kernel, "pool padding \(padding) must be at most half of kernel \(kernel)")
        let output = (input + 2 * padding - kernel) / stride + 1
        precondition(output > 0, "pool kernel \(kernel) larger than padded input \(input)")
        starts = (0..<output).map { Swift.max($0 * stride - padding, 0) }
        ends = (0..<output).map { Swift.min($0 * stride - padding + kernel, input) }
    }

    /// Adaptive windows: `floor(i·in/out) ..< ceil((i+1)·in/out)` (PyTorch's rule).
    init(input: Int, output: Int) {
        precondition(output >= 1, "adaptive pool output size \(output)")
        starts = (0..<output).map { ($0 * input) / output }
        ends = (0..<output).map { (($0 + 1) * input + output - 1) / output }
    }

    var count: Int { starts.count }
}

extension Tensor {
    /// Max pooling over the last two axes of `[N, C, H, W]`, with each output's input position.
    func maxPool(rows: PoolWindows, columns: PoolWindows) -> (Tensor, [Int32]) {
        precondition(rank == 4, "pooling needs [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1]
        let h = shape[2]
        let w = shape[3]
        let result = Tensor(uninitialized: [shape[0], shape[1], rows.count, columns.count])
        var positions = [Int32](repeating: 0, count: result.count)
        nonisolated(unsafe) let source = storage.pointer
        nonisolated(unsafe) let out = result.storage.pointer
        let outputPlane = rows.count * columns.count
        positions.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let recorded = buffer
            // One plane per task, its outputs in order: the same result for any thread count.
            parallelFor(planes, threads: Parallel.threads(for: count)) { plane in
                let image = source + plane * h * w
                var position = plane * outputPlane
                for oy in 0..<rows.count {
                    for ox in 0..<columns.count {
                        var best = -Float.infinity
                        var bestIndex = rows.starts[oy] * w + columns.starts[ox]
                        for y in rows.starts[oy]..<rows.ends[oy] {
                            for x in columns.starts[ox]..<columns.ends[ox] where image[y * w + x] > best {
                                best = image[y * w + x]
                                bestIndex = y * w + x
                            }
                        }
                        out[position] = best
                        recorded[position] = Int32(bestIndex)
                        position += 1
                    }
                }
            }
        }
        return (result, positions)
    }

    /// Routes `gradient` to the recorded max positions of an input of `inputShape`.
    static func maxPoolBackward(_ gradient: Tensor, positions: [Int32], inputShape: [Int]) -> Tensor {
        let result = Tensor(uninitialized: inputShape)
        let planeSize = inputShape[2] * inputShape[3]
        let outputPlane = gradient.shape[2] * gradient.shape[3]
        nonisolated(unsafe) let source = gradient.storage.pointer
        nonisolated(unsafe) let out = result.storage.pointer
        positions.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let recorded = buffer
            // Windows overlap only within a plane: one plane per task, its sums in output order.
            let planes = inputShape[0] * inputShape[1]
            parallelFor(planes, threads: Parallel.threads(for: result.count)) { plane in
                let destination = out + plane * planeSize
                destination.update(repeating: 0, count: planeSize)
                for index in (plane * outputPlane)..<((plane + 1) * outputPlane) {
                    destination[Int(recorded[index])] += source[index]
                }
            }
        }
        return result
    }

    /// Average pooling; `divisor` fixed (count-include-pad) or `nil` for the window's own area.
    func averagePool(rows: PoolWindows, columns: PoolWindows, divisor: Int?) -> Tensor {
        precondition(rank == 4, "pooling needs [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1]
        let h = shape[2]
        let w = shape[3]
        let result = Tensor(uninitialized: [shape[0], shape[1], rows.count, columns.count])
        let source = storage.pointer
        let out = result.storage.pointer
        var position = 0
        for plane in 0..<planes {
            let image = source + plane * h * w
            for oy in 0..<rows.count {
                for ox in 0..<columns.count {
                    var total: Float = 0
                    for y in rows.starts[oy]..<rows.ends[oy] {
                        for x in columns.starts[ox]..<columns.ends[ox] { total += image[y * w + x] }
                    }
                    let area =
                        divisor ?? (rows.ends[oy] - rows.starts[oy]) * (columns.ends[ox] - columns.starts[ox])
                    out[position] = total / Float(area)
                    position += 1
                }
            }
        }
        return result
    }

    /// The gradient of average pooling.
    static func averagePoolBackward(
        _ gradient: Tensor, rows: PoolWindows, columns: PoolWindows, divisor: Int?, inputShape: [Int]
    ) -> Tensor {
        let result = Tensor(repeating: 0, shape: inputShape)
        let planes = inputShape[0] * inputShape[1]
        let w = inputShape[3]
        let planeSize = inputShape[2] * w
        let source = gradient.storage.pointer
        let out = result.storage.pointer
        var position = 0
        for plane in 0..<planes {
            let image = out + plane * planeSize
            for oy in 0..<rows.count {
                for ox in 0..<columns.count {
                    let area =
                        divisor ?? (rows.ends[oy] - rows.starts[oy]) * (columns.ends[ox] - columns.starts[ox])
                    let share = source[position] / Float(area)
                    for y in rows.starts[oy]..<rows.ends[oy] {
                        for x in columns.starts[ox]..<columns.ends[ox] { image[y * w + x] += share }
                    }
                    position += 1
                }
            }
        }
        return result
    }

    /// Max pooling of `[N, C, H, W]` with a square kernel (`stride` defaults to the kernel size;
    /// padding counts as −∞).
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        precondition(rank == 4, "maxPool2d needs [N, C, H, W], got \(shape)")
        let step = stride ?? kernelSize
        return maxPool(
            rows: PoolWindows(input: shape[2], kernel: kernelSize, stride: step, padding: padding),
            columns: PoolWindows(input: shape[3], kernel: kernelSize, stride: step, padding: padding)
        ).0
    }

    /// Average pooling of `[N, C, H, W]` with a square kernel; padding counts as zeros in the
    /// average (PyTorch's `count_include_pad=True`).
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        precondition(rank == 4, "avgPool2d needs [N, C, H, W], got \(shape)")
        let step = stride ?? kernelSize
        return averagePool(
            rows: PoolWindows(input: shape[2], kernel: kernelSize, stride: step, padding: padding),
            columns: PoolWindows(input: shape[3], kernel: kernelSize, stride: step, padding: padding),
            divisor: kernelSize * kernelSize)
    }

    /// Adaptive average pooling of `[N, C, H, W]` to `[N, C, outputHeight, outputWidth]`.
    public func adaptiveAvgPool2d(outputHeight: Int, outputWidth: Int) -> Tensor {
        precondition(rank == 4, "adaptiveAvgPool2d needs [N, C, H, W], got \(shape)")
        return averagePool(
            rows: PoolWindows(input: shape[2], output: outputHeight),
            columns: PoolWindows(input: shape[3], output: outputWidth), divisor: nil)
    }

    /// Adaptive average pooling to a square `outputSize × outputSize`.
    public func adaptiveAvgPool2d(outputSize: Int) -> Tensor {
        adaptiveAvgPool2d(outputHeight: outputSize, outputWidth: outputSize)
    }

    /// Adaptive max pooling of `[N, C, H, W]` to `[N, C, outputHeight, outputWidth]`.
    public func adaptiveMaxPool2d(outputHeight: Int, outputWidth: Int) -> Tensor {
        precondition(rank == 4, "adaptiveMaxPool2d needs [N, C, H, W], got \(shape)")
        return maxPool(
            rows: PoolWindows(input: shape[2], output: outputHeight),
            columns: PoolWindows(input: shape[3], output: outputWidth)
        ).0
    }

    /// Adaptive max pooling to a square `outputSize × outputSize`.
    public func adaptiveMaxPool2d(outputSize: Int) -> Tensor {
        adaptiveMaxPool2d(outputHeight: outputSize, outputWidth: outputSize)
    }
}
