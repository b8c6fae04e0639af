import Foundation
import TensorCore
import Training

/// fastai's `_resnet_split`: `[body[0:6]]` (stem, `layer1`, `layer2`), `[body[6:]]` (`layer3`,
/// `layer4`), `[head]` — three parameter groups of a `Sequential(body, head)`.
public let resNetSplitter: ParameterSplitter = { model in
    guard let model = model as? Sequential, model.count == 2, let body = model[0] as? Sequential,
        body.count == 8
    else { return [model.parameters] }
    let early = body.layers[0..<6].flatMap(\.parameters)
    let late = body.layers[6...].flatMap(\.parameters)
    return [early, late, model[1].parameters]
}

/// fastai's `vision_learner` (`cnn_learner`): a ResNet body cut before its pooling, a new
/// ``createHead(_:_:linFtrs:ps:concatPool:firstBn:bnFinal:yRange:)``, the three ResNet parameter groups,
/// and — when `pretrained` — the body's pretrained weights, frozen (only the head trains).
///
/// ```swift
/// let learn = try cnnLearner(dls, resnet18, metrics: errorRate)
/// try learn.fineTune(2)
/// ```
///
/// The input channels come from the data's first training batch (`[N, C, H, W]`); `nOut` defaults to
/// `dls.c`; the loss to the data's target: cross-entropy for categories, BCE with logits for
/// multi-category targets, MSE for regression and points.
///
/// With `pretrained`, the body gets Khru's Fashion-MNIST weights from `lessons/data/models/` (made by
/// `make pretrain`, checked against the manifest's SHA-256; see ``PretrainedBodies``), and, as fastai
/// does, when the data has no ``Normalize`` batch transform the learner's data gets
/// `Normalize.fromStats` with the pretraining set's statistics (``imagenetStats``, one grey channel,
/// used for every channel). The learner's ``Training/Learner/dls`` are then new loaders over the same
/// datasets; `dls` itself is unchanged.
///
/// A full-size ResNet (`resnet34(width: 64)`) with `pretrained` takes torchvision's ImageNet checkpoint
/// from torch's cache (``TorchvisionWeights/checkpoint(for:in:)``, `$TORCH_HOME/hub/checkpoints`) and
/// says how to get it when it is not there. `weights` loads a safetensors or PyTorch file instead (a
/// torchvision ResNet's state dict, its `fc` skipped as the head is new; see ``loadWeights(into:from:)``).
/// With torchvision's weights, as fastai does, a stem for other than 3 channels gets the weights summed
/// (1 channel) or adapted, and 3-channel data gets `Normalize.fromStats(ilsvrcStats)` (ImageNet's).
///
/// ```swift
/// let learn = try cnnLearner(dls, resnet34(width: 64), weights: Path("resnet34-b627a593.pth"))
/// ```
///
/// - Parameters:
///   - dls: Image data: batches of `[N, C, H, W]`.
///   - arch: ``resnet18``, ``resnet34``, ``resnet50`` (or another ``ResNetArchitecture``).
///   - metrics: Metrics shown per epoch.
///   - yRange: Squashes outputs into this range with `SigmoidRange`.
///   - pretrained: Load the body's pretrained weights, normalize like the pretraining data, and freeze.
///   - weights: A weight file for the body (safetensors or `.pth`), loaded instead of the pretrained
///     weights; with `pretrained: false` (as fastai's) it is loaded without normalizing or freezing.
///   - lossFunc: The loss (default: from the data, see above).
///   - nOut: Outputs (default `dls.c`).
///   - ps: Head dropout.
///   - concatPool: Max and average pooling in the head.
///   - lr: The default learning rate.
///   - wd: Weight decay.
/// - Returns: The learner, frozen when `pretrained`.
/// - Throws: ``VisionModelError`` for unusable data or sizes, and for pretrained weights that are missing
///   (naming the file and `make pretrain`), damaged (checksum) or do not fit; ``WeightsError`` for a
///   weight file (or torchvision's checkpoint) that is missing, malformed or does not fit.
public func cnnLearner(
    _ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: Metric..., yRange: ClosedRange<Double>? = nil,
    pretrained: Bool = true, weights: Path? = nil, lossFunc: (any LossFunction)? = nil, nOut: Int? = nil,
    ps: Double = 0.5, concatPool: Bool = true, lr: Double = 1e-3, wd: Double? = nil
) throws -> Learner<Sequential> {
    if let weights, !pretrained {
        // fastai's vision_learner(pretrained=False, weights=…): the weights, but no normalization or freezing.
        let learner = try makeCNNLearner(
            dls, arch, metrics: metrics, yRange: yRange, lossFunc: lossFunc, nOut: nOut, ps: ps,
            concatPool: concatPool, lr: lr, wd: wd, pretrainedBody: nil)
        try loadWeights(into: learner.model[0], from: weights)
        return learner
    }
    let fromFile: ((Sequential) throws -> ImageStats?)? =
        if let weights {
            { body in try loadTorchvisionBody(body, from: weights) }
        } else if pretrained, arch.width == 64 {
            { body in try loadTorchvisionBody(body, from: try TorchvisionWeights.checkpoint(for: arch)) }
        } else if pretrained {
            { body in try PretrainedBodies.load(arch, into: body).stats }
        } else {
            nil
        }
    return try makeCNNLearner(
        dls, arch, metrics: metrics, yRange: yRange, lossFunc: lossFunc, nOut: nOut, ps: ps,
        concatPool: concatPool, lr: lr, wd: wd, pretrainedBody: fromFile)
}

