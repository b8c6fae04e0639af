import Foundation
import TensorCore
import Training

/// The named tensors of a weight file: a safetensors file or a PyTorch `.pth`/`.pt` state dict, told apart
/// by their first bytes (not by their names).
///
/// ```swift
/// let state = try StateDict.read(from: Path("resnet34-b627a593.pth"))
/// state["fc.weight"]?.shape   // [1000, 512]
/// ```
public struct StateDict: Sendable {
    /// One tensor: its name, the element type the file stored (`F32`, `F16`, `I64`, …), its values.
    public struct Entry: Sendable {
        /// The name, such as `layer1.0.conv1.weight`.
        public let name: String
        /// The element type the file stored, in safetensors' spelling.
        public let dtype: String
        /// The values, as `Float`.
        public let tensor: Tensor
    }

    /// The file.
    public let path: String
    /// The tensors, in the file's order.
    public let entries: [Entry]
    /// A safetensors file's `__metadata__` (empty for a `.pth`).
    public let metadata: [String: String]

    /// The tensor named `name`.
    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// Reads a weight file.
    ///
    /// A zip archive is read as `torch.save`'s format through a restricted unpickler that accepts only
    /// what a state dict is made of (``TorchPickle/allowedGlobals``) and refuses the rest before building
    /// anything; anything else is read as safetensors.
    ///
    /// - Throws: ``WeightsError`` naming the file: missing, malformed, truncated, refused.
    public static func read(from path: Path) throws(WeightsError) -> StateDict {
        guard let handle = try? FileHandle(forReadingFrom: path.url) else {
            throw .missingFile(path: path.string)
        }
        let magic = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        try? handle.close()
        if magic == [0x50, 0x4B, 0x03, 0x04] || magic == [0x50, 0x4B, 0x05, 0x06] {
            let entries = try TorchCheckpoint.decode(path.url, path: path.string)
            return StateDict(path: path.string, entries: entries, metadata: [:])
        }
        if magic.starts(with: [0x80]) || magic.starts(with: [0x1F, 0x8B]) {
            throw .legacyFormat(path: path.string)
        }
        guard let data = try? Data(contentsOf: path.url, options: .mappedIfSafe) else {
            throw .missingFile(path: path.string)
        }
        let (entries, metadata) = try SafeTensors.decode(data, path: path.string)
        return StateDict(path: path.string, entries: entries, metadata: metadata)
    }
}

/// The one mapping between torchvision's ResNet names and Khru's ResNet body.
///
/// Khru's body is fastai's `create_body` of a torchvision ResNet: its children `conv1`, `bn1`, `relu`,
/// `maxpool`, `layer1`…`layer4` renumbered `0`…`7` (`nn.Sequential(*list(model.children())[:-2])`),
/// so `conv1.weight` is `0.weight`, `bn1.running_mean` is `1.running_mean` and
/// `layer1.0.downsample.0.weight` is `4.0.downsample.0.weight`; inside a stage the names are the
/// same (``ResidualBlock`` names its layers as torchvision does). `avgpool` has no weights and `fc` is
/// the classifier, which a body does not have. ``ResNet`` uses torchvision's names as they are.
public enum TorchvisionResNetNames {
    /// torchvision's children of a ResNet that make the body, in order.
    public static let bodyChildren = [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
    ]

    /// The body's name for torchvision's `name` (`layer2.0.conv1.weight` → `5.0.conv1.weight`), or nil for
    /// a name outside the body (`fc.weight`).
    public static func bodyName(_ name: String) -> String? {
        let parts = name.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let index = bodyChildren.firstIndex(of: String(parts[0])) else { return nil }
        return "\(index).\(parts[1])"
    }

    /// torchvision's name for the body's `name` (`5.0.conv1.weight` → `layer2.0.conv1.weight`).
    public static func torchvisionName(_ name: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let index = Int(parts[0]), bodyChildren.indices.contains(index) else {
            return name
        }
        return "\(bodyChildren[index]).\(parts[1])"
    }
}

