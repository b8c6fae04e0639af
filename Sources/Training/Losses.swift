import Foundation
import TensorCore

/// A loss with fastai's extras: the activation `getPreds` applies and how predictions decode.
public protocol LossFunction: Sendable {
    /// The mean loss of predictions `pred` (the model's raw outputs) against `target`.
    func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable
    /// The final activation applied to raw outputs by `getPreds` (softmax, sigmoid, identity).
    func activation(_ pred: Tensor) -> Tensor
    /// Decoded predictions from activated outputs (class indices, 0/1 labels, or the values).
    func decodes(_ activated: Tensor) -> Tensor
}

/// Moves `axis` of `x` to the last position.
private func movingAxisToEnd(_ x: Variable, _ axis: Int) -> Variable {
    let axis = axis < 0 ? axis + x.rank : axis
    guard axis != x.rank - 1 else { return x }
    var order = Array(0..<x.rank)
    order.remove(at: axis)
    order.append(axis)
    return x.permuted(order)
}

private func movingAxisToEnd(_ x: Tensor, _ axis: Int) -> Tensor {
    let axis = axis < 0 ? axis + x.rank : axis
    guard axis != x.rank - 1 else { return x }
    var order = Array(0..<x.rank)
    order.remove(at: axis)
    order.append(axis)
    return x.permuted(order)
}

/// Mean cross-entropy of class scores along `axis` against class indices (fastai `CrossEntropyLossFlat`).
///
/// Activation: softmax along `axis`; decodes: argmax along `axis`.
public struct CrossEntropyLossFlat: LossFunction {
    /// The class axis of predictions.
    public let axis: Int
    /// Creates the loss with the class axis `axis` (default last).
    public init(axis: Int = -1) { self.axis = axis }

    /// `mean(−log_softmax(pred)[target])` over every flattened item.
    public func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable {
        let moved = movingAxisToEnd(pred, axis)
        let classes = moved.shape[moved.rank - 1]
        let flat = moved.reshaped([moved.value.count / max(classes, 1), classes])
        let indices = target.scalars.map { Int($0) }
        precondition(
            indices.count == flat.shape[0],
            "CrossEntropyLossFlat: \(flat.shape[0]) predictions, \(indices.count) targets")
        return -(flat.logSoftmax(axis: -1).pickingColumns(indices).mean())
    }

    /// Softmax along the class axis.
    public func activation(_ pred: Tensor) -> Tensor { pred.softmax(axis: axis) }
    /// The most likely class along the class axis.
    public func decodes(_ activated: Tensor) -> Tensor { activated.argmax(axis: axis) }
}

/// Mean binary cross-entropy of logits against 0/1 targets over all elements (fastai `BCEWithLogitsLossFlat`).
///
/// Computed stably as `max(x, 0) − x·y + log(1 + e^{−|x|})`. Activation: sigmoid; decodes: `p > thresh`.
public struct BCEWithLogitsLossFlat: LossFunction {
    /// The threshold used by ``decodes(_:)``.
    public let thresh: Float
    /// Creates the loss.
    public init(thresh: Float = 0.5) { self.thresh = thresh }

    /// The mean binary cross-entropy.
    public func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable {
        let x = pred.reshaped([pred.value.count])
        let y = target.ravel()
        precondition(
            x.shape == y.shape, "BCEWithLogitsLossFlat: \(pred.shape) predictions, \(target.shape) targets")
        return (x.relu() - x * y + ((-x.abs()).exp() + 1).log()).mean()
    }

    /// The sigmoid.
    public func activation(_ pred: Tensor) -> Tensor {
        Tensor(shape: pred.shape, scalars: pred.scalars.map { 1 / (1 + Foundation.exp(-$0)) })
    }
    /// 1 where the activated value exceeds the threshold, else 0.
    public func decodes(_ activated: Tensor) -> Tensor {
        Tensor(shape: activated.shape, scalars: activated.scalars.map { $0 > thresh ? 1 : 0 })
    }
}

/// Mean squared error over flattened elements (fastai `MSELossFlat`).
public struct MSELossFlat: LossFunction {
    /// Creates the loss.
    public init() {}
    /// `mean((pred − target)²)`.
    public func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable {
        let x = pred.reshaped([pred.value.count])
        precondition(
            x.shape[0] == target.count, "MSELossFlat: \(pred.shape) predictions, \(target.shape) targets")
        return (x - target.ravel()).squared().mean()
    }
    /// The identity.
    public func activation(_ pred: Tensor) -> Tensor { pred }
    /// The identity.
    public func decodes(_ activated: Tensor) -> Tensor { activated }
}

/// Mean absolute error over flattened elements (fastai `L1LossFlat`).
public struct L1LossFlat: LossFunction {
    /// Creates the loss.
    public init() {}
    /// `mean(|pred − target|)`.
    public func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable {
        let x = pred.reshaped([pred.value.count])
        precondition(
            x.shape[0] == target.count, "L1LossFlat: \(pred.shape) predictions, \(target.shape) targets")
        return (x - target.ravel()).abs().mean()
    }
    /// The identity.
    public func activation(_ pred: Tensor) -> Tensor { pred }
    /// The identity.
    public func decodes(_ activated: Tensor) -> Tensor { activated }
}

