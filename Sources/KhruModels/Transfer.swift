import Foundation
import TensorCore
import Training
import Vision

/// One fine-tuning run's outcome.
struct TransferRun {
    let arch: String
    let pretrained: Bool
    let seed: UInt64
    let errorRate: Double
    let seconds: Double
    let epochs: Int
}

/// The digits' loaders: `items` training digits (a subset fixed by `subsetSeed`, the same for every run)
/// and all 1,000 validation digits, resized to the course's 64×64, one grey channel.
func digitLoaders(items: Int, subsetSeed: UInt64, seed: UInt64) throws -> DataLoaders {
    let folder = try untarData(.digits)
    let files = try getImageFiles(folder, folders: ["train", "valid"])
    let train = files.indices.filter { files[$0].parent.parent.name == "train" }
    let valid = files.indices.filter { files[$0].parent.parent.name == "valid" }
    let picked = Generator(seed: subsetSeed).permutation(train.count).prefix(items).map { train[$0] }.sorted()
    let split = Split(train: picked, valid: valid)
    let dblock = DataBlock<Path, Path>(
        blocks: [ImageBlock(cls: .grey), CategoryBlock()], getItems: { _ in files },
        getY: { parentLabel($0) }, splitter: { _ in split },
        itemTfms: [Resize(ResNetArchitecture.courseInputSize)])
    return try dblock.dataloaders(folder, bs: 64, seed: seed)
}

/// `fineTune(epochs, baseLR:, freezeEpochs:)` of `arch`, pretrained or from random init, with `seed`
/// drawing the head (and body) initialisation, the shuffling and the dropout.
func transferRun(
    _ arch: ResNetArchitecture, pretrained: Bool, seed: UInt64, items: Int, epochs: Int, freezeEpochs: Int,
    baseLR: Double
) throws -> TransferRun {
    try Random.withSeed(seed) {
        let dls = try digitLoaders(items: items, subsetSeed: 1_000, seed: Random.deriveSeed(seed, "loaders"))
        let learn = try cnnLearner(dls, arch, metrics: errorRate, pretrained: pretrained)
        learn.showProgress = false
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try learn.fineTune(epochs, baseLR: baseLR, freezeEpochs: freezeEpochs)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let error = try learn.validate()[1]
        return TransferRun(
            arch: arch.name, pretrained: pretrained, seed: seed, errorRate: error, seconds: seconds,
            epochs: epochs + freezeEpochs)
    }
}

/// Mean and sample standard deviation.
func meanAndSpread(_ values: [Double]) -> (mean: Double, std: Double) {
    let mean = values.reduce(0, +) / Double(max(values.count, 1))
    guard values.count > 1 else { return (mean, 0) }
    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
    return (mean, variance.squareRoot())
}

func transfer(_ options: Options) throws {
    let archs = try options.list("archs", ["resnet18", "resnet34", "resnet50"]).map(architecture)
    let seeds = try options.list("seeds", ["1", "2", "3"]).map { text -> UInt64 in
        guard let seed = UInt64(text) else { throw TrainingError("--seeds needs whole numbers, got \(text)") }
        return seed
    }
    let items = try options.int("items", 1_000)
    let epochs = try options.int("epochs", 3)
    let freezeEpochs = try options.int("freeze-epochs", 1)
    let baseLR = try options.double("base-lr", 2e-3)
    // Random init for ResNet-18 always (the comparison); for every architecture with --random.
    let randomArchs = options.flags.contains("random") ? archs.map(\.name) : ["resnet18"]
    say(
        "transfer: \(items) training digits (subset seed 1000), 1,000 validation digits, 64×64 grey, "
            + "fineTune(\(epochs), baseLR: \(baseLR), freezeEpochs: \(freezeEpochs)), seeds \(seeds), "
            + "\(BLAS.threadCount) BLAS threads")
    var runs: [TransferRun] = []
    for arch in archs {
        for pretrained in [true, false] where pretrained || randomArchs.contains(arch.name) {
            for seed in seeds {
                let run = try transferRun(
                    arch, pretrained: pretrained, seed: seed, items: items, epochs: epochs,
                    freezeEpochs: freezeEpochs, baseLR: baseLR)
                runs.append(run)
                say(
                    "run arch=\(run.arch) init=\(pretrained ? "pretrained" : "random") seed=\(seed) "
                        + "error_rate=\(String(format: "%.4f", run.errorRate)) "
                        + "seconds=\(String(format: "%.1f", run.seconds)) "
                        + "seconds_per_epoch=\(String(format: "%.1f", run.seconds / Double(run.epochs)))")
            }
        }
    }
    say("summary (error rate: mean ± sample std over seeds [min, max]; time per epoch: mean)")
    for arch in archs {
        for pretrained in [true, false] {
            let group = runs.filter { $0.arch == arch.name && $0.pretrained == pretrained }
            guard !group.isEmpty else { continue }
            let errors = group.map(\.errorRate)
            let (mean, std) = meanAndSpread(errors)
            let perEpoch = group.map { $0.seconds / Double($0.epochs) }.reduce(0, +) / Double(group.count)
            say(
                "\(arch.name) \(pretrained ? "pretrained" : "random    ") parameters="
                    + "\(arch.parameterCount(inChannels: 1, nOut: 10)) error_rate="
                    + String(
                        format: "%.4f ± %.4f [%.4f, %.4f]", mean, std, errors.min() ?? 0, errors.max() ?? 0)
                    + " seconds_per_epoch=" + String(format: "%.1f", perEpoch) + " runs=\(group.count)")
        }
    }
}
