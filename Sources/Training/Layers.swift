import Foundation
import TensorCore

/// A neural-network module: a differentiable function with named parameters and a train/eval mode.
///
/// Layers are classes (they own ``Parameter``s, which have identity). Their sub-layers and parameters
/// are found in their stored properties, as MLX's `Module` finds them: a property holding a `Layer`
/// is a child, one holding a ``Parameter`` is a parameter, and arrays and optionals of either count
/// too; ``namedParameters`` then gives stable dotted names from the property names (`"layers.0.weight"`,
/// `"embeds.1.weight"`). A layer that names its children otherwise (``Sequential``: `"0"`, `"1"`, …)
/// implements ``children`` itself. The mode belongs to the model: ``train(_:)`` sets it on a layer and
/// all its children (there is no global mode).
///
/// A layer is not required to be `Sendable`: a model a student writes in a lesson is an ordinary
/// class. The library's layers are `@unchecked Sendable` (their parameters change only in training,
/// which one task drives).
public protocol Layer: AnyObject {
    /// The layer applied to `x`.
    func callAsFunction(_ x: Variable) -> Variable
    /// The layer applied to `x`, throwing instead of trapping when the layer can fail (a model written
    /// in a lesson); ``Learner`` calls this one.
    func forward(_ x: Variable) throws -> Variable
    /// This layer's own parameters (not its children's), by local name.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// The sub-layers, by local name.
    var children: [(name: String, layer: any Layer)] { get }
    /// Whether the layer is in training mode (batch statistics, dropout).
    var isTraining: Bool { get set }
    /// Whether this is a normalization layer (its parameters train when frozen, and get no weight decay).
    var isNormalization: Bool { get }
    /// The layer's type as a reader knows it (``AnyLearner/summary()`` shows it).
    var typeName: String { get }
}

/// fastai's and PyTorch's name for a layer: `final class DotProduct: Module { … }`.
public typealias Module = Layer

extension Layer {
    /// The ``Parameter``s among the stored properties (also in optionals and arrays), named after them.
    public var ownParameters: [(name: String, parameter: Parameter)] {
        LayerReflection.members(of: self).parameters
    }
    /// The layers among the stored properties (also in optionals and arrays), named after them.
    public var children: [(name: String, layer: any Layer)] { LayerReflection.members(of: self).layers }
    /// Not a normalization layer.
    public var isNormalization: Bool { false }
    /// The Swift type's name (`Linear`, `DotProductBias`).
    public var typeName: String { String(describing: Swift.type(of: self)) }
    /// `self(x)`, unchecked: a layer whose input cannot be wrong (`ReLU`); the library's layers that can
    /// fail on a shape or an id check it here.
    public func forward(_ x: Variable) throws -> Variable { self(x) }

    /// For a layer without a stored mode: the mode of its first child.
    ///
    /// `true` without children. Setting it does nothing; ``train(_:)`` sets the children's.
    public var isTraining: Bool {
        get { children.first?.layer.isTraining ?? true }
        set {}
    }

    /// Every parameter of this layer and its descendants, with dotted names, depth first.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var result = ownParameters
        for (childName, child) in children {
            result += child.namedParameters.map { (childName + "." + $0.name, $0.parameter) }
        }
        return result
    }

    /// Every parameter, in ``namedParameters`` order.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// The dotted names of the parameters, in ``namedParameters`` order (`"userFactors.weight"`; PyTorch's
    /// `[name for name, _ in model.named_parameters()]`).
    public var parameterNames: [String] { namedParameters.map(\.name) }

    /// The parameters of normalization layers among this layer and its descendants.
    public var normalizationParameters: [Parameter] {
        (isNormalization ? ownParameters.map(\.parameter) : [])
            + children.flatMap { $0.layer.normalizationParameters }
    }

    /// Sets training mode (`true`) or evaluation mode (`false`) on this layer and its descendants.
    public func train(_ mode: Bool = true) {
        isTraining = mode
        for (_, child) in children { child.train(mode) }
    }

    /// Sets evaluation mode on this layer and its descendants.
    public func eval() { train(false) }

    /// The layer applied to a constant tensor.
    public func callAsFunction(_ x: Tensor) -> Variable { self(Variable(x)) }
}

