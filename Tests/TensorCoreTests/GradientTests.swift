import Testing
import _TestSupport

@testable import TensorCore

/// Values whose magnitude is at least 0.2 (away from the kinks of relu, abs and clamp).
private func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
    fixture(shape, seed: seed).map { $0 >= 0 ? $0 + 0.2 : $0 - 0.2 }
}

/// Distinct values 0.1 apart in a shuffled order (so max pooling has clear winners).
private func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
    let count = shape.reduce(1, *)
    let order = Generator(seed: seed).permutation(count)
    return Tensor(shape: shape, scalars: order.map { Float($0) * 0.1 - Float(count) * 0.05 })
}

@Suite struct ArithmeticGradientTests {
    @Test func broadcastingBinaryOperators() {
        let a = fixture([2, 3], seed: 1)
        let row = fixture([3], seed: 2)
        let column = fixture([2, 1], seed: 3, low: 0.5, high: 1.5)
        gradCheck([a, row]) { $0[0] + $0[1] }
        gradCheck([a, row]) { $0[1] - $0[0] }
        gradCheck([a, column]) { $0[0] * $0[1] }
        gradCheck([a, column]) { $0[0] / $0[1] }
        gradCheck([fixture([2, 1, 3], seed: 4), fixture([4, 1], seed: 5)]) { $0[0] * $0[1] }
        gradCheck([a, Tensor(shape: [], scalars: [0.7])]) { $0[0] * $0[1] - $0[1] }
    }

    @Test func scalarAndConstantOperands() {
        let a = fixture([2, 3], seed: 6, low: 0.5, high: 1.5)
        let constant = fixture([3], seed: 7)
        gradCheck([a]) { ($0[0] + 2) * 3 - 1 }
        gradCheck([a]) { (1 - $0[0]) / 4 }
        gradCheck([a]) { 2 / $0[0] + 5 * $0[0] + (3 + $0[0]) }
        gradCheck([a]) { -$0[0] * constant + constant / $0[0] - (constant - $0[0]) }
    }

    @Test func reusedInputsAccumulate() {
        gradCheck([fixture([3], seed: 8)]) { $0[0] * $0[0] + $0[0].exp() * $0[0] }
    }
}

@Suite struct UnaryGradientTests {
    let x = fixture([2, 4], seed: 11, low: -2, high: 2)
    let positive = fixture([2, 4], seed: 12, low: 0.5, high: 2)

    @Test func smoothFunctions() {
        gradCheck([x]) { $0[0].exp() }
        gradCheck([positive]) { $0[0].log() }
        gradCheck([x]) { $0[0].sigmoid() }
        gradCheck([x]) { $0[0].tanh() }
        gradCheck([positive]) { $0[0].sqrt() }
        gradCheck([x]) { $0[0].squared() }
        gradCheck([x]) { $0[0].pow(3) }
        gradCheck([positive]) { $0[0].pow(-1.5) }
    }

    @Test func piecewiseFunctions() {
        let y = awayFromZero([3, 4], seed: 13)
        gradCheck([y]) { $0[0].relu() }
        gradCheck([y]) { $0[0].abs() }
        gradCheck([y]) { $0[0].clamped(min: -0.1, max: 0.1) }
        gradCheck([y]) { $0[0].clamped(min: 0) }
    }

    @Test func softmaxFamily() {
        gradCheck([x]) { $0[0].softmax() }
        gradCheck([x]) { $0[0].softmax(axis: 0) }
        gradCheck([x]) { $0[0].logSoftmax() }
        gradCheck([fixture([2, 3, 2], seed: 14)]) { $0[0].logSoftmax(axis: 1) }
        gradCheck([x]) { $0[0].logSumExp(axis: 1) }
        gradCheck([x]) { $0[0].logSumExp(axis: 0, keepDims: true) }
    }
}

@Suite struct ReductionGradientTests {
    let cube = fixture([2, 3, 4], seed: 21)

    @Test func sumsAndMeans() {
        gradCheck([cube]) { $0[0].sum() }
        gradCheck([cube]) { $0[0].sum(axis: 1) }
        gradCheck([cube]) { $0[0].sum(axis: -1, keepDims: true) }
        gradCheck([cube]) { $0[0].sum(axes: [0, 2]) }
        gradCheck([cube]) { $0[0].mean() }
        gradCheck([cube]) { $0[0].mean(axis: 0, keepDims: true) }
        gradCheck([cube]) { $0[0].mean(axes: [1, 2]) }
    }

    @Test func extremes() {
        let values = distinct([2, 3, 4], seed: 22)
        gradCheck([values]) { $0[0].max(axis: 1) }
        gradCheck([values]) { $0[0].min(axis: 2, keepDims: true) }
        gradCheck([values]) { $0[0].max() }
        gradCheck([values]) { $0[0].min() }
    }
}

@Suite struct ShapeGradientTests {
    let x = fixture([2, 3, 4], seed: 31)

    @Test func reshapingOps() {
        gradCheck([x]) { $0[0].reshaped([6, 4]) * Tensor.arange(4) }
        gradCheck([x]) { $0[0].permuted([2, 0, 1]) * Tensor.arange(3) }
        gradCheck([x]) { $0[0].transposed() * Tensor.arange(3) }
        gradCheck([x]) { $0[0].flattened().expandingShape(at: 0).squeezingShape(at: 0) }
    }

