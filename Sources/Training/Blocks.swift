import Foundation
import TensorCore

/// One named step of turning what `getX`/`getY` gave into a tensor.
///
/// These are fastai's type transforms, e.g. `Categorize` or `OneHotEncode`.
public struct TypeTransform: Sendable {
    /// The step's name, as ``DataBlock/summary(_:bs:)`` shows it.
    public let name: String
    /// The step.
    public let apply: @Sendable (any Sendable) throws -> any Sendable

    /// Creates a step.
    public init(_ name: String, _ apply: @escaping @Sendable (any Sendable) throws -> any Sendable) {
        self.name = name
        self.apply = apply
    }
}

/// A transform applied to each sample after its type transforms.
///
/// These are fastai's `item_tfms`, e.g. `Resize`.
public protocol ItemTransform: Sendable {
    /// Sort key: lower runs first (fastai's `order`).
    var order: Int { get }
    /// Transforms the sample's tensors in place; `kinds` says what each is. `generator` is nil for
    /// validation samples (so random transforms use their deterministic validation behaviour).
    func callAsFunction(_ sample: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator?) throws
}

/// What one element of a sample is and how it is made: its type transforms, its vocabulary and the
/// item and batch transforms it brings (fastai's `TransformBlock`).
///
/// Training provides ``CategoryBlock``, ``MultiCategoryBlock``, ``RegressionBlock`` and
/// ``FloatBlock``; other modules add blocks (an `ImageBlock` loads a ``Path`` into `[C, H, W]`).
public protocol TransformBlock: Sendable {
    /// What the block's tensors stand for.
    var kind: BlockKind { get }
    /// The vocabulary after ``setup(_:)``, for categorical blocks.
    var vocab: CategoryMap? { get }
    /// Item transforms the block needs (run with the user's, sorted by order).
    var itemTfms: [any ItemTransform] { get }
    /// Batch transforms the block needs (e.g. an image block's `IntToFloatTensor`).
    var batchTfms: [any BatchTransform] { get }
    /// The type transforms, in order; the last one gives a ``Tensor``.
    var typeTransforms: [TypeTransform] { get }
    /// Learns what the block needs (a vocabulary) from the training items' raw values.
    mutating func setup(_ values: [any Sendable]) throws
    /// The tensor for one raw value (by default, ``typeTransforms`` in order).
    func encode(_ value: any Sendable) throws -> Tensor
    /// A short human reading of one encoded tensor (a label, labels joined by `;`, numbers).
    func decode(_ tensor: Tensor) -> String
    /// What one raw value becomes: a ``Tensor`` (by default, ``encode(_:)``), or the value itself
    /// for an ``IdentityBlock``.
    func encodeValue(_ value: any Sendable) throws -> any Sendable
    /// The loss fastai picks for a target of this block (nil: none; `Learner` then uses cross-entropy).
    var lossFunc: (any LossFunction)? { get }
}

extension TransformBlock {
    /// No vocabulary.
    public var vocab: CategoryMap? { nil }
    /// No item transforms.
    public var itemTfms: [any ItemTransform] { [] }
    /// No batch transforms.
    public var batchTfms: [any BatchTransform] { [] }
    /// Nothing to learn.
    public mutating func setup(_ values: [any Sendable]) throws {}
    /// No loss of its own.
    public var lossFunc: (any LossFunction)? { nil }
    /// ``encode(_:)``.
    public func encodeValue(_ value: any Sendable) throws -> any Sendable { try encode(value) }

    /// Runs ``typeTransforms`` on `value`.
    public func encode(_ value: any Sendable) throws -> Tensor {
        var current = value
        for step in typeTransforms { current = try step.apply(current) }
        guard let tensor = current as? Tensor else {
            throw TrainingError("\(type(of: self)) produced \(type(of: current)), not a Tensor")
        }
        return tensor
    }

    /// The tensor's numbers.
    public func decode(_ tensor: Tensor) -> String { compactNumbers(tensor) }
}

