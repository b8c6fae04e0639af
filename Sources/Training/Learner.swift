import Foundation
import TensorCore

/// Splits a model's parameters into groups (fastai's `splitter`): the default is one group.
public typealias ParameterSplitter = @Sendable (any Layer) -> [[Parameter]]

/// A prediction for one input: the decoded output, its index or values, and the activations.
public struct Prediction: Sendable {
    /// The decoded label when the data has a vocabulary (else nil).
    public let label: String?
    /// The decoded prediction (a class index, 0/1 labels or values).
    public let decoded: Tensor
    /// The activated outputs (probabilities for classification).
    public let probs: Tensor
}

/// Something that trains a model, seen as a ``Layer`` whatever the model's type.
///
/// ``AnyLearner`` adopts it, so `learner.model` reads the same on every learner: an ``AnyLearner``
/// (what callbacks and the library receive) gives `any Layer`, while a ``Learner`` gives its model as
/// the type it was made with, which a member of the concrete class takes precedence over.
public protocol ModelTraining: AnyObject {
    /// The model as a layer.
    var anyModel: any Layer { get }
}

extension ModelTraining {
    /// The model as a layer; a ``Learner`` has it as the type it was made with.
    public var model: any Layer { anyModel }
}

/// A learner whatever its model's type.
///
/// The whole of fastai's training loop, schedules and callbacks, with the model as `any Layer`. Every learner is a ``Learner``, the generic subclass that also keeps
/// the model's own type; callbacks, interpretation and the cell language take learners as this class.
///
/// One batch: `pred = model(xb)`, `loss = lossFunc(pred, yb)`, backward, `opt.step()`, `opt.zeroGrad()`.
/// The model is in training mode during training batches and evaluation mode during validation.
public class AnyLearner: ModelTraining, @unchecked Sendable {
    /// The data.
    public let dls: DataLoaders
    /// The model as a layer (``Learner/model`` has its own type).
    public let anyModel: any Layer
    /// The loss.
    public let lossFunc: any LossFunction
    /// How the optimizer is built.
    public let optFunc: any OptimizerFunction
    /// The default learning rate (`fit` without `lr`).
    public var lr: Double
    /// The parameter groups.
    public let splitter: ParameterSplitter?
    /// Weight decay for every fit (nil: the optimizer's default).
    public var wd: Double?
    /// Metrics shown per epoch.
    public var metrics: [Metric]

    /// What ``toFP16()`` says: training stays in Float32 here.
    public static let toFP16Note =
        "toFP16: Khru trains in Float32 on the CPU, where half precision is no faster; the learner is unchanged"

    /// fastai's `to_fp16()` (mixed-precision training on a GPU): on Khru's CPU training the learner stays in
    /// Float32, so this returns it unchanged (``toFP16Note`` says why), and fastbook's code runs as written.
    @discardableResult
    public func toFP16() -> Self { self }
    /// Extra callbacks run in every fit.
    public var cbs: [any Callback]
    /// Whether norm-layer parameters train in frozen groups (fastai `train_bn`).
    public let trainBn: Bool
    /// Whether biases and norm parameters get weight decay (fastai `wd_bn_bias`).
    public let wdBnBias: Bool
    /// The momentum cycle of `fitOneCycle`.
    public var moms: (Double, Double, Double) = (0.95, 0.85, 0.95)
    /// Whether the progress bar and table print (on a terminal only).
    public var showProgress = true
    /// Whether a training loss that is not finite stops the fit with an error naming the epoch and batch
    /// (fastai's `TerminateOnNaNCallback`, on by default here: a diverged run must not look like a result).
    public var terminateOnNaN = true
    /// Receives each epoch-table row as it is made: `(header, row)`.
    public var logger: (@Sendable (_ header: [String], _ row: [String]) -> Void)?
    /// The recorder (always present).
    public let recorder = Recorder()
    /// The folder ``save(_:)`` and ``load(_:)`` work under (fastai's `path`; the current folder by default).
    public var path = Path(".")
    /// The subfolder of ``path`` that holds saved models (fastai's `model_dir`).
    public var modelDir = "models"

