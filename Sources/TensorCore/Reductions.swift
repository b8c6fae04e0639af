import Foundation

/// The sum of `count` contiguous floats with eight independent accumulators (vectorizable).
@inline(__always)
func contiguousSum(_ pointer: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var index = 0
    while index + 8 <= count {
        lanes += UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD8<Float>.self)
        index += 8
    }
    var total = lanes.sum()
    while index < count {
        total += pointer[index]
        index += 1
    }
    return total
}

/// The largest of `count` contiguous floats (−∞ when empty).
@inline(__always)
func contiguousMax(_ pointer: UnsafePointer<Float>, _ count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: -.infinity)
    var index = 0
    while index + 8 <= count {
        lanes = pointwiseMax(lanes, UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD8<Float>.self))
        index += 8
    }
    var best = lanes.max()
    while index < count {
        best = Swift.max(best, pointer[index])
        index += 1
    }
    return best
}

extension Tensor {
    /// Turns a possibly negative axis into `0..<rank`.
    func normalizedAxis(_ axis: Int) -> Int {
        let result = axis < 0 ? axis + rank : axis
        precondition(result >= 0 && result < rank, "axis \(axis) out of range for shape \(shape)")
        return result
    }

    /// The `(outer, extent, inner)` split of the elements around `axis`.
    func split(around axis: Int) -> (outer: Int, extent: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    /// The shape after reducing `axis`.
    func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var result = shape
        if keepDims { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }

    // MARK: Sum and mean

    /// The sum of all elements (rank 0), accumulated in `Double`.
    public func sum() -> Tensor {
        let pointer = storage.pointer
        var total: Double = 0
        var start = 0
        while start < count {
            let length = Swift.min(1024, count - start)
            total += Double(contiguousSum(pointer + start, length))
            start += length
        }
        return Tensor(Float(total))
    }

    /// The sum along `axis`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, extent, inner) = split(around: axis)
        let result = Tensor(repeating: 0, shape: reducedShape(axis, keepDims: keepDims))
        let source = storage.pointer
        let out = result.storage.pointer
        if inner == 1 {
            for o in 0..<outer { out[o] = contiguousSum(source + o * extent, extent) }
        } else {
            for o in 0..<outer {
                let destination = out + o * inner
                for k in 0..<extent {
                    let row = source + (o * extent + k) * inner
                    for i in 0..<inner { destination[i] += row[i] }
                }
            }
        }
        return result
    }

