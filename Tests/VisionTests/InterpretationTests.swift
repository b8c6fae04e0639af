import Foundation
import Plotting
import TensorCore
import Testing
import Training

@testable import Vision

/// A learner whose model passes its input through: the inputs are the logits, so every prediction,
/// loss and confusion is known by hand.
private func logitLearner(_ logits: [[Float]], targets: [Int], vocab: [String]) -> AnyLearner {
    let x = Tensor(shape: [logits.count, vocab.count], scalars: logits.flatMap { $0 })
    let y = Tensor(targets.map(Float.init))
    let dataset = TensorDataset(x: x, y: y, kinds: [.tensor, .category])
    let dls = DataLoaders(train: dataset, valid: dataset, bs: 4, seed: 1, vocab: CategoryMap(vocab))
    let learn = Learner(dls, Lambda { $0 }, lossFunc: CrossEntropyLossFlat())
    learn.showProgress = false
    return learn
}

/// PNGs of `size`×`size` grey squares in `train|valid/<label>/`, brighter for higher labels.
private func squareImages(labels: [String], perLabel: Int, size: Int = 12) throws -> Path {
    let folder = try temporaryFolder()
    for split in ["train", "valid"] {
        for (index, label) in labels.enumerated() {
            try FileManager.default.createDirectory(
                at: (folder / split / label).url, withIntermediateDirectories: true)
            for item in 0..<perLabel {
                let level = UInt8(40 + 80 * index + 7 * item)
                let bytes = (0..<(size * size)).map { UInt8(truncatingIfNeeded: Int(level) + $0 % 5) }
                try Image(width: size, height: size, mode: .grey, bytes: bytes)
                    .save(folder / split / label / "\(item).png")
            }
        }
    }
    return folder
}

struct InterpretationTests {
    // Targets and argmax of the logits, by hand:
    //   item: 0 1 2 3 4 5 6 7 8
    //   true: a a a b b b c c c
    //   pred: a b b b a b a c b
    // confusion (rows actual a, b, c; columns predicted): [[1, 2, 0], [1, 2, 0], [1, 1, 1]]
    let logits: [[Float]] = [
        [3, 0, 0], [0, 2, 0], [0, 1, 0], [0, 4, 0], [1, 0, 0], [0, 1, 0.5], [2, 0, 1], [0, 0, 1], [0, 3, 0],
    ]
    let targets = [0, 0, 0, 1, 1, 1, 2, 2, 2]

