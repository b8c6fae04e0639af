// Differentiable versions of the Tensor operations. Each forward computes the Tensor result and
// records a closure mapping the output gradient to the input gradients.

// MARK: - Arithmetic

extension Variable {
    /// Elementwise sum with broadcasting.
    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        let (sa, sb) = (lhs.shape, rhs.shape)
        let (na, nb) = (lhs.requiresGrad, rhs.requiresGrad)
        return record(lhs.value.adding(rhs.value), [lhs, rhs]) { g in
            [na ? g.summed(toShape: sa) : nil, nb ? g.summed(toShape: sb) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        let (sa, sb) = (lhs.shape, rhs.shape)
        let (na, nb) = (lhs.requiresGrad, rhs.requiresGrad)
        return record(lhs.value.subtracting(rhs.value), [lhs, rhs]) { g in
            [na ? g.summed(toShape: sa) : nil, nb ? (-g).summed(toShape: sb) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        let (na, nb) = (lhs.requiresGrad, rhs.requiresGrad)
        return record(a.multiplied(by: b), [lhs, rhs]) { g in
            [
                na ? g.multiplied(by: b).summed(toShape: a.shape) : nil,
                nb ? g.multiplied(by: a).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        let (a, b) = (lhs.value, rhs.value)
        let (na, nb) = (lhs.requiresGrad, rhs.requiresGrad)
        return record(a.divided(by: b), [lhs, rhs]) { g in
            [
                na ? g.divided(by: b).summed(toShape: a.shape) : nil,
                nb ? Tensor.zip(g.multiplied(by: a), b) { -$0 / ($1 * $1) }.summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Sum with a constant tensor.
    public static func + (lhs: Variable, rhs: Tensor) -> Variable { lhs + Variable(rhs) }
    /// Difference with a constant tensor.
    public static func - (lhs: Variable, rhs: Tensor) -> Variable { lhs - Variable(rhs) }
    /// Product with a constant tensor.
    public static func * (lhs: Variable, rhs: Tensor) -> Variable { lhs * Variable(rhs) }
    /// Quotient by a constant tensor.
    public static func / (lhs: Variable, rhs: Tensor) -> Variable { lhs / Variable(rhs) }
    /// Sum of a constant tensor and a variable.
    public static func + (lhs: Tensor, rhs: Variable) -> Variable { Variable(lhs) + rhs }
    /// Difference of a constant tensor and a variable.
    public static func - (lhs: Tensor, rhs: Variable) -> Variable { Variable(lhs) - rhs }
    /// Product of a constant tensor and a variable.
    public static func * (lhs: Tensor, rhs: Variable) -> Variable { Variable(lhs) * rhs }
    /// Quotient of a constant tensor by a variable.
    public static func / (lhs: Tensor, rhs: Variable) -> Variable { Variable(lhs) / rhs }

    /// Adds a scalar.
    public static func + (lhs: Variable, rhs: Float) -> Variable {
        record(lhs.value + rhs, [lhs]) { g in [g] }
    }
    /// Subtracts a scalar.
    public static func - (lhs: Variable, rhs: Float) -> Variable {
        record(lhs.value - rhs, [lhs]) { g in [g] }
    }
    /// Multiplies by a scalar.
    public static func * (lhs: Variable, rhs: Float) -> Variable {
        record(lhs.value * rhs, [lhs]) { g in [g * rhs] }
    }
    /// Divides by a scalar.
    public static func / (lhs: Variable, rhs: Float) -> Variable {
        record(lhs.value / rhs, [lhs]) { g in [g / rhs] }
    }
    /// Adds a variable to a scalar.
    public static func + (lhs: Float, rhs: Variable) -> Variable { rhs + lhs }
    /// Subtracts a variable from a scalar.
    public static func - (lhs: Float, rhs: Variable) -> Variable {
        record(lhs - rhs.value, [rhs]) { g in [-g] }
    }
    /// Multiplies a scalar by a variable.
    public static func * (lhs: Float, rhs: Variable) -> Variable { rhs * lhs }
    /// Divides a scalar by a variable.
    public static func / (lhs: Float, rhs: Variable) -> Variable {
        let x = rhs.value
        return record(lhs / x, [rhs]) { g in [Tensor.zip(g, x) { -lhs * $0 / ($1 * $1) }] }
    }

    /// Elementwise negation.
    public static prefix func - (operand: Variable) -> Variable {
        record(-operand.value, [operand]) { g in [-g] }
    }
}

// MARK: - Unary functions

extension Variable {
    /// `e^x` elementwise.
    public func exp() -> Variable {
        let y = value.exp()
        return Variable.record(y, [self]) { g in [g.multiplied(by: y)] }
    }

    /// Natural logarithm elementwise.
    public func log() -> Variable {
        let x = value
        return Variable.record(x.log(), [self]) { g in [g.divided(by: x)] }
    }

    /// The logistic function elementwise.
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return Variable.record(y, [self]) { g in [Tensor.zip(g, y) { $0 * $1 * (1 - $1) }] }
    }

    /// `log(1 + e^x)` elementwise (stable); its derivative is the sigmoid.
    public func softplus() -> Variable {
        let x = value
        return Variable.record(x.softplus(), [self]) { g in [g.multiplied(by: x.sigmoid())] }
    }

    /// `max(x, 0)` elementwise.
    public func relu() -> Variable {
        let x = value
        return Variable.record(x.relu(), [self]) { g in [Tensor.reluGradient(g, input: x)] }
    }

    /// Hyperbolic tangent elementwise.
    public func tanh() -> Variable {
        let y = value.tanh()
        return Variable.record(y, [self]) { g in [Tensor.zip(g, y) { $0 * (1 - $1 * $1) }] }
    }

    /// Square root elementwise.
    public func sqrt() -> Variable {
        let y = value.sqrt()
        return Variable.record(y, [self]) { g in [Tensor.zip(g, y) { $0 * 0.5 / $1 }] }
    }

    /// `x * x` elementwise.
    public func squared() -> Variable {
        let x = value
        return Variable.record(x.squared(), [self]) { g in [Tensor.zip(g, x) { 2 * $0 * $1 }] }
    }

    /// `x^exponent` elementwise.
    public func pow(_ exponent: Float) -> Variable {
        let x = value
        return Variable.record(x.pow(exponent), [self]) { g in
            [g.multiplied(by: x.pow(exponent - 1)) * exponent]
        }
    }

    /// Each element limited to `min...max`; the gradient passes where `min ≤ x ≤ max`.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Variable {
        let x = value
        return Variable.record(x.clamped(min: lower, max: upper), [self]) { g in
            [Tensor.zip(g, x) { $1 >= lower && $1 <= upper ? $0 : 0 }]
        }
    }

    /// Absolute value elementwise (gradient `sign(x)`, 0 at 0).
    public func abs() -> Variable {
        let x = value
        return Variable.record(x.abs(), [self]) { g in [g.multiplied(by: x.sign())] }
    }

    /// Softmax along `axis` (numerically stable).
    public func softmax(axis: Int = -1) -> Variable {
        let y = value.softmax(axis: axis)
        return Variable.record(y, [self]) { g in
            let dot = g.multiplied(by: y).sum(axis: axis, keepDims: true)
            return [y.multiplied(by: g.subtracting(dot))]
        }
    }

    /// Log-softmax along `axis` (numerically stable).
    public func logSoftmax(axis: Int = -1) -> Variable {
        let y = value.logSoftmax(axis: axis)
        return Variable.record(y, [self]) { g in
            let total = g.sum(axis: axis, keepDims: true)
            return [g.subtracting(y.exp().multiplied(by: total))]
        }
    }

    /// `log(sum(exp(x)))` along `axis` (numerically stable).
    public func logSumExp(axis: Int = -1, keepDims: Bool = false) -> Variable {
        let x = value
        let y = x.logSumExp(axis: axis, keepDims: true)
        let axisIndex = x.normalizedAxis(axis)
        let output = keepDims ? y : y.uncheckedReshaped(x.reducedShape(axisIndex, keepDims: false))
        return Variable.record(output, [self]) { g in
            [x.subtracting(y).exp().multiplied(by: g.uncheckedReshaped(y.shape))]
        }
    }
}

// MARK: - Reductions

extension Variable {
    /// The sum of all elements (rank 0).
    public func sum() -> Variable {
        let shape = self.shape
        return Variable.record(value.sum(), [self]) { g in [Tensor(repeating: g.scalar, shape: shape)] }
    }

    /// The sum along `axis`.
    public func sum(axis: Int, keepDims: Bool = false) -> Variable {
        sum(axes: [axis], keepDims: keepDims)
    }

    /// The sum along several axes.
    public func sum(axes: [Int], keepDims: Bool = false) -> Variable {
        let x = value
        let kept = x.sum(axes: axes, keepDims: true)
        let output = keepDims ? kept : x.sum(axes: axes, keepDims: false)
        return Variable.record(output, [self]) { g in
            [Tensor.zip(Tensor(repeating: 0, shape: x.shape), g.uncheckedReshaped(kept.shape)) { $1 }]
        }
    }

    /// The mean of all elements (rank 0).
    public func mean() -> Variable { sum() * (1 / Float(Swift.max(value.count, 1))) }

    /// The mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Variable {
        mean(axes: [axis], keepDims: keepDims)
    }

    /// The mean along several axes.
    public func mean(axes: [Int], keepDims: Bool = false) -> Variable {
        let extent = Set(axes.map(value.normalizedAxis)).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(extent))
    }

    /// The largest elements along `axis`; the gradient goes to the first maximum.
    public func max(axis: Int, keepDims: Bool = false) -> Variable {
        extreme(axis: axis, keepDims: keepDims, greater: true)
    }

    /// The smallest elements along `axis`; the gradient goes to the first minimum.
    public func min(axis: Int, keepDims: Bool = false) -> Variable {
        extreme(axis: axis, keepDims: keepDims, greater: false)
    }

    /// The largest element (rank 0); the gradient goes to the first maximum.
    public func max() -> Variable {
        reshaped([value.count]).extreme(axis: 0, keepDims: false, greater: true)
    }

    /// The smallest element (rank 0); the gradient goes to the first minimum.
    public func min() -> Variable {
        reshaped([value.count]).extreme(axis: 0, keepDims: false, greater: false)
    }

    private func extreme(axis: Int, keepDims: Bool, greater: Bool) -> Variable {
        let x = value
        let axis = x.normalizedAxis(axis)
        let (values, indices) = x.extremes(axis: axis, keepDims: keepDims, greater: greater)
        return Variable.record(values, [self]) { g in
            let (outer, extent, inner) = x.split(around: axis)
            let result = Tensor(repeating: 0, shape: x.shape)
            let out = result.storage.pointer
            let source = g.storage.pointer
            for o in 0..<outer {
                for i in 0..<inner {
                    out[(o * extent + indices[o * inner + i]) * inner + i] = source[o * inner + i]
                }
            }
            return [result]
        }
    }
}

// MARK: - Shapes

extension Variable {
    /// The same elements with a new shape (one extent may be -1).
    public func reshaped(_ newShape: [Int]) -> Variable {
        let shape = self.shape
        return Variable.record(value.uncheckedReshaped(newShape), [self]) { g in [g.uncheckedReshaped(shape)]
        }
    }

    /// Flattens every axis from `startAxis` on into one.
    public func flattened(from startAxis: Int = 1) -> Variable {
        reshaped(value.flattened(from: startAxis).shape)
    }

    /// Inserts an axis of extent 1.
    public func expandingShape(at axis: Int) -> Variable {
        reshaped(value.expandingShape(at: axis).shape)
    }

    /// Removes an axis of extent 1.
    public func squeezingShape(at axis: Int) -> Variable {
        reshaped(value.squeezingShape(at: axis).shape)
    }

    /// The axes reordered: result axis `i` is this variable's axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: axes.count)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return Variable.record(value.permuted(axes), [self]) { g in [g.permuted(inverse)] }
    }

    /// The last two axes swapped.
    public func transposed() -> Variable {
        Variable.record(value.transposed(), [self]) { g in [g.transposed()] }
    }

    /// Joins variables along `axis`.
    public static func concat(_ variables: [Variable], axis: Int = 0) -> Variable {
        let result = Tensor.concat(variables.map(\.value), axis: axis)
        let axis = result.normalizedAxis(axis)
        let extents = variables.map { $0.shape[axis] }
        return record(result, variables) { g in
            var start = 0
            return extents.map { extent in
                defer { start += extent }
                return g.slice(axis: axis, start..<(start + extent))
            }
        }
    }

    /// Stacks equal-shaped variables along a new axis.
    public static func stack(_ variables: [Variable], axis: Int = 0) -> Variable {
        guard let first = variables.first else { preconditionFailure("stack of no variables") }
        let axis = axis < 0 ? axis + first.rank + 1 : axis
        return concat(variables.map { $0.expandingShape(at: axis) }, axis: axis)
    }

    /// The elements at positions `range` of `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Variable {
        let shape = self.shape
        return Variable.record(value.slice(axis: axis, range), [self]) { g in
            var result = Tensor(repeating: 0, shape: shape)
            result.setSlice(axis: axis, range, to: g)
            return [result]
        }
    }

    /// Row `index` along the first axis.
    public subscript(index: Int) -> Variable {
        slice(axis: 0, index..<(index + 1)).reshaped(Array(shape.dropFirst()))
    }

    /// Rows `range` along the first axis.
    public subscript(range: Range<Int>) -> Variable {
        slice(axis: 0, range)
    }

    /// Rows picked by `indices` (an embedding lookup).
    ///
    /// When this variable is a parameter's handle, backward stores a sparse gradient
    /// (``Parameter/sparseGrad``) with only the touched rows; otherwise the gradient is a dense scatter-add.
    public func gather(_ indices: [Int]) -> Variable {
        let result = value.gather(indices)
        guard GradMode.isEnabled, let node else { return Variable(result) }
        if case .parameter(let parameter) = node.kind {
            return Variable(value: result, node: Node(.gatheredRows(parameter, indices)))
        }
        let rows = shape[0]
        return Variable.record(result, [self]) { g in [Tensor.scatterAdd(g, rows: indices, rowCount: rows)] }
    }

    /// Rows picked by a tensor of (integral) indices; the result has shape `indices.shape + shape[1...]`.
    public func gather(_ indices: Tensor) -> Variable {
        gather(indices.scalars.map { Int($0) }).reshaped(indices.shape + shape.dropFirst())
    }

    /// Element `indices[i]` of each row `i` of a `[N, C]` variable, as shape `[N]`.
    ///
    /// For example the target log-probabilities of a classification loss.
    public func pickingColumns(_ indices: [Int]) -> Variable {
        let x = value
        let result = x.pickingColumns(indices)
        return Variable.record(result, [self]) { g in
            let gradient = Tensor(repeating: 0, shape: x.shape)
            let out = gradient.storage.pointer
            let source = g.storage.pointer
            let columns = x.shape[1]
            for (row, column) in indices.enumerated() { out[row * columns + column] += source[row] }
            return [gradient]
        }
    }
}

// MARK: - Matrix product

/// The differentiable matrix product `op(a) · op(b)`; see ``matmul(_:_:transposeA:transposeB:)``.
public func matmul(
    _ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false
) -> Variable {
    let (x, y) = (a.value, b.value)
    let (na, nb) = (a.requiresGrad, b.requiresGrad)
    let result = matmul(x, y, transposeA: transposeA, transposeB: transposeB)
    return Variable.record(result, [a, b]) { g in
        var (x, y, g) = (x, y, g)
        var foldedBatch = false
        if x.rank == 3 && y.rank == 2 && !transposeA {
            // Treat [B, m, k]·[k, n] as [B·m, k]·[k, n].
            x = x.uncheckedReshaped([-1, x.shape[2]])
            g = g.uncheckedReshaped([-1, g.shape[2]])
            foldedBatch = true
        }
        var gradA: Tensor?
        var gradB: Tensor?
        switch (transposeA, transposeB) {
        case (false, false):
            if na { gradA = matmul(g, y, transposeB: true) }
            if nb { gradB = matmul(x, g, transposeA: true) }
        case (true, false):
            if na { gradA = matmul(y, g, transposeB: true) }
            if nb { gradB = matmul(x, g) }
        case (false, true):
            if na { gradA = matmul(g, y) }
            if nb { gradB = matmul(g, x, transposeA: true) }
        case (true, true):
            if na { gradA = matmul(y, g, transposeA: true, transposeB: true) }
            if nb { gradB = matmul(g, x, transposeA: true, transposeB: true) }
        }
        if foldedBatch { gradA = gradA?.uncheckedReshaped(a.shape) }
        // A rank-2 operand shared across a batch gets the sum over the batch.
        if let gradient = gradA, gradient.shape != a.shape { gradA = gradient.sum(axis: 0) }
        if let gradient = gradB, gradient.shape != b.shape { gradB = gradient.sum(axis: 0) }
        return [gradA, gradB]
    }
}

extension Variable {
    /// The matrix product `op(self) · op(other)`.
    public func matmul(_ other: Variable, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
        TensorCore.matmul(self, other, transposeA: transposeA, transposeB: transposeB)
    }

    /// The matrix product with a constant.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Variable {
        TensorCore.matmul(self, Variable(other), transposeA: transposeA, transposeB: transposeB)
    }
}

// MARK: - Convolution, pooling, normalization, dropout

extension Variable {
    /// Differentiable 2-D convolution; see ``Tensor/conv2d(weight:bias:stride:padding:)``.
    public func conv2d(weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0) -> Variable
    {
        let (x, w) = (value, weight.value)
        let result = x.conv2d(weight: w, bias: bias?.value, stride: stride, padding: padding)
        let (nx, nw) = (requiresGrad, weight.requiresGrad)
        let biasShape = bias?.shape
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Variable.record(result, inputs) { g in
            let (dx, dw, db) = Tensor.conv2dBackward(
                input: x, weight: w, gradient: g, stride: stride, padding: padding, needsInput: nx,
                needsWeight: nw, needsBias: biasShape != nil)
            return [dx, dw] + (biasShape.map { [db.uncheckedReshaped($0)] } ?? [])
        }
    }

