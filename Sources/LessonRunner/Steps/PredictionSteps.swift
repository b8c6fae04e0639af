import Foundation
import TensorCore
import Training

extension Registry {
    /// Binds what lessons compute by hand from predictions: pointwise comparisons, `where`, a loss
    /// called on predictions, accuracy at a threshold, and `getPreds` (the multi-label lesson's
    /// binary cross-entropy from scratch and its threshold curve).
    public mutating func bindPredictionTools() {
        for (symbol, compare) in [
            (".==", { (t: Tensor, x: Float) in t .== x }), (".>", { (t: Tensor, x: Float) in t .> x }),
            (".<", { (t: Tensor, x: Float) in t .< x }),
        ] as [(String, (Tensor, Float) -> Tensor)] {
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Double)", doc: "1 where the comparison holds, else 0.") {
                (lhs: Tensor, rhs: Double) in compare(lhs, Float(rhs))
            }
        }
        bind(
            "Tensor.where(_ condition: Tensor, _ other: Tensor)",
            doc: "This tensor where condition is non-zero, else other (torch.where(condition, x, y))."
        ) { (t: Tensor, condition: Tensor, other: Tensor) in try t.where(condition, other) }
        bind("Variable(_ value: Tensor)", doc: "A tensor as a model's output is (no gradient recorded).") {
            (value: Tensor) in Variable(value)
        }
        bind(
            "LossFunction.callAsFunction(_ pred: Variable, _ target: Tensor)",
            doc: "The loss of predictions against targets (a one-element Variable)."
        ) { (loss: AnyLoss, pred: Variable, target: Tensor) in try loss.loss.checked(pred, target) }
        bind(
            "accuracyMulti(_ inp: Tensor, _ targ: Tensor, thresh: Double = 0.5, sigmoid: Bool = true)",
            doc: "Multi-label accuracy of predictions at a threshold (sigmoid: false for probabilities)."
        ) { (inp: Tensor, targ: Tensor, thresh: Double, sigmoid: Bool) in
            try accuracyMulti(inp, targ, thresh: thresh, sigmoid: sigmoid)
        }
        bind(
            "Learner.getPreds(dl: [(Tensor, Tensor)])",
            doc: "Activated predictions and targets of the given batches (learn.getPreds(dl: [(x, y)]))."
        ) { (learner: AnyLearner, dl: [CellTuple<Tensor, Tensor>]) -> CellTuple<Tensor, Tensor> in
            let (preds, targets) = try learner.getPreds(dl: dl.map(\.elements))
            return CellTuple(preds, targets)
        }
        bind(
            "Learner.getPreds(dsIdx: Int = 1)",
            doc: "Activated predictions and targets of the validation set (dsIdx 0: training)."
        ) { (context: StepContext, learner: AnyLearner, dsIdx: Int) -> CellTuple<Tensor, Tensor> in
            guard dsIdx == 0 || dsIdx == 1 else {
                throw StepError("dsIdx must be 0 (training) or 1 (validation)")
            }
            context.progress("predicting")
            let (preds, targets) = try learner.getPreds(dsIdx: dsIdx)
            return CellTuple(preds, targets)
        }
    }
}
