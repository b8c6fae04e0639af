import Foundation
import TensorCore
import Training

/// What one architecture costs to train, counted and measured.
///
/// Counted, so the same on every machine: its size and the multiply-adds and activations of one
/// image's forward pass. Measured on this machine: the peak tensor memory and the time of a training
/// step. The deeper-architectures lesson compares them.
///
/// It is `Codable` so that a cached cell restores a profile rather than measuring again.
public struct ModelProfile: Sendable, Codable, CustomStringConvertible {
    /// The architecture.
    public let arch: ResNetArchitecture
    /// Parameters of body and head.
    public let parameterCount: Int
    /// The input batch shape measured, `[N, C, H, W]`.
    public let batchShape: [Int]
    /// The peak tensor memory a training step (forward, backward, Adam step) allocates on top of what
    /// was alive before it (weights, optimizer state, the batch), in bytes: activations and gradients.
    public let peakStepBytes: Int
    /// Wall-clock seconds of one training step (the minimum of the repetitions).
    public let secondsPerStep: Double
    /// The forward pass of one image: multiply-adds and activation bytes, counted from the layers'
    /// shapes (see ``Training/LayerTrace/forwardCost(of:input:)``).
    public let forwardCost: ForwardCost

    /// Multiply-adds of one image's forward pass (convolutions and linear layers).
    public var multiplyAdds: Int { forwardCost.multiplyAdds }
    /// Bytes of the layers' outputs for one image: what a training step keeps for backward, per image.
    public var activationBytes: Int { forwardCost.activationBytes }

    /// Seconds of one training epoch over `items` images at this batch size.
    public func secondsPerEpoch(items: Int) -> Double {
        secondsPerStep * Double((items + batchShape[0] - 1) / batchShape[0])
    }

    /// One line: name, parameters, peak memory and step time.
    public var description: String {
        let megabytes = Double(peakStepBytes) / 1_048_576
        return
            "\(arch): \(parameterCount) parameters, peak \(String(format: "%.1f", megabytes)) MB per step of "
            + "\(batchShape), \(String(format: "%.1f", secondsPerStep * 1e3)) ms per step"
    }
}

extension ResNetArchitecture {
    /// The parameters of body and fastai head for `inChannels` and `nOut` (concat pooling, hidden 512).
    public func parameterCount(inChannels: Int = 3, nOut: Int) -> Int {
        let features = 2 * featureCount
        let head = 2 * features + features * 512 + 2 * 512 + 512 * nOut
        return bodyParameterCount(inChannels: inChannels) + head
    }

    /// Measures a training step (cross-entropy, fastai's Adam) of body and head on random data.
    ///
    /// - Parameters:
    ///   - batchSize: Images per batch.
    ///   - inputSize: Height and width.
    ///   - inChannels: Channels of the images.
    ///   - nOut: Classes.
    ///   - steps: Timed steps after one warm-up; the fastest counts.
    /// - Returns: The counts and measurements.
    /// - Throws: ``VisionModelError`` for invalid sizes.
    public func profile(
        batchSize: Int = 64, inputSize: Int = ResNetArchitecture.courseInputSize, inChannels: Int = 3,
        nOut: Int = 10, steps: Int = 3
    ) throws -> ModelProfile {
        guard batchSize >= 1, inputSize >= 32 else {
            throw VisionModelError.inputTooSmall(size: inputSize, minimum: 32)
        }
        let generator = Generator(seed: 0)
        let (model, parameters) = try Random.withGenerator(generator) {
            let model = Sequential(
                try body(inChannels: inChannels), try createHead(featureCount, nOut))
            return (model, model.parameters)
        }
        let optimizer = Optimizer(Adam(), groups: [parameters])
        let x = Tensor.normal([batchSize, inChannels, inputSize, inputSize], generator: generator)
        let cost = try LayerTrace.forwardCost(of: model, input: x[0..<1])
        let y = Tensor((0..<batchSize).map { Float($0 % nOut) })
        let loss = CrossEntropyLossFlat()
        func step() {
            loss(model(Variable(x)), y).backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        step()
        let baseline = TensorMemory.liveBytes
        TensorMemory.resetPeak()
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<max(steps, 1) {
            let elapsed = clock.measure(step)
            best = min(
                best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return ModelProfile(
            arch: self, parameterCount: parameters.reduce(0) { $0 + $1.value.count },
            batchShape: x.shape, peakStepBytes: TensorMemory.peakBytes - baseline, secondsPerStep: best,
            forwardCost: cost)
    }
}