/// Something of a model a weight file sets: a parameter or a batch norm's running statistic.
private enum StateTarget {
    case parameter(Parameter)
    case runningMean(BatchNorm)
    case runningVar(BatchNorm)

    var shape: [Int] {
        switch self {
        case .parameter(let parameter): parameter.shape
        case .runningMean(let norm): norm.runningMean.shape
        case .runningVar(let norm): norm.runningVar.shape
        }
    }

    func assign(_ value: Tensor) {
        switch self {
        case .parameter(let parameter): parameter.value = value
        case .runningMean(let norm): norm.runningMean = value
        case .runningVar(let norm): norm.runningVar = value
        }
    }
}

/// The model's state as PyTorch's `state_dict()` names it: parameters, then each batch norm's
/// `running_mean` and `running_var` (PyTorch's `num_batches_tracked` has no counterpart and is ignored).
private func stateTargets(of model: any Layer) -> [(name: String, target: StateTarget)] {
    var targets = model.namedParameters.map { (name: $0.name, target: StateTarget.parameter($0.parameter)) }
    for (path, norm) in batchNormLayers(model) {
        let prefix = path.isEmpty ? "" : path + "."
        targets.append((prefix + "running_mean", .runningMean(norm)))
        targets.append((prefix + "running_var", .runningVar(norm)))
    }
    return targets
}

/// Whether `layer` is a ResNet body as ``ResNetArchitecture/body(inChannels:)`` makes it.
func isResNetBody(_ layer: any Layer) -> Bool {
    guard let body = layer as? Sequential, body.count == 8, body[0] is Conv2d, body[1] is BatchNorm else {
        return false
    }
    return (4..<8).allSatisfy { ((body[$0] as? Sequential)?.layers ?? []).allSatisfy { $0 is ResidualBlock } }
}

/// How a file's names meet a model's.
private enum NameLayout {
    /// The file uses the model's own names.
    case direct
    /// The file is a torchvision ResNet's; the model's ResNet body sits under `prefix` (`""` for a body,
    /// `"0."` for `Sequential(body, head)`); `fc.*` is skipped and the rest of the model is not required.
    case torchvisionBody(prefix: String)

    init(model: any Layer, fileNames: Set<String>, modelNames: Set<String>) {
        guard fileNames.contains("conv1.weight"), !modelNames.contains("conv1.weight") else {
            self = .direct
            return
        }
        if isResNetBody(model) {
            self = .torchvisionBody(prefix: "")
        } else if let model = model as? Sequential, model.count == 2, isResNetBody(model[0]) {
            self = .torchvisionBody(prefix: "0.")
        } else {
            self = .direct
        }
    }
}

/// The stem's pretrained `[out, 3, k, k]` weights for `channels` input channels, as fastai's
/// `_load_pretrained_weights` makes them: the sum over channels for 1, the first two × 1.5 for 2, and
/// the three with zeros after them for more.
func adaptedStem(_ weight: Tensor, channels: Int) -> Tensor {
    let (out, stored, plane) = (weight.shape[0], weight.shape[1], weight.shape[2] * weight.shape[3])
    let source = weight.scalars
    var scalars = [Float](repeating: 0, count: out * channels * plane)
    for o in 0..<out {
        for c in 0..<channels {
            for offset in 0..<plane {
                let to = (o * channels + c) * plane + offset
                func at(_ channel: Int) -> Float { source[(o * stored + channel) * plane + offset] }
                switch channels {
                case 1: scalars[to] = (0..<stored).reduce(0) { $0 + at($1) }
                case 2: scalars[to] = at(c) * 1.5
                default: scalars[to] = c < stored ? at(c) : 0
                }
            }
        }
    }
    return Tensor(shape: [out, channels, weight.shape[2], weight.shape[3]], scalars: scalars)
}

