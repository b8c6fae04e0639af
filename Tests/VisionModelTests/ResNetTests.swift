import Testing
import _TestSupport

@testable import TensorCore
@testable import Training
@testable import Vision

/// Random `[count, channels, size, size]` images with labels `0..<classes`.
private func imageLoaders(
    count: Int = 32, channels: Int = 1, size: Int = 32, classes: Int = 3, bs: Int = 8
)
    -> DataLoaders
{
    let generator = Generator(seed: 7)
    let x = Tensor.normal([count, channels, size, size], generator: generator)
    let y = Tensor((0..<count).map { Float($0 % classes) })
    let dataset = TensorDataset(x: x, y: y, kinds: [.image, .category])
    return DataLoaders(
        train: dataset, valid: dataset, bs: bs, seed: 3, vocab: CategoryMap((0..<classes).map(String.init)))
}

/// A narrow ResNet-18 for fast tests.
private let tiny = ResNetArchitecture.resnet18.width(4)

/// Records each group's learning rate before every training batch.
private final class LRLog: Callback, @unchecked Sendable {
    let order = 65
    var rows: [[Double]] = []
    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        if event == .beforeBatch, learner.training, let opt = learner.opt {
            rows.append(opt.groups.map(\.hyper.lr))
        }
        return .proceed
    }
}

@Suite struct ResNetTests {
    /// torchvision's parameter counts (ImageNet models, 1000 classes) minus their `fc` layer
    /// (`512·1000 + 1000` or `2048·1000 + 1000`): the bodies at width 64.
    @Test(arguments: [
        (ResNetArchitecture.resnet18, 11_689_512 - 513_000),
        (ResNetArchitecture.resnet34, 21_797_672 - 513_000),
        (ResNetArchitecture.resnet50, 25_557_032 - 2_049_000),
    ])
    func torchvisionBodiesHaveTorchvisionsParameterCounts(arch: ResNetArchitecture, expected: Int) throws {
        let full = arch.width(64)
        #expect(full.bodyParameterCount(inChannels: 3) == expected)
        let body = try Random.withSeed(1) { try full.body(inChannels: 3) }
        #expect(body.parameters.reduce(0) { $0 + $1.value.count } == expected)
    }

    @Test(arguments: [ResNetArchitecture.resnet18, .resnet34, .resnet50])
    func courseModelsCountTheirParameters(arch: ResNetArchitecture) throws {
        let body = try Random.withSeed(2) { try arch.body(inChannels: 1) }
        let head = try createHead(arch.featureCount, 10)
        let counted = (body.parameters + head.parameters).reduce(0) { $0 + $1.value.count }
        #expect(counted == arch.parameterCount(inChannels: 1, nOut: 10))
        #expect(arch.featureCount == (arch.block == .basic ? 128 : 512))
    }

    @Test func bodyShapesFollowTheStages() throws {
        let body = try Random.withSeed(3) { try tiny.body(inChannels: 2) }
        #expect(body.count == 8)
        let out = body(Tensor.normal([2, 2, 64, 64]))
        // 64 → stem 32 → pool 16 → 16, 8, 4, 2; 8·width channels.
        #expect(out.shape == [2, 32, 2, 2])
        let bottleneck = try Random.withSeed(4) { try ResNetArchitecture.resnet50.width(2).body() }
        #expect(bottleneck(Tensor.normal([1, 3, 32, 32])).shape == [1, 64, 1, 1])
    }