/// Finds a layer's sub-layers and parameters in its stored properties (`Mirror`), so no layer lists
/// them by hand.
public enum LayerReflection {
    /// The layers and parameters held by `object`'s stored properties.
    ///
    /// Superclasses' first, in declaration order, with dotted names: `weight`, `bias`, `embeds.0`,
    /// `layers.2`. A property holding
    /// `nil` contributes nothing; elements of arrays are numbered; anything else is ignored.
    public static func members(
        of object: AnyObject
    ) -> (layers: [(name: String, layer: any Layer)], parameters: [(name: String, parameter: Parameter)]) {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: object)
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        var members = Members()
        for current in mirrors.reversed() {
            for child in current.children {
                guard let label = child.label, !label.hasPrefix("$") else { continue }
                members.add(child.value, named: label.hasPrefix("_") ? String(label.dropFirst()) : label)
            }
        }
        return (members.layers, members.parameters)
    }

    /// Collects the members of each named value (exposed for adapters that hold their values otherwise,
    /// such as a lesson's own model).
    public struct Members {
        /// The layers, in the order they were added.
        public private(set) var layers: [(name: String, layer: any Layer)] = []
        /// The parameters, in the order they were added.
        public private(set) var parameters: [(name: String, parameter: Parameter)] = []

        /// Nothing yet.
        public init() {}

        /// Adds `value` (a layer, a parameter, or an optional or array of them) under `name`.
        public mutating func add(_ value: Any, named name: String) {
            if let parameter = value as? Parameter {
                parameters.append((name, parameter))
            } else if let layer = value as? any Layer {
                layers.append((name, layer))
            } else {
                let mirror = Mirror(reflecting: value)
                switch mirror.displayStyle {
                case .optional:
                    if let wrapped = mirror.children.first { add(wrapped.value, named: name) }
                case .collection:
                    // Arrays of numbers or strings hold no layers; only look inside arrays of members.
                    guard let first = mirror.children.first?.value, Self.mayHoldMembers(first) else { return }
                    for (index, element) in mirror.children.enumerated() {
                        add(element.value, named: "\(name).\(index)")
                    }
                default: break
                }
            }
        }

        private static func mayHoldMembers(_ value: Any) -> Bool {
            if value is Parameter || value is any Layer { return true }
            let style = Mirror(reflecting: value).displayStyle
            return style == .optional || style == .collection
        }
    }
}

/// A layer that takes several inputs, for data with `nInp > 1` (fastai models whose `forward` has
/// several arguments); ``Learner`` passes it every input of a batch.
public protocol MultiInputLayer: Layer {
    /// The layer applied to its inputs, in block order.
    func callAsFunction(_ xs: [Variable]) -> Variable
}

extension MultiInputLayer {
    /// The layer applied to a single input.
    public func callAsFunction(_ x: Variable) -> Variable { self([x]) }
}

/// PyTorch's default initialisation of weights and biases: `U(−1/√fanIn, 1/√fanIn)`.
private func uniformInit(_ shape: [Int], fanIn: Int) -> Tensor {
    let bound = Float(1 / Double(max(fanIn, 1)).squareRoot())
    return Tensor.uniform(shape, low: -bound, high: bound)
}

/// A fully connected layer `y = x·Wᵀ + b`, weight `[out, in]` (PyTorch `nn.Linear`).
public final class Linear: Layer, @unchecked Sendable {
    /// The weight, `[outFeatures, inFeatures]`.
    public let weight: Parameter
    /// The bias, `[outFeatures]`, if any.
    public let bias: Parameter?
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates a layer with PyTorch's default initialisation (drawn from `Random.current`).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        weight = Parameter(uniformInit([outFeatures, inFeatures], fanIn: inFeatures))
        self.bias = bias ? Parameter(uniformInit([outFeatures], fanIn: inFeatures)) : nil
    }

    /// `x·Wᵀ + b` for `x` of shape `[N, in]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let product = matmul(x, weight.variable, transposeB: true)
        return LayerTrace.record(self, x, bias.map { product + $0.variable } ?? product)
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, in]` or `[B, N, in]` and the output fits
    /// the ``MemoryBudget``.
    ///
    /// - Throws: ``TensorError`` naming the layer's input width and `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        let inputs = weight.shape[1]
        guard x.rank == 2 || x.rank == 3, x.shape.last == inputs else {
            throw TensorError(
                .shapeMismatch,
                "Linear(\(inputs), \(weight.shape[0])) takes inputs of shape [N, \(inputs)], not \(x.shape)")
        }
        try Tensor.validate(shape: x.shape.dropLast() + [weight.shape[0]])
        return self(x)
    }
}