    /// Differentiable max pooling; see ``Tensor/maxPool2d(kernelSize:stride:padding:)``.
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
        precondition(rank == 4, "maxPool2d needs [N, C, H, W], got \(shape)")
        let step = stride ?? kernelSize
        return pooledMax(
            rows: PoolWindows(input: shape[2], kernel: kernelSize, stride: step, padding: padding),
            columns: PoolWindows(input: shape[3], kernel: kernelSize, stride: step, padding: padding))
    }

    /// Differentiable adaptive max pooling.
    public func adaptiveMaxPool2d(outputHeight: Int, outputWidth: Int) -> Variable {
        precondition(rank == 4, "adaptiveMaxPool2d needs [N, C, H, W], got \(shape)")
        return pooledMax(
            rows: PoolWindows(input: shape[2], output: outputHeight),
            columns: PoolWindows(input: shape[3], output: outputWidth))
    }

    /// Differentiable adaptive max pooling to a square size.
    public func adaptiveMaxPool2d(outputSize: Int) -> Variable {
        adaptiveMaxPool2d(outputHeight: outputSize, outputWidth: outputSize)
    }

    /// Differentiable average pooling (count-include-pad); see ``Tensor/avgPool2d(kernelSize:stride:padding:)``.
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Variable {
        precondition(rank == 4, "avgPool2d needs [N, C, H, W], got \(shape)")
        let step = stride ?? kernelSize
        return pooledAverage(
            rows: PoolWindows(input: shape[2], kernel: kernelSize, stride: step, padding: padding),
            columns: PoolWindows(input: shape[3], kernel: kernelSize, stride: step, padding: padding),
            divisor: kernelSize * kernelSize)
    }

