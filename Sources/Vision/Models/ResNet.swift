import Foundation
import TensorCore
import Training

/// A convolution without bias, initialised as in torchvision's ResNets.
///
/// `kaiming_normal_(mode: fan_out, nonlinearity: relu)`: weights from N(0, 2/fanOut).
func resNetConv(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1) -> Conv2d {
    let conv = Conv2d(
        inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: kernelSize / 2, bias: false)
    let fanOut = outChannels * kernelSize * kernelSize
    conv.weight.value = Tensor.normal(conv.weight.shape, std: Float((2 / Double(fanOut)).squareRoot()))
    return conv
}

/// torchvision's batch norm in a ResNet body: weight 1, bias 0.
func resNetBatchNorm(_ features: Int) -> BatchNorm2d { BatchNorm2d(features, fastaiInit: false) }

/// A residual block: `relu(main(x) + shortcut(x))`, where the shortcut is the identity or
/// `downsample` (a 1×1 strided convolution and batch norm).
///
/// Children are named as torchvision names them (`conv1`, `bn1`, …, `downsample`), so parameter
/// paths read like PyTorch's (`0.4.0.conv1.weight`).
public final class ResidualBlock: Layer, @unchecked Sendable {
    /// The main path's layers, by torchvision's names, in order.
    public let main: [(name: String, layer: any Layer)]
    /// The shortcut, when the block changes shape.
    public let downsample: Sequential?
    /// Whether the block is in training mode.
    public var isTraining = true

    init(main: [(name: String, layer: any Layer)], downsample: Sequential?) {
        self.main = main
        self.downsample = downsample
    }

    /// torchvision's `BasicBlock`: 3×3 (strided) → bn → relu → 3×3 → bn, plus the shortcut, relu.
    public static func basic(_ inChannels: Int, _ channels: Int, stride: Int) -> ResidualBlock {
        ResidualBlock(
            main: [
                ("conv1", resNetConv(inChannels, channels, kernelSize: 3, stride: stride)),
                ("bn1", resNetBatchNorm(channels)), ("relu1", ReLU()),
                ("conv2", resNetConv(channels, channels, kernelSize: 3)), ("bn2", resNetBatchNorm(channels)),
            ],
            downsample: shortcut(inChannels, channels, stride: stride))
    }

    /// torchvision's `Bottleneck` (v1.5, stride on the 3×3): 1×1 → bn → relu → 3×3 (strided) → bn →
    /// relu → 1×1 to `4·channels` → bn, plus the shortcut, relu.
    public static func bottleneck(_ inChannels: Int, _ channels: Int, stride: Int) -> ResidualBlock {
        let expanded = channels * 4
        return ResidualBlock(
            main: [
                ("conv1", resNetConv(inChannels, channels, kernelSize: 1)),
                ("bn1", resNetBatchNorm(channels)),
                ("relu1", ReLU()), ("conv2", resNetConv(channels, channels, kernelSize: 3, stride: stride)),
                ("bn2", resNetBatchNorm(channels)), ("relu2", ReLU()),
                ("conv3", resNetConv(channels, expanded, kernelSize: 1)), ("bn3", resNetBatchNorm(expanded)),
            ],
            downsample: shortcut(inChannels, expanded, stride: stride))
    }

    private static func shortcut(_ inChannels: Int, _ outChannels: Int, stride: Int) -> Sequential? {
        guard stride != 1 || inChannels != outChannels else { return nil }
        return Sequential(
            resNetConv(inChannels, outChannels, kernelSize: 1, stride: stride), resNetBatchNorm(outChannels))
    }

    /// The parameter-holding layers, by name (ReLUs have no parameters but keep the order readable).
    public var children: [(name: String, layer: any Layer)] {
        main.filter { !($0.layer is ReLU) } + (downsample.map { [("downsample", $0 as any Layer)] } ?? [])
    }

    /// `relu(main(x) + shortcut(x))`.
    public func callAsFunction(_ x: Variable) -> Variable {
        var out = x
        for (_, layer) in main { out = layer(out) }
        let identity = downsample.map { $0(x) } ?? x
        return (out + identity).relu()
    }

    /// ``callAsFunction(_:)-(Variable)`` through each layer's checked forward pass.
    ///
    /// - Throws: ``TensorError`` from the first layer that cannot take what it is given.
    public func forward(_ x: Variable) throws -> Variable {
        var out = x
        for (_, layer) in main { out = try layer.forward(out) }
        let identity = try downsample?.forward(x) ?? x
        return try Variable.applying(.add, out, identity).relu()
    }
}

