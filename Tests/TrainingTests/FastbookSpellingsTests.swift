import TensorCore
import Testing

@testable import Training

/// fastbook chapter 5's losses outside training and the batch and vocabulary spellings (#26); expected
/// values are PyTorch 2.13's for the same inputs (bench venv).
@Suite struct FastbookSpellingsTests {
    static let acts = Tensor(shape: [3, 2], scalars: [0.6, -1.2, 2.0, 0.5, -0.3, 0.1])
    static let targ = Tensor(shape: [3], scalars: [0, 1, 1])

    @Test func crossEntropyLossFlatReductions() throws {
        // nn.CrossEntropyLoss(reduction='none'|'sum'|'mean')(acts, targ)
        let none = try CrossEntropyLossFlat(reduction: .none)(Self.acts, Self.targ)
        #expect(none.shape == [3])
        for (got, want) in zip(none.scalars, [0.15297766, 1.70141339, 0.51301527] as [Float]) {
            #expect(abs(got - want) < 1e-5)
        }
        #expect(
            abs(try CrossEntropyLossFlat(reduction: .sum)(Self.acts, Self.targ).item() - 2.36740637) < 1e-5)
        #expect(abs(try CrossEntropyLossFlat()(Self.acts, Self.targ).item() - 0.78913546) < 1e-5)
        // A target out of the classes is an error, not a trap.
        #expect(throws: (any Error).self) {
            try CrossEntropyLossFlat()(Self.acts, Tensor(shape: [3], scalars: [0, 5, 1]))
        }
    }

    @Test func vocabularyByIndicesAndBatchesAsPairs() throws {
        let vocab = CategoryMap(["dog", "cat", "bird"])
        // Sorted: bird, cat, dog; torch.where of a one-hot [0, 1, 1] gives [1, 2].
        #expect(try vocab[Tensor.where(Tensor(shape: [3], scalars: [0, 1, 1]))[0]] == ["cat", "dog"])
        #expect(throws: TrainingError.self) { try vocab[Tensor(shape: [1], scalars: [3])] }
        #expect(throws: TrainingError.self) { try vocab[Tensor(shape: [1], scalars: [0.5])] }
        let (x, y) = try toCPU(Batch(xs: [Self.acts], ys: [Self.targ]))
        #expect(x == Self.acts && y == Self.targ)
        #expect(throws: TrainingError.self) { try toCPU(Batch(xs: [Self.acts, Self.acts], ys: [Self.targ])) }
    }

    @Test func eachLoaderKnowsTheLoss() {
        let data = TensorDataset(x: Tensor.zeros([8, 2]), y: Tensor.zeros([8, 1]))
        let dls = DataLoaders(train: data, valid: data, bs: 4, lossFunc: MSELossFlat())
        #expect(dls.train.lossFunc is MSELossFlat && dls.valid.lossFunc is MSELossFlat)
        #expect(dls.addingBatchTfms([]).train.lossFunc is MSELossFlat)
        #expect(DataLoaders(train: data, valid: data).train.lossFunc == nil)
    }
}