/// A 2-D convolution over `[N, C, H, W]` (PyTorch `nn.Conv2d`), weight `[out, in, k, k]`.
public final class Conv2d: Layer, @unchecked Sendable {
    /// The kernels, `[outChannels, inChannels, k, k]`.
    public let weight: Parameter
    /// The bias, `[outChannels]`, if any.
    public let bias: Parameter?
    /// The stride.
    public let stride: Int
    /// The zero padding on each side.
    public let padding: Int
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates a convolution with PyTorch's default initialisation.
    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true
    ) {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Parameter(uniformInit([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn))
        self.bias = bias ? Parameter(uniformInit([outChannels], fanIn: fanIn)) : nil
        self.stride = stride
        self.padding = padding
    }

    /// The convolution of `x`.
    public func callAsFunction(_ x: Variable) -> Variable {
        LayerTrace.record(
            self, x, x.conv2d(weight: weight.variable, bias: bias?.variable, stride: stride, padding: padding)
        )
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, in, H, W]` with the padded image at least
    /// the kernel's size, and the output fits the ``MemoryBudget``.
    ///
    /// - Throws: ``TensorError`` naming the layer's channels and kernel and `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        let (channels, kernel) = (weight.shape[1], weight.shape[2])
        guard x.rank == 4, x.shape[1] == channels, x.shape[2] + 2 * padding >= kernel,
            x.shape[3] + 2 * padding >= kernel
        else {
            throw TensorError(
                .shapeMismatch,
                "Conv2d takes [N, \(channels), H, W] images of at least \(kernel)×\(kernel) pixels with "
                    + "padding \(padding), not \(x.shape)")
        }
        let height = (x.shape[2] + 2 * padding - kernel) / stride + 1
        let width = (x.shape[3] + 2 * padding - kernel) / stride + 1
        try Tensor.validate(shape: [x.shape[0], weight.shape[0], height, width])
        return self(x)
    }
}

/// Batch normalization over axis 1 (`BatchNorm1d` for `[N, C]`/`[N, C, L]`, `BatchNorm2d` for `[N, C, H, W]`).
///
/// fastai's `BatchNorm` initialisation by default: weight 1, bias 1e-3 (PyTorch's is bias 0).
public final class BatchNorm: Layer, @unchecked Sendable {
    /// The scale γ, `[C]`.
    public let weight: Parameter
    /// The shift β, `[C]`.
    public let bias: Parameter
    /// The running mean (a buffer, saved with the weights).
    public var runningMean: Tensor
    /// The running (unbiased) variance (a buffer, saved with the weights).
    public var runningVar: Tensor
    /// The running-statistics momentum (PyTorch's convention: weight of the new batch).
    public let momentum: Float
    /// Added to the variance.
    public let eps: Float
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates a layer over `features` channels.
    public init(_ features: Int, momentum: Float = 0.1, eps: Float = 1e-5, fastaiInit: Bool = true) {
        weight = Parameter(Tensor.ones([features]))
        bias = Parameter(Tensor(repeating: fastaiInit ? 1e-3 : 0, shape: [features]))
        runningMean = Tensor.zeros([features])
        runningVar = Tensor.ones([features])
        self.momentum = momentum
        self.eps = eps
    }

    /// Normalization parameters: trained when frozen, no weight decay.
    public var isNormalization: Bool { true }

    /// The normalized `x` (batch statistics in training, running statistics in evaluation).
    public func callAsFunction(_ x: Variable) -> Variable {
        let y = x.batchNorm(
            weight: weight.variable, bias: bias.variable, runningMean: &runningMean,
            runningVariance: &runningVar,
            training: isTraining, momentum: momentum, eps: eps)
        return LayerTrace.record(self, x, y)
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, C, …]` with this layer's `C` channels.
    ///
    /// - Throws: ``TensorError`` naming the layer's channels and `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.rank >= 2, x.shape[1] == weight.shape[0] else {
            throw TensorError(
                .shapeMismatch,
                "BatchNorm(\(weight.shape[0])) takes [N, \(weight.shape[0]), …], not \(x.shape)")
        }
        return self(x)
    }
}