    /// The optimizer (built on the first fit or freeze).
    public private(set) var opt: Optimizer?
    /// The parameter groups, in order.
    public let paramGroups: [[Parameter]]

    // MARK: Loop state (read by callbacks)
    /// The current epoch.
    public internal(set) var epoch = 0
    /// The number of epochs of this fit.
    public internal(set) var nEpoch = 0
    /// The batch index within the phase.
    public internal(set) var iter = 0
    /// Batches in the current phase.
    public internal(set) var nIter = 0
    /// Training batches done in this fit.
    public internal(set) var trainIter = 0
    /// Training progress in `[0, 1)`, read before each batch (fastai `pct_train`).
    public internal(set) var pctTrain = 0.0
    /// Whether the current batch trains.
    public internal(set) var training = false
    /// The last batch's loss.
    public internal(set) var loss = 0.0
    /// The smoothed training loss (set by the recorder).
    public internal(set) var smoothLoss = Double.nan
    /// The last batch's raw predictions.
    public internal(set) var pred = Tensor.zeros([0])
    /// The last batch's target.
    public internal(set) var target = Tensor.zeros([0])
    /// The last batch's size.
    public internal(set) var batchSize = 0

    /// Creates a learner (through ``Learner``'s initializers, which keep the model's type).
    ///
    /// - Parameters:
    ///   - model: The model.
    ///   - dls: The data.
    ///   - lossFunc: The loss; by default the one the target block calls for (``DataLoaders/lossFunc``:
    ///     cross-entropy for categories, binary cross-entropy for multi-label, MSE for regression and
    ///     points), else cross-entropy.
    ///   - optFunc: The optimizer (fastai's `Adam` by default).
    ///   - lr: The default learning rate.
    ///   - splitter: Parameter groups; one group when nil.
    ///   - wd: Weight decay (nil: the optimizer's default, Adam 0.01).
    ///   - metrics: Metrics shown per epoch.
    ///   - cbs: Extra callbacks.
    ///   - trainBn: Whether norm parameters train in frozen groups.
    ///   - wdBnBias: Whether biases and norm parameters get weight decay.
    init(
        erasing model: any Layer, _ dls: DataLoaders, lossFunc: (any LossFunction)?,
        optFunc: any OptimizerFunction, lr: Double, splitter: ParameterSplitter?, wd: Double?,
        metrics: [Metric], cbs: [any Callback], trainBn: Bool, wdBnBias: Bool
    ) {
        self.dls = dls
        self.anyModel = model
        self.lossFunc = lossFunc ?? dls.lossFunc ?? CrossEntropyLossFlat()
        self.optFunc = optFunc
        self.lr = lr
        self.splitter = splitter
        self.wd = wd
        self.metrics = metrics
        self.cbs = cbs
        self.trainBn = trainBn
        self.wdBnBias = wdBnBias
        for (name, parameter) in model.namedParameters { parameter.name = name }
        paramGroups = splitter?(model) ?? [model.parameters]
    }

    /// Creates the optimizer if there is none.
    @discardableResult
    public func createOpt() -> Optimizer {
        if let opt { return opt }
        var noDecay: [Parameter] = []
        if !wdBnBias {
            noDecay =
                model.normalizationParameters
                + model.namedParameters.filter { $0.name.split(separator: ".").last == "bias" }.map(
                    \.parameter)
        }
        let created = Optimizer(optFunc, groups: paramGroups, noWeightDecay: noDecay)
        created.setLRs(Array(repeating: lr, count: paramGroups.count))
        opt = created
        return created
    }

    // MARK: Freezing

    /// Trains only groups `k...` and freezes the others (fastai `freeze_to`).
    ///
    /// `k = n`, or `count + n` when negative; frozen groups keep training their norm parameters when
    /// `trainBn`. Clears the optimizer state.
    public func freezeTo(_ n: Int) {
        let k = n >= 0 ? n : paramGroups.count + n
        let norms = Set(model.normalizationParameters.map(ObjectIdentifier.init))
        for (index, group) in paramGroups.enumerated() {
            for parameter in group {
                parameter.requiresGrad =
                    index >= k || (trainBn && norms.contains(ObjectIdentifier(parameter)))
            }
        }
        createOpt().clearState()
    }

