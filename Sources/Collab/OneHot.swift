import TensorCore

/// A vector of `count` zeros with a 1 at `index` (fastai `one_hot`).
///
/// Multiplying it by an embedding table picks row `index`: `matmul(oneHot(i, n).reshaped([1, n]), table)`
/// equals `table[i]`, which is what an embedding lookup computes without the multiplication.
public func oneHot(_ index: Int, _ count: Int) -> Tensor {
    precondition(index >= 0 && index < count, "one-hot index \(index) out of range 0..<\(count)")
    return Tensor.oneHot([index], classCount: count).reshaped([count])
}

/// One one-hot row per index: `[indices.count, count]`.
public func oneHot(_ indices: [Int], _ count: Int) -> Tensor {
    return Tensor.oneHot(indices, classCount: count)
}