/// A ResNet architecture with torchvision's block structure, at a chosen width (fastai's `arch`).
///
/// `body(inChannels:)` is the network cut before its pooling (fastai's `cut = -2`): stem `conv1` (7×7,
/// stride 2), `bn1`, `relu`, `maxpool` (3×3, stride 2), then `layer1`…`layer4`, each `Sequential`
/// of blocks, the first block of layers 2–4 with stride 2. torchvision's widths are
/// `width = 64`: stages of 64, 128, 256 and 512 channels (×4 for bottleneck blocks).
///
/// ```swift
/// let learn = try cnnLearner(dls, resnet34, metrics: errorRate, pretrained: false)
/// ```
public struct ResNetArchitecture: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kind of residual block.
    public enum Block: String, Sendable, Hashable, Codable {
        /// Two 3×3 convolutions (ResNet-18/34).
        case basic
        /// 1×1, 3×3, 1×1 with a 4× expansion (ResNet-50 and deeper).
        case bottleneck
    }

    /// The name, such as `"resnet18"`.
    public let name: String
    /// The block kind.
    public let block: Block
    /// Blocks per stage.
    public let layers: [Int]
    /// The channels of the stem and of the first stage (torchvision: 64; the course: 16).
    public let width: Int

    /// Creates an architecture.
    public init(name: String, block: Block, layers: [Int], width: Int = ResNetArchitecture.courseWidth) {
        self.name = name
        self.block = block
        self.layers = layers
        self.width = width
    }

    /// The course's width: 16 channels in the first stage (a quarter of torchvision's), so that
    /// ResNet-18/34/50 train on two CPU cores; see docs/vision-models.md for the measurements.
    public static let courseWidth = 16
    /// The course's input size: 28×28 Fashion-MNIST and 20×20 digits are resized to 64×64.
    public static let courseInputSize = 64

    /// ResNet-18: basic blocks [2, 2, 2, 2].
    public static let resnet18 = ResNetArchitecture(name: "resnet18", block: .basic, layers: [2, 2, 2, 2])
    /// ResNet-34: basic blocks [3, 4, 6, 3].
    public static let resnet34 = ResNetArchitecture(name: "resnet34", block: .basic, layers: [3, 4, 6, 3])
    /// ResNet-50: bottleneck blocks [3, 4, 6, 3].
    public static let resnet50 = ResNetArchitecture(
        name: "resnet50", block: .bottleneck, layers: [3, 4, 6, 3])

    /// The same architecture at another width (`64` is torchvision's).
    public func width(_ width: Int) -> ResNetArchitecture {
        ResNetArchitecture(name: name, block: block, layers: layers, width: width)
    }

    /// The channels of the body's output (fastai's `nf`): `8·width` (basic) or `32·width` (bottleneck).
    public var featureCount: Int { width * 8 * (block == .basic ? 1 : 4) }

    /// `name` and, when not the course's, the width.
    public var description: String { width == Self.courseWidth ? name : "\(name)(width: \(width))" }

    /// The same architecture at another width: `resnet34(width: 64)` is torchvision's ResNet-34.
    ///
    /// ```swift
    /// let model = try resnet18(width: 64).model(nOut: 1000)   // torchvision's resnet18()
    /// ```
    public func callAsFunction(width: Int) -> ResNetArchitecture { self.width(width) }

    /// The body: stem and four stages, children `0`…`7` (fastai's `body[0:8]`), weights drawn from
    /// `Random.current`.
    ///
    /// - Throws: ``VisionModelError`` when `inChannels` is not positive.
    public func body(inChannels: Int = 3) throws -> Sequential {
        let (stem, stages) = try stemAndStages(inChannels: inChannels)
        return Sequential(
            [stem, resNetBatchNorm(width), ReLU(), MaxPool2d(kernelSize: 3, stride: 2, padding: 1)] + stages)
    }

    /// The whole network as torchvision builds it: the body, average pooling and a new `fc` of `nOut`
    /// outputs, its parameters named as torchvision's (`conv1.weight`, `layer1.0.bn1.weight`, `fc.bias`).
    ///
    /// ```swift
    /// let model = try resnet34(width: 64).model()        // torchvision.models.resnet34()
    /// try loadWeights(into: model, from: Path("resnet34-b627a593.pth"))
    /// ```
    ///
    /// - Parameters:
    ///   - nOut: The classifier's outputs (torchvision's `num_classes`, 1000 for ImageNet).
    ///   - inChannels: The input channels.
    /// - Returns: The network, its weights drawn from `Random.current` as torchvision initialises them.
    /// - Throws: ``VisionModelError`` for non-positive channels, outputs or width.
    public func model(nOut: Int = 1000, inChannels: Int = 3) throws -> ResNet {
        guard nOut >= 1 else { throw VisionModelError.invalidOutputCount(nOut) }
        let (stem, stages) = try stemAndStages(inChannels: inChannels)
        return ResNet(architecture: self, conv1: stem, stages: stages, nOut: nOut)
    }

    /// The stem convolution and the four stages (drawn in this order: stages, then stem).
    func stemAndStages(inChannels: Int) throws -> (stem: Conv2d, stages: [Sequential]) {
        guard inChannels >= 1 else { throw VisionModelError.invalidChannels(inChannels) }
        guard width >= 1, layers.count == 4, layers.allSatisfy({ $0 >= 1 }) else {
            throw VisionModelError.invalidArchitecture(description)
        }
        let expansion = block == .basic ? 1 : 4
        var stages: [Sequential] = []
        var channels = width
        for (stage, count) in layers.enumerated() {
            let planes = width << stage
            var blocks: [any Layer] = []
            for index in 0..<count {
                let stride = stage > 0 && index == 0 ? 2 : 1
                blocks.append(
                    block == .basic
                        ? ResidualBlock.basic(channels, planes, stride: stride)
                        : ResidualBlock.bottleneck(channels, planes, stride: stride))
                channels = planes * expansion
            }
            stages.append(Sequential(blocks))
        }
        return (resNetConv(inChannels, width, kernelSize: 7, stride: 2), stages)
    }

    /// The number of parameters of the body (without a head) for `inChannels` input channels, by
    /// torchvision's formulas (convolutions have no bias; each batch norm has weight and bias).
    public func bodyParameterCount(inChannels: Int = 3) -> Int {
        let expansion = block == .basic ? 1 : 4
        var total = inChannels * width * 49 + 2 * width
        var channels = width
        for (stage, count) in layers.enumerated() {
            let planes = width << stage
            for index in 0..<count {
                let stride = stage > 0 && index == 0 ? 2 : 1
                let out = planes * expansion
                if block == .basic {
                    total += channels * planes * 9 + 2 * planes + planes * planes * 9 + 2 * planes
                } else {
                    total +=
                        channels * planes + 2 * planes + planes * planes * 9 + 2 * planes + planes * out + 2
                        * out
                }
                if stride != 1 || channels != out { total += channels * out + 2 * out }
                channels = out
            }
        }
        return total
    }
}