/// `BatchNorm1d`: batch normalization of `[N, C]` features.
public typealias BatchNorm1d = BatchNorm
/// `BatchNorm2d`: batch normalization of `[N, C, H, W]` feature maps.
public typealias BatchNorm2d = BatchNorm

/// The rectifier `max(x, 0)`.
public final class ReLU: Layer, @unchecked Sendable {
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// `max(x, 0)`.
    public func callAsFunction(_ x: Variable) -> Variable { LayerTrace.record(self, x, x.relu()) }
}

/// Inverted dropout with probability `p` in training mode; the identity in evaluation mode.
public final class Dropout: Layer, @unchecked Sendable {
    /// The probability of zeroing an element.
    public let p: Float
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer (masks are drawn from `Random.current`).
    public init(_ p: Float = 0.5) { self.p = p }
    /// `x` with dropout applied in training.
    public func callAsFunction(_ x: Variable) -> Variable {
        LayerTrace.record(self, x, x.dropout(probability: p, training: isTraining))
    }
}

/// An embedding table `[count, dim]`, looked up by row index (fastai `Embedding`).
///
/// Initialised as fastai does: N(0, 1) samples wrapped by `fmod` 2, times 0.01. The input holds
/// row indices (as floats) of any shape; the output adds a trailing axis of size `dim`. Gradients
/// are sparse (touched rows only).
public final class Embedding: Layer, @unchecked Sendable {
    /// The table, `[count, dim]`.
    public let weight: Parameter
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates a table of `count` rows of width `dim`.
    public init(_ count: Int, _ dim: Int, std: Float = 0.01) {
        weight = Parameter(Tensor.truncatedNormal([count, dim], std: std))
    }

