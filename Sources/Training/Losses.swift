import Foundation
import TensorCore

/// A loss with fastai's extras: the activation `getPreds` applies and how predictions decode.
///
/// ``callAsFunction(_:_:)`` traps on predictions and targets that do not fit; ``checked(_:_:)`` (which
/// ``Learner`` and the cell language call) throws instead, and ``requirement(output:targets:classCount:)``
/// says what the model's output must be, so a learner can name the fix.
public protocol LossFunction: Sendable {
    /// The mean loss of predictions `pred` (the model's raw outputs) against `target`.
    func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable
    /// What the model's output must be for targets of shape `targets`, or `nil` when `output` fits.
    ///
    /// `classCount` is the number of classes the data has, when it has a vocabulary.
    func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement?
    /// Throws unless every target value suits predictions of shape `output` (class indices in range).
    func checkTargets(_ target: Tensor, output: [Int]) throws
    /// The final activation applied to raw outputs by `getPreds` (softmax, sigmoid, identity).
    func activation(_ pred: Tensor) -> Tensor
    /// Decoded predictions from activated outputs (class indices, 0/1 labels, or the values).
    func decodes(_ activated: Tensor) -> Tensor
}

/// What a loss or a metric needs of a model's output, and how to get there.
public struct OutputRequirement: Sendable, Equatable, CustomStringConvertible {
    /// The shapes that fit, for a reader: `"[64] or [64, 1]"`.
    public var needs: String
    /// What to change: `"make the last layer output one column"`.
    public var change: String

    /// Creates a requirement.
    public init(needs: String, change: String) {
        self.needs = needs
        self.change = change
    }

    /// `needs: change`.
    public var description: String { "\(needs): \(change)" }
}

extension LossFunction {
    /// The loss's type as a reader knows it (`MSELossFlat`).
    public var name: String { String(describing: type(of: self)) }

    /// Any output fits (a loss of its own says nothing).
    public func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement? { nil }

    /// Every target fits.
    public func checkTargets(_ target: Tensor, output: [Int]) throws {}

    /// The loss of predictions a user chose against their targets, checked first.
    ///
    /// - Throws: ``TensorError`` naming the loss, the shape it needs and the shapes it got, or the
    ///   first target that is not a class.
    public func checked(_ pred: Variable, _ target: Tensor) throws -> Variable {
        if let requirement = requirement(output: pred.shape, targets: target.shape, classCount: nil) {
            throw TensorError(
                .shapeMismatch,
                "\(name) needs predictions of shape \(requirement.needs) for targets of shape \(target.shape), "
                    + "not \(pred.shape)")
        }
        try checkTargets(target, output: pred.shape)
        return self(pred, target)
    }
}

