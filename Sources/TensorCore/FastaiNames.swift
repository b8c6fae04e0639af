import Foundation

/// The PyTorch and fastai spellings lessons use, so code copied from fastbook reads the same in Swift.
extension Tensor {
    /// The value of a one-element tensor as a `Double` (PyTorch's `item()`).
    ///
    /// - Throws: ``TensorError`` unless the tensor has exactly one element.
    public func item() throws -> Double {
        guard count == 1 else {
            throw TensorError(.shapeMismatch, "item() needs a one-element tensor, not shape \(shape)")
        }
        return Double(scalar)
    }

    /// The transpose of a matrix (PyTorch's `t()`); a vector or a scalar is returned unchanged.
    ///
    /// - Throws: ``TensorError`` for rank > 2.
    public func t() throws -> Tensor {
        guard rank <= 2 else { throw TensorError(.rank, "t() expects rank ≤ 2, not shape \(shape)") }
        return rank == 2 ? transposed() : self
    }

    /// Standard normal samples from the current random generator (PyTorch's `randn`).
    public static func randn(_ shape: [Int]) -> Tensor { normal(shape) }

    /// The elements as a vector of shape `[count]` (PyTorch's `ravel()`).
    public func ravel() -> Tensor { uncheckedReshaped([count]) }

    /// The tensor without its axes of length 1 (PyTorch's `squeeze()`).
    public func squeeze() -> Tensor { uncheckedReshaped(shape.filter { $0 != 1 }) }

    /// The indices that sort the elements of a vector, ascending unless `descending` (PyTorch's `argsort`).
    ///
    /// NaN counts as larger than every number, as in PyTorch: last ascending, first descending. Ties
    /// (NaNs among them) keep their original order, so the result is deterministic.
    public func argsort(descending: Bool = false) -> [Int] {
        let values = scalars
        /// Whether `x` sorts before `y` ascending, NaN above +∞.
        func below(_ x: Float, _ y: Float) -> Bool { x.isNaN ? false : (y.isNaN || x < y) }
        return values.indices.sorted { a, b in
            let (x, y) = (values[a], values[b])
            if below(x, y) { return !descending }
            if below(y, x) { return descending }
            return a < b
        }
    }
}

/// The logistic function `1 / (1 + e^−x)` of a number.
public func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

extension Variable {
    /// Column `column` of every row (PyTorch's `x[:, column]`): shape `shape` without axis 1.
    ///
    /// - Precondition: rank ≥ 2 and `column` in `0..<shape[1]` (a forward pass does not throw; the cell
    ///   language calls ``checkedColumn(_:)``).
    public subscript(_ all: UnboundedRange, _ column: Int) -> Variable {
        precondition(rank >= 2 && (0..<shape[1]).contains(column), "column \(column) of shape \(shape)")
        return slice(axis: 1, column..<(column + 1)).squeezingShape(at: 1)
    }

    /// `self[..., column]`, checked.
    ///
    /// - Throws: ``TensorError`` for rank < 2 or a column out of range, naming the shape.
    public func checkedColumn(_ column: Int) throws -> Variable {
        guard rank >= 2, (0..<shape[1]).contains(column) else {
            throw TensorError(.outOfRange, "x[..., \(column)] is out of range for shape \(shape)")
        }
        return self[..., column]
    }

    /// The variable without its axes of length 1 (PyTorch's `squeeze()`).
    public func squeeze() -> Variable { reshaped(shape.filter { $0 != 1 }) }

    /// The variable with a new axis of length 1 at `axis` (PyTorch's `unsqueeze`).
    public func unsqueeze(_ axis: Int) -> Variable { expandingShape(at: axis) }

    /// The variable itself: Khru's tensors are Float32 already (PyTorch's `float()`).
    public func float() -> Variable { self }
}

extension Tensor {
    /// Column `column` of every row (PyTorch's `t[:, column]`): shape `shape` without axis 1.
    ///
    /// - Throws: ``TensorError`` for rank < 2 or a column out of range.
    public subscript(_ all: UnboundedRange, _ column: Int) -> Tensor {
        get throws {
            guard rank >= 2 else {
                throw TensorError(.rank, "t[..., \(column)] needs rank ≥ 2, not \(shape)")
            }
            guard (0..<shape[1]).contains(column) else {
                throw TensorError(.outOfRange, "column \(column) is out of range for shape \(shape)")
            }
            return slice(axis: 1, column..<(column + 1)).squeezingShape(at: 1)
        }
    }

    /// Rows from the start up to `range.upperBound` (PyTorch's `t[:5]`).
    ///
    /// - Throws: ``TensorError`` for a scalar or a bound outside `0...shape[0]` (Python would clamp it).
    public subscript(range: PartialRangeUpTo<Int>) -> Tensor {
        get throws { try rows(from: 0, to: range.upperBound, written: "..<\(range.upperBound)") }
    }

    /// Rows from `range.lowerBound` to the end (PyTorch's `t[2:]`).
    ///
    /// - Throws: ``TensorError`` for a scalar or a bound outside `0...shape[0]` (Python would clamp it).
    public subscript(range: PartialRangeFrom<Int>) -> Tensor {
        get throws {
            try rows(from: range.lowerBound, to: shape.first ?? 0, written: "\(range.lowerBound)...")
        }
    }