    /// Freezes every group but the last (fastai `freeze`, which is `freezeTo(-1)`).
    ///
    /// With a single parameter group nothing is frozen and nothing fails, as in fastai, so
    /// ``fineTune(_:baseLR:freezeEpochs:lrMult:pctStart:div:wd:moms:cbs:)`` works on any learner.
    public func freeze() {
        freezeTo(-1)
    }

    /// Trains every group (fastai `unfreeze`).
    public func unfreeze() { freezeTo(0) }

    // MARK: Fitting

    /// Trains for `nEpoch` epochs at learning rate(s) `lr` (default: ``lr``), without a schedule.
    public func fit(
        _ nEpoch: Int, lr: (any LearningRates)? = nil, wd: Double? = nil, cbs extra: [any Callback] = []
    ) throws {
        guard nEpoch >= 0 else {
            throw TrainingError("the number of epochs must not be negative, not \(nEpoch)")
        }
        let opt = createOpt()
        opt.setLRs(try (lr ?? self.lr).rates(groups: paramGroups.count))
        if let wd = wd ?? self.wd { opt.setWd(wd) }
        let callbacks = (cbs + [recorder, ProgressCallback()] + extra).enumerated()
            .sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
        try runFit(nEpoch, callbacks: callbacks)
    }

    /// One-cycle training (fastai `fit_one_cycle`): per group, lr cosine `lrMax/div → lrMax` over
    /// `pctStart`, then to `lrMax/divFinal`; momentum `moms` 0.95 → 0.85 → 0.95.
    ///
    /// - Parameters:
    ///   - nEpoch: Epochs.
    ///   - lrMax: A number, a list per group, `a...b` (slice(a, b)) or `...b` (slice(b)); default ``lr``.
    ///   - div: Start lr = lrMax/div.
    ///   - divFinal: Final lr = lrMax/divFinal.
    ///   - pctStart: Fraction of training spent warming up.
    ///   - wd: Weight decay (default: the learner's, else the optimizer's).
    ///   - moms: Momentum cycle (default 0.95, 0.85, 0.95).
    ///   - extra: More callbacks for this fit.
    /// - Throws: ``TrainingError`` for a learning-rate list of the wrong length, or data errors.
    public func fitOneCycle(
        _ nEpoch: Int, lrMax: (any LearningRates)? = nil, div: Double = 25, divFinal: Double = 1e5,
        pctStart: Double = 0.25, wd: Double? = nil, moms: (Double, Double, Double)? = nil,
        cbs extra: [any Callback] = []
    ) throws {
        guard pctStart.isFinite, (0...1).contains(pctStart) else {
            throw TrainingError(
                "pctStart is the fraction of training spent warming up: it must be in 0...1, not \(pctStart)")
        }
        guard div.isFinite, div > 0, divFinal.isFinite, divFinal > 0 else {
            throw TrainingError("div and divFinal must be positive, not \(div) and \(divFinal)")
        }
        createOpt()
        let peaks = try (lrMax ?? self.lr).rates(groups: paramGroups.count)
        let cycle = moms ?? self.moms
        let scheduler = ParamScheduler(
            lr: peaks.map { combinedCos(pctStart, $0 / div, $0, $0 / divFinal) },
            mom: peaks.map { _ in combinedCos(pctStart, cycle.0, cycle.1, cycle.2) })
        try fit(nEpoch, lr: peaks, wd: wd, cbs: [scheduler] + extra)
    }

    /// ``fitOneCycle(_:lrMax:div:divFinal:pctStart:wd:moms:cbs:)`` with the peak learning rate second and
    /// unlabelled, as fastai's `fit_one_cycle(3, 3e-3)` is usually written.
    public func fitOneCycle(
        _ nEpoch: Int, _ lrMax: any LearningRates, div: Double = 25, pctStart: Double = 0.25,
        wd: Double? = nil,
        cbs extra: [any Callback] = []
    ) throws {
        try fitOneCycle(nEpoch, lrMax: lrMax, div: div, pctStart: pctStart, wd: wd, cbs: extra)
    }

