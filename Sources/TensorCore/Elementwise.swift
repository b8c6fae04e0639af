import Foundation

// MARK: - Broadcasting kernels

/// The broadcast shape of two shapes (NumPy rules: align from the right; extents equal or 1).
///
/// Traps when they do not broadcast; cells reach ``Tensor/checkedBroadcastShape(_:_:verb:)`` instead.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    guard let shape = broadcastShapeIfAny(a, b) else {
        preconditionFailure("shapes \(a) and \(b) do not broadcast")
    }
    return shape
}

/// The broadcast shape of two shapes, or `nil` when an extent pair is neither equal nor has a 1.
func broadcastShapeIfAny(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = Swift.max(a.count, b.count)
    let left = [Int](repeating: 1, count: rank - a.count) + a
    let right = [Int](repeating: 1, count: rank - b.count) + b
    var result: [Int] = []
    result.reserveCapacity(rank)
    for (x, y) in Swift.zip(left, right) {
        guard x == y || x == 1 || y == 1 else { return nil }
        result.append(x == 1 ? y : x)  // not max: 1 and 0 broadcast to 0, as in NumPy
    }
    return result
}

/// Row-major strides of `shape` aligned to `rank` axes, with 0 on broadcast (extent-1 or missing) axes.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let rank = target.count
    var strides = [Int](repeating: 0, count: rank)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        let targetAxis = axis + rank - shape.count
        strides[targetAxis] = shape[axis] == 1 && target[targetAxis] != 1 ? 0 : step
        step *= shape[axis]
    }
    return strides
}

/// Whether `small` (after dropping leading 1s) equals the trailing axes of `large`.
func isSuffix(_ small: [Int], of large: [Int]) -> Bool {
    var trimmed = small[...]
    while let first = trimmed.first, first == 1, trimmed.count > 0 { trimmed = trimmed.dropFirst() }
    guard trimmed.count <= large.count else { return false }
    return Array(large.suffix(trimmed.count)) == Array(trimmed)
}

extension Tensor {
    /// A tensor of the same shape with `transform` applied to every element.
    @inline(__always)
    public func map(_ transform: (Float) -> Float) -> Tensor {
        let result = Tensor(uninitialized: shape)
        let source = storage.pointer
        let destination = result.storage.pointer
        for index in 0..<count { destination[index] = transform(source[index]) }
        return result
    }

    /// Applies `transform` to every element in place.
    @inline(__always)
    mutating func mapInPlace(_ transform: (Float) -> Float) {
        makeUnique()
        let pointer = storage.pointer
        for index in 0..<count { pointer[index] = transform(pointer[index]) }
    }

