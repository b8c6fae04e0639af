import TensorCore
import Testing

@testable import Training

@Suite struct LayerCostTests {
    /// Counted by hand, the same for any batch size.
    ///
    /// A 3×3 convolution 2 → 4 channels with padding 1 on 5×5 maps does 4·5·5 outputs × 2·3·3 weights =
    /// 1,800 multiply-adds per image; the linear layer 100 → 3 does 300. Activations: conv 100, ReLU 100, flatten 100, linear 3 floats = 1,212 bytes per image.
    @Test func countsConvolutionsAndLinearLayersPerItem() throws {
        let model = Sequential(
            Conv2d(2, 4, kernelSize: 3, padding: 1), ReLU(), Flatten(), Linear(100, 3))
        for batch in [1, 3] {
            let cost = try LayerTrace.forwardCost(of: model, input: Tensor.zeros([batch, 2, 5, 5]))
            #expect(cost == ForwardCost(multiplyAdds: 2_100, activationBytes: 1_212))
        }
        #expect(model.isTraining)
    }

    /// A stride-2 convolution without padding: 3×3 outputs of 7×7 input, 8·9 × 3·3·3 = 1,944.
    @Test func stridedConvolutionCountsItsOutputPositions() throws {
        let model = Sequential(Conv2d(3, 8, kernelSize: 3, stride: 2, bias: false))
        let cost = try LayerTrace.forwardCost(of: model, input: Tensor.zeros([2, 3, 7, 7]))
        #expect(cost.multiplyAdds == 1_944)
        #expect(cost.activationBytes == 8 * 9 * 4)
    }

    @Test func anEmptyBatchThrows() {
        #expect(throws: TrainingError.self) {
            try LayerTrace.forwardCost(of: Linear(2, 2), input: Tensor.zeros([0, 2]))
        }
    }
}