// MARK: - Metrics

/// A metric shown in the epoch table, averaged as fastai does.
///
/// `.average` metrics (fastai `AvgMetric`) are computed per validation batch and averaged weighted by
/// batch size; `.accumulated` ones (fastai `AccumMetric`, e.g. `rmse`) are computed once on all
/// predictions and targets concatenated.
public struct Metric: Sendable {
    /// How per-batch values combine.
    public enum Reduction: Sendable {
        /// Batch-size weighted mean of per-batch values.
        case average
        /// One value over the whole validation set.
        case accumulated
    }

    /// The column name (fastai's function name).
    public let name: String
    /// How the metric combines over batches.
    public let reduction: Reduction
    /// The metric of raw predictions against targets.
    public let compute: @Sendable (_ pred: Tensor, _ target: Tensor) -> Double

    /// Creates a metric.
    public init(
        _ name: String, reduction: Reduction = .average,
        compute: @escaping @Sendable (_ pred: Tensor, _ target: Tensor) -> Double
    ) {
        self.name = name
        self.reduction = reduction
        self.compute = compute
    }
}

private func argmaxRows(_ pred: Tensor) -> [Int] {
    let classes = pred.shape.last ?? 1
    let values = pred.scalars
    let rows = values.count / max(classes, 1)
    return (0..<rows).map { row in
        var best = 0
        for column in 1..<max(classes, 1) where values[row * classes + column] > values[row * classes + best]
        {
            best = column
        }
        return best
    }
}

private func accuracyValue(_ pred: Tensor, _ target: Tensor) -> Double {
    let predicted = argmaxRows(pred)
    let targets = target.scalars
    guard !predicted.isEmpty, predicted.count == targets.count else { return .nan }
    let correct = zip(predicted, targets).filter { Float($0) == $1 }.count
    return Double(correct) / Double(predicted.count)
}

/// `mean(argmax(pred, −1) == target)` (fastai `accuracy`).
public let accuracy = Metric("accuracy") { accuracyValue($0, $1) }

/// `1 − accuracy` (fastai `error_rate`).
public let errorRate = Metric("error_rate") { 1 - accuracyValue($0, $1) }

/// Mean over all (item, class) cells of `[(σ(pred) if sigmoid else pred) > thresh] == target`
/// (fastai `accuracy_multi`), as a metric: `cnnLearner(dls, resnet50, metrics: accuracyMulti(thresh: 0.2))`.
public func accuracyMulti(thresh: Double = 0.5, sigmoid: Bool = true) -> Metric {
    Metric("accuracy_multi") { pred, target in
        (try? accuracyMulti(pred, target, thresh: thresh, sigmoid: sigmoid)) ?? .nan
    }
}

/// fastai's `accuracy_multi(inp, targ, thresh, sigmoid)` on tensors: the share of (item, class) cells
/// whose prediction `(σ(inp) if sigmoid else inp) > thresh` equals the target (0 or 1).
///
/// With `sigmoid: false` it takes probabilities, such as ``Learner/getPreds(dsIdx:)`` returns, so a
/// lesson can try thresholds on one set of predictions.
///
/// - Throws: ``TrainingError`` when the tensors are empty or differ in size.
public func accuracyMulti(
    _ inp: Tensor, _ targ: Tensor, thresh: Double = 0.5, sigmoid: Bool = true
) throws
    -> Double
{
    let p = inp.scalars
    let t = targ.scalars
    guard !p.isEmpty, p.count == t.count else {
        throw TrainingError(
            "accuracyMulti needs predictions and targets of one size, not \(inp.shape) and \(targ.shape)")
    }
    var correct = 0
    for i in p.indices {
        let value = sigmoid ? 1 / (1 + Foundation.exp(-Double(p[i]))) : Double(p[i])
        if (value > thresh ? 1 : 0) == t[i] { correct += 1 }
    }
    return Double(correct) / Double(p.count)
}

/// Root mean squared error over the whole validation set (fastai `rmse`, an `AccumMetric` named `_rmse`).
public let rmse = Metric("_rmse", reduction: .accumulated) { pred, target in
    let p = pred.scalars
    let t = target.scalars
    guard !p.isEmpty, p.count == t.count else { return .nan }
    let sum = zip(p, t).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    return (sum / Double(p.count)).squareRoot()
}

/// Mean absolute error per batch (fastai `mae`).
public let mae = Metric("mae") { pred, target in
    let p = pred.scalars
    let t = target.scalars
    guard !p.isEmpty, p.count == t.count else { return .nan }
    return zip(p, t).reduce(0.0) { $0 + abs(Double($1.0 - $1.1)) } / Double(p.count)
}