    /// Differentiable adaptive average pooling.
    public func adaptiveAvgPool2d(outputHeight: Int, outputWidth: Int) -> Variable {
        precondition(rank == 4, "adaptiveAvgPool2d needs [N, C, H, W], got \(shape)")
        return pooledAverage(
            rows: PoolWindows(input: shape[2], output: outputHeight),
            columns: PoolWindows(input: shape[3], output: outputWidth), divisor: nil)
    }

    /// Differentiable adaptive average pooling to a square size.
    public func adaptiveAvgPool2d(outputSize: Int) -> Variable {
        adaptiveAvgPool2d(outputHeight: outputSize, outputWidth: outputSize)
    }

    private func pooledMax(rows: PoolWindows, columns: PoolWindows) -> Variable {
        let shape = self.shape
        let (result, positions) = value.maxPool(rows: rows, columns: columns)
        return Variable.record(result, [self]) { g in
            [Tensor.maxPoolBackward(g, positions: positions, inputShape: shape)]
        }
    }

    private func pooledAverage(rows: PoolWindows, columns: PoolWindows, divisor: Int?) -> Variable {
        let shape = self.shape
        let result = value.averagePool(rows: rows, columns: columns, divisor: divisor)
        return Variable.record(result, [self]) { g in
            [Tensor.averagePoolBackward(g, rows: rows, columns: columns, divisor: divisor, inputShape: shape)]
        }
    }