    @Test func joiningAndSlicing() {
        let y = fixture([2, 1, 4], seed: 32)
        gradCheck([x, y]) { Variable.concat([$0[0], $0[1]], axis: 1) }
        gradCheck([x, x]) { Variable.stack([$0[0], $0[1].exp()], axis: 2) }
        gradCheck([x]) { $0[0].slice(axis: 2, 1..<3) }
        gradCheck([x]) { $0[0][1] * $0[0][0] }
        gradCheck([x]) { $0[0][1..<2] }
    }

    @Test func gatherAndPick() {
        let table = fixture([5, 3], seed: 33)
        // Directly on the parameter: the sparse path.
        gradCheck([table]) { $0[0].gather([4, 0, 4, 2]) }
        // On a computed value: the dense scatter-add path.
        gradCheck([table]) { ($0[0] * 2).gather([1, 1, 3]) }
        gradCheck([table]) { $0[0].logSoftmax().pickingColumns([2, 0, 1, 1, 0]) }
    }
}

@Suite struct MatmulGradientTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func transposes(transposeA: Bool, transposeB: Bool) {
        let a = fixture(transposeA ? [4, 3] : [3, 4], seed: 41)
        let b = fixture(transposeB ? [2, 4] : [4, 2], seed: 42)
        gradCheck([a, b]) { matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func batched() {
        gradCheck([fixture([2, 3, 4], seed: 43), fixture([2, 4, 2], seed: 44)]) { $0[0].matmul($0[1]) }
        gradCheck([fixture([2, 3, 4], seed: 45), fixture([5, 4], seed: 46)]) {
            $0[0].matmul($0[1], transposeB: true)
        }
        gradCheck([fixture([2, 4, 3], seed: 47), fixture([4, 5], seed: 48)]) {
            $0[0].matmul($0[1], transposeA: true)
        }
        gradCheck([fixture([3, 4], seed: 49), fixture([2, 4, 2], seed: 50)]) { $0[0].matmul($0[1]) }
    }

    @Test func linearLayerShape() {
        gradCheck([fixture([5, 4], seed: 51), fixture([3, 4], seed: 52), fixture([3], seed: 53)]) {
            $0[0].matmul($0[1], transposeB: true) + $0[2]
        }
    }
}

@Suite struct ConvolutionGradientTests {
    @Test(arguments: [(1, 0), (2, 1), (1, 1), (2, 0)])
    func conv2d(stride: Int, padding: Int) {
        let input = fixture([2, 2, 5, 5], seed: 61)
        let weight = fixture([3, 2, 3, 3], seed: 62)
        let bias = fixture([3], seed: 63)
        gradCheck([input, weight, bias]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: stride, padding: padding)
        }
    }

    @Test func pointwiseConvWithoutBias() {
        gradCheck([fixture([2, 3, 3, 2], seed: 64), fixture([4, 3, 1, 1], seed: 65)]) {
            $0[0].conv2d(weight: $0[1])
        }
    }

    @Test func pooling() {
        let input = distinct([2, 2, 5, 5], seed: 66)
        gradCheck([input]) { $0[0].maxPool2d(kernelSize: 2) }
        gradCheck([input]) { $0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1) }
        gradCheck([input]) { $0[0].avgPool2d(kernelSize: 2, stride: 1) }
        gradCheck([input]) { $0[0].avgPool2d(kernelSize: 3, stride: 2, padding: 1) }
        gradCheck([input]) { $0[0].adaptiveAvgPool2d(outputSize: 3) }
        gradCheck([input]) { $0[0].adaptiveAvgPool2d(outputHeight: 1, outputWidth: 2) }
        gradCheck([input]) { $0[0].adaptiveMaxPool2d(outputSize: 2) }
        gradCheck([input]) { $0[0].adaptiveMaxPool2d(outputHeight: 3, outputWidth: 1) }
    }
}

@Suite struct NormalizationGradientTests {
    @Test(arguments: [[6, 3], [3, 2, 2, 3]])
    func batchNormTraining(shape: [Int]) {
        let channels = shape[1]
        let input = fixture(shape, seed: 71, low: -2, high: 2)
        let weight = fixture([channels], seed: 72, low: 0.5, high: 1.5)
        let bias = fixture([channels], seed: 73)
        gradCheck([input, weight, bias], relative: 3e-2, absolute: 3e-3) { inputs in
            var runningMean = Tensor.zeros([channels])
            var runningVariance = Tensor.ones([channels])
            return inputs[0].batchNorm(
                weight: inputs[1], bias: inputs[2], runningMean: &runningMean,
                runningVariance: &runningVariance,
                training: true)
        }
    }

    @Test func batchNormEvaluation() {
        let input = fixture([4, 3], seed: 74)
        gradCheck([input, fixture([3], seed: 75), fixture([3], seed: 76)]) { inputs in
            var runningMean = Tensor([0.1, -0.2, 0.3])
            var runningVariance = Tensor([0.5, 1.5, 2])
            return inputs[0].batchNorm(
                weight: inputs[1], bias: inputs[2], runningMean: &runningMean,
                runningVariance: &runningVariance,
                training: false)
        }
    }

    @Test func dropoutWithAFixedSeed() {
        gradCheck([fixture([4, 5], seed: 77)]) { inputs in
            Random.withSeed(3) { inputs[0].dropout(probability: 0.4, training: true) }
        }
    }
}
