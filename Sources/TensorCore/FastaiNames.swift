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
    /// Ties keep their original order, so the result is deterministic.
    public func argsort(descending: Bool = false) -> [Int] {
        let values = scalars
        return values.indices.sorted { a, b in
            if values[a] != values[b] { return descending ? values[a] > values[b] : values[a] < values[b] }
            return a < b
        }
    }
}

/// The logistic function `1 / (1 + e^−x)` of a number.
public func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