    /// ``fineTune(_:baseLR:freezeEpochs:lrMult:pctStart:div:wd:moms:cbs:)`` with the base learning rate
    /// second and unlabelled, as fastai's `fine_tune(3, lr)` is usually written.
    public func fineTune(
        _ epochs: Int, _ baseLR: Double, freezeEpochs: Int = 1, cbs extra: [any Callback] = []
    ) throws {
        try fineTune(epochs, baseLR: baseLR, freezeEpochs: freezeEpochs, cbs: extra)
    }

    /// Transfer learning (fastai `fine_tune`): `freezeEpochs` of one-cycle on the last group
    /// (`lrMax: ...baseLR`, `pctStart` 0.99, div 25), then `baseLR /= 2`, unfreeze and `epochs`
    /// of one-cycle with `lrMax: baseLR/lrMult...baseLR`, `pctStart`, `div`.
    public func fineTune(
        _ epochs: Int, baseLR: Double = 2e-3, freezeEpochs: Int = 1, lrMult: Double = 100,
        pctStart: Double = 0.3,
        div: Double = 5, wd: Double? = nil, moms: (Double, Double, Double)? = nil,
        cbs extra: [any Callback] = []
    ) throws {
        freeze()
        try fitOneCycle(freezeEpochs, lrMax: ...baseLR, pctStart: 0.99, wd: wd, moms: moms, cbs: extra)
        let base = baseLR / 2
        unfreeze()
        try fitOneCycle(
            epochs, lrMax: (base / lrMult)...base, div: div, pctStart: pctStart, wd: wd, moms: moms,
            cbs: extra)
    }

    /// The learning-rate finder (fastai `lr_find`): trains with exponentially growing lrs for up to
    /// `numIt` batches, then restores the model, optimizer and data order and returns suggestions.
    ///
    /// `cbs` join the finder's run (a callback that stops the fit, say at a deadline, ends the search
    /// early; the model is restored all the same).
    public func lrFind(
        startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, stopDiv: Bool = true,
        suggestFuncs: [SuggestionFunction] = [.valley], cbs extra: [any Callback] = []
    ) throws -> SuggestedLRs {
        guard startLR > 0, endLR > startLR, numIt > 0 else {
            throw TrainingError("lrFind needs 0 < startLR < endLR and numIt > 0")
        }
        let numIt = max(numIt, 6)
        let nEpoch = numIt / max(dls.train.count, 1) + 1
        let opt = createOpt()
        let snapshot = try checkpointData()
        let savedEpochs = dls.train.epochsStarted
        let savedProgress = showProgress
        let savedLogger = logger
        let savedTerminate = terminateOnNaN
        showProgress = false
        logger = nil
        // The finder drives the loss up on purpose and stops on divergence itself.
        terminateOnNaN = false
        defer {
            showProgress = savedProgress
            logger = savedLogger
            terminateOnNaN = savedTerminate
        }
        try fit(
            nEpoch, cbs: [LRFinder(startLR: startLR, endLR: endLR, numIt: numIt, stopDiv: stopDiv)] + extra)
        opt.zeroGrad()
        try restore(from: snapshot)
        dls.train.epochsStarted = savedEpochs
        return suggestLRs(lrs: recorder.lrs, losses: recorder.losses, numIt: numIt, funcs: suggestFuncs)
    }

    /// `lrFind` destructured into two suggestions, as fastai code writes it:
    /// `let (lrMin, lrSteep) = try learn.lrFind(suggestFuncs: [.minimum, .steep])`.
    ///
    /// The suggestions come in the order of `suggestFuncs`. Swift picks this overload only where the
    /// result is destructured into two names; elsewhere `lrFind` returns ``SuggestedLRs``.
    ///
    /// - Throws: when `suggestFuncs` does not name two rules, or the run recorded too few points to
    ///   suggest anything (besides `lrFind`'s own errors).
    @_disfavoredOverload
    public func lrFind(
        startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, stopDiv: Bool = true,
        suggestFuncs: [SuggestionFunction], cbs extra: [any Callback] = []
    ) throws -> (Double, Double) {
        try SuggestedLRs.checkCount(suggestFuncs, 2)
        let found: SuggestedLRs = try lrFind(
            startLR: startLR, endLR: endLR, numIt: numIt, stopDiv: stopDiv, suggestFuncs: suggestFuncs,
            cbs: extra)
        let lrs = try found.values(count: 2)
        return (lrs[0], lrs[1])
    }