    /// Rows `lower..<upper`, checked before the range is formed (an upside-down `Range` traps).
    private func rows(from lower: Int, to upper: Int, written: String) throws -> Tensor {
        guard rank >= 1, lower >= 0, lower <= upper, upper <= shape[0] else {
            throw TensorError(.outOfRange, "rows \(written) are out of range for shape \(shape)")
        }
        return self[lower..<upper]
    }

    /// The tensor with a new axis of length 1 at `axis` (PyTorch's `unsqueeze`).
    public func unsqueeze(_ axis: Int) -> Tensor { expandingShape(at: axis) }

    /// The tensor itself: Khru's tensors are Float32 already (PyTorch's `float()`).
    public func float() -> Tensor { self }
}

extension Parameter {
    /// The rows at the indices held in `ids` (PyTorch's `weight[ids]`): shape `ids.shape + [columns…]`.
    ///
    /// - Precondition: every id is an integer in `0..<shape[0]`.
    public subscript(ids: Variable) -> Variable { variable.gather(ids.value) }

    // A PyTorch parameter is a tensor, so a model's forward pass computes with it directly
    // (`h * self.scale`); these operators use ``variable``, so gradients reach the parameter.

    /// Elementwise sum with broadcasting.
    public static func + (lhs: Variable, rhs: Parameter) -> Variable { lhs + rhs.variable }
    /// Elementwise difference with broadcasting.
    public static func - (lhs: Variable, rhs: Parameter) -> Variable { lhs - rhs.variable }
    /// Elementwise product with broadcasting.
    public static func * (lhs: Variable, rhs: Parameter) -> Variable { lhs * rhs.variable }
    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Variable, rhs: Parameter) -> Variable { lhs / rhs.variable }
    /// Elementwise sum with broadcasting.
    public static func + (lhs: Parameter, rhs: Variable) -> Variable { lhs.variable + rhs }
    /// Elementwise difference with broadcasting.
    public static func - (lhs: Parameter, rhs: Variable) -> Variable { lhs.variable - rhs }
    /// Elementwise product with broadcasting.
    public static func * (lhs: Parameter, rhs: Variable) -> Variable { lhs.variable * rhs }
    /// Elementwise quotient with broadcasting.
    public static func / (lhs: Parameter, rhs: Variable) -> Variable { lhs.variable / rhs }
    /// Elementwise sum of two parameters, with broadcasting.
    public static func + (lhs: Parameter, rhs: Parameter) -> Variable { lhs.variable + rhs.variable }
    /// Elementwise difference of two parameters, with broadcasting.
    public static func - (lhs: Parameter, rhs: Parameter) -> Variable { lhs.variable - rhs.variable }
    /// Elementwise product of two parameters, with broadcasting.
    public static func * (lhs: Parameter, rhs: Parameter) -> Variable { lhs.variable * rhs.variable }
    /// Elementwise quotient of two parameters, with broadcasting.
    public static func / (lhs: Parameter, rhs: Parameter) -> Variable { lhs.variable / rhs.variable }
}

extension Tensor {
    /// Joins tensors along `dim` (PyTorch's `torch.cat`; the same as ``concat(_:axis:)``).
    ///
    /// - Precondition: the shapes agree on every other axis.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor { concat(tensors, axis: dim) }
}

/// Joins tensors along `dim`, as PyTorch's free `torch.cat([a, b], dim=1)` (``Tensor/cat(_:dim:)``).
///
/// - Throws: ``TensorError`` when the shapes differ on another axis or `dim` is not an axis of them.
public func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
    Tensor.concat(tensors, axis: try Tensor.checkedConcatAxis(tensors.map(\.shape), dim))
}

extension Variable {
    /// Joins variables along `dim` (PyTorch's `torch.cat`; the same as ``concat(_:axis:)``).
    ///
    /// - Precondition: the shapes agree on every other axis.
    public static func cat(_ variables: [Variable], dim: Int = 0) -> Variable { concat(variables, axis: dim) }
}

/// Cosine similarity along `dim` (PyTorch's `nn.CosineSimilarity`), broadcasting its two inputs.
public struct CosineSimilarity: Sendable {
    /// The axis the vectors lie along.
    public var dim: Int
    /// Added to each norm's product, against division by zero (PyTorch's 1e-8).
    public var eps: Float

    /// Creates the function.
    public init(dim: Int = 1, eps: Float = 1e-8) {
        self.dim = dim
        self.eps = eps
    }

    /// `Σ a·b / max(‖a‖·‖b‖, eps)` along ``dim``.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast or `dim` is not an axis.
    public func callAsFunction(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let product = try a * b
        let dot = product.sum(axis: try product.checkedAxis(dim))
        let normA = (try a * a).sum(axis: try a.checkedAxis(dim)).sqrt()
        let normB = (try b * b).sum(axis: try b.checkedAxis(dim)).sqrt()
        let norms = try normA * normB
        return Tensor(
            shape: dot.shape, scalars: zip(dot.scalars, norms.scalars).map { $0 / Swift.max($1, eps) })
    }
}
