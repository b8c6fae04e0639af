import TensorCore

/// How a functional loss combines its per-item losses (PyTorch's `reduction=`).
public enum Reduction: String, Sendable, CaseIterable {
    /// The mean over the items (PyTorch's default).
    case mean
    /// The sum over the items.
    case sum
    /// One loss per item, not combined (`reduction='none'`).
    case none
}

/// PyTorch's `F.nll_loss`: for each row `i` of `input` (`[N, C]`, usually log-probabilities), minus the
/// entry of the target class, `−input[i, target[i]]`, then reduced.
///
/// fastbook's chapter 5 shows it on softmax outputs first (`F.nll_loss(sm_acts, targ, reduction='none')`
/// is `−sm_acts[idx, targ]`), then on their logarithm, which makes it cross-entropy.
///
/// - Parameters:
///   - input: `[N, C]` scores per class.
///   - target: `[N]` class indices in `0..<C`.
///   - reduction: `.mean` (default), `.sum` or `.none` (one loss per row).
/// - Returns: A scalar, or `[N]` with `.none`.
/// - Throws: ``TensorCore/TensorError`` when `input` is not `[N, C]`, `target` not `[N]`, or a target is
///   not a whole number in `0..<C`.
public func nllLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    guard input.rank == 2 else {
        throw TensorError(.shapeMismatch, "nllLoss needs [N, C] scores, not \(input.shape)")
    }
    let (rows, classes) = (input.shape[0], input.shape[1])
    guard target.rank == 1, target.shape[0] == rows else {
        throw TensorError(
            .shapeMismatch, "nllLoss needs [\(rows)] targets for \(input.shape) scores, not \(target.shape)")
    }
    var picked = [Float](repeating: 0, count: rows)
    let scores = input.scalars
    for (row, value) in target.scalars.enumerated() {
        guard value.isFinite, value == value.rounded(), value >= 0, value < Float(classes) else {
            throw TensorError(
                .outOfRange, "nllLoss needs class indices in 0..<\(classes) as targets, not \(value)")
        }
        picked[row] = -scores[row * classes + Int(value)]
    }
    let losses = Tensor(picked)
    switch reduction {
    case .none: return losses
    case .sum: return Tensor(picked.reduce(0, +))
    case .mean: return Tensor(rows == 0 ? .nan : picked.reduce(0, +) / Float(rows))
    }
}

/// PyTorch's `F.cross_entropy` (and `nn.CrossEntropyLoss()(input, target)`): ``nllLoss(_:_:reduction:)``
/// of `input.logSoftmax(axis: 1)`.
///
/// - Throws: As ``nllLoss(_:_:reduction:)``.
public func crossEntropy(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
    guard input.rank == 2 else {
        throw TensorError(.shapeMismatch, "crossEntropy needs [N, C] scores, not \(input.shape)")
    }
    return try nllLoss(input.logSoftmax(axis: 1), target, reduction: reduction)
}