extension StateDict {
    /// Sets `model`'s parameters and batch-norm statistics from these tensors, all or nothing.
    ///
    /// Names meet in one of two ways: the file's names are the model's own (a ``ResNet`` and a
    /// torchvision file, a `Sequential` and PyTorch's `nn.Sequential`, Khru's names), or the file is a
    /// torchvision ResNet's and the model is a ResNet body or `Sequential(body, head)` (as
    /// ``cnnLearner(_:_:metrics:yRange:pretrained:weights:lossFunc:nOut:ps:concatPool:lr:wd:)`` makes
    /// it): then ``TorchvisionResNetNames`` maps them, `fc.*` is skipped (the head is new, as fastai's is),
    /// and a stem of other than 3 input channels gets fastai's adaptation of the weights.
    /// `num_batches_tracked` is ignored.
    ///
    /// - Throws: ``WeightsError/keysDiffer(path:missing:unexpected:shapes:)`` listing every missing and
    ///   unexpected name and every shape that differs, in the file's names; nothing is changed then.
    public func load(into model: any Layer) throws(WeightsError) {
        let targets = stateTargets(of: model)
        let byName = Dictionary(targets.map { ($0.name, $0.target) }, uniquingKeysWith: { first, _ in first })
        let layout = NameLayout(
            model: model, fileNames: Set(entries.map(\.name)), modelNames: Set(byName.keys))
        var required = Set(byName.keys)
        var prefix = ""
        if case .torchvisionBody(let bodyPrefix) = layout {
            prefix = bodyPrefix
            required = required.filter { $0.hasPrefix(bodyPrefix) }
        }
        func fileName(_ modelName: String) -> String {
            guard case .torchvisionBody = layout else { return modelName }
            return TorchvisionResNetNames.torchvisionName(String(modelName.dropFirst(prefix.count)))
        }
        var assignments: [(StateTarget, Tensor)] = []
        var unexpected: [String] = []
        var shapes: [String] = []
        var provided = Set<String>()
        for entry in entries where !entry.name.hasSuffix("num_batches_tracked") {
            let modelName: String
            switch layout {
            case .direct: modelName = entry.name
            case .torchvisionBody:
                guard let body = TorchvisionResNetNames.bodyName(entry.name) else {
                    if !entry.name.hasPrefix("fc.") { unexpected.append(entry.name) }
                    continue
                }
                modelName = prefix + body
            }
            guard required.contains(modelName), let target = byName[modelName] else {
                unexpected.append(entry.name)
                continue
            }
            provided.insert(modelName)
            var value = entry.tensor
            if value.shape != target.shape, case .torchvisionBody = layout, modelName == prefix + "0.weight",
                value.rank == 4, target.shape.count == 4, value.shape[1] == 3,
                value.shape[0] == target.shape[0], value.shape[2...] == target.shape[2...]
            {
                value = adaptedStem(value, channels: target.shape[1])
            }
            guard value.shape == target.shape else {
                shapes.append("\(entry.name): file \(entry.tensor.shape) vs model \(target.shape)")
                continue
            }
            assignments.append((target, value))
        }
        let missing = targets.map(\.name).filter { required.contains($0) && !provided.contains($0) }.map(
            fileName)
        guard missing.isEmpty, unexpected.isEmpty, shapes.isEmpty else {
            throw .keysDiffer(path: path, missing: missing, unexpected: unexpected, shapes: shapes)
        }
        for (target, value) in assignments { target.assign(value) }
    }
}

/// Loads a safetensors file or a PyTorch `.pth`/`.pt` state dict into `model`: its parameters and its
/// batch norms' running statistics, all or nothing.
///
/// ```swift
/// let model = try resnet18(width: 64).model()
/// try loadWeights(into: model, from: Path("resnet18-f37072fd.pth"))
/// model.eval()
/// ```
///
/// See ``StateDict/read(from:)`` for the formats and ``StateDict/load(into:)`` for how names meet (a
/// torchvision ResNet file also loads into a ResNet body or a `cnnLearner`'s model, its `fc` skipped).
///
/// - Parameters:
///   - model: The model, such as a ``ResNet``, a body, or a `Sequential` saved by PyTorch.
///   - path: The weight file.
/// - Throws: ``WeightsError`` naming the file: missing, malformed or refused (a pickle that calls
///   anything but what a state dict needs), or not fitting the model (every difference listed).
public func loadWeights(into model: any Layer, from path: Path) throws(WeightsError) {
    try StateDict.read(from: path).load(into: model)
}