/// `[n]` or `[n, 1]` for targets `[n]`, else the targets' shape: what an elementwise loss (or metric)
/// needs, or `nil` when `output` holds one value per target.
func elementwiseRequirement(output: [Int], targets: [Int]) -> OutputRequirement? {
    let count = targets.reduce(1, *)
    guard output.reduce(1, *) != count || output.first != targets.first else { return nil }
    if targets.count == 1 || targets.count == 2 && targets[1] == 1 {
        let items = targets.first ?? 1
        return OutputRequirement(
            needs: "[\(items)] or [\(items), 1]", change: "make the last layer output one column")
    }
    let perItem = targets.dropFirst().reduce(1, *)
    return OutputRequirement(
        needs: "\(targets)", change: "make the model output \(perItem) values per item")
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
    /// How the items' losses combine: their mean (the default, what training needs), their sum, or
    /// one loss per item (`.none`, fastbook's `nn.CrossEntropyLoss(reduction='none')`).
    public let reduction: Reduction
    /// Creates the loss with the class axis `axis` (default last) and `reduction` (default the mean).
    public init(axis: Int = -1, reduction: Reduction = .mean) {
        self.axis = axis
        self.reduction = reduction
    }

    /// `−log_softmax(pred)[target]` over every flattened item, reduced by ``reduction``.
    public func callAsFunction(_ pred: Variable, _ target: Tensor) -> Variable {
        let moved = movingAxisToEnd(pred, axis)
        let classes = moved.shape[moved.rank - 1]
        let flat = moved.reshaped([moved.value.count / max(classes, 1), classes])
        let indices = target.scalars.map { Int($0) }
        precondition(
            indices.count == flat.shape[0],
            "CrossEntropyLossFlat: \(flat.shape[0]) predictions, \(indices.count) targets")
        let picked = flat.logSoftmax(axis: -1).pickingColumns(indices)
        switch reduction {
        case .mean: return -(picked.mean())
        case .sum: return -(picked.sum())
        case .none: return -picked
        }
    }

    /// `[n, C]` for targets `[n]` (the targets' shape with the class axis inserted), with at least
    /// `classCount` classes when the data says how many there are (more columns are allowed: those
    /// classes are never the target).
    public func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement? {
        let classAxis = axis < 0 ? axis + output.count : axis
        let hasClassAxis = (0..<output.count).contains(classAxis)
        let classes = hasClassAxis ? output[classAxis] : 0
        var items = output
        if hasClassAxis { items.remove(at: classAxis) }
        let itemsFit =
            hasClassAxis && items.reduce(1, *) == targets.reduce(1, *)
            && (targets.isEmpty || items.first == targets.first)
        let classesFit = classes > 0 && classes >= (classCount ?? 1)
        guard !itemsFit || !classesFit else { return nil }
        let wanted = classCount.map(String.init) ?? (classes > 0 ? "\(classes)" : "C")
        var needed = targets.map(String.init)
        needed.insert(wanted, at: axis < 0 ? needed.count + axis + 1 : Swift.min(axis, needed.count))
        let needs = "[" + needed.joined(separator: ", ") + "]"
        guard itemsFit else {
            return OutputRequirement(
                needs: needs, change: "make the model output one row of class scores per target")
        }
        let change =
            classCount.map {
                "make the last layer output \($0) columns, one score per class (the data has \($0))"
            }
            ?? "make the last layer output one column per class"
        return OutputRequirement(needs: needs, change: change)
    }

    /// Throws unless every target is a class index of predictions of shape `output`: whole, finite and
    /// in `0..<C`.
    public func checkTargets(_ target: Tensor, output: [Int]) throws {
        let classAxis = axis < 0 ? axis + output.count : axis
        guard (0..<output.count).contains(classAxis) else { return }
        let classes = output[classAxis]
        for value in target.scalars
        where
            !(value.isFinite && value == value.rounded() && value >= 0
            && value < Float(classes))
        {
            throw TensorError(
                .outOfRange,
                "CrossEntropyLossFlat needs class indices in 0..<\(classes) as targets (one per column of "
                    + "the predictions), not \(value)")
        }
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

    /// One logit per target: the targets' shape.
    public func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement? {
        guard output.reduce(1, *) != targets.reduce(1, *) || output.first != targets.first else { return nil }
        if targets.count <= 1 {
            return OutputRequirement(
                needs: "\(targets)",
                change: "BCEWithLogitsLossFlat takes one 0/1 target per class (multi-label); "
                    + "for single-label classes use CrossEntropyLossFlat")
        }
        return OutputRequirement(
            needs: "\(targets)",
            change: "make the last layer output \(targets.last ?? 1) columns, one per label")
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
    /// `[n]` or `[n, 1]` for targets `[n]`: one prediction per target.
    public func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement? {
        elementwiseRequirement(output: output, targets: targets)
    }
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
    /// `[n]` or `[n, 1]` for targets `[n]`: one prediction per target.
    public func requirement(output: [Int], targets: [Int], classCount: Int?) -> OutputRequirement? {
        elementwiseRequirement(output: output, targets: targets)
    }
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
    /// What the model's output must be for targets of a shape (`nil`: anything goes), which
    /// ``Learner`` checks on every batch.
    public let requirement: (@Sendable (_ output: [Int], _ targets: [Int]) -> OutputRequirement?)?

    /// Creates a metric.
    public init(
        _ name: String, reduction: Reduction = .average,
        requirement: (@Sendable (_ output: [Int], _ targets: [Int]) -> OutputRequirement?)? = nil,
        compute: @escaping @Sendable (_ pred: Tensor, _ target: Tensor) -> Double
    ) {
        self.name = name
        self.reduction = reduction
        self.requirement = requirement
        self.compute = compute
    }
}

/// One row of class scores per target: `[n, C]` for targets `[n]`.
func classScoresRequirement(output: [Int], targets: [Int]) -> OutputRequirement? {
    guard output.count != targets.count + 1 || Array(output.dropLast()) != targets || output.last == 0 else {
        return nil
    }
    return OutputRequirement(
        needs: "[" + (targets.map(String.init) + ["C"]).joined(separator: ", ") + "]",
        change: "make the model output one row of class scores per target")
}

/// As many values as targets.
func sameCountRequirement(output: [Int], targets: [Int]) -> OutputRequirement? {
    guard output.reduce(1, *) != targets.reduce(1, *) else { return nil }
    return OutputRequirement(needs: "\(targets)", change: "make the model output one value per target")
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
public let accuracy = Metric("accuracy", requirement: classScoresRequirement) { accuracyValue($0, $1) }

/// `1 − accuracy` (fastai `error_rate`).
public let errorRate = Metric("error_rate", requirement: classScoresRequirement) { 1 - accuracyValue($0, $1) }

/// Mean over all (item, class) cells of `[(σ(pred) if sigmoid else pred) > thresh] == target`
/// (fastai `accuracy_multi`), as a metric: `cnnLearner(dls, resnet50, metrics: accuracyMulti(thresh: 0.2))`.
public func accuracyMulti(thresh: Double = 0.5, sigmoid: Bool = true) -> Metric {
    Metric("accuracy_multi", requirement: sameCountRequirement) { pred, target in
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
public let rmse = Metric("_rmse", reduction: .accumulated, requirement: elementwiseRequirement) {
    pred, target in
    let p = pred.scalars
    let t = target.scalars
    guard !p.isEmpty, p.count == t.count else { return .nan }
    let sum = zip(p, t).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    return (sum / Double(p.count)).squareRoot()
}

/// Mean absolute error per batch (fastai `mae`).
public let mae = Metric("mae", requirement: elementwiseRequirement) { pred, target in
    let p = pred.scalars
    let t = target.scalars
    guard !p.isEmpty, p.count == t.count else { return .nan }
    return zip(p, t).reduce(0.0) { $0 + abs(Double($1.0 - $1.1)) } / Double(p.count)
}