    /// `lrFind` destructured into three suggestions, in the order of `suggestFuncs`:
    /// `let (lrValley, lrMin, lrSteep) = try learn.lrFind(suggestFuncs: [.valley, .minimum, .steep])`.
    ///
    /// - Throws: when `suggestFuncs` does not name three rules, or too few points were recorded.
    @_disfavoredOverload
    public func lrFind(
        startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, stopDiv: Bool = true,
        suggestFuncs: [SuggestionFunction], cbs extra: [any Callback] = []
    ) throws -> (Double, Double, Double) {
        try SuggestedLRs.checkCount(suggestFuncs, 3)
        let found: SuggestedLRs = try lrFind(
            startLR: startLR, endLR: endLR, numIt: numIt, stopDiv: stopDiv, suggestFuncs: suggestFuncs,
            cbs: extra)
        let lrs = try found.values(count: 3)
        return (lrs[0], lrs[1], lrs[2])
    }

    private func dispatch(_ event: TrainingEvent, _ callbacks: [any Callback]) -> CallbackDecision {
        for callback in callbacks {
            let decision = callback.handle(event, self)
            if decision != .proceed { return decision }
        }
        return .proceed
    }

    private func runFit(_ epochs: Int, callbacks: [any Callback]) throws {
        nEpoch = epochs
        trainIter = 0
        pctTrain = 0
        defer { model.train(false) }
        var decision = dispatch(.beforeFit, callbacks)
        if decision != .stopFit {
            epochLoop: for current in 0..<epochs {
                epoch = current
                decision = dispatch(.beforeEpoch, callbacks)
                if decision == .stopFit { break epochLoop }
                if decision != .stopEpoch {
                    decision = try runPhase(training: true, callbacks)
                    if decision == .stopFit { break epochLoop }
                    if decision != .stopEpoch {
                        decision = try runPhase(training: false, callbacks)
                        if decision == .stopFit { break epochLoop }
                    }
                }
                if dispatch(.afterEpoch, callbacks) == .stopFit { break epochLoop }
            }
        }
        _ = dispatch(.afterFit, callbacks)
    }

    /// Runs one training or validation phase; returns `.stopFit`/`.stopEpoch` when asked, else `.proceed`.
    private func runPhase(training: Bool, _ callbacks: [any Callback]) throws -> CallbackDecision {
        self.training = training
        model.train(training)
        let loader = training ? dls.train : dls.valid
        nIter = loader.count
        if training { pctTrain = Double(epoch) / Double(nEpoch) }
        var decision = dispatch(training ? .beforeTrain : .beforeValidate, callbacks)
        if decision == .stopFit || decision == .stopEpoch { return decision }
        if decision != .stopTrain && decision != .skipValidation {
            let iterator = loader.makeIterator()
            var index = 0
            while let batch = iterator.next() {
                iter = index
                index += 1
                decision = try runBatch(batch, training: training, callbacks)
                if training {
                    pctTrain += 1 / Double(nIter * nEpoch)
                    trainIter += 1
                }
                let after = dispatch(.afterBatch, callbacks)
                if after == .stopFit || after == .stopEpoch { return after }
                if decision == .stopFit || decision == .stopEpoch { return decision }
                if after == .stopTrain || decision == .stopTrain { break }
            }
            if let error = iterator.error { throw error }
        }
        decision = dispatch(training ? .afterTrain : .afterValidate, callbacks)
        return decision == .stopFit || decision == .stopEpoch ? decision : .proceed
    }

