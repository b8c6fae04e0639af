import Testing

@testable import TensorCore

/// PyTorch's `torch.where` with three and one arguments and `t.normal_`; expected values are PyTorch
/// 2.13's for the same inputs (bench venv).
@Suite struct TorchSpellingsTests {
    @Test func whereWithThreeArgumentsBroadcasts() throws {
        // torch.where(c > 0, tensor([[1., 2., 3.], [4., 5., 6.]]), tensor(-1.)) → [[-1, 2, -1], [4, -1, 6]]
        let condition = Tensor(shape: [2, 3], scalars: [0, 1, 0, 2, 0, 3]) .> 0
        let input = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let result = try Tensor.where(condition, input, Tensor(shape: [], scalars: [-1]))
        #expect(result.shape == [2, 3] && result.scalars == [-1, 2, -1, 4, -1, 6])
        #expect(throws: TensorError.self) {
            try Tensor.where(Tensor(shape: [2], scalars: [1, 0]), input, input)
        }
    }

    @Test func whereWithOneArgumentGivesTheIndicesPerAxis() {
        // torch.where(tensor([[0., 1., 0.], [2., 0., 3.]])) → (tensor([0, 1, 1]), tensor([1, 0, 2]))
        let indices = Tensor.where(Tensor(shape: [2, 3], scalars: [0, 1, 0, 2, 0, 3]))
        #expect(indices.count == 2)
        #expect(indices[0].scalars == [0, 1, 1] && indices[1].scalars == [1, 0, 2])
        // A one-hot target: torch.where(tensor([0., 1., 0., 1.]) == 1) → (tensor([1, 3]),)
        let hot = Tensor.where(Tensor(shape: [4], scalars: [0, 1, 0, 1]) .== 1)
        #expect(hot.count == 1 && hot[0].scalars == [1, 3])
        #expect(Tensor.where(Tensor(shape: [3], scalars: [0, 0, 0]))[0].shape == [0])
    }

    @Test func normalKeepsTheShapeAndHasTheMoments() {
        let samples = Random.withSeed(7) { Tensor.zeros([200, 100]).normal(mean: 3, std: 0.5) }
        #expect(samples.shape == [200, 100])
        let values = samples.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        // 20,000 samples: the mean's standard error is 0.5 / √20000 ≈ 0.0035.
        #expect(abs(mean - 3) < 0.02)
        #expect(abs(variance.squareRoot() - 0.5) < 0.02)
    }
}