    /// Combines two tensors elementwise with broadcasting; fast paths for equal shapes, scalars and
    /// trailing-axis ("row") broadcasting.
    @inline(__always)
    static func zip(_ a: Tensor, _ b: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        let pa = a.storage.pointer
        let pb = b.storage.pointer
        if a.shape == b.shape {
            let result = Tensor(uninitialized: a.shape)
            let out = result.storage.pointer
            for index in 0..<a.count { out[index] = combine(pa[index], pb[index]) }
            return result
        }
        let shape = broadcastShape(a.shape, b.shape)
        let result = Tensor(uninitialized: shape)
        let out = result.storage.pointer
        let total = result.count
        if b.count == 1 && a.count == total {
            let y = pb[0]
            for index in 0..<total { out[index] = combine(pa[index], y) }
            return result
        }
        if a.count == 1 && b.count == total {
            let x = pa[0]
            for index in 0..<total { out[index] = combine(x, pb[index]) }
            return result
        }
        if a.count == total && isSuffix(b.shape, of: shape) && b.count > 0 {
            let inner = b.count
            for outer in 0..<(total / inner) {
                // Row pointers keep overflow checks out of the inner loop, which then vectorizes.
                let (row, destination) = (pa + outer * inner, out + outer * inner)
                for index in 0..<inner { destination[index] = combine(row[index], pb[index]) }
            }
            return result
        }
        if b.count == total && isSuffix(a.shape, of: shape) && a.count > 0 {
            let inner = a.count
            for outer in 0..<(total / inner) {
                let (row, destination) = (pb + outer * inner, out + outer * inner)
                for index in 0..<inner { destination[index] = combine(pa[index], row[index]) }
            }
            return result
        }
        if let rowLength = shape.last, rowLength > 0, a.rank == b.rank {
            // Column broadcasting: [..., n] with [..., 1].
            if a.count == total && b.count * rowLength == total && b.shape.last == 1
                && Array(b.shape.dropLast()) == Array(shape.dropLast())
            {
                for row in 0..<b.count {
                    let y = pb[row]
                    let (source, destination) = (pa + row * rowLength, out + row * rowLength)
                    for index in 0..<rowLength { destination[index] = combine(source[index], y) }
                }
                return result
            }
            if b.count == total && a.count * rowLength == total && a.shape.last == 1
                && Array(a.shape.dropLast()) == Array(shape.dropLast())
            {
                for row in 0..<a.count {
                    let x = pa[row]
                    let (source, destination) = (pb + row * rowLength, out + row * rowLength)
                    for index in 0..<rowLength { destination[index] = combine(x, source[index]) }
                }
                return result
            }
        }
        guard total > 0 else { return result }
        // General case: odometer over all axes but the last, strided inner loop.
        let rank = shape.count
        let sa = broadcastStrides(a.shape, to: shape)
        let sb = broadcastStrides(b.shape, to: shape)
        let inner = shape[rank - 1]
        let innerA = sa[rank - 1]
        let innerB = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offsetA = 0
        var offsetB = 0
        var position = 0
        while position < total {
            for step in 0..<inner {
                out[position + step] = combine(pa[offsetA + step * innerA], pb[offsetB + step * innerB])
            }
            position += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offsetA += sa[axis]
                offsetB += sb[axis]
                if index[axis] < shape[axis] { break }
                offsetA -= sa[axis] * shape[axis]
                offsetB -= sb[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Adds `other` into this tensor in place (same shape, or `other` broadcast to this shape).
    public mutating func addInPlace(_ other: Tensor, scaledBy scale: Float = 1) {
        if other.shape == shape {
            makeUnique()
            nonisolated(unsafe) let pointer = storage.pointer
            nonisolated(unsafe) let source = other.storage.pointer
            Parallel.forEachRange(count) { range in
                for index in range { pointer[index] += scale * source[index] }
            }
        } else {
            precondition(
                broadcastShape(shape, other.shape) == shape, "cannot add \(other.shape) into \(shape)")
            self = Tensor.zip(self, other) { $0 + scale * $1 }
        }
    }
}

// MARK: - Arithmetic operators

extension Tensor {
    /// Elementwise sum with broadcasting.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public static func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        _ = try checkedBroadcastShape(lhs.shape, rhs.shape, verb: "add")
        return zip(lhs, rhs) { $0 + $1 }
    }
    /// Elementwise difference with broadcasting.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public static func - (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        _ = try checkedBroadcastShape(lhs.shape, rhs.shape, verb: "subtract")
        return zip(lhs, rhs) { $0 - $1 }
    }
    /// Elementwise product with broadcasting.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public static func * (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        _ = try checkedBroadcastShape(lhs.shape, rhs.shape, verb: "multiply")
        return zip(lhs, rhs) { $0 * $1 }
    }
    /// Elementwise quotient with broadcasting.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public static func / (lhs: Tensor, rhs: Tensor) throws -> Tensor {
        _ = try checkedBroadcastShape(lhs.shape, rhs.shape, verb: "divide")
        return zip(lhs, rhs) { $0 / $1 }
    }

    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Divides every element by a scalar.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    /// Adds every element to a scalar.
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    /// Subtracts every element from a scalar.
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    /// Multiplies a scalar by every element.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Divides a scalar by every element.
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs / $0 } }

    /// Elementwise negation.
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    /// Adds in place (broadcasting `rhs` to `lhs`'s shape).
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.addInPlace(rhs) }
    /// Subtracts in place (broadcasting `rhs` to `lhs`'s shape).
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.addInPlace(rhs, scaledBy: -1) }
    /// Multiplies in place by a scalar.
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 * rhs } }
    /// Adds a scalar in place.
    public static func += (lhs: inout Tensor, rhs: Float) { lhs.mapInPlace { $0 + rhs } }
}

// MARK: - Comparisons (0/1 masks)

extension Tensor {
    /// 1 where `lhs == rhs`, else 0.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 == $1 ? 1 : 0 } }
    /// 1 where `lhs != rhs`, else 0.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 != $1 ? 1 : 0 } }
    /// 1 where `lhs < rhs`, else 0.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 < $1 ? 1 : 0 } }
    /// 1 where `lhs <= rhs`, else 0.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 <= $1 ? 1 : 0 } }
    /// 1 where `lhs > rhs`, else 0.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 > $1 ? 1 : 0 } }
    /// 1 where `lhs >= rhs`, else 0.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { zip(lhs, rhs) { $0 >= $1 ? 1 : 0 } }
    /// 1 where an element equals `rhs`, else 0.
    public static func .== (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 == rhs ? 1 : 0 } }
    /// 1 where an element differs from `rhs`, else 0.
    public static func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 != rhs ? 1 : 0 } }
    /// 1 where an element is below `rhs`, else 0.
    public static func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 < rhs ? 1 : 0 } }
    /// 1 where an element is at most `rhs`, else 0.
    public static func .<= (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 <= rhs ? 1 : 0 } }
    /// 1 where an element is above `rhs`, else 0.
    public static func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 > rhs ? 1 : 0 } }
    /// 1 where an element is at least `rhs`, else 0.
    public static func .>= (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 >= rhs ? 1 : 0 } }
}

// MARK: - Unary functions

