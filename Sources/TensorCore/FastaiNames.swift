import Foundation

/// The PyTorch and fastai spellings lessons use, so code copied from fastbook reads the same in Swift.
extension Tensor {
    /// The value of a one-element tensor as a `Double` (PyTorch's `item()`).
    ///
    /// - Precondition: the tensor has exactly one element.
    public func item() -> Double {
        precondition(count == 1, "item() needs a one-element tensor, not shape \(shape)")
        return Double(scalar)
    }

    /// The transpose of a matrix (PyTorch's `t()`); a vector or a scalar is returned unchanged.
    ///
    /// - Precondition: rank ≤ 2.
    public func t() -> Tensor {
        precondition(rank <= 2, "t() expects a tensor of rank ≤ 2, not shape \(shape)")
        return rank == 2 ? transposed() : self
    }

    /// Standard normal samples from the current random generator (PyTorch's `randn`).
    public static func randn(_ shape: [Int]) -> Tensor { normal(shape) }

    /// The tensor without its axes of length 1 (PyTorch's `squeeze()`).
    public func squeeze() -> Tensor { reshaped(shape.filter { $0 != 1 }) }

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