    private func runBatch(
        _ batch: Batch, training: Bool, _ callbacks: [any Callback]
    ) throws -> CallbackDecision {
        guard !batch.xs.isEmpty, let y = batch.ys.first else {
            throw TrainingError("a batch needs an input and a target")
        }
        batchSize = batch.count
        target = y
        var decision = dispatch(.beforeBatch, callbacks)
        if decision != .proceed { return decision }
        decision =
            try training
            ? forwardBackward(batch.xs, y, callbacks)
            : withNoGrad { try forwardBackward(batch.xs, y, callbacks) }
        if decision != .proceed { return decision }
        if training, let opt {
            opt.step()
            decision = dispatch(.afterStep, callbacks)
            opt.zeroGrad()
        }
        return decision
    }

    /// Forward (and backward in training) in its own scope, so the graph is freed before the step.
    private func forwardBackward(
        _ xs: [Tensor], _ y: Tensor, _ callbacks: [any Callback]
    ) throws -> CallbackDecision {
        let output = try forward(xs)
        try checkOutput(output.shape, target: y)
        pred = output.value
        var decision = dispatch(.afterPred, callbacks)
        if decision != .proceed { return decision }
        let lossValue = lossFunc(output, y)
        loss = Double(lossValue.value.scalar)
        if training, terminateOnNaN, !loss.isFinite {
            throw TrainingError(
                "training diverged: the loss became \(loss.isNaN ? "nan" : "\(loss)") at epoch \(epoch), batch \(iter); "
                    + "try a lower learning rate")
        }
        decision = dispatch(.afterLoss, callbacks)
        if decision != .proceed { return decision }
        if training {
            lossValue.backward()
            decision = dispatch(.afterBackward, callbacks)
        }
        return decision
    }

    /// Checks a batch's output against the loss and the metrics before the loss is computed, so a
    /// model of the wrong width fails with what to change instead of trapping in the loss: "Bad returns
    /// [64, 3], but MSELossFlat needs [64] or [64, 1] for targets of shape [64]: make the last layer
    /// output one column".
    ///
    /// - Throws: ``TrainingError`` naming the model's type, its output shape, the loss or metric, the
    ///   targets' shape and the fix, or a target that is not a class.
    func checkOutput(_ output: [Int], target: Tensor) throws {
        let model = anyModel.typeName
        let classCount = lossFunc is CrossEntropyLossFlat ? dls.vocab?.count : nil
        if let requirement = lossFunc.requirement(
            output: output, targets: target.shape, classCount: classCount)
        {
            throw TrainingError(
                "\(model) returns \(output), but \(lossFunc.name) needs \(requirement.needs) for targets of "
                    + "shape \(target.shape): \(requirement.change)")
        }
        for metric in metrics {
            guard let requirement = metric.requirement?(output, target.shape) else { continue }
            throw TrainingError(
                "\(model) returns \(output), but the metric \(metric.name) needs \(requirement.needs) for "
                    + "targets of shape \(target.shape): \(requirement.change)")
        }
        do {
            try lossFunc.checkTargets(target, output: output)
        } catch let error as TensorError {
            throw TrainingError("\(model) returns \(output), but \(error.message)")
        }
    }

    /// The model applied to a batch's inputs: one input, or several for a ``MultiInputLayer``.
    func forward(_ xs: [Tensor]) throws -> Variable {
        if xs.count == 1 { return try model.forward(Variable(xs[0])) }
        guard let multi = model as? any MultiInputLayer else {
            throw TrainingError(
                "the batches have \(xs.count) inputs, but the model takes one; make it a MultiInputLayer")
        }
        return multi(xs.map { Variable($0) })
    }

    // MARK: Evaluation

    /// The validation loss and metrics, without training (fastai `validate`): `[valid_loss, metrics…]`.
    public func validate() throws -> [Double] {
        var lossSum = 0.0
        var count = 0
        var sums = Array(repeating: 0.0, count: metrics.count)
        let (preds, targets) = try rawPreds(dsIdx: 1) { batchLoss, pred, target in
            let bs = Double(target.shape.first ?? 0)
            lossSum += batchLoss * bs
            count += target.shape.first ?? 0
            for (index, metric) in self.metrics.enumerated() where metric.reduction == .average {
                sums[index] += metric.compute(pred, target) * bs
            }
        }
        var result = [lossSum / Double(max(count, 1))]
        for (index, metric) in metrics.enumerated() {
            result.append(
                metric.reduction == .average
                    ? sums[index] / Double(max(count, 1)) : metric.compute(preds, targets))
        }
        return result
    }

