import TensorCore

extension LossFunction {
    /// The loss of a tensor of activations against `target`, outside training (fastbook's
    /// `loss_func(acts, targ)`): the same value training computes, as a one-element tensor.
    ///
    /// - Throws: ``TrainingError`` when a target does not suit activations of `pred`'s shape.
    public func callAsFunction(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
        try checkTargets(target, output: pred.shape)
        return self(Variable(pred), target).value
    }
}

extension CategoryMap {
    /// The labels at the positions a tensor of indices holds (fastai's `vocab[idxs]` with the indices
    /// `torch.where` gives).
    ///
    /// - Throws: ``TrainingError`` when an index is not a whole number in range.
    public subscript(indices: Tensor) -> [String] {
        get throws {
            try indices.scalars.map { scalar in
                let index = Int(exactly: scalar) ?? -1
                guard items.indices.contains(index) else {
                    throw TrainingError(
                        "index \(scalar) is out of range for a vocabulary of \(items.count) labels")
                }
                return items[index]
            }
        }
    }
}

/// fastai's `to_cpu` of a batch from `DataLoader.oneBatch()`, as fastbook destructures it:
/// `let (x, y) = toCPU(dls.train.oneBatch())` (Khru's tensors are on the CPU already).
///
/// - Throws: ``TrainingError`` when the batch does not have exactly one input and one target.
public func toCPU(_ batch: Batch) throws -> (Tensor, Tensor) {
    guard batch.xs.count == 1, batch.ys.count == 1 else {
        throw TrainingError(
            "toCPU gives (x, y) for one input and one target; this batch has \(batch.xs.count) and \(batch.ys.count)"
        )
    }
    return (batch.xs[0], batch.ys[0])
}
