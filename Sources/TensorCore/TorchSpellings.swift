// PyTorch's spellings of selection and sampling that fastbook uses: `torch.where` with three arguments
// and with one, and `t.normal_(mean, std)`.

extension Tensor {
    /// `input` where `condition` is non-zero, else `other` (PyTorch's `torch.where(condition, input,
    /// other)`); the three broadcast together.
    ///
    /// - Throws: ``TensorError`` when the shapes do not broadcast.
    public static func `where`(_ condition: Tensor, _ input: Tensor, _ other: Tensor) throws -> Tensor {
        try input.where(condition, other)
    }

    /// The positions of the non-zero elements of `condition`, one tensor of indices per axis, in row-major
    /// order (PyTorch's one-argument `torch.where(condition)`, which is `nonzero(as_tuple=True)`).
    ///
    /// A scalar (rank 0) is taken as a one-element vector, as PyTorch does.
    public static func `where`(_ condition: Tensor) -> [Tensor] {
        let shape = condition.rank == 0 ? [1] : condition.shape
        let scalars = condition.scalars
        var indices = [[Float]](repeating: [], count: shape.count)
        for position in scalars.indices where scalars[position] != 0 {
            var rest = position
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                indices[axis].append(Float(rest % shape[axis]))
                rest /= shape[axis]
            }
        }
        return indices.map { Tensor(shape: [$0.count], scalars: $0) }
    }

    /// A tensor of this one's shape filled with normal samples of `mean` and standard deviation `std`
    /// (PyTorch's `t.normal_(mean, std)`, which fills `t` in place; Khru's tensors are values).
    public func normal(mean: Float = 0, std: Float = 1, generator: Generator = Random.current) -> Tensor {
        Tensor.normal(shape, mean: mean, std: std, generator: generator)
    }
}