    /// Activated predictions and targets over a dataset, in order (fastai `get_preds`; `dsIdx` 1 = validation).
    public func getPreds(dsIdx: Int = 1) throws -> (preds: Tensor, targets: Tensor) {
        let (preds, targets) = try rawPreds(dsIdx: dsIdx) { _, _, _ in }
        return (lossFunc.activation(preds), targets)
    }

    /// Activated predictions and targets over the batches `dl` holds, in order (fastai `get_preds(dl=…)`,
    /// as fastbook calls it on one batch: `learn.getPreds(dl: [(x, y)])`).
    ///
    /// - Throws: ``TrainingError`` when `dl` is empty or a batch's output does not fit the loss.
    public func getPreds(dl: [(Tensor, Tensor)]) throws -> (preds: Tensor, targets: Tensor) {
        guard !dl.isEmpty else { throw TrainingError("getPreds(dl:) needs at least one batch") }
        model.train(false)
        var preds: [Tensor] = []
        try withNoGrad {
            for (x, y) in dl {
                let output = try forward([x])
                try checkOutput(output.shape, target: y)
                preds.append(output.value)
            }
        }
        return (lossFunc.activation(Tensor.concat(preds)), Tensor.concat(dl.map(\.1)))
    }

    /// Activated predictions, targets and each item's loss over a dataset, in order (fastai
    /// `get_preds(ds_idx, with_loss=True)`): the loss of item `i` is ``lossFunc`` of its raw output
    /// against its target alone (fastai's `reduction='none'`, averaged over the item's elements).
    public func getPredsWithLoss(dsIdx: Int = 1) throws -> (preds: Tensor, targets: Tensor, losses: Tensor) {
        var losses: [Float] = []
        let (preds, targets) = try rawPreds(dsIdx: dsIdx) { _, pred, target in
            for item in 0..<(target.shape.first ?? 0) {
                guard let output = try? pred[item], let wanted = try? target[item] else { continue }
                let loss = lossFunc(Variable(output.expandingShape(at: 0)), wanted.expandingShape(at: 0))
                losses.append(loss.value.scalar)
            }
        }
        return (lossFunc.activation(preds), targets, Tensor(losses))
    }

    private func rawPreds(
        dsIdx: Int, _ each: (Double, Tensor, Tensor) -> Void
    ) throws -> (Tensor, Tensor) {
        let source = dls[dsIdx]
        let loader = DataLoader(source.dataset, bs: source.bs, batchTfms: source.batchTfms, seed: source.seed)
        model.train(false)
        var preds: [Tensor] = []
        var targets: [Tensor] = []
        let iterator = loader.makeIterator()
        try withNoGrad {
            while let batch = iterator.next() {
                guard !batch.xs.isEmpty, let y = batch.ys.first else {
                    throw TrainingError("empty batch")
                }
                let output = try forward(batch.xs)
                try checkOutput(output.shape, target: y)
                each(Double(lossFunc(output, y).value.scalar), output.value, y)
                preds.append(output.value)
                targets.append(y)
            }
        }
        if let error = iterator.error { throw error }
        guard !preds.isEmpty else { throw TrainingError("no data to predict on") }
        return (Tensor.concat(preds), Tensor.concat(targets))
    }

    /// The prediction for one input sample `x` (without a batch axis) (fastai `predict`).
    public func predict(_ x: Tensor) -> Prediction {
        model.train(false)
        let output = withNoGrad { model(Variable(x.expandingShape(at: 0))).value }
        let probs = lossFunc.activation(output)
        let decoded = lossFunc.decodes(probs)
        var label: String?
        if let vocab = dls.vocab {
            if lossFunc is CrossEntropyLossFlat, let index = decoded.scalars.first, Int(index) < vocab.count {
                label = vocab[Int(index)]
            } else if lossFunc is BCEWithLogitsLossFlat {
                label = zip(vocab, decoded.scalars).filter { $0.1 > 0 }.map(\.0).joined(separator: ";")
            }
        }
        return Prediction(
            label: label, decoded: decoded.squeezingShape(at: 0), probs: probs.squeezingShape(at: 0))
    }
}

