import Foundation
import TensorCore
import Training

/// fastai's `create_head`: the classifier put on a body's `nf`-channel feature maps.
///
/// With the defaults: `AdaptiveConcatPool2d` (max then average, so `2·nf` features) → `Flatten` →
/// `BatchNorm1d(2·nf)` → `Dropout(ps/2)` → `Linear(2·nf, 512, bias: false)` → `ReLU` →
/// `BatchNorm1d(512)` → `Dropout(ps)` → `Linear(512, nOut, bias: false)`, then `SigmoidRange` when
/// `yRange` is given. Linear weights are kaiming-normal (fan-in, gain √2), batch norms fastai's
/// (weight 1, bias 1e-3).
///
/// - Parameters:
///   - nf: The body's output channels.
///   - nOut: The number of outputs.
///   - linFtrs: Hidden sizes (default `[512]`).
///   - ps: The last dropout probability; earlier ones are `ps/2`.
///   - concatPool: Whether to concatenate max and average pooling (else average only).
///   - firstBn: Whether the first linear stage starts with a batch norm.
///   - bnFinal: Whether to end with `BatchNorm1d(nOut, momentum: 0.01)`.
///   - yRange: The output range for `SigmoidRange`, if any.
/// - Returns: The head, a ``Sequential``.
/// - Throws: ``VisionModelError`` for a non-positive `nf`/`nOut` or a dropout outside [0, 1).
public func createHead(
    _ nf: Int, _ nOut: Int, linFtrs: [Int]? = nil, ps: Double = 0.5, concatPool: Bool = true,
    firstBn: Bool = true, bnFinal: Bool = false, yRange: ClosedRange<Double>? = nil
) throws -> Sequential {
    guard nf >= 1 else { throw VisionModelError.invalidChannels(nf) }
    guard nOut >= 1 else { throw VisionModelError.invalidOutputCount(nOut) }
    guard ps >= 0, ps < 1 else { throw VisionModelError.invalidDropout(ps) }
    let features = concatPool ? 2 * nf : nf
    let sizes = [features] + (linFtrs ?? [512]) + [nOut]
    let stages = sizes.count - 1
    let dropouts = Array(repeating: ps / 2, count: stages - 1) + [ps]
    var layers: [any Layer] = [concatPool ? AdaptiveConcatPool2d() : AdaptiveAvgPool2d(), Flatten()]
    for stage in 0..<stages {
        let last = stage == stages - 1
        // fastai's LinBnDrop: [BatchNorm1d] → [Dropout] → Linear(bias: false when batch norm precedes).
        let batchNorm = stage > 0 || firstBn
        if batchNorm { layers.append(BatchNorm1d(sizes[stage])) }
        if dropouts[stage] > 0 { layers.append(Dropout(Float(dropouts[stage]))) }
        let linear = Linear(sizes[stage], sizes[stage + 1], bias: !batchNorm)
        kaimingNormal(linear)
        layers.append(linear)
        if !last { layers.append(ReLU()) }
    }
    if bnFinal { layers.append(BatchNorm1d(nOut, momentum: 0.01)) }
    if let yRange { layers.append(SigmoidRange(yRange)) }
    return Sequential(layers)
}

/// `kaiming_normal_` (fan-in, gain √2) on the weight, bias 0 (fastai's `apply_init` of a head).
func kaimingNormal(_ linear: Linear) {
    let fanIn = linear.weight.shape[1]
    linear.weight.value = Tensor.normal(linear.weight.shape, std: Float((2 / Double(fanIn)).squareRoot()))
    linear.bias?.value = Tensor.zeros(linear.bias?.shape ?? [0])
}

/// Adaptive average pooling to 1×1 as a layer (PyTorch `nn.AdaptiveAvgPool2d(1)`).
public final class AdaptiveAvgPool2d: Layer, @unchecked Sendable {
    /// The output height and width.
    public let size: Int
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer.
    public init(_ size: Int = 1) { self.size = size }
    /// The pooled `x`.
    public func callAsFunction(_ x: Variable) -> Variable {
        LayerTrace.record(self, x, x.adaptiveAvgPool2d(outputSize: size))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, C, H, W]` with H and W at least 1.
    ///
    /// - Throws: ``TensorError`` naming `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.rank == 4, x.shape[2] > 0, x.shape[3] > 0 else {
            throw TensorError(.rank, "AdaptiveAvgPool2d takes [N, C, H, W] feature maps, not \(x.shape)")
        }
        return self(x)
    }
}