    /// Batch normalization over axis 1 of `[N, C, …]` (PyTorch's `BatchNorm1d/2d`).
    ///
    /// Training: normalizes with the batch mean and biased variance, and updates the running statistics
    /// `running = (1 − momentum)·running + momentum·batch` (the variance update uses the unbiased batch
    /// variance). Evaluation: normalizes with the running statistics and leaves them alone.
    ///
    /// - Parameters:
    ///   - weight: `[C]` scale, or `nil` for 1.
    ///   - bias: `[C]` shift, or `nil` for 0.
    ///   - runningMean: `[C]` running mean, updated in training.
    ///   - runningVariance: `[C]` running variance, updated in training.
    ///   - training: Whether to use (and update) batch statistics.
    ///   - momentum: The weight of the batch statistics in the running update.
    ///   - eps: Added to the variance before the square root.
    /// - Returns: The normalized, scaled and shifted input.
    public func batchNorm(
        weight: Variable?, bias: Variable?, runningMean: inout Tensor, runningVariance: inout Tensor,
        training: Bool, momentum: Float = 0.1, eps: Float = 1e-5
    ) -> Variable {
        let x = value
        let layout = ChannelLayout(x.shape)
        let channels = layout.channels
        precondition(
            (weight?.value.count ?? channels) == channels && (bias?.value.count ?? channels) == channels
                && (training || (runningMean.count == channels && runningVariance.count == channels)),
            "batch norm parameters and statistics need \(channels) channels for input \(x.shape)")
        let mean = training ? Tensor(uninitialized: [channels]) : runningMean
        let variance = training ? Tensor(uninitialized: [channels]) : runningVariance
        // x̂ = x·invStd + center; the output is x̂·weight + bias.
        let invStd = Tensor(uninitialized: [channels])
        let center = Tensor(uninitialized: [channels])
        let output = Tensor(uninitialized: x.shape)
        BatchNormKernels.forward(
            x.storage.pointer, layout, training: training, means: mean.storage.pointer,
            variances: variance.storage.pointer, weight: weight?.value.storage.pointer,
            bias: bias?.value.storage.pointer, eps: eps, invStd: invStd.storage.pointer,
            center: center.storage.pointer, into: output.storage.pointer)
        if training {
            let m = Float(layout.perChannel)
            let unbiased = variance * (m / Swift.max(m - 1, 1))
            runningMean = (runningMean * (1 - momentum)).adding(mean * momentum)
            runningVariance = (runningVariance * (1 - momentum)).adding(unbiased * momentum)
        }
        let weightValue = weight?.value
        let (hasWeight, hasBias) = (weight != nil, bias != nil)
        let inputs = [self] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
        let needsInput = requiresGrad
        return Variable.record(output, inputs) { g in
            // Per-channel sums of g and g·x̂ (x̂ recomputed from x), then dx.
            let sumG = Tensor(uninitialized: [channels])
            let sumGX = Tensor(uninitialized: [channels])
            let dx = needsInput ? Tensor(uninitialized: x.shape) : nil
            BatchNormKernels.backward(
                g.storage.pointer, x.storage.pointer, layout, training: training,
                invStd: invStd.storage.pointer, center: center.storage.pointer,
                weight: weightValue?.storage.pointer,
                sums: hasWeight || hasBias ? (sumG.storage.pointer, sumGX.storage.pointer) : nil,
                into: dx?.storage.pointer)
            var gradients: [Tensor?] = [dx]
            if let weightValue { gradients.append(sumGX.uncheckedReshaped(weightValue.shape)) }
            if hasBias { gradients.append(sumG) }
            return gradients
        }
    }