    @Test func headHasFastaiLayout() throws {
        let head = try Random.withSeed(5) { try createHead(128, 7, yRange: -1...1) }
        let layers = head.layers
        #expect(layers.count == 10)
        #expect(layers[0] is AdaptiveConcatPool2d && layers[1] is Flatten)
        let bn1 = try #require(layers[2] as? BatchNorm)
        #expect(bn1.weight.shape == [256] && bn1.bias.value.scalars.allSatisfy { $0 == 1e-3 })
        #expect((layers[3] as? Dropout)?.p == 0.25)
        let linear1 = try #require(layers[4] as? Linear)
        #expect(linear1.weight.shape == [512, 256] && linear1.bias == nil)
        #expect(layers[5] is ReLU)
        #expect((layers[6] as? BatchNorm)?.weight.shape == [512])
        #expect((layers[7] as? Dropout)?.p == 0.5)
        let linear2 = try #require(layers[8] as? Linear)
        #expect(linear2.weight.shape == [7, 512] && linear2.bias == nil)
        let range = try #require(layers[9] as? SigmoidRange)
        #expect(range.low == -1 && range.high == 1)
        // Kaiming normal, fan-in, gain √2: the sample std of 131,072 weights is within 2% of √(2/256).
        let w = linear1.weight.value.scalars.map(Double.init)
        let std = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        #expect(isClose(std, (2.0 / 256).squareRoot(), relative: 0.02))
        #expect(try createHead(128, 7).layers.count == 9)
    }

