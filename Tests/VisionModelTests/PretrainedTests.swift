import Foundation
import Testing
import _TestSupport

@testable import TensorCore
@testable import Training
@testable import Vision

/// A narrow ResNet-18 whose pretrained file is small.
private let tiny = ResNetArchitecture.resnet18.width(4)

/// A fresh temporary folder.
private func scratchFolder() throws -> Path {
    let folder = Path(FileManager.default.temporaryDirectory.path) / "khru-pretrained-\(UUID().uuidString)"
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    return folder
}

/// A record with the recipe's fields filled in (file, size and checksum are set by `save`).
private func record(_ arch: ResNetArchitecture) -> PretrainedBodyRecord {
    PretrainedBodyRecord(
        architecture: arch.name, width: arch.width, inChannels: 1, inputSize: 32, file: "", sha256: "",
        bytes: 0, parameterCount: arch.bodyParameterCount(inChannels: 1), data: "test", trainImages: 1,
        testImages: 1, epochs: 1, batchSize: 1, lrMax: 1e-3, seed: 1, testAccuracy: 0.5, mean: [0.25],
        std: [0.5], seconds: 0, command: "test")
}

/// A tiny body with non-default batch-norm statistics, saved as the pretrained `tiny` in a new folder.
private func savedBody() throws -> (folder: Path, body: Sequential) {
    let folder = try scratchFolder()
    let body = try Random.withSeed(11) { try tiny.body(inChannels: 1) }
    for (index, (_, norm)) in batchNormLayers(body).enumerated() {
        norm.runningMean = Tensor(
            shape: norm.runningMean.shape, scalars: norm.runningMean.scalars.map { _ in Float(index) / 7 })
        norm.runningVar = Tensor(
            shape: norm.runningVar.shape, scalars: norm.runningVar.scalars.map { _ in 1 + Float(index) / 3 })
    }
    try PretrainedBodies.save(body, record: record(tiny), arch: tiny, folder: folder)
    return (folder, body)
}

/// Random `[count, channels, 32, 32]` images with labels `0..<3`.
private func imageLoaders(channels: Int = 1, batchTfms: [any BatchTransform] = []) -> DataLoaders {
    let generator = Generator(seed: 7)
    let x = Tensor.uniform([16, channels, 32, 32], low: 0, high: 1, generator: generator)
    let y = Tensor((0..<16).map { Float($0 % 3) })
    let dataset = TensorDataset(x: x, y: y, kinds: [.image, .category])
    return DataLoaders(
        train: dataset, valid: dataset, bs: 8, seed: 3, batchTfms: batchTfms,
        vocab: CategoryMap(["0", "1", "2"]))
}

private func normalizeCount(_ loader: DataLoader) -> Int { loader.batchTfms.filter { $0 is Normalize }.count }

@Suite struct PretrainedTests {
    @Test func halfPrecisionMatchesFloat16OnEveryBitPattern() {
        #if arch(x86_64) || arch(arm64)
            for bits in 0...UInt16.max {
                let reference = Float(Float16(bitPattern: bits))
                let ours = BodyWeights.floatFromHalf(bits)
                if reference.isNaN {
                    #expect(ours.isNaN)
                } else {
                    #expect(ours.bitPattern == reference.bitPattern)
                    #expect(BodyWeights.halfBits(ours) == bits)
                }
            }
            // Rounding to nearest-even, subnormals, overflow: against Float16's own conversion.
            let generator = Generator(seed: 5)
            var samples: [Float] = [0x1p-25, 0x1.8p-25, 0x1p-24, 65504, 65520, 1e10, 0x1.002p0, 0x1.006p0]
            for _ in 0..<20_000 {
                samples.append(Float(bitPattern: UInt32(truncatingIfNeeded: generator.nextUInt64())))
            }
            for value in samples where !value.isNaN {
                #expect(BodyWeights.halfBits(value) == Float16(value).bitPattern, "\(value)")
            }
        #endif
    }