    /// Inverted dropout: in training, zeroes each element with probability `p` and scales the rest by
    /// `1/(1−p)`, drawing from `generator` (by default ``Random/current``); the identity otherwise.
    public func dropout(
        probability p: Float, training: Bool, generator: Generator = Random.current
    ) -> Variable {
        guard training, p > 0 else { return self }
        let mask = Tensor.dropoutMask(shape, probability: p, generator: generator)
        return self * mask
    }
}

extension Tensor {
    /// Inverted dropout on a plain tensor; see ``Variable/dropout(probability:training:generator:)``.
    public func dropout(probability p: Float, training: Bool, generator: Generator = Random.current) -> Tensor
    {
        guard training, p > 0 else { return self }
        return multiplied(by: Tensor.dropoutMask(shape, probability: p, generator: generator))
    }
}

// MARK: - Checked forms for input a user chose

// The operators and methods above trap on shapes that do not fit: inside the library (layers, losses,
// the training loop) shapes follow from models and data that were checked, and a lesson's compiled
// Swift calls them without `try`. Input a user chose (a lesson cell, through the cell language) goes
// through these throwing forms, which check and then call the same operation.

extension Variable {
    /// `lhs op rhs` for `op` in `+ - * /` (an operator a user wrote), checked: the shapes broadcast and
    /// the result fits the ``MemoryBudget``.
    ///
    /// - Throws: ``TensorError`` naming both shapes, or the result's size and the budget.
    public static func applying(_ op: BroadcastOperator, _ lhs: Variable, _ rhs: Variable) throws -> Variable
    {
        try Tensor.validate(shape: Tensor.checkedBroadcastShape(lhs.shape, rhs.shape, verb: op.verb))
        switch op {
        case .add: return lhs + rhs
        case .subtract: return lhs - rhs
        case .multiply: return lhs * rhs
        case .divide: return lhs / rhs
        }
    }

