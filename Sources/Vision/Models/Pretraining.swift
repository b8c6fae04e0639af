import Foundation
import TensorCore
import Training

/// How `make pretrain` trains a body on Fashion-MNIST: a seeded subset of the training images,
/// resized to `inputSize`, normalized with ``fashionMNISTStats``, `fitOneCycle(epochs, lrMax:)` of body
/// and fastai head from random init; the accuracy is measured on all test images once, at the end.
public struct PretrainingRecipe: Sendable, Hashable {
    /// Training images, a seeded random subset of the 60,000 (all when larger).
    public var trainImages: Int
    /// Test images, the first of the 10,000 in file order (all when larger).
    public var testImages: Int
    /// One-cycle epochs.
    public var epochs: Int
    /// Images per batch.
    public var batchSize: Int
    /// The one-cycle peak learning rate.
    public var lrMax: Double
    /// The seed of the subset, initialisation, shuffling and dropout.
    public var seed: UInt64
    /// The side the 28×28 images are resized to.
    public var inputSize: Int

    /// The recipe of the committed bodies (see docs/vision-models.md for what it reaches).
    public init(
        trainImages: Int = 20_000, testImages: Int = 10_000, epochs: Int = 3, batchSize: Int = 64,
        lrMax: Double = 3e-3, seed: UInt64 = 42, inputSize: Int = ResNetArchitecture.courseInputSize
    ) {
        self.trainImages = trainImages
        self.testImages = testImages
        self.epochs = epochs
        self.batchSize = batchSize
        self.lrMax = lrMax
        self.seed = seed
        self.inputSize = inputSize
    }
}

/// Skips validation (the pretraining recipe measures the test set once, after rounding to half precision).
private final class SkipValidation: Callback, @unchecked Sendable {
    let order = 0
    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        event == .beforeValidate ? .skipValidation : .proceed
    }
}

/// Trains `arch` on Fashion-MNIST by `recipe` and writes its body and manifest record into `output`
/// (the pretrained-body recipe behind `make pretrain`).
///
/// Deterministic: the same recipe, data and thread count give the same weights, file and accuracy.
/// The reported test accuracy is the body's after rounding to half precision (as stored), with the head
/// it was trained with.
///
/// - Parameters:
///   - arch: The architecture.
///   - recipe: The training recipe.
///   - data: The prepared Fashion-MNIST folder (`untarData(.fashionMNIST)`): `train/<class>/`, `test/<class>/`.
///   - output: The folder of the weight files and `manifest.json`.
///   - command: The command line to record in the manifest.
///   - log: Receives progress lines (epoch rows, the result).
/// - Returns: The record written to the manifest.
/// - Throws: Data, training and writing errors.
@discardableResult
public func pretrainBody(
    _ arch: ResNetArchitecture, recipe: PretrainingRecipe = PretrainingRecipe(), data: Path, output: Path,
    command: String, log: @escaping @Sendable (String) -> Void = { _ in }
) throws -> PretrainedBodyRecord {
    let files = try getImageFiles(data, folders: ["train", "test"])
    let trainAll = files.indices.filter { files[$0].parent.parent.name == "train" }
    let testAll = files.indices.filter { files[$0].parent.parent.name == "test" }
    let picked = Generator(seed: Random.deriveSeed(recipe.seed, "subset")).permutation(trainAll.count)
        .prefix(recipe.trainImages).map { trainAll[$0] }.sorted()
    let test = Array(testAll.prefix(recipe.testImages))
    let split = Split(train: picked, valid: test)
    let dblock = DataBlock<Path, Path>(
        blocks: [ImageBlock(cls: .grey), CategoryBlock()], getItems: { _ in files },
        getY: { parentLabel($0) }, splitter: { _ in split }, itemTfms: [Resize(recipe.inputSize)],
        batchTfms: [Normalize.fromStats(fashionMNISTStats)])
    let start = ContinuousClock.now
    let (learn, body) = try Random.withSeed(recipe.seed) { () throws -> (Learner<Sequential>, Sequential) in
        let dls = try dblock.dataloaders(
            data, bs: recipe.batchSize, seed: Random.deriveSeed(recipe.seed, "loaders"))
        let learn = try cnnLearner(dls, arch, metrics: accuracy, pretrained: false)
        learn.showProgress = false
        learn.logger = { header, row in log(zip(header, row).map { "\($0)=\($1)" }.joined(separator: " ")) }
        try learn.fitOneCycle(recipe.epochs, lrMax: recipe.lrMax, cbs: [SkipValidation()])
        guard let body = learn.model[0] as? Sequential else {
            throw VisionModelError.unusableData("cnnLearner did not make Sequential(body, head)")
        }
        return (learn, body)
    }
    for parameter in body.parameters { parameter.value = BodyWeights.roundedToHalf(parameter.value) }
    let metrics = try learn.validate()
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let record = PretrainedBodyRecord(
        architecture: arch.name, width: arch.width, inChannels: 1, inputSize: recipe.inputSize, file: "",
        sha256: "", bytes: 0, parameterCount: body.parameters.reduce(0) { $0 + $1.value.count },
        data: "Fashion-MNIST, untarData(.fashionMNIST): \(picked.count) of the 60,000 training images "
            + "(seeded subset), resized to \(recipe.inputSize)×\(recipe.inputSize); accuracy on "
            + "\(test.count) test images",
        trainImages: picked.count, testImages: test.count, epochs: recipe.epochs, batchSize: recipe.batchSize,
        lrMax: recipe.lrMax, seed: recipe.seed, testAccuracy: metrics.count > 1 ? metrics[1] : .nan,
        mean: fashionMNISTStats.mean, std: fashionMNISTStats.std, seconds: (seconds * 10).rounded() / 10,
        command: command)
    let written = try PretrainedBodies.save(body, record: record, arch: arch, folder: output)
    log(
        "\(arch.name): test accuracy \(String(format: "%.4f", written.testAccuracy)) on \(test.count) images, "
            + "\(written.bytes) bytes, sha256 \(written.sha256), \(String(format: "%.0f", seconds)) s")
    return written
}
