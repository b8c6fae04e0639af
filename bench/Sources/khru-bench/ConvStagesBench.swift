import Foundation
import TensorCore

/// One convolution of a ResNet stage: input `[64, inChannels, size, size]`, a `kernel × kernel` weight
/// without bias (as in torchvision's ResNets), `stride`, padding `kernel / 2`.
struct ConvStage {
    let name: String
    let inChannels: Int
    let outChannels: Int
    let size: Int
    let kernel: Int
    let stride: Int
    /// Whether the input needs a gradient (not for the stem, whose input is the data).
    let inputGradient: Bool

    var padding: Int { kernel / 2 }
    var outSize: Int { (size + 2 * padding - kernel) / stride + 1 }
    /// The row's case name, shared with bench/python/conv_stages.py.
    var label: String { "\(name):\(inChannels)>\(outChannels)-k\(kernel)s\(stride)-\(size)px" }
    /// Multiply-adds × 2 of the forward pass, times 3 (2 without the input gradient) for training.
    var flops: Double {
        let forward = 2.0 * 64 * Double(outChannels * inChannels * kernel * kernel * outSize * outSize)
        return forward * (inputGradient ? 3 : 2)
    }
}

/// The convolutions of the course's ResNet-18 (width 16, 64×64 inputs, batch 64) stage by stage, plus
/// ResNet-50's widest 1×1 expansion; the same list is in bench/python/conv_stages.py.
let convStages = [
    ConvStage(
        name: "stem", inChannels: 3, outChannels: 16, size: 64, kernel: 7, stride: 2, inputGradient: false),
    ConvStage(
        name: "layer1", inChannels: 16, outChannels: 16, size: 16, kernel: 3, stride: 1, inputGradient: true),
    ConvStage(
        name: "layer2.0", inChannels: 16, outChannels: 32, size: 16, kernel: 3, stride: 2, inputGradient: true
    ),
    ConvStage(
        name: "layer2.down", inChannels: 16, outChannels: 32, size: 16, kernel: 1, stride: 2,
        inputGradient: true),
    ConvStage(
        name: "layer2", inChannels: 32, outChannels: 32, size: 8, kernel: 3, stride: 1, inputGradient: true),
    ConvStage(
        name: "layer3", inChannels: 64, outChannels: 64, size: 4, kernel: 3, stride: 1, inputGradient: true),
    ConvStage(
        name: "layer4", inChannels: 128, outChannels: 128, size: 2, kernel: 3, stride: 1, inputGradient: true),
    ConvStage(
        name: "r50.expand", inChannels: 128, outChannels: 512, size: 2, kernel: 1, stride: 1,
        inputGradient: true),
]

/// `conv-stages`: forward + backward of each stage's convolution, then the sum over the stages.
func benchConvStages(_ options: BenchOptions) {
    var total = 0.0
    var totalFlops = 0.0
    for (index, stage) in convStages.enumerated() {
        var generator = SplitMix64(seed: UInt64(index))
        let inputCount = 64 * stage.inChannels * stage.size * stage.size
        let weightCount = stage.outChannels * stage.inChannels * stage.kernel * stage.kernel
        let input = Parameter(
            Tensor(
                shape: [64, stage.inChannels, stage.size, stage.size],
                scalars: randomFloats(inputCount, using: &generator)),
            requiresGrad: stage.inputGradient)
        let weight = Parameter(
            Tensor(
                shape: [stage.outChannels, stage.inChannels, stage.kernel, stage.kernel],
                scalars: randomFloats(weightCount, using: &generator)))
        let outShape = [64, stage.outChannels, stage.outSize, stage.outSize]
        let upstream = Tensor(
            shape: outShape, scalars: randomFloats(outShape.reduce(1, *), using: &generator))
        func step() {
            input.zeroGrad()
            weight.zeroGrad()
            input.variable.conv2d(weight: weight.variable, stride: stage.stride, padding: stage.padding)
                .backward(gradient: upstream)
        }
        for _ in 0..<3 { step() }
        // About 0.2 s of work per repetition.
        let iterations = max(3, Int(2e10 / stage.flops / 100))
        let best = bestSeconds(reps: options.reps) {
            for _ in 0..<iterations { step() }
        }
        let perPass = best / Double(iterations)
        total += perPass
        totalFlops += stage.flops
        emit("conv-stages", stage.label, ["seconds": perPass, "gflops": stage.flops / perPass / 1e9])
    }
    emit("conv-stages", "sum-of-stages", ["seconds": total, "gflops": totalFlops / total / 1e9])
}
