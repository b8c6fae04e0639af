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
                    throw TrainingError("index \(scalar) is out of range for a vocabulary of \(items.count) labels")
                }
                return items[index]
            }
        }
    }
}

extension Layer {
    /// The layer applied to a tensor, as PyTorch calls a model on a batch (`learn.model(x)`): its forward
    /// pass on `x`, returned as a tensor.
    ///
    /// - Throws: what the layer's ``forward(_:)`` throws (a model written in a lesson can fail).
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try forward(Variable(x)).value }
}
