import TensorCore

/// A vector of `count` zeros with a 1 at `index` (fastai `one_hot`).
///
/// Multiplying it by an embedding table picks row `index`: `matmul(oneHot(i, n).reshaped([1, n]), table)`
/// equals `table[i]`, which is what an embedding lookup computes without the multiplication.
///
/// - Throws: ``TensorError`` when `index` is not in `0..<count`.
public func oneHot(_ index: Int, _ count: Int) throws -> Tensor {
    try oneHot([index], count).ravel()
}

/// One one-hot row per index: `[indices.count, count]`.
///
/// - Throws: ``TensorError`` when an index is not in `0..<count`.
public func oneHot(_ indices: [Int], _ count: Int) throws -> Tensor {
    if let bad = indices.first(where: { !(0..<count).contains($0) }) {
        throw TensorError(.outOfRange, "index \(bad) is not in 0..<\(count)")
    }
    return Tensor.oneHot(indices, classCount: count)
}