    @Test func confusionMatrixAndMostConfusedAreTheHandCountedOnes() throws {
        let interp = try ClassificationInterpretation.fromLearner(
            logitLearner(logits, targets: targets, vocab: ["a", "b", "c"]))
        #expect(interp.decoded.scalars == [0, 1, 1, 1, 0, 1, 0, 2, 1])
        #expect(interp.confusionMatrix() == [[1, 2, 0], [1, 2, 0], [1, 1, 1]])
        // Off the diagonal: (a, b) 2, then the ones in row-major order.
        #expect(
            interp.mostConfused() == [
                ConfusedPair(actual: "a", predicted: "b", count: 2),
                ConfusedPair(actual: "b", predicted: "a", count: 1),
                ConfusedPair(actual: "c", predicted: "a", count: 1),
                ConfusedPair(actual: "c", predicted: "b", count: 1),
            ])
        #expect(interp.mostConfused(minVal: 2).map(\.description) == ["('a', 'b', 2)"])
        #expect(interp.mostConfused(minVal: 3).isEmpty)
    }

    @Test func lossesAreEachItemsCrossEntropy() throws {
        let interp = try ClassificationInterpretation.fromLearner(
            logitLearner(logits, targets: targets, vocab: ["a", "b", "c"]))
        for (index, row) in logits.enumerated() {
            let logSum = log(row.map { exp(Double($0)) }.reduce(0, +))
            let expected = logSum - Double(row[targets[index]])
            #expect(abs(Double(interp.losses.scalars[index]) - expected) < 1e-5)
            #expect(abs(Double(interp.preds.scalars[index * 3 + targets[index]]) - exp(-expected)) < 1e-5)
        }
        // By hand: item 8 (c, logits [0, 3, 0]) loses 3.095, item 1 (a, [0, 2, 0]) 2.240, items 2 and 4
        // 1.551 each; the smallest are item 3 (0.036) and item 0 (0.095).
        let (top, idxs) = interp.topLosses(3)
        #expect(idxs == [8, 1, 2] || idxs == [8, 1, 4])
        #expect(abs(top[0] - 3.0949) < 1e-3 && abs(top[1] - 2.2395) < 1e-3 && abs(top[2] - 1.5514) < 1e-3)
        #expect(top == top.sorted(by: >) && top[0] == Double(interp.losses.scalars[8]))
        #expect(interp.topLosses(2, largest: false).idxs == [3, 0])
    }

    @Test func notAClassifierIsATypedError() throws {
        let dataset = TensorDataset(
            x: Tensor.zeros([4, 2]), y: Tensor.zeros([4, 2]), kinds: [.tensor, .regression])
        let learn = Learner(DataLoaders(train: dataset, valid: dataset, bs: 2, seed: 1), Lambda { $0 })
        #expect(throws: VisionError.self) { try ClassificationInterpretation.fromLearner(learn) }
    }

    @Test func imagePlotsShowPredictionsAndPredictAcceptsFiles() throws {
        let folder = try squareImages(labels: ["0", "1", "2"], perLabel: 4)
        let dblock = DataBlock<Path, Path>(
            blocks: [ImageBlock(cls: .grey), CategoryBlock()], getItems: { try getImageFiles($0) },
            getY: { parentLabel($0) }, splitter: GrandparentSplitter(), itemTfms: [Resize(32)])
        let dls = try dblock.dataloaders(folder, bs: 4, seed: 2)
        let learn = try Random.withSeed(3) {
            try cnnLearner(dls, ResNetArchitecture.resnet18.width(4), metrics: errorRate, pretrained: false)
        }
        learn.showProgress = false
        try learn.fit(1, lr: 1e-3)
        let interp = try ClassificationInterpretation.fromLearner(learn)
        #expect(interp.confusionMatrix().joined().reduce(0, +) == 12)
        let top = try interp.plotTopLosses(4)
        #expect(top.png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && top.width > 0)
        #expect(try interp.plotConfusionMatrix().png.count > 100)
        #expect(throws: VisionError.self) { try interp.plotTopLosses(0) }
        #expect(try learn.showResults(maxN: 4).png.count > 100)
        // predict(path) runs the validation pipeline: the same probabilities as getPreds for that item.
        let (preds, _) = try learn.getPreds()
        let files = try #require(dls.validDS as? DatasetSubset).items.compactMap { $0 as? Path }
        let prediction = try learn.predict(files[5])
        let row = Array(preds.scalars[15..<18])
        #expect(zip(prediction.probs.scalars, row).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(prediction.label == learn.dls.vocab?[Int(prediction.decoded.scalars[0])])
        let image = try loadImage(files[5])
        #expect(try learn.predict(image).probs.scalars == prediction.probs.scalars)
    }

    @Test func showResultsDrawsPointsAndMultiLabels() throws {
        let generator = Generator(seed: 4)
        let images = Tensor.uniform([6, 1, 32, 32], low: 0, high: 255, generator: generator)
        let points = Tensor.uniform([6, 1, 2], low: -0.5, high: 0.5, generator: generator)
        let pointData = TensorDataset(x: images, y: points, kinds: [.image, .point])
        let pointLoaders = DataLoaders(
            train: pointData, valid: pointData, bs: 3, seed: 1, batchTfms: [IntToFloatTensor()], c: 2,
            lossFunc: MSELossFlat())
        let pointLearner = try Random.withSeed(5) {
            try cnnLearner(
                pointLoaders, ResNetArchitecture.resnet18.width(4), yRange: -1...1, pretrained: false)
        }
        let chart = try pointLearner.showResults(maxN: 4)
        #expect(chart.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let labels = Tensor(shape: [6, 3], scalars: (0..<18).map { Float(($0 * 7) % 3 == 0 ? 1 : 0) })
        let multi = TensorDataset(x: images, y: labels, kinds: [.image, .multiCategory])
        let multiLoaders = DataLoaders(
            train: multi, valid: multi, bs: 3, seed: 1, batchTfms: [IntToFloatTensor()],
            vocab: CategoryMap(["cat", "dog", "person"]), c: 3, lossFunc: BCEWithLogitsLossFlat())
        let multiLearner = try Random.withSeed(6) {
            try cnnLearner(multiLoaders, ResNetArchitecture.resnet18.width(4), pretrained: false)
        }
        #expect(try multiLearner.showResults().png.count > 100)
        #expect(throws: VisionError.self) { try multiLearner.showResults(maxN: 0) }
    }
}