extension Tensor {
    /// This tensor where `condition` is non-zero, else `other` (PyTorch's `x.where(condition, y)`,
    /// which is `torch.where(condition, x, y)`); the three broadcast together.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public func `where`(_ condition: Tensor, _ other: Tensor) throws -> Tensor {
        let shape = try Tensor.checkedBroadcastShape(
            Tensor.checkedBroadcastShape(shape, condition.shape, verb: "select from"), other.shape,
            verb: "select from")
        try Tensor.validate(shape: shape)
        let operands = [self, condition, other]
        let strides = operands.map { broadcastStrides($0.shape, to: shape) }
        let scalars = operands.map(\.scalars)
        var result = [Float](repeating: 0, count: shape.reduce(1, *))
        var offsets = [0, 0, 0]
        var index = [Int](repeating: 0, count: shape.count)
        for position in result.indices {
            result[position] = scalars[1][offsets[1]] != 0 ? scalars[0][offsets[0]] : scalars[2][offsets[2]]
            // The next multi-index, row-major, moving each operand's offset by its stride.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                for operand in 0..<3 { offsets[operand] += strides[operand][axis] }
                if index[axis] < shape[axis] { break }
                for operand in 0..<3 { offsets[operand] -= strides[operand][axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: shape, scalars: result)
    }

    /// `e^x` elementwise.
    public func exp() -> Tensor { map { Foundation.exp($0) } }
    /// Natural logarithm elementwise.
    public func log() -> Tensor { map { Foundation.log($0) } }
    /// The logistic function `1 / (1 + e^-x)`, computed stably for large `|x|`.
    public func sigmoid() -> Tensor {
        map { x in
            if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
            let e = Foundation.exp(x)
            return e / (1 + e)
        }
    }
    /// `max(x, 0)` elementwise.
    public func relu() -> Tensor {
        let result = Tensor(uninitialized: shape)
        nonisolated(unsafe) let (source, destination) = (storage.pointer, result.storage.pointer)
        Parallel.forEachRange(count) { range in
            for index in range { destination[index] = source[index] > 0 ? source[index] : 0 }
        }
        return result
    }
    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor { map { Foundation.tanh($0) } }
    /// Square root elementwise.
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    /// `x * x` elementwise.
    public func squared() -> Tensor { map { $0 * $0 } }
    /// `x^exponent` elementwise.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return squared() }
        if exponent == 1 { return self }
        return map { Foundation.pow($0, exponent) }
    }
    /// Each element limited to `min...max`.
    public func clamped(min lower: Float = -.infinity, max upper: Float = .infinity) -> Tensor {
        map { Swift.min(Swift.max($0, lower), upper) }
    }
    /// Absolute value elementwise.
    public func abs() -> Tensor { map { Swift.abs($0) } }
    /// `log(1 + e^x)` elementwise, computed stably (so `log σ(x) = −softplus(−x)`).
    public func softplus() -> Tensor {
        map { x in Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
    }
    /// The sign (−1, 0 or 1) elementwise.
    public func sign() -> Tensor { map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
}

// MARK: - Arithmetic on shapes the library computed

extension Tensor {
    /// `self + other` where the shapes broadcast by construction (internal kernels; a mismatch traps).
    func adding(_ other: Tensor) -> Tensor {
        guard shape == other.shape else { return Tensor.zip(self, other) { $0 + $1 } }
        let result = Tensor(uninitialized: shape)
        nonisolated(unsafe) let (a, b, sum) = (storage.pointer, other.storage.pointer, result.storage.pointer)
        Parallel.forEachRange(count) { range in
            for index in range { sum[index] = a[index] + b[index] }
        }
        return result
    }
    /// The gradient of ReLU: `gradient` where `input > 0`, else 0 (equal shapes, or broadcasting).
    static func reluGradient(_ gradient: Tensor, input: Tensor) -> Tensor {
        guard gradient.shape == input.shape else { return Tensor.zip(gradient, input) { $1 > 0 ? $0 : 0 } }
        let result = Tensor(uninitialized: input.shape)
        nonisolated(unsafe) let (g, x, out) = (
            gradient.storage.pointer, input.storage.pointer, result.storage.pointer
        )
        Parallel.forEachRange(input.count) { range in
            for index in range {
                // Both loads first: a select, not a branch on the sign (which mispredicts).
                let (value, upstream) = (x[index], g[index])
                out[index] = value > 0 ? upstream : 0
            }
        }
        return result
    }
    /// `self - other` where the shapes broadcast by construction.
    func subtracting(_ other: Tensor) -> Tensor { Tensor.zip(self, other) { $0 - $1 } }
    /// `self * other` where the shapes broadcast by construction.
    func multiplied(by other: Tensor) -> Tensor { Tensor.zip(self, other) { $0 * $1 } }
    /// `self / other` where the shapes broadcast by construction.
    func divided(by other: Tensor) -> Tensor { Tensor.zip(self, other) { $0 / $1 } }
}