    @Test func weightsRoundTripThroughTheFile() throws {
        let (folder, body) = try savedBody()
        let fresh = try Random.withSeed(99) { try tiny.body(inChannels: 1) }
        #expect(fresh.parameters.map(\.value.scalars) != body.parameters.map(\.value.scalars))
        let loaded = try PretrainedBodies.load(tiny, into: fresh, folder: folder)
        #expect(loaded.file == "resnet18-w4.khw" && loaded.stats.mean == [0.25])
        for (a, b) in zip(fresh.parameters, body.parameters) {
            #expect(a.value.scalars == BodyWeights.roundedToHalf(b.value).scalars)
        }
        for (a, b) in zip(batchNormLayers(fresh), batchNormLayers(body)) {
            #expect(a.norm.runningMean.scalars == b.norm.runningMean.scalars)
            #expect(a.norm.runningVar.scalars == b.norm.runningVar.scalars)
        }
        let file = try #require(FileManager.default.contents(atPath: (folder / loaded.file).string))
        #expect(
            file.count == loaded.bytes && file.count < 2 * tiny.bodyParameterCount(inChannels: 1) + 20_000)
    }

    @Test func aDamagedFileFailsWithItsChecksum() throws {
        let (folder, _) = try savedBody()
        let path = folder / "resnet18-w4.khw"
        var bytes = try #require(FileManager.default.contents(atPath: path.string))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: path.url)
        let expected = try PretrainedBodies.record(for: tiny, in: folder).sha256
        let fresh = try Random.withSeed(12) { try tiny.body(inChannels: 1) }
        let before = fresh.parameters.map(\.value.scalars)
        #expect {
            try PretrainedBodies.load(tiny, into: fresh, folder: folder)
        } throws: { error in
            guard
                case .pretrainedChecksumMismatch(let file, let wanted, let actual) = error
                    as? VisionModelError
            else { return false }
            let message = "\(error)"
            return file == path.string && wanted == expected && actual != expected
                && message.contains(path.string)
                && message.contains("make pretrain")
        }
        #expect(fresh.parameters.map(\.value.scalars) == before)
    }

    @Test func missingFilesNameTheFileAndMakePretrain() throws {
        let (folder, _) = try savedBody()
        try FileManager.default.removeItem(at: (folder / "resnet18-w4.khw").url)
        let body = try Random.withSeed(13) { try tiny.body(inChannels: 1) }
        #expect(
            throws: VisionModelError.missingPretrainedWeights(
                architecture: "resnet18(width: 4)", file: (folder / "resnet18-w4.khw").string)
        ) { try PretrainedBodies.load(tiny, into: body, folder: folder) }
        let empty = try scratchFolder()
        let error = VisionModelError.missingPretrainedWeights(
            architecture: "resnet18(width: 4)", file: (empty / "manifest.json").string)
        #expect(throws: error) { try PretrainedBodies.load(tiny, into: body, folder: empty) }
        #expect(
            error.description.contains("make pretrain") && error.description.contains("pretrained: false"))
        // An architecture the manifest does not list: the file `make pretrain` would write.
        let other = ResNetArchitecture.resnet34.width(4)
        #expect(
            throws: VisionModelError.missingPretrainedWeights(
                architecture: "resnet34(width: 4)", file: (folder / "resnet34-w4.khw").string)
        ) { try PretrainedBodies.load(other, into: try other.body(inChannels: 1), folder: folder) }
    }

    @Test func aBodyThatDoesNotFitIsRefused() throws {
        let (folder, _) = try savedBody()
        let wider = try Random.withSeed(14) { try ResNetArchitecture.resnet18.width(8).body(inChannels: 1) }
        #expect {
            try PretrainedBodies.load(tiny, into: wider, folder: folder)
        } throws: { error in
            if case .badPretrainedWeights = error as? VisionModelError { return true }
            return false
        }
    }

    @Test func threeChannelBodiesSeeGreyImagesAsThePretrainedOne() throws {
        let (folder, _) = try savedBody()
        let grey = try Random.withSeed(15) { try tiny.body(inChannels: 1) }
        let rgb = try Random.withSeed(16) { try tiny.body(inChannels: 3) }
        try PretrainedBodies.load(tiny, into: grey, folder: folder)
        try PretrainedBodies.load(tiny, into: rgb, folder: folder)
        grey.train(false)
        rgb.train(false)
        let image = Tensor.uniform([2, 1, 32, 32], low: 0, high: 1, generator: Generator(seed: 2))
        let repeated = Tensor.concat([image, image, image], axis: 1)
        let a = withNoGrad { grey(image).value.scalars }
        let b = withNoGrad { rgb(repeated).value.scalars }
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    }

    @Test func pretrainedLearnersLoadFreezeAndNormalizeOnce() throws {
        let (folder, saved) = try savedBody()
        func learner(_ dls: DataLoaders, pretrained: Bool) throws -> AnyLearner {
            try Random.withSeed(17) {
                try makeCNNLearner(
                    dls, tiny, metrics: [], yRange: nil, lossFunc: nil, nOut: nil, ps: 0.5, concatPool: true,
                    lr: 1e-3, wd: nil,
                    pretrainedBody: pretrained
                        ? { body in try PretrainedBodies.load(tiny, into: body, folder: folder).stats } : nil)
            }
        }
        let dls = imageLoaders()
        let learn = try learner(dls, pretrained: true)
        // The body is the saved one, frozen but for its batch norms; the head trains.
        let body = try #require((learn.model as? Sequential)?[0] as? Sequential)
        #expect(
            body.parameters.map(\.value.scalars)
                == saved.parameters.map { BodyWeights.roundedToHalf($0.value).scalars })
        let norms = Set(body.normalizationParameters.map(ObjectIdentifier.init))
        #expect(body.parameters.allSatisfy { $0.requiresGrad == norms.contains(ObjectIdentifier($0)) })
        let headTrains = learn.paramGroups[2].allSatisfy { $0.requiresGrad }
        #expect(headTrains)
        // Normalize with the pretraining statistics, added once to both loaders; the caller's data unchanged.
        #expect(normalizeCount(learn.dls.train) == 1 && normalizeCount(learn.dls.valid) == 1)
        let added = try #require(learn.dls.train.batchTfms.last as? Normalize)
        #expect(added.mean == [0.25] && added.std == [0.5])
        #expect(normalizeCount(dls.train) == 0 && normalizeCount(dls.valid) == 0)
        #expect(
            learn.dls.train.seed == dls.train.seed && learn.dls.vocab == dls.vocab && learn.dls.c == dls.c)
        let x = try dls.valid.oneBatch().xs[0]
        let normalized = try learn.dls.valid.oneBatch().xs[0]
        #expect(zip(x.scalars, normalized.scalars).allSatisfy { abs(($0 - 0.25) / 0.5 - $1) < 1e-6 })
        // Data that has a Normalize keeps it alone; a random-init learner adds none.
        let own = imageLoaders(batchTfms: [Normalize.fromStats([0.1], [0.2])])
        let kept = try learner(own, pretrained: true)
        #expect(
            normalizeCount(kept.dls.train) == 1
                && (kept.dls.train.batchTfms.last as? Normalize)?.mean == [0.1])
        let random = try learner(dls, pretrained: false)
        #expect(normalizeCount(random.dls.train) == 0)
        let allTrain = random.paramGroups.joined().allSatisfy { $0.requiresGrad }
        #expect(allTrain)
    }

    /// The bodies committed under lessons/data/models: each loads (its checksum holds) into a body of the
    /// course's architecture for 1 and 3 channels, and the manifest says how it was made.
    @Test(arguments: [ResNetArchitecture.resnet18, .resnet34, .resnet50])
    func committedBodiesLoad(arch: ResNetArchitecture) throws {
        let checkout = Path(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().path)
        let folder = checkout / "lessons" / "data" / "models"
        let record = try PretrainedBodies.record(for: arch, in: folder)
        #expect(record.file == "\(arch.name).khw" && record.inChannels == 1 && record.inputSize == 64)
        #expect(record.parameterCount == arch.bodyParameterCount(inChannels: 1))
        #expect(
            record.bytes <= 8 << 20 && record.testAccuracy > 0.8 && record.command.contains("make pretrain"))
        #expect(record.stats.mean == fashionMNISTStats.mean && record.stats.std == fashionMNISTStats.std)
        for channels in [1, 3] {
            let body = try Random.withSeed(18) { try arch.body(inChannels: channels) }
            try PretrainedBodies.load(arch, into: body, folder: folder)
        }
    }

    @Test func imagenetStatsAreThePretrainingSets() {
        #expect(imagenetStats.mean == fashionMNISTStats.mean && imagenetStats.std == fashionMNISTStats.std)
        #expect(ilsvrcStats.mean == [0.485, 0.456, 0.406] && ilsvrcStats.std == [0.229, 0.224, 0.225])
    }

    @Test func theModelsFolderIsTheCheckoutsUnlessConfigured() {
        let checkout = Path(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().path)
        #expect(
            PretrainedBodies.defaultFolder(
                environment: ["KHRU_DATA": "/elsewhere"], currentDirectory: checkout)
                == checkout / "lessons" / "data" / "models")
        #expect(
            PretrainedBodies.defaultFolder(environment: ["KHRU_MODELS": "/m"], currentDirectory: checkout)
                == Path("/m"))
    }
}
