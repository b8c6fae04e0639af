import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Training

/// fastbook's `DotProductBias`, written here as a lesson would write it (parameters found by reflection).
private final class DotProductBias: Module, @unchecked Sendable {
    let userFactors: Embedding
    let userBias: Embedding
    let movieFactors: Embedding
    let movieBias: Embedding

    init(_ nUsers: Int, _ nMovies: Int, _ nFactors: Int) {
        userFactors = Embedding(nUsers, nFactors)
        userBias = Embedding(nUsers, 1)
        movieFactors = Embedding(nMovies, nFactors)
        movieBias = Embedding(nMovies, 1)
    }

    func callAsFunction(_ x: Variable) -> Variable {
        let dot = (userFactors(x[..., 0]) * movieFactors(x[..., 1])).sum(axis: 1, keepDims: true)
        return sigmoidRange(dot + userBias(x[..., 0]) + movieBias(x[..., 1]), 0, 5.5)
    }
}

private func loaders(_ x: Tensor, _ y: Tensor) -> DataLoaders {
    DataLoaders(
        train: TensorDataset(x: x[0..<160], y: y[0..<160]),
        valid: TensorDataset(x: x[160..<200], y: y[160..<200]),
        bs: 64)
}

@Suite struct SummaryTests {
    @Test func layersShapesAndCountsAreFastais() throws {
        let x = Tensor.normal([200, 2], generator: Generator(seed: 1))
        let y = Tensor.normal([200, 1], generator: Generator(seed: 2))
        let model = Sequential(Linear(2, 3), ReLU(), Linear(3, 3), Linear(3, 1))
        let text = try Learner(loaders(x, y), model, lossFunc: MSELossFlat()).summary()
        #expect(text.hasPrefix(FastaiSummaries.sequential))
        #expect(
            text.dropFirst(FastaiSummaries.sequential.count)
                == "Optimizer used: Adam\nLoss function: MSELossFlat\n\nCallbacks:\n  - Recorder\n  - ProgressCallback"
        )
    }

    @Test func aModelWithEmbeddingsIsSectionedByShape() throws {
        let ids = Tensor(
            shape: [200, 2], scalars: (0..<200).flatMap { [Float($0 % 10), Float($0 % 7)] })
        let ratings = Tensor.uniform([200, 1], low: 0, high: 5, generator: Generator(seed: 3))
        let learn = Learner(loaders(ids, ratings), DotProductBias(10, 7, 5), lossFunc: MSELossFlat())
        try learn.fit(1)
        let text = try learn.summary()
        #expect(text.hasPrefix(FastaiSummaries.dotProductBias))
        // After a fit the optimizer exists, and fastai says whether the model is frozen.
        #expect(text.contains("Loss function: MSELossFlat\n\nModel unfrozen\n\nCallbacks:"))
    }

    @Test func frozenGroupsAndRawParametersAreCounted() throws {
        final class Scaled: Module, @unchecked Sendable {
            let body = Linear(2, 3)
            let head = Linear(3, 1)
            let scale = Parameter(Tensor.ones([1]))
            func callAsFunction(_ x: Variable) -> Variable { head(body(x)) * scale }
        }
        let x = Tensor.normal([200, 2], generator: Generator(seed: 1))
        let model = Scaled()
        let learn = Learner(
            loaders(x, try x[..., 0].unsqueeze(1)), model, lossFunc: MSELossFlat(),
            splitter: { _ in [model.body.parameters, model.head.parameters + [model.scale]] })
        learn.freeze()
        let text = try learn.summary()
        // Every parameter counts, the raw scale too (fastai's summary leaves raw parameters out).
        #expect(text.contains("Total params: 14\nTotal trainable params: 5\nTotal non-trainable params: 9\n"))
        #expect(text.contains("Linear                                    9          False"))
        #expect(text.contains("\nModel frozen up to parameter group #1\n"))
        learn.unfreeze()
        #expect(try learn.summary().contains("\nModel unfrozen\n"))
        // The summary leaves the model in the mode it found it in.
        #expect(model.body.isTraining)
    }

    /// PyTorch's names for batch norm follow the input: `BatchNorm2d` on maps, `BatchNorm1d` on features.
    @Test func batchNormIsNamedByItsInput() throws {
        let x = Tensor.normal([200, 1, 4, 4], generator: Generator(seed: 1))
        let model = Sequential(
            Conv2d(1, 2, kernelSize: 3), BatchNorm2d(2), ReLU(), Flatten(), BatchNorm1d(8), Linear(8, 1))
        let text = try Learner(loaders(x, Tensor.zeros([200, 1])), model, lossFunc: MSELossFlat()).summary()
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(
            Array(rows.drop { $0 != "Conv2d" }.prefix(8)) == [
                "Conv2d", "BatchNorm2d", "ReLU",
                "____________________________________________________________________________",
                "64", "Flatten", "BatchNorm1d",
                "____________________________________________________________________________",
            ])
        #expect(text.hasPrefix("Sequential (Input shape: 64 x 1 x 4 x 4)\n"))
        #expect(text.contains("                     64 x 2 x 2 x 2      \nConv2d"))
    }

    @Test func savedModelsLoadBackUnderPathAndModelDir() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("khru-save-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let x = Tensor.normal([200, 2], generator: Generator(seed: 1))
        let learn = Learner(loaders(x, try x[..., 1].unsqueeze(1)), Linear(2, 1), lossFunc: MSELossFlat())
        learn.path = Path(folder.path)
        try learn.fit(1)
        let file = try learn.save("stage-1")
        #expect(file == Path(folder.path) / "models" / "stage-1.pth")
        #expect(file.exists)
        let trained = learn.model.weight.value
        learn.model.weight.value = Tensor.zeros([1, 2])
        try learn.load("stage-1")
        #expect(learn.model.weight.value == trained)
        #expect(throws: TrainingError.self) { try learn.load("stage-2") }
        #expect(throws: TrainingError.self) { try learn.save("../outside") }
    }
}
