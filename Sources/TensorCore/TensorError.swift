/// A tensor operation was given input it cannot work with.
///
/// Shapes that do not fit, an index out of range, a rank it does not take: the message names the
/// shapes, ranks or indices involved, so the same mistake reads the same in a lesson cell and in
/// compiled Swift.
public struct TensorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of input was wrong.
    public enum Kind: String, Hashable, Sendable {
        /// Two shapes that must agree (broadcast, inner sizes, element counts) do not.
        case shapeMismatch
        /// A tensor of the wrong rank.
        case rank
        /// An index, axis or id outside its range.
        case outOfRange
        /// A shape with a negative or overflowing extent.
        case invalidShape
        /// An operation that needs at least one element got none.
        case empty
        /// A tensor larger than the ``MemoryBudget``.
        case overBudget
    }

    /// What kind of input was wrong.
    public var kind: Kind
    /// The explanation, naming the shapes or indices.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension Tensor {
    /// The shape `a` and `b` broadcast to, or an error naming both (`verb`: "add", "multiply", …).
    public static func checkedBroadcastShape(_ a: [Int], _ b: [Int], verb: String) throws -> [Int] {
        guard let shape = broadcastShapeIfAny(a, b) else {
            throw TensorError(
                .shapeMismatch, "cannot \(verb) tensors of shapes \(a) and \(b): they do not broadcast")
        }
        return shape
    }

    /// Checks that a tensor of `shape` can be made: no negative extent, within the ``MemoryBudget``,
    /// fewer than 2³¹ elements, and extents that ``validateExtents(_:)`` accepts.
    ///
    /// - Throws: ``TensorError`` of kind ``TensorError/Kind/invalidShape`` or
    ///   ``TensorError/Kind/overBudget`` (naming the shape, its size and the budget).
    public static func validate(shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError(.invalidShape, "invalid tensor shape \(shape): an extent is negative")
        }
        // A zero extent holds nothing, whatever the others (validateExtents below refuses huge ones).
        var product = shape.contains(0) ? 0 : 1
        var overflow = false
        for extent in shape where !overflow && product != 0 {
            (product, overflow) = product.multipliedReportingOverflow(by: extent)
        }
        let (bytes, tooMany) = product.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        if overflow || tooMany || bytes > MemoryBudget.bytes {
            let size =
                overflow || tooMany ? "more bytes than can be counted" : MemoryBudget.format(bytes: bytes)
            throw TensorError(.overBudget, MemoryBudget.exceeded("a tensor of shape \(shape)", size: size))
        }
        guard product < 1 << 31 else {
            throw TensorError(
                .invalidShape, "invalid tensor shape \(shape): a tensor holds fewer than 2^31 elements")
        }
        try validateExtents(shape)
    }

    /// Checks that `shape` can describe a tensor at all, whatever its size: no negative extent, and its
    /// non-zero extents multiply to fewer than 2³¹ (so `[0, 4294967296]` is refused, although it holds
    /// no element: its strides, and any reduction or reshape of it, would overflow).
    ///
    /// - Throws: ``TensorError`` of kind ``TensorError/Kind/invalidShape`` naming the shape.
    public static func validateExtents(_ shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError(.invalidShape, "invalid tensor shape \(shape): an extent is negative")
        }
        var product = 1
        for extent in shape where extent > 0 {
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard !overflow, next < 1 << 31 else {
                throw TensorError(
                    .invalidShape,
                    "invalid tensor shape \(shape): its extents multiply past 2^31 (a tensor holds fewer than "
                        + "2^31 elements, and an axis of length 0 does not lift that limit)")
            }
            product = next
        }
    }

    /// The axis of a reduction along `axis` (negative counts from the end), checked: in range, and the
    /// result (the shape without that axis, or with extent 1 there when `keepDims`) within the
    /// ``MemoryBudget`` — a reduction of an empty tensor can be far larger than its input.
    ///
    /// - Throws: ``TensorError`` naming the axis and shape, or the result's size and the budget.
    public func checkedReductionAxis(_ axis: Int, keepDims: Bool = false) throws -> Int {
        let axis = try checkedAxis(axis)
        try Tensor.validate(shape: reducedShape(axis, keepDims: keepDims))
        return axis
    }

    /// The whole-number row indices this tensor holds, checked against a table of `rows` rows: each
    /// element finite, integral and in `0..<rows` (PyTorch's embedding ids).
    ///
    /// - Parameters:
    ///   - rows: The table's number of rows.
    ///   - table: The table as the message names it ("a table", "an Embedding").
    /// - Returns: The ids as `Int`s, in order.
    /// - Throws: ``TensorError`` of kind ``TensorError/Kind/outOfRange`` naming the first bad id.
    public func rowIndices(rows: Int, table: String = "a table") throws -> [Int] {
        try scalars.map { id in
            guard id.isFinite, id == id.rounded(), id >= 0, id < Float(rows) else {
                throw TensorError(.outOfRange, "id \(id) is out of range for \(table) of \(rows) rows")
            }
            return Int(id)
        }
    }

    /// `axis` (negative counts from the end) as a position in `0..<rank`, or an error naming the shape.
    public func checkedAxis(_ axis: Int) throws -> Int {
        let result = axis < 0 ? axis + rank : axis
        guard result >= 0 && result < rank else {
            throw TensorError(.outOfRange, "axis \(axis) is out of range for shape \(shape)")
        }
        return result
    }

    /// The new axis `stack` inserts for tensors of `shapes`, checked: at least one shape, all the
    /// same, and `axis` ≤ their rank (``stack(_:axis:)`` and ``Variable/stack(_:axis:)`` trap otherwise).
    ///
    /// - Throws: ``TensorError`` of kind ``TensorError/Kind/shapeMismatch``.
    public static func checkedStackAxis(_ shapes: [[Int]], _ axis: Int) throws -> Int {
        guard let first = shapes.first, shapes.allSatisfy({ $0 == first }), (0...first.count).contains(axis)
        else {
            throw TensorError(.shapeMismatch, "stack needs tensors of one shape and an axis ≤ their rank")
        }
        return axis
    }

    /// The axis `concat` joins tensors of `shapes` along, checked: at least one shape, all of one rank
    /// and equal off `axis` (``concat(_:axis:)`` and ``Variable/concat(_:axis:)`` trap otherwise).
    ///
    /// - Throws: ``TensorError`` naming the axis or the two shapes that differ.
    public static func checkedConcatAxis(_ shapes: [[Int]], _ axis: Int) throws -> Int {
        guard let first = shapes.first else { throw TensorError(.empty, "concat needs at least one tensor") }
        guard (-first.count..<first.count).contains(axis) else {
            throw TensorError(.outOfRange, "axis \(axis) is out of range for shape \(first)")
        }
        let checked = axis < 0 ? axis + first.count : axis
        for other in shapes
        where other.count != first.count
            || Swift.zip(other, first).enumerated().contains(where: {
                $0.offset != checked && $0.element.0 != $0.element.1
            })
        {
            throw TensorError(.shapeMismatch, "cannot concat shapes \(first) and \(other) on axis \(axis)")
        }
        return checked
    }
}