/// ResNet-18 at the course's width (fastai's `resnet18`).
public let resnet18 = ResNetArchitecture.resnet18
/// ResNet-34 at the course's width (fastai's `resnet34`).
public let resnet34 = ResNetArchitecture.resnet34
/// ResNet-50 at the course's width (fastai's `resnet50`).
public let resnet50 = ResNetArchitecture.resnet50

/// A whole ResNet with torchvision's structure and names: `conv1`, `bn1`, `relu`, `maxpool`,
/// `layer1`…`layer4`, `avgpool`, `fc` (torchvision's `ResNet`), so that ``Training/Layer/namedParameters``
/// and the batch-norm statistics are named as in torchvision's state dicts.
///
/// Made by ``ResNetArchitecture/model(nOut:inChannels:)``; ``body`` is the same layers cut before the
/// pooling (fastai's `create_body`), children `0`…`7`.
public final class ResNet: Layer, @unchecked Sendable {
    /// The architecture.
    public let architecture: ResNetArchitecture
    /// The 7×7 stride-2 stem convolution.
    public let conv1: Conv2d
    /// The stem's batch norm.
    public let bn1: BatchNorm
    /// The stem's rectifier.
    public let relu: ReLU
    /// The 3×3 stride-2 max pooling.
    public let maxpool: MaxPool2d
    /// The first stage (stride 1).
    public let layer1: Sequential
    /// The second stage (stride 2).
    public let layer2: Sequential
    /// The third stage (stride 2).
    public let layer3: Sequential
    /// The fourth stage (stride 2).
    public let layer4: Sequential
    /// Global average pooling.
    public let avgpool: AdaptiveAvgPool2d
    /// The classifier.
    public let fc: Linear
    /// Whether the network is in training mode.
    public var isTraining = true