    /// The rows at the indices held in `x`: shape `x.shape + [dim]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let indices = x.value.scalars.map { Int($0) }
        let rows = weight.variable.gather(indices)
        return LayerTrace.record(self, x, rows.reshaped(x.shape + [weight.shape[1]]))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: every id in `x` a whole number in `0..<count` (not
    /// NaN, ∞ or 1e20), and the output within the ``MemoryBudget``.
    ///
    /// - Throws: ``TensorError`` naming the first bad id and the table's size.
    public func forward(_ x: Variable) throws -> Variable {
        _ = try x.value.rowIndices(rows: weight.shape[0], table: "an Embedding")
        try Tensor.validate(shape: x.shape + [weight.shape[1]])
        return self(x)
    }

    /// The rows at `indices`: shape `[indices.count, dim]`.
    ///
    /// - Precondition: every id is in `0..<count` (a forward pass is not throwing; see
    ///   ``lookup(_:)`` for ids a user chose).
    public func callAsFunction(_ indices: [Int]) -> Variable {
        LayerTrace.record(self, inputShape: [indices.count], weight.variable.gather(indices))
    }

    /// The rows at ids a user chose, checked: shape `[ids.count, dim]`.
    ///
    /// - Throws: ``TensorError`` for an id outside `0..<count`.
    public func lookup(_ ids: [Int]) throws -> Variable {
        let count = weight.shape[0]
        if let bad = ids.first(where: { !(0..<count).contains($0) }) {
            throw TensorError(.outOfRange, "id \(bad) is out of range for an Embedding of \(count) rows")
        }
        return weight.variable.gather(ids)
    }
}

/// Flattens every axis after the first: `[N, …] → [N, ∏…]`.
public final class Flatten: Layer, @unchecked Sendable {
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// The flattened `x`.
    public func callAsFunction(_ x: Variable) -> Variable { LayerTrace.record(self, x, x.flattened(from: 1)) }
}

/// Concatenated adaptive max- and average-pooling to `size`, max first (fastai `AdaptiveConcatPool2d`).
public final class AdaptiveConcatPool2d: Layer, @unchecked Sendable {
    /// The output height and width.
    public let size: Int
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer; the output has twice the input's channels.
    public init(_ size: Int = 1) { self.size = size }
    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[N, C, H, W]` with H and W at least 1.
    ///
    /// - Throws: ``TensorError`` naming `x`'s shape.
    public func forward(_ x: Variable) throws -> Variable {
        guard x.rank == 4, x.shape[2] > 0, x.shape[3] > 0 else {
            throw TensorError(.rank, "AdaptiveConcatPool2d takes [N, C, H, W] feature maps, not \(x.shape)")
        }
        return self(x)
    }

    /// `cat([maxPool(x), avgPool(x)], axis: 1)`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let pooled = Variable.concat(
            [x.adaptiveMaxPool2d(outputSize: size), x.adaptiveAvgPool2d(outputSize: size)], axis: 1)
        return LayerTrace.record(self, x, pooled)
    }
}

/// `σ(x)·(high − low) + low`: squashes `x` into `(low, high)` (fastai `sigmoid_range`).
public func sigmoidRange(_ x: Variable, _ low: Float, _ high: Float) -> Variable {
    x.sigmoid() * (high - low) + low
}

/// `σ(x)·(high − low) + low` with bounds written as `Double`s (`sigmoidRange(x, yRange.lowerBound,
/// yRange.upperBound)` for a `ClosedRange<Double>`).
public func sigmoidRange(_ x: Variable, _ low: Double, _ high: Double) -> Variable {
    sigmoidRange(x, Float(low), Float(high))
}

/// `σ(x)·(high − low) + low` for a range written as one (`sigmoidRange(x, yRange)` with
/// `yRange = 0...5.5`), as fastbook's collab and regression models pass their `y_range`.
public func sigmoidRange(_ x: Variable, _ range: ClosedRange<Double>) -> Variable {
    sigmoidRange(x, range.lowerBound, range.upperBound)
}

/// A layer applying ``sigmoidRange(_:_:_:)`` (fastai `SigmoidRange`).
public final class SigmoidRange: Layer, @unchecked Sendable {
    /// The lower bound.
    public let low: Float
    /// The upper bound.
    public let high: Float
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates the layer for `low...high` (fastai `y_range`).
    public init(_ range: ClosedRange<Double>) {
        low = Float(range.lowerBound)
        high = Float(range.upperBound)
    }
    /// Creates the layer for `(low, high)`.
    public init(_ low: Float, _ high: Float) {
        self.low = low
        self.high = high
    }
    /// `σ(x)·(high − low) + low`.
    public func callAsFunction(_ x: Variable) -> Variable {
        LayerTrace.record(self, x, sigmoidRange(x, low, high))
    }
}

/// Layers applied in order; children are named `"0"`, `"1"`, … (PyTorch `nn.Sequential`).
public final class Sequential: Layer, @unchecked Sendable {
    /// The layers.
    public let layers: [any Layer]
    /// Whether the layer is in training mode.
    public var isTraining = true

    /// Creates a sequence of `layers`.
    public init(_ layers: [any Layer]) { self.layers = layers }
    /// Creates a sequence of `layers`.
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// The layers, named by position.
    public var children: [(name: String, layer: any Layer)] { layers.enumerated().map { (String($0), $1) } }

    /// `x` through every layer.
    public func callAsFunction(_ x: Variable) -> Variable {
        var result = x
        for layer in layers { result = layer(result) }
        return result
    }

    /// `x` through every layer, stopping at the first that fails.
    public func forward(_ x: Variable) throws -> Variable {
        var result = x
        for layer in layers { result = try layer.forward(result) }
        return result
    }

    /// The layer at `index`.
    public subscript(index: Int) -> any Layer { layers[index] }
    /// The number of layers.
    public var count: Int { layers.count }
}

/// A layer defined by a closure over other layers (for small custom models).
public final class Lambda: Layer, @unchecked Sendable {
    private let body: @Sendable (Variable) -> Variable
    /// Whether the layer is in training mode.
    public var isTraining = true
    /// Creates a parameter-free layer computing `body`.
    public init(_ body: @escaping @Sendable (Variable) -> Variable) { self.body = body }
    /// `body(x)`.
    public func callAsFunction(_ x: Variable) -> Variable { LayerTrace.record(self, x, body(x)) }
}
