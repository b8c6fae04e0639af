import TensorCore

/// What a model's forward pass costs per input item, counted from the layers' shapes: the same on every
/// machine, unlike a timing.
public struct ForwardCost: Sendable, Hashable, Codable {
    /// Multiply-adds of the convolutions and linear layers for one item (the usual "MACs": the other
    /// layers' elementwise work is left out, as ptflops and fvcore leave it out).
    public var multiplyAdds: Int
    /// Bytes of the outputs of every layer without sub-layers for one item, as Float32: the activations
    /// a training step keeps for the backward pass.
    public var activationBytes: Int

    /// Creates a cost.
    public init(multiplyAdds: Int, activationBytes: Int) {
        self.multiplyAdds = multiplyAdds
        self.activationBytes = activationBytes
    }
}

extension LayerTrace {
    /// Runs `model` once on `input` (evaluation mode, no gradients; its training mode is restored) and
    /// counts, per item of the batch, the multiply-adds of its convolutions and linear layers and the
    /// bytes of its leaf layers' outputs.
    ///
    /// A layer called several times in one pass is counted once (its last call).
    ///
    /// - Throws: what the forward pass throws, or ``TrainingError`` for an empty batch.
    public static func forwardCost(of model: any Layer, input: Tensor) throws -> ForwardCost {
        guard input.rank >= 1, input.shape[0] > 0 else {
            throw TrainingError("counting a model's cost needs a batch with at least one item")
        }
        let items = input.shape[0]
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let shapes = try shapes { _ = try withNoGrad { try model.forward(Variable(input)) } }
        var multiplyAdds = 0
        var activations = 0
        for layer in AnyLearner.leaves(of: model) {
            guard let (_, output) = shapes[ObjectIdentifier(layer)] else { continue }
            let outputCount = output.reduce(1, *)
            activations += outputCount
            let weight: [Int]? =
                (layer as? Conv2d)?.weight.shape ?? (layer as? Linear)?.weight.shape
            // Each output element of a convolution or linear layer takes one multiply-add per weight of
            // its output channel (or feature): weight count / outputs × output elements.
            if let weight, let channels = weight.first, channels > 0 {
                multiplyAdds += outputCount / channels * weight.reduce(1, *)
            }
        }
        return ForwardCost(multiplyAdds: multiplyAdds / items, activationBytes: activations * 4 / items)
    }
}