/// ``cnnLearner(_:_:metrics:yRange:pretrained:weights:lossFunc:nOut:ps:concatPool:lr:wd:)`` with the target
/// range as a pair, as fastai writes it: `cnnLearner(dls, resnet18, yRange: (-1, 1))`.
///
/// - Throws: ``TrainingError`` unless `low < high`, both finite; else as the range form.
public func cnnLearner(
    _ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: Metric..., yRange: (Double, Double),
    pretrained: Bool = true, weights: Path? = nil, lossFunc: (any LossFunction)? = nil, nOut: Int? = nil,
    ps: Double = 0.5, concatPool: Bool = true, lr: Double = 1e-3, wd: Double? = nil
) throws -> Learner<Sequential> {
    guard yRange.0.isFinite, yRange.1.isFinite, yRange.0 < yRange.1 else {
        throw TrainingError("yRange (low, high) needs low < high, not (\(yRange.0), \(yRange.1))")
    }
    let learner = try cnnLearner(
        dls, arch, yRange: yRange.0...yRange.1, pretrained: pretrained, weights: weights, lossFunc: lossFunc,
        nOut: nOut, ps: ps, concatPool: concatPool, lr: lr, wd: wd)
    learner.metrics = metrics
    return learner
}

/// Loads a weight file into a ResNet body; ImageNet's statistics (``ilsvrcStats``) for a 3-channel
/// stem (fastai's `_add_norm` adds none otherwise).
func loadTorchvisionBody(_ body: Sequential, from path: Path) throws -> ImageStats? {
    try loadWeights(into: body, from: path)
    let channels = (body[0] as? Conv2d)?.weight.shape[1]
    return channels == 3 ? ilsvrcStats : nil
}

/// ``cnnLearner(_:_:metrics:yRange:pretrained:weights:lossFunc:nOut:ps:concatPool:lr:wd:)`` with the
/// pretrained weights coming from `pretrainedBody`, which loads them into the body and returns the
/// statistics to normalize with (nil: no normalization added); no `pretrainedBody`: random init,
/// nothing frozen.
func makeCNNLearner(
    _ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: [Metric], yRange: ClosedRange<Double>?,
    lossFunc: (any LossFunction)?, nOut: Int?, ps: Double, concatPool: Bool, lr: Double, wd: Double?,
    pretrainedBody: ((Sequential) throws -> ImageStats?)?
) throws -> Learner<Sequential> {
    let batch = try dls.train.oneBatch()
    guard let x = batch.xs.first, x.rank == 4 else {
        throw VisionModelError.unusableData("its inputs are not image batches [N, C, H, W]")
    }
    // Stem (÷2), max pool (÷2) and three strided stages (÷8): below 32 pixels the last stage is 1×1.
    let minimum = 32
    guard min(x.shape[2], x.shape[3]) >= minimum else {
        throw VisionModelError.inputTooSmall(size: min(x.shape[2], x.shape[3]), minimum: minimum)
    }
    let outputs = nOut ?? dls.c
    guard outputs >= 1 else { throw VisionModelError.invalidOutputCount(outputs) }
    let body = try arch.body(inChannels: x.shape[1])
    var data = dls
    if let pretrainedBody {
        if let stats = try pretrainedBody(body) { data = addingNormalize(dls, stats: stats) }
    }
    let head = try createHead(arch.featureCount, outputs, ps: ps, concatPool: concatPool, yRange: yRange)
    let model = Sequential(body, head)
    let loss = lossFunc ?? defaultLoss(dls.train.dataset.kinds)
    let learner = Learner(data, model, lossFunc: loss, lr: lr, splitter: resNetSplitter, wd: wd)
    learner.metrics = metrics
    if pretrainedBody != nil { learner.freeze() }
    return learner
}

/// `dls` with `Normalize.fromStats(stats)` appended to its batch transforms, unless it has a
/// ``Normalize`` already (fastai's `_add_norm`).
func addingNormalize(_ dls: DataLoaders, stats: ImageStats) -> DataLoaders {
    let present = (dls.train.batchTfms + dls.valid.batchTfms).contains { $0 is Normalize }
    return present ? dls : dls.addingBatchTfms([Normalize.fromStats(stats)])
}

/// fastai's loss for a target block: cross-entropy, BCE with logits (multi-label) or MSE.
func defaultLoss(_ kinds: [BlockKind]) -> any LossFunction {
    switch kinds.last {
    case .some(.multiCategory): BCEWithLogitsLossFlat()
    case .some(.regression), .some(.point): MSELossFlat()
    default: CrossEntropyLossFlat()
    }
}
