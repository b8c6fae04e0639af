import Foundation
import TensorCore

/// One sample after its type transforms: a value per block, inputs first (fastai's tuple `(x, y)`).
///
/// Each value is a ``Tensor``, except for an ``IdentityBlock``, whose value is what `getX` or
/// `getY` gave (a path, a list of labels).
public struct Sample: Sendable, CustomStringConvertible {
    /// One value per block.
    public let values: [any Sendable]
    /// What each value stands for.
    public let kinds: [BlockKind]
    /// How many values are inputs.
    public let nInp: Int
    /// Each value decoded for people: a label, labels joined by `;`, or numbers.
    public let decoded: [String]

    /// The values that are tensors (every value, unless a block is an ``IdentityBlock``).
    public var tensors: [Tensor] { values.compactMap { $0 as? Tensor } }
    /// The input tensors.
    public var xs: [Tensor] { values.prefix(nInp).compactMap { $0 as? Tensor } }
    /// The target tensors.
    public var ys: [Tensor] { values.dropFirst(nInp).compactMap { $0 as? Tensor } }
    /// The input: the first block's value, or a list of the inputs' values when there are several.
    public var x: any Sendable { nInp == 1 ? values[0] : Array(values.prefix(nInp)) }
    /// The target: the last block's value, or a list of the targets' values when there are several.
    public var y: any Sendable {
        let targets = Array(values.dropFirst(nInp))
        return targets.count == 1 ? targets[0] : targets
    }
    /// `(x, y)`, which a caller can destructure: `let (x, y) = try dsets.train.sample(0).tuple`.
    public var tuple: (x: any Sendable, y: any Sendable) { (x, y) }
    /// The value of block `index` (`sample[1]` is the target of an `(x, y)` sample).
    public subscript(index: Int) -> any Sendable { values[index] }

    /// `(PILImage mode=RGB size=64x64, TensorMultiCategory([0, 1, 1]) = cat;dog)`: each value, and
    /// its decoded label for categorical blocks.
    public var description: String {
        let parts = values.indices.map { index in
            let text = describeValue(values[index], kind: kinds[index])
            let isLabel = kinds[index] == .category || kinds[index] == .multiCategory
            return isLabel ? "\(text) = \(decoded[index])" : text
        }
        return "(" + parts.joined(separator: ", ") + ")"
    }
}

/// An error an item transform throws without knowing which item it was working on; the dataset
/// names the item (its path or row) before passing the error on.
public protocol ItemContextError: Error {
    /// The same error, naming `item`.
    func naming(item: String) -> any Error
}

/// The training or validation part of ``Datasets``: items turned into samples on demand.
public struct DatasetSubset: Dataset {
    /// The items of this part (what `getItems` gave, picked by the splitter).
    public let items: [any Sendable]
    /// The blocks, set up on the training items.
    public let blocks: [any TransformBlock]
    /// How many blocks are inputs.
    public let nInp: Int
    /// The item transforms, sorted by order (the blocks' first, then the user's).
    public let itemTfms: [any ItemTransform]
    /// Whether this is the training part.
    public let isTraining: Bool
    let rawValues: @Sendable (Int) throws -> [any Sendable]

    /// The number of items.
    public var count: Int { items.count }
    /// The kinds of a sample's tensors.
    public var kinds: [BlockKind] { blocks.map(\.kind) }
    /// The target vocabulary (of the first categorical target block).
    public var vocab: CategoryMap? { targetVocab(blocks, nInp: nInp) }

    /// The values `getX`/`getY` give for item `index`, one per block.
    public func raw(_ index: Int) throws -> [any Sendable] {
        try checkIndex(index)
        return try rawValues(index)
    }

    /// Sample `index` after its type transforms, as an `(x, y)` tuple (fastai `dsets.train[i]`):
    /// `let (x, y) = try dsets.train[0]`.
    ///
    /// With several inputs (or targets) `x` (or `y`) is the list of their values.
    public subscript(index: Int) -> (x: any Sendable, y: any Sendable) {
        get throws { try sample(index).tuple }
    }

    /// Sample `index` after its type transforms, before item transforms, with its decoded labels.
    public func sample(_ index: Int) throws -> Sample {
        let raws = try raw(index)
        let values = try zip(blocks, raws).map { block, value in try block.encodeValue(value) }
        let decoded = zip(blocks, values).map { block, value in
            (value as? Tensor).map(block.decode) ?? describeValue(value, kind: block.kind)
        }
        return Sample(values: values, kinds: kinds, nInp: nInp, decoded: decoded)
    }

    /// Sample `index` with its item transforms applied (what a ``DataLoader`` collates).
    public func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor] {
        var tensors = try encodedTensors(index)
        let kinds = self.kinds
        for transform in itemTfms {
            do {
                try transform(&tensors, kinds: kinds, generator: isTraining ? generator : nil)
            } catch let error as any ItemContextError {
                throw error.naming(item: String(describing: items[index]))
            }
        }
        return tensors
    }

    /// The tensors of sample `index` after type transforms, before item transforms.
    func encodedTensors(_ index: Int) throws -> [Tensor] {
        let raws = try raw(index)
        return try zip(blocks, raws).map { block, value in try block.encode(value) }
    }

    private func checkIndex(_ index: Int) throws {
        guard items.indices.contains(index) else {
            throw TrainingError("index \(index) out of range: this dataset has \(items.count) items")
        }
    }
}

/// The training and validation datasets a ``DataBlock`` makes (fastai `Datasets`).
public struct Datasets: Sendable {
    /// The training samples.
    public let train: DatasetSubset
    /// The validation samples.
    public let valid: DatasetSubset
    /// The batch transforms (the blocks' first, then the user's).
    public let batchTfms: [any BatchTransform]

    /// The blocks, set up on the training items.
    public var blocks: [any TransformBlock] { train.blocks }
    /// How many blocks are inputs.
    public var nInp: Int { train.nInp }
    /// The target vocabulary (of the first categorical target block).
    public var vocab: CategoryMap? { train.vocab }
    /// The parts by index: 0 training, 1 validation (fastai `dsets[i]`).
    public subscript(index: Int) -> DatasetSubset { index == 0 ? train : valid }

    /// The number of outputs a model needs: the target vocabulary's size, else the target's width.
    public func c() throws -> Int {
        if let vocab { return vocab.count }
        if let regression = blocks.dropFirst(nInp).first as? RegressionBlock, let nOut = regression.nOut {
            return nOut
        }
        guard train.count > 0 else { return 1 }
        return max(try train.sample(0).ys.first?.count ?? 1, 1)
    }

    /// The loss of the first target block that has one (fastai's `dls.loss_func`).
    public var lossFunc: (any LossFunction)? { blocks.dropFirst(nInp).lazy.compactMap(\.lossFunc).first }

    /// Loaders over both parts (fastai `dsets.dataloaders`): training shuffled with the last
    /// partial batch dropped, validation in order.
    public func dataloaders(bs: Int = 64, valBs: Int? = nil, seed: UInt64? = nil) throws -> DataLoaders {
        DataLoaders(
            train: train, valid: valid, bs: bs, valBs: valBs, seed: seed, batchTfms: batchTfms, vocab: vocab,
            c: try c(), lossFunc: lossFunc)
    }
}

/// The vocabulary of the first target block that has one.
func targetVocab(_ blocks: [any TransformBlock], nInp: Int) -> CategoryMap? {
    blocks.dropFirst(nInp).lazy.compactMap(\.vocab).first
}
