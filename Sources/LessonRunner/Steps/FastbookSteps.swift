import TensorCore
import Training

extension Registry {
    /// Binds PyTorch's and fastai's spellings that fastbook's chapters 5 and 6 use and the other step
    /// files do not: `torch.where` with three arguments and with one, `t.normal_(mean, std)`,
    /// `dls.train.oneBatch()`, `dls.lossFunc` and `learn.lossFunc`.
    public mutating func bindFastbookSpellings() {
        bind(
            "static Tensor.where(_ condition: Tensor, _ input: Tensor, _ other: Tensor)",
            doc: "input where condition is non-zero, else other (torch.where(condition, input, other))."
        ) { (condition: Tensor, input: Tensor, other: Tensor) in try Tensor.where(condition, input, other) }
        bind(
            "static Tensor.where(_ condition: Tensor)",
            doc: "The indices of the non-zero elements, one tensor per axis (torch.where(condition))."
        ) { (condition: Tensor) in Tensor.where(condition) }
        bind(
            "Tensor.normal(mean: Float = 0, std: Float = 1)",
            doc: "Normal samples in this tensor's shape (PyTorch's t.normal_(mean, std))."
        ) { (t: Tensor, mean: Float, std: Float) in t.normal(mean: mean, std: std) }
        bind("DataLoader.oneBatch()", doc: "The first batch of a fresh epoch as (x, y) (one_batch).") {
            (d: DataLoader) -> CellTuple<Tensor, Tensor> in
            let (x, y) = try d.oneBatchPair()
            return CellTuple(x, y)
        }
        property("DataLoaders.lossFunc: LossFunction?", doc: "The loss the target's block implies.") {
            (d: DataLoaders) in d.lossFunc.map(AnyLoss.init)
        }
        property(
            "DataLoader.lossFunc: LossFunction?", doc: "The loss the target implies (dls.train.lossFunc)."
        ) {
            (d: DataLoader) in d.lossFunc.map(AnyLoss.init)
        }
        property("Learner.lossFunc: LossFunction", doc: "The loss the learner trains with.") {
            (l: AnyLearner) in AnyLoss(loss: l.lossFunc)
        }
        bind(
            "Layer.callAsFunction(_ x: Tensor)",
            doc: "The layer's forward pass on a constant tensor (PyTorch's model(x))."
        ) { (layer: AnyLayer, x: Tensor) in try layer.layer.forward(Variable(x)) }
        bind("Variable.subscript(_ index: Int)", doc: "Row index along the first axis (activs[0]).") {
            (v: Variable, index: Int) -> Variable in
            guard v.rank > 0, (0..<v.shape[0]).contains(index) else {
                throw StepError("row \(index) is out of range for a Variable of shape \(v.shape)")
            }
            return v[index]
        }
        bind(
            "LossFunction.callAsFunction(_ pred: Tensor, _ target: Tensor)",
            doc: "The loss of activations against targets, outside training (loss_func(acts, targ))."
        ) { (loss: AnyLoss, pred: Tensor, target: Tensor) in try loss.loss(pred, target) }
        property("DatasetSubset.vocab: CategoryMap?", doc: "The target's vocabulary (dsets.train.vocab).") {
            (d: DatasetSubset) in d.vocab
        }
        bind(
            "CategoryMap.subscript(_ indices: Tensor)",
            doc: "The labels at a tensor of indices (vocab[idxs])."
        ) {
            (v: CategoryMap, indices: Tensor) in try v[indices]
        }
    }
}
