import TensorCore
import Testing

@testable import Training

/// PyTorch 2.13's values for the same inputs (`F.nll_loss(torch.softmax(a, dim=1), t, reduction='none')`
/// and `F.cross_entropy(a, t)` with `a = [[0.6, -1.2], [2.0, 0.5], [-0.3, 0.1]]`, `t = [0, 1, 1]`).
@Suite struct FunctionalLossTests {
    let acts = Tensor(shape: [3, 2], scalars: [0.6, -1.2, 2.0, 0.5, -0.3, 0.1])
    let targ = Tensor([0, 1, 1] as [Float])

    @Test func nllLossPicksMinusTheTargetsEntryAndReduces() throws {
        let perItem = try nllLoss(acts.softmax(axis: 1), targ, reduction: .none)
        let expected: [Float] = [-0.8581, -0.1824, -0.5987]
        #expect(zip(perItem.scalars, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(perItem.scalars)")
        let sum = try nllLoss(acts, targ, reduction: .sum).item()
        #expect(abs(sum - (-0.6 - 0.5 - 0.1)) < 1e-6)
        #expect(abs(try nllLoss(acts, targ).item() - (-1.2 / 3)) < 1e-6)
    }

    @Test func crossEntropyIsNLLOfLogSoftmaxAsPyTorchComputesIt() throws {
        let ce = try crossEntropy(acts, targ).item()
        #expect(abs(ce - 0.7891) < 1e-4)
        // The same as the loss fastai's learner uses.
        let flat = try CrossEntropyLossFlat()(Variable(acts), targ).value.item()
        #expect(abs(ce - flat) < 1e-6)
    }

    @Test func badShapesAndTargetsAreErrors() {
        #expect(throws: TensorError.self) { try nllLoss(Tensor([1, 2] as [Float]), targ) }
        #expect(throws: TensorError.self) { try nllLoss(acts, Tensor([0, 1] as [Float])) }
        #expect(throws: TensorError.self) { try nllLoss(acts, Tensor([0, 2, 1] as [Float])) }
        #expect(throws: TensorError.self) { try crossEntropy(acts, Tensor([0, 0.5, 1] as [Float])) }
    }
}