/// A single label per item, encoded as its index in a sorted vocabulary (fastai `CategoryBlock`).
public struct CategoryBlock: TransformBlock {
    /// The vocabulary (given, or the sorted labels of the training items after setup).
    public private(set) var vocab: CategoryMap?
    /// Whether a learned vocabulary is sorted.
    public let sort: Bool
    /// Whether `#na#` is added first.
    public let addNA: Bool

    /// Creates a block; with `vocab` nil the vocabulary is learned from the training labels.
    public init(vocab: [String]? = nil, sort: Bool = true, addNA: Bool = false) {
        self.vocab = vocab.map { CategoryMap($0, sort: false, addNA: addNA) }
        self.sort = sort
        self.addNA = addNA
    }

    /// Class indices.
    public var kind: BlockKind { .category }
    /// `CrossEntropyLossFlat()`, as fastai's `Categorize` chooses.
    public var lossFunc: (any LossFunction)? { CrossEntropyLossFlat() }

    /// Learns the vocabulary from the training labels (unless one was given).
    public mutating func setup(_ values: [any Sendable]) throws {
        if vocab == nil { vocab = CategoryMap(values.map(labelText), sort: sort, addNA: addNA) }
    }

    /// `Categorize`: the label's index as a rank-0 tensor.
    public var typeTransforms: [TypeTransform] {
        let vocab = self.vocab ?? CategoryMap([String]())
        return [
            TypeTransform("Categorize(sort: \(sort), addNA: \(addNA))") { value in
                let label = labelText(value)
                guard let index = vocab.index(of: label) else {
                    throw TrainingError(vocab.missing(label))
                }
                return Tensor(Float(index))
            }
        ]
    }

    /// The label of a class index.
    public func decode(_ tensor: Tensor) -> String {
        guard let vocab, tensor.count == 1 else { return compactNumbers(tensor) }
        let index = Int(tensor.scalars[0])
        return vocab.indices.contains(index) ? vocab[index] : compactNumbers(tensor)
    }
}

/// Several labels per item, one-hot encoded over a sorted vocabulary (fastai `MultiCategoryBlock`).
///
/// Each raw value must be a list of labels (`[String]`, `[Substring]`, …); the vocabulary is the
/// sorted union of the training items' labels.
public struct MultiCategoryBlock: TransformBlock {
    /// The vocabulary (given, or learned from the training labels after setup).
    public private(set) var vocab: CategoryMap?
    /// Whether `#na#` is added first.
    public let addNA: Bool

    /// Creates a block; with `vocab` nil the vocabulary is learned from the training labels.
    public init(vocab: [String]? = nil, addNA: Bool = false) {
        self.vocab = vocab.map { CategoryMap($0, sort: false, addNA: addNA) }
        self.addNA = addNA
    }

    /// One-hot label vectors.
    public var kind: BlockKind { .multiCategory }
    /// `BCEWithLogitsLossFlat()`, as fastai's `MultiCategorize` chooses.
    public var lossFunc: (any LossFunction)? { BCEWithLogitsLossFlat() }

    /// Learns the vocabulary: the sorted union of the training labels (unless one was given).
    public mutating func setup(_ values: [any Sendable]) throws {
        if vocab == nil { vocab = CategoryMap(try values.flatMap(labelList), addNA: addNA) }
    }

    /// `MultiCategorize` (labels → indices), then `OneHotEncode` (indices → `[c]` of 0/1).
    public var typeTransforms: [TypeTransform] {
        let vocab = self.vocab ?? CategoryMap([String]())
        return [
            TypeTransform("MultiCategorize(addNA: \(addNA))") { value in
                let indices = try labelList(value).map { label in
                    guard let index = vocab.index(of: label) else {
                        throw TrainingError(vocab.missing(label))
                    }
                    return Float(index)
                }
                return Tensor(shape: [indices.count], scalars: indices)
            },
            TypeTransform("OneHotEncode(c: \(vocab.count))") { value in
                guard let indices = value as? Tensor else {
                    throw TrainingError("OneHotEncode needs label indices, got \(type(of: value))")
                }
                var scalars = [Float](repeating: 0, count: vocab.count)
                for index in indices.scalars { scalars[Int(index)] = 1 }
                return Tensor(shape: [vocab.count], scalars: scalars)
            },
        ]
    }