/// Trains a model on data with fastai's loop, schedules and callbacks (fastai `Learner`), keeping the
/// model as the type it was made with, so its own layers and parameters are members of `learn.model`.
///
/// ```swift
/// let learn = Learner(dls, DotProductBias(nUsers, nMovies, 50), lossFunc: MSELossFlat())
/// try learn.fitOneCycle(5, lrMax: 5e-3)
/// learn.model.movieBias.weight      // `model` is a DotProductBias
/// ```
/// A model held as `any Layer` makes a `Learner<any Layer>`. Everything a learner does is in
/// ``AnyLearner``, which callbacks and the library receive.
public final class Learner<Model>: AnyLearner, @unchecked Sendable {
    /// The model, as the type it was made with.
    public let model: Model

    /// Creates a learner.
    ///
    /// - Parameters:
    ///   - dls: The data.
    ///   - model: The model.
    ///   - lossFunc: The loss; by default the one the target block calls for (``DataLoaders/lossFunc``:
    ///     cross-entropy for categories, binary cross-entropy for multi-label, MSE for regression and
    ///     points), else cross-entropy.
    ///   - optFunc: The optimizer (fastai's `Adam` by default).
    ///   - lr: The default learning rate.
    ///   - splitter: Parameter groups; one group when nil.
    ///   - wd: Weight decay (nil: the optimizer's default, Adam 0.01).
    ///   - metrics: Metrics shown per epoch.
    ///   - cbs: Extra callbacks.
    ///   - trainBn: Whether norm parameters train in frozen groups.
    ///   - wdBnBias: Whether biases and norm parameters get weight decay.
    public init(
        _ dls: DataLoaders, _ model: Model, lossFunc: (any LossFunction)? = nil,
        optFunc: any OptimizerFunction = Adam(), lr: Double = 1e-3, splitter: ParameterSplitter? = nil,
        wd: Double? = nil, metrics: Metric..., cbs: [any Callback] = [], trainBn: Bool = true,
        wdBnBias: Bool = false
    ) where Model: Layer {
        self.model = model
        super.init(
            erasing: model, dls, lossFunc: lossFunc, optFunc: optFunc, lr: lr, splitter: splitter, wd: wd,
            metrics: metrics, cbs: cbs, trainBn: trainBn, wdBnBias: wdBnBias)
    }

    /// Creates a learner of a model whose type is not known statically (a `Learner<any Layer>`).
    ///
    /// - Parameters:
    ///   - dls: The data.
    ///   - model: The model.
    ///   - lossFunc: The loss; by default the one the target block calls for, else cross-entropy.
    ///   - optFunc: The optimizer (fastai's `Adam` by default).
    ///   - lr: The default learning rate.
    ///   - splitter: Parameter groups; one group when nil.
    ///   - wd: Weight decay (nil: the optimizer's default, Adam 0.01).
    ///   - metrics: Metrics shown per epoch.
    ///   - cbs: Extra callbacks.
    ///   - trainBn: Whether norm parameters train in frozen groups.
    ///   - wdBnBias: Whether biases and norm parameters get weight decay.
    public init(
        _ dls: DataLoaders, _ model: any Layer, lossFunc: (any LossFunction)? = nil,
        optFunc: any OptimizerFunction = Adam(), lr: Double = 1e-3, splitter: ParameterSplitter? = nil,
        wd: Double? = nil, metrics: Metric..., cbs: [any Callback] = [], trainBn: Bool = true,
        wdBnBias: Bool = false
    ) where Model == any Layer {
        self.model = model
        super.init(
            erasing: model, dls, lossFunc: lossFunc, optFunc: optFunc, lr: lr, splitter: splitter, wd: wd,
            metrics: metrics, cbs: cbs, trainBn: trainBn, wdBnBias: wdBnBias)
    }
}