    /// The sum along `axis`, checked: the axis exists and the result fits the ``MemoryBudget``.
    ///
    /// - Throws: ``TensorError`` naming the axis and shape, or the result's size.
    public func checkedSum(axis: Int, keepDims: Bool = false) throws -> Variable {
        sum(axis: try value.checkedReductionAxis(axis, keepDims: keepDims), keepDims: keepDims)
    }

    /// PyTorch's spelling, `x.sum(dim=1, keepdim=True)`: ``sum(axis:keepDims:)`` (cells get
    /// ``checkedSum(axis:keepDims:)``).
    public func sum(dim: Int, keepdim: Bool = false) -> Variable { sum(axis: dim, keepDims: keepdim) }

    /// PyTorch's spelling, `x.mean(dim=1, keepdim=True)`: ``mean(axis:keepDims:)`` (cells get the checked
    /// form).
    public func mean(dim: Int, keepdim: Bool = false) -> Variable { mean(axis: dim, keepDims: keepdim) }

    /// PyTorch's in-place `res += other`: `lhs = lhs + rhs`, recorded for the gradient as the sum is.
    public static func += (lhs: inout Variable, rhs: Variable) { lhs = lhs + rhs }

    /// `lhs = lhs - rhs`, as ``+=(_:_:)``.
    public static func -= (lhs: inout Variable, rhs: Variable) { lhs = lhs - rhs }

