import Foundation
import TensorCore

/// A recipe that turns a source into ``Datasets`` and ``DataLoaders`` (fastai `DataBlock`).
///
/// `getItems(source)` gives the items; the splitter picks training and validation items; for
/// each item, `getX` and `getY` give raw values that each block's type transforms turn into
/// tensors (the blocks set up their vocabularies on the training items only); item transforms
/// run per sample, batch transforms per batch. Without `getItems` the source is a ``DataFrame``
/// and the items are its rows:
///
/// ```swift
/// let dblock = DataBlock(
///     blocks: [ImageBlock(), MultiCategoryBlock()],
///     getX: { r in path / "train" / r["fname"] },
///     getY: { $0["labels"].split(separator: " ") },
///     splitter: ColSplitter("is_valid"))
/// let dls = try dblock.dataloaders(df, bs: 32)
/// ```
public struct DataBlock<Source, Item: Sendable>: Sendable {
    /// The blocks: inputs first, then targets.
    public let blocks: [any TransformBlock]
    /// How many blocks are inputs (default: all but the last).
    public let nInp: Int
    /// The user's item transforms.
    public let itemTfms: [any ItemTransform]
    /// The user's batch transforms.
    public let batchTfms: [any BatchTransform]
    /// The splitter's name, for ``summary(_:bs:)``.
    public let splitterName: String
    let getItems: @Sendable (Source) throws -> [Item]
    let getX: (@Sendable (Item) throws -> any Sendable)?
    let getY: (@Sendable (Item) throws -> any Sendable)?
    let split: @Sendable ([Item]) throws -> Split

    init(
        blocks: [any TransformBlock], getItems: @escaping @Sendable (Source) throws -> [Item],
        getX: (@Sendable (Item) throws -> any Sendable)?, getY: (@Sendable (Item) throws -> any Sendable)?,
        split: @escaping @Sendable ([Item]) throws -> Split, splitterName: String,
        itemTfms: [any ItemTransform], batchTfms: [any BatchTransform], nInp: Int?
    ) {
        self.blocks = blocks
        self.getItems = getItems
        self.getX = getX
        self.getY = getY
        self.split = split
        self.splitterName = splitterName
        self.itemTfms = itemTfms
        self.batchTfms = batchTfms
        self.nInp = nInp ?? max(1, blocks.count - 1)
    }

    /// Creates a block whose items come from `getItems(source)`, split by a splitter value.
    ///
    /// - Parameters:
    ///   - blocks: The blocks, inputs first (e.g. `[ImageBlock(), CategoryBlock()]`); by default two
    ///     ``IdentityBlock``s, which keep what `getX` and `getY` give (fastai's `blocks=None`).
    ///   - getItems: The items of a source (e.g. `getImageFiles`).
    ///   - getX: The raw input of an item (default: the item); with several inputs, a list of them.
    ///   - getY: The raw target of an item (default: the item); with several targets, a list of them.
    ///   - splitter: Picks validation items (default `RandomSplitter()`).
    ///   - itemTfms: Transforms applied per sample.
    ///   - batchTfms: Transforms applied per batch.
    ///   - nInp: How many blocks are inputs (default: all but the last).
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getItems: @escaping @Sendable (Source) throws -> [Item],
        getX: (@Sendable (Item) throws -> any Sendable)? = nil,
        getY: (@Sendable (Item) throws -> any Sendable)? = nil,
        splitter: any Splitter = RandomSplitter(), itemTfms: [any ItemTransform] = [],
        batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getItems: getItems, getX: getX, getY: getY, split: { try splitter.split($0) },
            splitterName: String(describing: type(of: splitter)), itemTfms: itemTfms, batchTfms: batchTfms,
            nInp: nInp)
    }

    /// Creates a block whose items come from `getItems(source)`, split by a function of all items.
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getItems: @escaping @Sendable (Source) throws -> [Item],
        getX: (@Sendable (Item) throws -> any Sendable)? = nil,
        getY: (@Sendable (Item) throws -> any Sendable)? = nil,
        splitter: @escaping @Sendable ([Item]) throws -> Split, itemTfms: [any ItemTransform] = [],
        batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getItems: getItems, getX: getX, getY: getY, split: splitter,
            splitterName: "a splitter function", itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
    }
}