    init(architecture: ResNetArchitecture, conv1: Conv2d, stages: [Sequential], nOut: Int) {
        self.architecture = architecture
        self.conv1 = conv1
        bn1 = resNetBatchNorm(architecture.width)
        relu = ReLU()
        maxpool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3])
        avgpool = AdaptiveAvgPool2d()
        fc = Linear(architecture.featureCount, nOut)
    }

    /// The body (stem and stages, fastai's `body`), sharing this network's layers.
    public var body: Sequential {
        Sequential([conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4])
    }

    /// The logits: body, average pooling, flattening, `fc`.
    public func callAsFunction(_ x: Variable) -> Variable {
        fc(avgpool(body(x)).flattened(from: 1))
    }

    /// ``callAsFunction(_:)-(Variable)`` through each layer's checked forward pass.
    ///
    /// - Throws: ``TensorError`` from the first layer that cannot take what it is given.
    public func forward(_ x: Variable) throws -> Variable {
        try fc.forward(try avgpool.forward(try body.forward(x)).flattened(from: 1))
    }
}

/// Max pooling as a layer (PyTorch `nn.MaxPool2d`).
public final class MaxPool2d: Layer, @unchecked Sendable {
    /// The square window.
    public let kernelSize: Int
    /// The step.
    public let stride: Int
    /// Padding on each side (counts as −∞).
    public let padding: Int
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates the layer; `stride` defaults to the window.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// The pooled `x`.
    public func callAsFunction(_ x: Variable) -> Variable {
        LayerTrace.record(self, x, x.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, C, H, W]` with the padded image at least
    /// the window's size.
    ///
    /// - Throws: ``TensorError`` naming the window and `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.rank == 4, x.shape[2] + 2 * padding >= kernelSize, x.shape[3] + 2 * padding >= kernelSize
        else {
            throw TensorError(
                .shapeMismatch,
                "MaxPool2d takes [N, C, H, W] feature maps of at least \(kernelSize)×\(kernelSize) with "
                    + "padding \(padding), not \(x.shape)")
        }
        return self(x)
    }
}

/// What is wrong with a model request.
public enum VisionModelError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Input channels must be at least 1.
    case invalidChannels(Int)
    /// The architecture's width or layers make no network.
    case invalidArchitecture(String)
    /// The number of outputs must be at least 1.
    case invalidOutputCount(Int)
    /// Dropout must be in [0, 1).
    case invalidDropout(Double)
    /// The images are too small for the architecture.
    case inputTooSmall(size: Int, minimum: Int)
    /// The data has no image batch to build from.
    case unusableData(String)
    /// No pretrained weights for the architecture: the manifest or the weight file `file` is missing.
    case missingPretrainedWeights(architecture: String, file: String)
    /// The weight file's SHA-256 is not the one its manifest records.
    case pretrainedChecksumMismatch(file: String, expected: String, actual: String)
    /// The manifest or weight file cannot be read, or does not fit the body.
    case badPretrainedWeights(file: String, reason: String)

    /// A sentence for the reader of a lesson.
    public var description: String {
        switch self {
        case .invalidChannels(let count): "a model needs at least 1 input channel, got \(count)"
        case .invalidArchitecture(let name): "\(name) has no valid width or stage list"
        case .invalidOutputCount(let count): "a model needs at least 1 output, got nOut: \(count)"
        case .invalidDropout(let p): "dropout ps must be in [0, 1), got \(p)"
        case .inputTooSmall(let size, let minimum):
            "images of \(size)×\(size) are too small for a ResNet; use at least \(minimum)×\(minimum)"
        case .unusableData(let reason): "cannot build a CNN for this data: \(reason)"
        case .missingPretrainedWeights(let name, let file):
            "no pretrained weights for \(name): \(file) does not exist; `make pretrain` makes them "
                + "(or pass pretrained: false)"
        case .pretrainedChecksumMismatch(let file, let expected, let actual):
            "\(file): SHA-256 \(actual) is not the manifest's \(expected); the file is damaged or not "
                + "the one the manifest describes: restore lessons/data/models from git or rerun `make pretrain`"
        case .badPretrainedWeights(let file, let reason):
            "\(file): unusable pretrained weights: \(reason); rerun `make pretrain`"
        }
    }
}