    @Test func threeGroupsTrainAtSpreadLearningRates() throws {
        let learn = try Random.withSeed(6) {
            try makeCNNLearner(
                imageLoaders(), tiny, metrics: [], yRange: nil, lossFunc: nil, nOut: nil, ps: 0.5,
                concatPool: true,
                lr: 1e-3, wd: nil, pretrainedBody: nil)
        }
        learn.showProgress = false
        guard let model = learn.model as? Sequential, let body = model[0] as? Sequential else {
            Issue.record("cnnLearner's model is not Sequential(body, head)")
            return
        }
        #expect(learn.paramGroups.count == 3)
        #expect(
            learn.paramGroups[0].map(ObjectIdentifier.init)
                == body.layers[0..<6].flatMap(\.parameters).map(ObjectIdentifier.init))
        #expect(
            learn.paramGroups[1].map(ObjectIdentifier.init)
                == body.layers[6...].flatMap(\.parameters).map(ObjectIdentifier.init))
        #expect(
            learn.paramGroups[2].map(ObjectIdentifier.init) == model[1].parameters.map(ObjectIdentifier.init))
        #expect((model[1] as? Sequential)?.layers.last is Linear)
        let allTrain = learn.paramGroups.joined().allSatisfy { $0.requiresGrad }
        #expect(allTrain)
        let log = LRLog()
        try learn.fitOneCycle(1, lrMax: 1e-6...1e-4, cbs: [log])
        #expect(!log.rows.isEmpty)
        // slice(1e-6, 1e-4) over three groups: 1e-6, 1e-5, 1e-4 (geometric), scheduled alike.
        #expect(
            try (1e-6...1e-4).rates(groups: 3).enumerated().allSatisfy {
                isClose($1, [1e-6, 1e-5, 1e-4][$0], relative: 1e-9)
            })
        for row in log.rows {
            #expect(
                isClose(row[1] / row[0], 10, relative: 1e-9) && isClose(row[2] / row[1], 10, relative: 1e-9))
        }
        let peak = log.rows.map { $0[2] }.max() ?? 0
        #expect(peak <= 1e-4 && peak > 1e-4 / 25)
    }

    @Test func pretrainedLearnersStartFrozenAndKeepTheirBodies() throws {
        let learn = try Random.withSeed(8) {
            try makeCNNLearner(
                imageLoaders(), tiny, metrics: [], yRange: nil, lossFunc: nil, nOut: nil, ps: 0.5,
                concatPool: true,
                lr: 1e-2, wd: nil, pretrainedBody: { _ in fashionMNISTStats })
        }
        learn.showProgress = false
        guard let model = learn.model as? Sequential, let body = model[0] as? Sequential else {
            Issue.record("cnnLearner's model is not Sequential(body, head)")
            return
        }
        let norms = Set(body.normalizationParameters.map(ObjectIdentifier.init))
        let frozen = learn.paramGroups[0...1].flatMap { $0 }.filter { !norms.contains(ObjectIdentifier($0)) }
        let normParameters = learn.paramGroups[0...1].flatMap { $0 }.filter {
            norms.contains(ObjectIdentifier($0))
        }
        #expect(!frozen.isEmpty && frozen.allSatisfy { !$0.requiresGrad })
        let normsTrain = normParameters.allSatisfy { $0.requiresGrad }
        #expect(normsTrain)
        let before = frozen.map(\.value.scalars)
        let normsBefore = normParameters.map(\.value.scalars)
        let stem = try #require(body[1] as? BatchNorm)
        let statsBefore = stem.runningMean.scalars
        let headBefore = model[1].parameters.map(\.value.scalars)
        try learn.fitOneCycle(1, lrMax: 1e-2)
        #expect(frozen.map(\.value.scalars) == before)
        #expect(normParameters.map(\.value.scalars) != normsBefore)
        #expect(stem.runningMean.scalars != statsBefore)
        #expect(model[1].parameters.map(\.value.scalars) != headBefore)
        learn.unfreeze()
        let allTrain = learn.paramGroups.joined().allSatisfy { $0.requiresGrad }
        #expect(allTrain)
    }

    @Test func badRequestsThrowTypedErrors() throws {
        #expect(throws: VisionModelError.invalidChannels(0)) { try tiny.body(inChannels: 0) }
        #expect(throws: VisionModelError.inputTooSmall(size: 16, minimum: 32)) {
            try cnnLearner(imageLoaders(size: 16), tiny, pretrained: false)
        }
        // No pretrained body of width 4 exists: the error names the file to make.
        #expect {
            try cnnLearner(imageLoaders(), tiny)
        } throws: { error in
            guard case .missingPretrainedWeights(let name, let file) = error as? VisionModelError else {
                return false
            }
            return name == "resnet18(width: 4)"
                && (file.hasSuffix("resnet18-w4.khw") || file.hasSuffix("manifest.json"))
        }
        #expect(throws: VisionModelError.invalidOutputCount(0)) {
            try cnnLearner(imageLoaders(), tiny, pretrained: false, nOut: 0)
        }
        #expect(throws: VisionModelError.invalidDropout(1)) { try createHead(8, 2, ps: 1) }
        let regression = try cnnLearner(
            imageLoaders(), tiny, yRange: 0...1, pretrained: false, lossFunc: MSELossFlat(), nOut: 2)
        #expect(regression.lossFunc is MSELossFlat)
        #expect(
            (regression.model as? Sequential).flatMap { ($0[1] as? Sequential)?.layers.last } is SigmoidRange)
    }

    @Test func profileMeasuresAStep() throws {
        let profile = try tiny.profile(batchSize: 4, inputSize: 32, inChannels: 1, nOut: 3, steps: 1)
        #expect(profile.parameterCount == tiny.parameterCount(inChannels: 1, nOut: 3))
        #expect(profile.peakStepBytes > 4 * 16 * 16 * 4 * 4)  // at least the stem's activations
        #expect(profile.secondsPerStep > 0)
        #expect(isClose(profile.secondsPerEpoch(items: 10), profile.secondsPerStep * 3, relative: 1e-12))
    }
}

/// A ResNet's layers check what they are given, so a wrong image fails with its shape, not a trap.
@Suite struct CheckedResNetLayerTests {
    @Test func blocksAndPoolsNameTheShapeTheyTake() throws {
        #expect(throws: TensorError.self) {
            try ResidualBlock.basic(2, 2, stride: 1).forward(Variable(Tensor.ones([1, 3, 4, 4])))
        }
        #expect(
            throws: TensorError(
                .shapeMismatch,
                "MaxPool2d takes [N, C, H, W] feature maps of at least 3×3 with padding 0, not [1, 1, 2, 2]")
        ) { try MaxPool2d(kernelSize: 3).forward(Variable(Tensor.ones([1, 1, 2, 2]))) }
        #expect(throws: TensorError.self) { try AdaptiveAvgPool2d().forward(Variable(Tensor.ones([2, 3]))) }
        let block = ResidualBlock.basic(2, 2, stride: 1)
        block.eval()
        let x = Variable(Tensor.randn([1, 2, 4, 4]))
        #expect(try block.forward(x).value == block(x).value)
    }
}