/// torchvision's ImageNet checkpoints of ResNet-18/34/50 and where torch keeps them.
public enum TorchvisionWeights {
    /// The checkpoint files torchvision downloads for `name`, preferred first (torchvision's `DEFAULT`
    /// weights: `IMAGENET1K_V1` for ResNet-18/34, `IMAGENET1K_V2` for ResNet-50, then its V1).
    public static func fileNames(for name: String) -> [String] {
        switch name {
        case "resnet18": ["resnet18-f37072fd.pth"]
        case "resnet34": ["resnet34-b627a593.pth"]
        case "resnet50": ["resnet50-11ad3fa6.pth", "resnet50-0676ba61.pth"]
        default: []
        }
    }

    /// torch's checkpoint folder: `$TORCH_HOME/hub/checkpoints`, `TORCH_HOME` defaulting to
    /// `$XDG_CACHE_HOME/torch`, that to `~/.cache/torch` (as `torch.hub.get_dir()`).
    public static func checkpointFolder(
        environment: [String: String] = ProcessInfo.processInfo.environment, home: Path = .home
    ) -> Path {
        let torchHome: Path
        if let configured = environment["TORCH_HOME"], !configured.isEmpty {
            torchHome = Path(configured)
        } else if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty {
            torchHome = Path(cache) / "torch"
        } else {
            torchHome = home / ".cache" / "torch"
        }
        return torchHome / "hub" / "checkpoints"
    }

    /// The checkpoint of `arch` in `folder`, the first of ``fileNames(for:)`` that exists.
    ///
    /// - Throws: ``WeightsError/missingTorchvisionCheckpoint(architecture:path:url:)`` saying how to get it,
    ///   or ``WeightsError/noTorchvisionCheckpoint(architecture:)`` for an architecture torchvision has no
    ///   checkpoint of (another width, another depth).
    public static func checkpoint(
        for arch: ResNetArchitecture, in folder: Path = checkpointFolder()
    ) throws(WeightsError) -> Path {
        let names = fileNames(for: arch.name)
        let standard = ResNetArchitecture(name: arch.name, block: arch.block, layers: arch.layers, width: 64)
        guard let first = names.first, arch.width == 64,
            [ResNetArchitecture.resnet18, .resnet34, .resnet50].map({ $0.width(64) }).contains(standard)
        else {
            throw .noTorchvisionCheckpoint(architecture: arch.description)
        }
        for name in names where (folder / name).exists { return folder / name }
        throw .missingTorchvisionCheckpoint(
            architecture: arch.description, path: (folder / first).string,
            url: "https://download.pytorch.org/models/\(first)")
    }
}

extension ResNetArchitecture {
    /// Whether ``cnnLearner(_:_:metrics:yRange:pretrained:lossFunc:nOut:ps:concatPool:lr:wd:)`` finds
    /// pretrained weights for this architecture on this machine.
    ///
    /// At torchvision's width (64), torchvision's checkpoint in torch's cache
    /// (``TorchvisionWeights/checkpoint(for:in:)``); at any other, Khru's own body in
    /// ``PretrainedBodies/defaultFolder(environment:currentDirectory:)``. A lesson that runs on real data
    /// when it can passes `pretrained: arch.hasPretrainedWeights` rather than fail without them.
    public var hasPretrainedWeights: Bool {
        if width == 64 { return (try? TorchvisionWeights.checkpoint(for: self)) != nil }
        return (PretrainedBodies.defaultFolder() / PretrainedBodies.fileName(for: self)).exists
    }
}