    /// The sum along several axes.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let sorted = Set(axes.map(normalizedAxis)).sorted(by: >)
        var result = self
        for axis in sorted { result = result.sum(axis: axis, keepDims: true) }
        if !keepDims {
            result = result.uncheckedReshaped(
                shape.enumerated().filter { !sorted.contains($0.offset) }.map(\.element))
        }
        return result
    }

    /// The mean of all elements (rank 0).
    public func mean() -> Tensor { Tensor(sum().scalar / Float(Swift.max(count, 1))) }

    /// The mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let extent = shape[normalizedAxis(axis)]
        return sum(axis: axis, keepDims: keepDims) * (1 / Float(extent))
    }

    /// The mean along several axes.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let extent = Set(axes.map(normalizedAxis)).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(extent))
    }

    /// The variance along `axes` (all axes when empty); `unbiased` divides by `n − 1` instead of `n`.
    public func variance(axes: [Int] = [], keepDims: Bool = false, unbiased: Bool = false) -> Tensor {
        let axes = axes.isEmpty ? Array(0..<rank) : axes
        let extent = Set(axes.map(normalizedAxis)).reduce(1) { $0 * shape[$1] }
        let centered = subtracting(mean(axes: axes, keepDims: true))
        let divisor = Float(Swift.max(unbiased ? extent - 1 : extent, 1))
        return centered.squared().sum(axes: axes, keepDims: keepDims) * (1 / divisor)
    }

    /// The standard deviation along `axes` (all axes when empty); see ``variance(axes:keepDims:unbiased:)``.
    public func standardDeviation(axes: [Int] = [], keepDims: Bool = false, unbiased: Bool = false) -> Tensor
    {
        variance(axes: axes, keepDims: keepDims, unbiased: unbiased).sqrt()
    }

    /// Sums a broadcast result back to `target` (the inverse of broadcasting, for gradients).
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let targetCount = Tensor.elementCount(target)
        if targetCount == 1 { return sum().uncheckedReshaped(target) }
        if isSuffix(target, of: shape) {
            let result = Tensor(repeating: 0, shape: target)
            let out = result.storage.pointer
            let source = storage.pointer
            for outer in 0..<(count / targetCount) {
                let row = source + outer * targetCount
                for i in 0..<targetCount { out[i] += row[i] }
            }
            return result
        }
        let padded = [Int](repeating: 1, count: rank - target.count) + target
        let axes = (0..<rank).filter { padded[$0] == 1 && shape[$0] != 1 }
        return sum(axes: axes, keepDims: true).uncheckedReshaped(target)
    }

    // MARK: Max, min, argmax

    /// The extreme values along `axis` and their first positions.
    func extremes(axis: Int, keepDims: Bool, greater: Bool) -> (values: Tensor, indices: [Int]) {
        let axis = normalizedAxis(axis)
        precondition(shape[axis] > 0, "cannot reduce the empty axis \(axis) of \(shape)")
        let (outer, extent, inner) = split(around: axis)
        let values = Tensor(uninitialized: reducedShape(axis, keepDims: keepDims))
        var indices = [Int](repeating: 0, count: outer * inner)
        let source = storage.pointer
        let out = values.storage.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = source[o * extent * inner + i]
                var bestIndex = 0
                for k in 1..<Swift.max(extent, 1) {
                    let value = source[(o * extent + k) * inner + i]
                    if greater ? value > best : value < best {
                        best = value
                        bestIndex = k
                    }
                }
                out[o * inner + i] = best
                indices[o * inner + i] = bestIndex
            }
        }
        return (values, indices)
    }

    /// The largest element (rank 0).
    ///
    /// - Throws: ``TensorError`` for an empty tensor.
    public func max() throws -> Tensor {
        guard count > 0 else { throw TensorError(.empty, "max() of an empty tensor") }
        return Tensor(contiguousMax(storage.pointer, count))
    }

    /// The smallest element (rank 0).
    ///
    /// - Throws: ``TensorError`` for an empty tensor.
    public func min() throws -> Tensor {
        guard count > 0 else { throw TensorError(.empty, "min() of an empty tensor") }
        return uncheckedReshaped([count]).extremes(axis: 0, keepDims: false, greater: false).values
    }

    /// The largest elements along `axis`.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        extremes(axis: axis, keepDims: keepDims, greater: true).values
    }

    /// The smallest elements along `axis`.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor {
        extremes(axis: axis, keepDims: keepDims, greater: false).values
    }

    /// The positions (as floats) of the largest elements along `axis`; the first on ties.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let indices = extremes(axis: axis, keepDims: keepDims, greater: true).indices
        return Tensor(shape: reducedShape(axis, keepDims: keepDims), scalars: indices.map { Float($0) })
    }

    /// The positions of the smallest elements along `axis`; the first on ties.
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let indices = extremes(axis: axis, keepDims: keepDims, greater: false).indices
        return Tensor(shape: reducedShape(axis, keepDims: keepDims), scalars: indices.map { Float($0) })
    }

    /// The row-major position of the largest element; the first on ties.
    public func argmaxIndex() -> Int {
        precondition(count > 0, "argmax of an empty tensor")
        return uncheckedReshaped([count]).extremes(axis: 0, keepDims: false, greater: true).indices[0]
    }

    // MARK: Softmax

    /// `exp(x - max) / sum(exp(x - max))` along `axis` (numerically stable).
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, extent, inner) = split(around: axis)
        let result = Tensor(uninitialized: shape)
        let source = storage.pointer
        let out = result.storage.pointer
        if inner == 1 {
            for o in 0..<outer {
                let row = source + o * extent
                let destination = out + o * extent
                let largest = contiguousMax(row, extent)
                for k in 0..<extent { destination[k] = Foundation.exp(row[k] - largest) }
                let scale = 1 / contiguousSum(destination, extent)
                for k in 0..<extent { destination[k] *= scale }
            }
            return result
        }
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * extent * inner + i
                var largest = -Float.infinity
                for k in 0..<extent { largest = Swift.max(largest, source[base + k * inner]) }
                var total: Float = 0
                for k in 0..<extent {
                    let e = Foundation.exp(source[base + k * inner] - largest)
                    out[base + k * inner] = e
                    total += e
                }
                let scale = 1 / total
                for k in 0..<extent { out[base + k * inner] *= scale }
            }
        }
        return result
    }

    /// PyTorch's spelling, `x.sum(dim=1, keepdim=True)`: ``sum(axis:keepDims:)`` (cells get the checked
    /// form, ``checkedReductionAxis(_:keepDims:)``).
    public func sum(dim: Int, keepdim: Bool = false) -> Tensor { sum(axis: dim, keepDims: keepdim) }

    /// PyTorch's spelling, `x.mean(dim=1, keepdim=True)`: ``mean(axis:keepDims:)`` (cells get the checked
    /// form).
    public func mean(dim: Int, keepdim: Bool = false) -> Tensor { mean(axis: dim, keepDims: keepdim) }

    /// PyTorch's spelling, `torch.softmax(x, dim=1)`: ``softmax(axis:)``.
    public func softmax(dim: Int) -> Tensor { softmax(axis: dim) }

    /// PyTorch's spelling, `torch.log_softmax(x, dim=1)`: ``logSoftmax(axis:)``.
    public func logSoftmax(dim: Int) -> Tensor { logSoftmax(axis: dim) }

    /// `x - max - log(sum(exp(x - max)))` along `axis` (numerically stable).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, extent, inner) = split(around: axis)
        let result = Tensor(uninitialized: shape)
        let source = storage.pointer
        let out = result.storage.pointer
        if inner == 1 {
            for o in 0..<outer {
                let row = source + o * extent
                let destination = out + o * extent
                let largest = contiguousMax(row, extent)
                for k in 0..<extent { destination[k] = Foundation.exp(row[k] - largest) }
                let logTotal = Foundation.log(contiguousSum(destination, extent))
                for k in 0..<extent { destination[k] = (row[k] - largest) - logTotal }
            }
            return result
        }
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * extent * inner + i
                var largest = -Float.infinity
                for k in 0..<extent { largest = Swift.max(largest, source[base + k * inner]) }
                var total: Float = 0
                for k in 0..<extent { total += Foundation.exp(source[base + k * inner] - largest) }
                let logTotal = Foundation.log(total)
                for k in 0..<extent {
                    out[base + k * inner] = (source[base + k * inner] - largest) - logTotal
                }
            }
        }
        return result
    }

    /// `log(sum(exp(x)))` along `axis`, computed stably.
    public func logSumExp(axis: Int = -1, keepDims: Bool = false) -> Tensor {
        let largest = max(axis: axis, keepDims: true)
        let total = subtracting(largest).exp().sum(axis: axis, keepDims: true).log().adding(largest)
        return keepDims ? total : total.uncheckedReshaped(reducedShape(normalizedAxis(axis), keepDims: false))
    }
}