    /// The labels whose entry is 1, joined by `;` (as fastai titles a multi-label image).
    public func decode(_ tensor: Tensor) -> String {
        guard let vocab, tensor.count == vocab.count else { return compactNumbers(tensor) }
        return zip(vocab, tensor.scalars).filter { $0.1 > 0.5 }.map(\.0).joined(separator: ";")
    }
}

/// The raw value, unchanged (fastai's plain `TransformBlock()`, the default blocks of a `DataBlock`).
///
/// `DataBlock(getX: getX, getY: getY).datasets(df).train[0]` then shows what `getX` and `getY`
/// give (a path and a list of labels), as the first step of building a block does in fastai.
/// Its values are not tensors, so loaders over identity blocks cannot collate them.
public struct IdentityBlock: TransformBlock {
    /// Creates a block.
    public init() {}

    /// Any value.
    public var kind: BlockKind { .tensor }

    /// None: the value stays as it is.
    public var typeTransforms: [TypeTransform] { [] }

    /// The value itself.
    public func encodeValue(_ value: any Sendable) throws -> any Sendable { value }

    /// The value when it is a tensor; anything else cannot be batched.
    public func encode(_ value: any Sendable) throws -> Tensor {
        if let tensor = value as? Tensor { return tensor }
        throw TrainingError(
            "this block keeps \(type(of: value)) values as they are (fastai's plain TransformBlock), so they "
                + "cannot be batched; give the DataBlock blocks such as [ImageBlock(), CategoryBlock()]")
    }
}

/// Real-valued targets: a number per item, or a list of numbers (fastai `RegressionBlock`).
public struct RegressionBlock: TransformBlock {
    /// The number of outputs, when known.
    public let nOut: Int?

    /// Creates a block.
    public init(nOut: Int? = nil) { self.nOut = nOut }

    /// Real targets.
    public var kind: BlockKind { .regression }
    /// `MSELossFlat()`, as fastai's `RegressionSetup` chooses.
    public var lossFunc: (any LossFunction)? { MSELossFlat() }

    /// `RegressionSetup`: numbers (or a list of them, or a tensor) as a float tensor.
    public var typeTransforms: [TypeTransform] {
        [TypeTransform("RegressionSetup") { try floatTensor($0) }]
    }
}

/// Numeric inputs: a number, a list of numbers or a tensor per item, as a float tensor.
///
/// It lets a ``DataBlock`` run end to end on tabular features without images.
public struct FloatBlock: TransformBlock {
    /// Creates a block.
    public init() {}

    /// Plain tensors.
    public var kind: BlockKind { .tensor }

    /// `ToFloatTensor`.
    public var typeTransforms: [TypeTransform] {
        [TypeTransform("ToFloatTensor") { try floatTensor($0) }]
    }
}

// MARK: - Reading raw values

/// A label's text: strings as they are, table cells and other values as they print.
func labelText(_ value: any Sendable) -> String {
    switch value {
    case let text as String: return text
    case let text as Substring: return String(text)
    case let cell as DataFrame.Value: return cell.description
    case let other as CustomStringConvertible: return other.description
    default: return String(describing: value)
    }
}

/// The labels of a multi-label value: any sequence whose elements read as labels.
func labelList(_ value: any Sendable) throws -> [String] {
    if value is String || value is Substring || value is DataFrame.Value {
        throw TrainingError(
            "MultiCategoryBlock needs a list of labels per item, got the text '\(labelText(value))'; "
                + "split it, e.g. getY: { $0[\"labels\"].split(separator: \" \") }")
    }
    guard let sequence = value as? any Sequence else {
        throw TrainingError("MultiCategoryBlock needs a list of labels per item, got \(type(of: value))")
    }
    return sequence.labelTexts()
}

