extension Tensor {
    /// The same elements with a new shape, sharing the buffer; one extent may be -1 (inferred).
    ///
    /// - Throws: ``TensorError`` when the new shape does not hold exactly this tensor's elements.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let failure = TensorError(
            .shapeMismatch, "cannot reshape \(count) elements (shape \(shape)) to \(newShape)")
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else { throw failure }
        try Tensor.validateExtents(newShape.map { $0 == -1 ? 1 : $0 })
        if let axis = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != axis }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else { throw failure }
            resolved[axis] = count / known
        }
        guard resolved.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == count else {
            throw failure
        }
        return Tensor(shape: resolved, storage: storage)
    }

    /// ``reshaped(_:)`` for shapes the library computed itself (a mismatch is a bug: it traps).
    func uncheckedReshaped(_ newShape: [Int]) -> Tensor {
        do {
            return try reshaped(newShape)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Flattens every axis from `startAxis` on into one: `[N, C, H, W]` → `[N, C·H·W]` by default.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        guard rank > startAxis else { return self }
        return uncheckedReshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }

    /// Inserts an axis of extent 1 at `axis`.
    public func expandingShape(at axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return uncheckedReshaped(newShape)
    }

    /// Removes the axis `axis`, which must have extent 1.
    public func squeezingShape(at axis: Int) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(shape[axis] == 1, "cannot squeeze axis \(axis) of \(shape)")
        var newShape = shape
        newShape.remove(at: axis)
        return uncheckedReshaped(newShape)
    }

    /// The axes reordered: result axis `i` is this tensor's axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank), "bad permutation \(axes) for \(shape)")
        if axes == Array(0..<rank) { return self }
        let newShape = axes.map { shape[$0] }
        let result = Tensor(uninitialized: newShape)
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        let sourceStrides = axes.map { strides[$0] }
        let source = storage.pointer
        let out = result.storage.pointer
        let total = count
        guard total > 0 else { return result }
        let inner = newShape[rank - 1]
        let innerStride = sourceStrides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        var position = 0
        while position < total {
            for step in 0..<inner { out[position + step] = source[offset + step * innerStride] }
            position += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += sourceStrides[axis]
                if index[axis] < newShape[axis] { break }
                offset -= sourceStrides[axis] * newShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// The last two axes swapped (a matrix transpose for rank 2).
    ///
    /// Copies; to multiply by a transpose without copying, use `matmul(_:_:transposeA:transposeB:)`.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs rank ≥ 2, got \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// Joins tensors along `axis`; the other extents must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { preconditionFailure("concat of no tensors") }
        let axis = first.normalizedAxis(axis)
        var expected = first.shape
        expected[axis] = 0
        var newShape = expected
        for tensor in tensors {
            var probe = tensor.shape
            precondition(probe.count == first.rank, "concat shapes \(first.shape) and \(tensor.shape)")
            probe[axis] = 0
            precondition(probe == expected, "concat shapes \(first.shape) and \(tensor.shape) along \(axis)")
            newShape[axis] += tensor.shape[axis]
        }
        let result = Tensor(uninitialized: newShape)
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let out = result.storage.pointer
        let rowLength = newShape[axis] * inner
        var column = 0
        for tensor in tensors {
            let chunk = tensor.shape[axis] * inner
            let source = tensor.storage.pointer
            for o in 0..<outer {
                (out + o * rowLength + column).update(from: source + o * chunk, count: chunk)
            }
            column += chunk
        }
        return result
    }

    /// Stacks equal-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        guard let first = tensors.first else { preconditionFailure("stack of no tensors") }
        let axis = axis < 0 ? axis + first.rank + 1 : axis
        for tensor in tensors {
            precondition(tensor.shape == first.shape, "stack shapes \(first.shape) and \(tensor.shape)")
        }
        return concat(tensors.map { $0.expandingShape(at: axis) }, axis: axis)
    }

    /// The elements at positions `range` of `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "range \(range) out of axis \(axis) of \(shape)")
        let (outer, extent, inner) = split(around: axis)
        var newShape = shape
        newShape[axis] = range.count
        if outer == 1 && range.count == extent { return self }
        let result = Tensor(uninitialized: newShape)
        let chunk = range.count * inner
        let source = storage.pointer
        let out = result.storage.pointer
        for o in 0..<outer {
            (out + o * chunk).update(from: source + (o * extent + range.lowerBound) * inner, count: chunk)
        }
        return result
    }

    /// Writes `values` into positions `range` of `axis`.
    public mutating func setSlice(axis: Int, _ range: Range<Int>, to values: Tensor) {
        let axis = normalizedAxis(axis)
        var expected = shape
        expected[axis] = range.count
        precondition(values.shape == expected, "slice of shape \(expected) cannot take \(values.shape)")
        makeUnique()
        let (outer, extent, inner) = split(around: axis)
        let chunk = range.count * inner
        let source = values.storage.pointer
        let out = storage.pointer
        for o in 0..<outer {
            (out + (o * extent + range.lowerBound) * inner).update(from: source + o * chunk, count: chunk)
        }
    }

    /// Row `index` along the first axis (the result drops that axis).
    ///
    /// - Throws: ``TensorError`` for a scalar or an index outside `0..<shape[0]`.
    public subscript(index: Int) -> Tensor {
        get throws {
            guard rank >= 1 else { throw TensorError(.rank, "cannot index a scalar tensor with [\(index)]") }
            guard index >= 0 && index < shape[0] else {
                throw TensorError(.outOfRange, "index \(index) is out of range for shape \(shape)")
            }
            return slice(axis: 0, index..<(index + 1)).uncheckedReshaped(Array(shape.dropFirst()))
        }
    }

    /// Rows `range` along the first axis.
    public subscript(range: Range<Int>) -> Tensor {
        get { slice(axis: 0, range) }
        set { setSlice(axis: 0, range, to: newValue) }
    }

    /// Rows picked by `indices` along the first axis (an embedding lookup): shape `[n] + shape[1...]`.
    public func gather(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gather needs rank ≥ 1")
        let rows = shape[0]
        let width = count / Swift.max(rows, 1)
        let result = Tensor(uninitialized: [indices.count] + shape.dropFirst())
        let source = storage.pointer
        let out = result.storage.pointer
        for (position, index) in indices.enumerated() {
            precondition(index >= 0 && index < rows, "gather index \(index) not in 0..<\(rows)")
            (out + position * width).update(from: source + index * width, count: width)
        }
        return result
    }

    /// Rows picked by a tensor of (integral) indices; the result has shape `indices.shape + shape[1...]`.
    public func gather(_ indices: Tensor) -> Tensor {
        let picked = gather(indices.scalars.map { Int($0) })
        return picked.uncheckedReshaped(indices.shape + shape.dropFirst())
    }

    /// The gradient of ``gather(_:)-([Int])``: `values` rows added into a zero tensor of `rowCount` rows.
    public static func scatterAdd(_ values: Tensor, rows indices: [Int], rowCount: Int) -> Tensor {
        precondition(
            values.rank >= 1 && values.shape[0] == indices.count,
            "scatterAdd: \(values.shape) rows vs \(indices.count) indices")
        let width = values.count / Swift.max(indices.count, 1)
        let result = Tensor(repeating: 0, shape: [rowCount] + values.shape.dropFirst())
        let source = values.storage.pointer
        let out = result.storage.pointer
        for (position, index) in indices.enumerated() {
            precondition(index >= 0 && index < rowCount, "scatterAdd index \(index) not in 0..<\(rowCount)")
            let destination = out + index * width
            let row = source + position * width
            for i in 0..<width { destination[i] += row[i] }
        }
        return result
    }
}