extension DataBlock where Source == DataFrame, Item == DataFrame.Row {
    /// Creates a block over a ``DataFrame``: the items are its rows (fastai with `get_items=None`).
    ///
    /// - Parameters:
    ///   - blocks: The blocks, inputs first; by default two ``IdentityBlock``s (fastai's `blocks=None`).
    ///   - getX: The raw input of a row (default: the row), e.g. `{ r in path / "train" / r["fname"] }`.
    ///   - getY: The raw target of a row (default: the row), e.g. `{ $0["labels"].split(separator: " ") }`.
    ///   - splitter: Picks validation rows (default `RandomSplitter()`), e.g. `ColSplitter("is_valid")`.
    ///   - itemTfms: Transforms applied per sample.
    ///   - batchTfms: Transforms applied per batch.
    ///   - nInp: How many blocks are inputs (default: all but the last).
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getX: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        getY: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        splitter: any Splitter = RandomSplitter(),
        itemTfms: [any ItemTransform] = [], batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getItems: { $0.allRows }, getX: getX, getY: getY, splitter: splitter,
            itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
    }

    /// Creates a block over a ``DataFrame`` split by a function of the frame, as the seed's
    /// `splitter(df)` returns the training and validation row indices.
    ///
    /// ```swift
    /// func splitter(_ df: DataFrame) -> Split {
    ///     Split(train: df.allRows.filter { !$0.value("is_valid")!.isTruthy }.map(\.index),
    ///           valid: df.allRows.filter { $0.value("is_valid")!.isTruthy }.map(\.index))
    /// }
    /// let dblock = DataBlock(blocks: [ImageBlock(), MultiCategoryBlock()], getX: getX, getY: getY,
    ///                        splitter: splitter)
    /// ```
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getX: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        getY: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        splitter: @escaping @Sendable (DataFrame) throws -> Split, itemTfms: [any ItemTransform] = [],
        batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getItems: { $0.allRows }, getX: getX, getY: getY,
            split: { rows in
                guard let frame = rows.first?.frame else { return Split(train: [], valid: []) }
                return try splitter(frame)
            },
            splitterName: "a splitter function", itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
    }

    /// Creates a block over a ``DataFrame`` split by a function of the frame that returns the training and
    /// the validation indices as a pair, as the seed's `splitter(df)` returns `train, valid`.
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getX: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        getY: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        splitter: @escaping @Sendable (DataFrame) throws -> ([Int], [Int]),
        itemTfms: [any ItemTransform] = [],
        batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getX: getX, getY: getY,
            splitter: { (frame: DataFrame) throws -> Split in
                let (train, valid) = try splitter(frame)
                return Split(train: train, valid: valid)
            },
            itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
    }

    /// Creates a block over a ``DataFrame`` whose rows are split by a function of all rows.
    public init(
        blocks: [any TransformBlock] = [IdentityBlock(), IdentityBlock()],
        getX: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        getY: (@Sendable (DataFrame.Row) throws -> any Sendable)? = nil,
        splitter: @escaping @Sendable ([DataFrame.Row]) throws -> Split, itemTfms: [any ItemTransform] = [],
        batchTfms: [any BatchTransform] = [], nInp: Int? = nil
    ) {
        self.init(
            blocks: blocks, getItems: { $0.allRows }, getX: getX, getY: getY, splitter: splitter,
            itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
    }
}

extension DataBlock {
    /// The function giving block `index`'s raw value of an item, and its name.
    func getter(_ index: Int) throws -> (name: String, get: @Sendable (Item) throws -> any Sendable) {
        let isInput = index < nInp
        let (name, count, position) =
            isInput ? ("getX", nInp, index) : ("getY", blocks.count - nInp, index - nInp)
        guard let get = isInput ? getX : getY else { return ("item", { $0 }) }
        if count == 1 { return (name, get) }
        return (
            "\(name)[\(position)]",
            { item in
                let value = try get(item)
                guard let list = value as? [any Sendable], list.count == count else {
                    throw TrainingError(
                        "\(name) must give a list of \(count) values (one per block), got \(type(of: value))")
                }
                return list[position]
            }
        )
    }

    func checkShape() throws {
        guard !blocks.isEmpty else { throw TrainingError("a DataBlock needs at least one block") }
        guard nInp >= 1, nInp <= blocks.count else {
            throw TrainingError("nInp is \(nInp), but there are \(blocks.count) blocks")
        }
    }

    private func checkSplit(_ split: Split, count: Int) throws {
        if let bad = (split.train + split.valid).first(where: { $0 < 0 || $0 >= count }) {
            throw TrainingError("the splitter gave index \(bad), but there are \(count) items")
        }
    }

    /// The training and validation datasets of `source` (fastai `dblock.datasets`).
    ///
    /// - Throws: ``TrainingError`` (or the error of a user function) when items cannot be collected,
    ///   split, read or encoded.
    public func datasets(_ source: Source) throws -> Datasets {
        try checkShape()
        let items = try getItems(source)
        let split = try self.split(items)
        try checkSplit(split, count: items.count)
        let getters = try blocks.indices.map { try getter($0).get }
        var blocks = self.blocks
        for index in blocks.indices {
            let values = try split.train.map { try getters[index](items[$0]) }
            try blocks[index].setup(values)
        }
        let sortedItemTfms = (blocks.flatMap(\.itemTfms) + itemTfms).enumerated()
            .sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
        func subset(_ indices: [Int], isTraining: Bool) -> DatasetSubset {
            let picked = indices.map { items[$0] }
            return DatasetSubset(
                items: picked, blocks: blocks, nInp: nInp, itemTfms: sortedItemTfms, isTraining: isTraining,
                rawValues: { position in try getters.map { try $0(picked[position]) } })
        }
        return Datasets(
            train: subset(split.train, isTraining: true), valid: subset(split.valid, isTraining: false),
            batchTfms: blocks.flatMap(\.batchTfms) + batchTfms)
    }

    /// Training and validation loaders of `source` (fastai `dblock.dataloaders`).
    ///
    /// - Parameters:
    ///   - source: What `getItems` reads (a ``DataFrame`` when there is no `getItems`).
    ///   - bs: The batch size.
    ///   - valBs: The validation batch size (default `bs`).
    ///   - seed: The seed of shuffling and augmentation (default: drawn from `Random.current`).
    /// - Returns: The loaders, with the target vocabulary and the number of outputs.
    /// - Throws: What ``datasets(_:)`` throws.
    public func dataloaders(
        _ source: Source, bs: Int = 64, valBs: Int? = nil, seed: UInt64? = nil
    ) throws
        -> DataLoaders
    {
        try datasets(source).dataloaders(bs: bs, valBs: valBs, seed: seed)
    }
}