    /// The rows at the ids `indices` holds (PyTorch's `weight[ids]`), checked.
    ///
    /// Every id must be a whole number in `0..<shape[0]`; the result has shape
    /// `indices.shape + shape[1...]`.
    ///
    /// - Throws: ``TensorError`` for a rank-0 table or the first id out of range (NaN, ∞, 1e20 included).
    public func checkedGather(_ indices: Tensor) throws -> Variable {
        guard rank >= 1 else { throw TensorError(.rank, "cannot look rows up in a tensor of shape \(shape)") }
        let rows = try indices.rowIndices(rows: shape[0])
        try Tensor.validate(shape: indices.shape + shape.dropFirst())
        return gather(rows).reshaped(indices.shape + shape.dropFirst())
    }
}

/// A broadcasting arithmetic operator, for ``Variable/applying(_:_:_:)``.
public enum BroadcastOperator: String, Sendable, CaseIterable {
    /// `+`
    case add = "+"
    /// `-`
    case subtract = "-"
    /// `*`
    case multiply = "*"
    /// `/`
    case divide = "/"

    /// The verb an error message uses: "add", "subtract", "multiply", "divide".
    public var verb: String {
        switch self {
        case .add: "add"
        case .subtract: "subtract"
        case .multiply: "multiply"
        case .divide: "divide"
        }
    }
}