extension Sequence {
    fileprivate func labelTexts() -> [String] {
        map { element in
            switch element {
            case let text as String: return text
            case let text as Substring: return String(text)
            case let other as CustomStringConvertible: return other.description
            default: return String(describing: element)
            }
        }
    }

    fileprivate func floatValues() throws -> [Float] {
        try map { element in
            guard let number = scalarValue(element) else {
                throw TrainingError("expected numbers, got \(type(of: element)) '\(element)'")
            }
            return number
        }
    }
}

/// One number read from a value, or nil.
private func scalarValue(_ value: Any) -> Float? {
    switch value {
    case let number as Float: return number
    case let number as Double: return Float(number)
    case let number as Int: return Float(number)
    case let flag as Bool: return flag ? 1 : 0
    case let cell as DataFrame.Value: return Float(cell.double)
    case let text as String: return Float(text)
    case let text as Substring: return Float(text)
    case let tensor as Tensor where tensor.count == 1: return tensor.scalars[0]
    default: return nil
    }
}

/// A float tensor from a number (rank 0), a sequence of numbers (rank 1) or a tensor (as it is).
func floatTensor(_ value: any Sendable) throws -> Tensor {
    if let tensor = value as? Tensor { return tensor }
    if let number = scalarValue(value) { return Tensor(number) }
    if value is String || value is Substring || value is DataFrame.Value {
        throw TrainingError("expected a number, got the text '\(labelText(value))'")
    }
    guard let sequence = value as? any Sequence else {
        throw TrainingError("expected numbers, got \(type(of: value))")
    }
    let scalars = try sequence.floatValues()
    return Tensor(shape: [scalars.count], scalars: scalars)
}

// MARK: - Showing values

/// `[0.5, 1, 2]` or `3` — a tensor's numbers without trailing zeros (at most 20, then `…`).
func compactNumbers(_ tensor: Tensor) -> String {
    let shown = tensor.scalars.prefix(20).map(shortNumber)
    if tensor.rank == 0, let only = shown.first { return only }
    return "[" + shown.joined(separator: ", ") + (tensor.count > 20 ? ", …" : "") + "]"
}

private func shortNumber(_ value: Float) -> String {
    if value == value.rounded(), abs(value) < 1e7 { return String(Int(value)) }
    return String(format: "%.4g", Double(value))
}

/// The fastai name of a tensor of this kind (`TensorCategory`, `TensorImage`, …).
func tensorTypeName(_ kind: BlockKind) -> String {
    switch kind {
    case .image: return "TensorImage"
    case .category: return "TensorCategory"
    case .multiCategory: return "TensorMultiCategory"
    case .point: return "TensorPoint"
    default: return "Tensor"
    }
}

/// A value as the summary shows it: small tensors with their numbers, big ones by size.
func describeValue(_ value: any Sendable, kind: BlockKind) -> String {
    guard let tensor = value as? Tensor else {
        if let text = value as? String { return text }
        if let list = value as? [String] { return "[" + list.joined(separator: ", ") + "]" }
        if let list = value as? [Substring] { return "[" + list.joined(separator: ", ") + "]" }
        return String(describing: value)
    }
    return describeTensor(tensor, kind: kind)
}

/// `TensorCategory(3)`, `TensorMultiCategory([0, 1, 0])` or `TensorImage of size 3x64x64`.
func describeTensor(_ tensor: Tensor, kind: BlockKind) -> String {
    let name = tensorTypeName(kind)
    if tensor.count > 20 || tensor.rank > 1 {
        return "\(name) of size \(tensor.shape.map(String.init).joined(separator: "x"))"
    }
    return "\(name)(\(compactNumbers(tensor)))"
}

/// A transform's name for the summary: its description when it has one, else its type.
func transformName(_ transform: Any) -> String {
    if let described = transform as? CustomStringConvertible { return described.description }
    return String(describing: type(of: transform))
}
