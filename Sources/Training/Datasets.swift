import Foundation
import TensorCore

/// One sample after its type transforms: a tensor per block, inputs first (fastai's tuple `(x, y)`).
public struct Sample: Sendable, CustomStringConvertible {
    /// One tensor per block.
    public let tensors: [Tensor]
    /// What each tensor stands for.
    public let kinds: [BlockKind]
    /// How many tensors are inputs.
    public let nInp: Int
    /// Each tensor decoded for people: a label, labels joined by `;`, or numbers.
    public let decoded: [String]

    /// The inputs.
    public var xs: [Tensor] { Array(tensors.prefix(nInp)) }
    /// The targets.
    public var ys: [Tensor] { Array(tensors.dropFirst(nInp)) }
    /// The first input.
    public var x: Tensor { tensors[0] }
    /// The first target (the last tensor when there is none).
    public var y: Tensor { tensors[min(nInp, tensors.count - 1)] }
    /// The tensor of block `index` (`dsets.train[0][1]` is the target).
    public subscript(index: Int) -> Tensor { tensors[index] }

    /// `(Tensor([0.5, 1.25]), TensorMultiCategory([0, 1, 1]) = cat;dog)`: each tensor, and its
    /// decoded label for categorical blocks.
    public var description: String {
        let parts = tensors.indices.map { index in
            let text = describeTensor(tensors[index], kind: kinds[index])
            let isLabel = kinds[index] == .category || kinds[index] == .multiCategory
            return isLabel ? "\(text) = \(decoded[index])" : text
        }
        return "(" + parts.joined(separator: ", ") + ")"
    }
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

    /// Sample `index` after its type transforms, before item transforms (fastai `dsets.train[i]`).
    public subscript(index: Int) -> Sample {
        get throws {
            let values = try raw(index)
            let tensors = try zip(blocks, values).map { block, value in try block.encode(value) }
            return Sample(
                tensors: tensors, kinds: kinds, nInp: nInp,
                decoded: zip(blocks, tensors).map { $0.decode($1) })
        }
    }

    /// Sample `index` with its item transforms applied (what a ``DataLoader`` collates).
    public func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor] {
        var tensors = try self[index].tensors
        let kinds = self.kinds
        for transform in itemTfms {
            try transform(&tensors, kinds: kinds, generator: isTraining ? generator : nil)
        }
        return tensors
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
        return max(try train[0].ys.first?.count ?? 1, 1)
    }

    /// Loaders over both parts (fastai `dsets.dataloaders`): training shuffled with the last
    /// partial batch dropped, validation in order.
    public func dataloaders(bs: Int = 64, valBs: Int? = nil, seed: UInt64? = nil) throws -> DataLoaders {
        DataLoaders(
            train: train, valid: valid, bs: bs, valBs: valBs, seed: seed, batchTfms: batchTfms, vocab: vocab,
            c: try c())
    }
}

/// The vocabulary of the first target block that has one.
func targetVocab(_ blocks: [any TransformBlock], nInp: Int) -> CategoryMap? {
    blocks.dropFirst(nInp).lazy.compactMap(\.vocab).first
}
