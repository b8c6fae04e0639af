import Foundation
import Plotting
import Reporting
import TensorCore
import Training
import Vision

extension DataFrame.Row: LibraryValue {
    /// `DataFrame.Row`, as a cell annotates a getter's parameter.
    public static var cellType: CellType { .named("DataFrame.Row") }
}
extension Split: LibraryValue {}
extension Datasets: LibraryValue {}
extension DatasetSubset: LibraryValue {}
extension IdentityBlock: LibraryValue {}
extension CategoryBlock: LibraryValue {}
extension MultiCategoryBlock: LibraryValue {}
extension RegressionBlock: LibraryValue {}
extension RandomSplitter: LibraryValue {}
extension ColSplitter: LibraryValue {}
extension IndexSplitter: LibraryValue {}
extension GrandparentSplitter: LibraryValue {}
extension CellFuncSplitter: LibraryValue {
    /// `FuncSplitter`, as the cell writes it.
    static var cellType: CellType { .named("FuncSplitter") }
}

// The library protocols DataBlock steps take, as cell supertypes.
enum TransformBlockTag: ExistentialTag {
    typealias Existential = any TransformBlock
    static let name = "TransformBlock"
}
enum ItemTransformTag: ExistentialTag {
    typealias Existential = any ItemTransform
    static let name = "ItemTransform"
}
enum BatchTransformTag: ExistentialTag {
    typealias Existential = any BatchTransform
    static let name = "BatchTransform"
}
enum SplitterTag: ExistentialTag {
    typealias Existential = any Splitter
    static let name = "Splitter"
}

/// A cell's `DataBlock`: the library's recipe, with the cell's closures as getters and splitter.
///
/// Cell closures run in the interpreter, which is not thread-safe, while the library's loaders read
/// items on worker threads. So ``datasets(_:)`` calls every cell closure once per item, on the cell's
/// thread, and gives the library a block over the results: the library then never calls back.
struct CellDataBlock: LibraryValue {
    static var cellType: CellType { .named("DataBlock") }

    enum Splitting {
        case splitter(any Splitter)
        /// `(DataFrame) -> Split` or `(DataFrame) -> ([Int], [Int])`: the seed's `splitter(df)`.
        case frameFunction(CellFunctionValue)
    }

    var blocks: [any TransformBlock]
    var getItems: CellFunctionValue?
    var getX: CellFunctionValue?
    var getY: CellFunctionValue?
    var splitting: Splitting
    var itemTfms: [any ItemTransform]
    var batchTfms: [any BatchTransform]
    var nInp: Int?

    /// One item with the values the cell's getters gave for it.
    struct Item: Sendable, CustomStringConvertible {
        let item: any Sendable
        let x: (any Sendable)?
        let y: (any Sendable)?
        var description: String { String(describing: item) }
    }

    func datasets(_ source: Value) throws -> Datasets { try libraryBlock(source).datasets(()) }

    /// The library's block over `source`'s items, with the cell's getters and splitter already applied.
    func libraryBlock(_ source: Value) throws -> DataBlock<Void, Item> {
        let items: [Value]
        if let getItems {
            guard case .array(let found) = try getItems.call([source]) else {
                throw StepError("getItems must return an array of items")
            }
            items = found
        } else {
            guard case .object(let object) = source, let frame = object.payload as? DataFrame else {
                throw StepError(
                    "a DataBlock without getItems reads the rows of a DataFrame, not \(source.cellType)")
            }
            items = frame.allRows.map(\.cellValue)
        }
        let raw = try items.map { try $0.librarySendable() }
        let split: Split
        switch splitting {
        case .splitter(let splitter): split = try splitter.split(raw)
        case .frameFunction(let function):
            // A `Split`, or the seed's pair `(train, valid)`.
            let result = try function.call([source])
            if case .tuple = result {
                let (train, valid) = try CellTuple<[Int], [Int]>.from(result).elements
                split = Split(train: train, valid: valid)
            } else {
                split = try Split.from(result)
            }
        }
        let prepared = try zip(items, raw).map { item, raw in
            Item(
                item: raw, x: try getX.map { try $0.call([item]).librarySendable() },
                y: try getY.map { try $0.call([item]).librarySendable() })
        }
        let block = DataBlock<Void, Item>(
            blocks: blocks, getItems: { _ in prepared },
            getX: { $0.x ?? $0.item }, getY: { $0.y ?? $0.item },
            splitter: { _ in split }, itemTfms: itemTfms, batchTfms: batchTfms, nInp: nInp)
        return block
    }
}

extension Value {
    /// The value as the library holds raw items: Swift numbers, strings, arrays, library objects.
    func librarySendable() throws -> any Sendable {
        switch self {
        case .int(let value): return value
        case .double(let value): return value
        case .float(let value): return value
        case .string(let value): return value
        case .bool(let value): return value
        case .array(let values):
            if case .some(let strings) = try? values.map({ try String.from($0) }) { return strings }
            if case .some(let numbers) = try? values.map({ try Double.from($0) }) { return numbers }
            return try values.map { try $0.librarySendable() }
        case .tuple(let values), .labeledTuple(_, let values):
            return try values.map { try $0.librarySendable() }
        case .object(let object):
            // What the blocks read (`Sendable` is a marker protocol, which a cast cannot name).
            switch object.payload {
            case let path as Path: return path
            case let row as DataFrame.Row: return row
            case let tensor as Tensor: return tensor
            case let image as Image: return image
            default: throw StepError("a \(object.type) cannot be an item or a getter's value")
            }
        case .range, .function, .none, .void, .dictionary:
            throw StepError("a getter cannot return \(cellType)")
        }
    }
}

/// `FuncSplitter { $0.parent.name == "13" }`: validation items are those the cell's predicate picks.
///
/// Called by ``CellDataBlock/datasets(_:)`` on the cell's thread only.
struct CellFuncSplitter: Splitter, @unchecked Sendable {
    let predicate: CellFunctionValue

    func split<Item>(_ items: [Item]) throws -> Split {
        var valid: [Int] = []
        for (index, item) in items.enumerated() {
            let picked = try predicate.call([Value(displaying: item)])
            guard case .bool(let isValid) = picked else {
                throw StepError("FuncSplitter's function must return a Bool, not \(picked.cellType)")
            }
            if isValid { valid.append(index) }
        }
        return try IndexSplitter(valid).split(items)
    }
}

extension Registry {
    /// Binds `DataBlock` with a cell's own getters and splitters, the blocks, the splitters,
    /// `Datasets` and the rows of a `DataFrame`.
    public mutating func bindDataBlock() {
        type("TransformBlock", doc: "What one part of an item becomes: an image, a category, points…")
        type("ItemTransform", doc: "A transform applied to each item (Resize, RandomResizedCrop).")
        type("BatchTransform", doc: "A transform applied to each batch (augTransforms, Normalize).")
        type("Splitter", doc: "Picks the validation items of a DataBlock.")
        type("Dataset", doc: "Items read as samples by index.")
        type(
            CellDataBlock.self,
            doc: "A recipe from a source to Datasets and DataLoaders (fastai's DataBlock).")
        type(DataFrame.Row.self, doc: "One row of a DataFrame: row[\"fname\"] is its text in that column.")
        type(Datasets.self, doc: "The training and validation datasets of a DataBlock.")
        type(
            DatasetSubset.self, supertypes: ["Dataset"],
            doc: "One dataset: items, and (x, y) samples by index.")
        type(Split.self, doc: "Training and validation indices.")
        for (swiftType, doc) in [
            (
                IdentityBlock.self as any CellValue.Type,
                "Keeps what getX or getY gives (fastai's blocks=None)."
            ),
            (CategoryBlock.self, "One label per item (single-label classification)."),
            (MultiCategoryBlock.self, "A list of labels per item, one-hot encoded (multi-label)."),
            (RegressionBlock.self, "Numbers to predict (regression)."),
            (ImageBlock.self, "An image file (or Image) as a tensor."),
            (PointBlock.self, "(x, y) points in an image, scaled to -1...1 and moved with augmentation."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["TransformBlock"], doc: doc)
        }
        for (swiftType, doc) in [
            (RandomSplitter.self as any CellValue.Type, "A random share of the items for validation."),
            (ColSplitter.self, "Validation = the rows whose column is true."),
            (IndexSplitter.self, "Validation = the items at these indices."),
            (GrandparentSplitter.self, "By the grandparent folder's name: train/… or valid/…"),
            (CellFuncSplitter.self, "Validation = the items the function picks."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["Splitter"], doc: doc)
        }

        bind("IdentityBlock()", doc: "A block that keeps the raw value.") { IdentityBlock() }
        bind(
            "CategoryBlock(vocab: [String]? = nil, sort: Bool = true, addNA: Bool = false)",
            doc: "A single label per item; the vocabulary comes from the training labels."
        ) { (vocab: [String]?, sort: Bool, addNA: Bool) in
            CategoryBlock(vocab: vocab, sort: sort, addNA: addNA)
        }
        bind(
            "MultiCategoryBlock(vocab: [String]? = nil, addNA: Bool = false)",
            doc: "Several labels per item; loss BCEWithLogitsLossFlat."
        ) { (vocab: [String]?, addNA: Bool) in MultiCategoryBlock(vocab: vocab, addNA: addNA) }
        bind("RegressionBlock(nOut: Int? = nil)", doc: "Numbers to predict; loss MSELossFlat.") {
            (nOut: Int?) in RegressionBlock(nOut: nOut)
        }

        bind("RandomSplitter(validPct: Double = 0.2, seed: Int? = nil)", doc: "A random validation share.") {
            (validPct: Double, seed: Int?) in
            guard validPct > 0, validPct < 1 else { throw StepError("validPct must be between 0 and 1") }
            return RandomSplitter(validPct: validPct, seed: seed.map { UInt64(truncatingIfNeeded: $0) })
        }
        bind("ColSplitter(_ col: String, on: String? = nil)", doc: "Validation = rows whose col is true.") {
            (col: String, on: String?) in ColSplitter(col, on: on)
        }
        bind("IndexSplitter(_ validIdx: [Int])", doc: "Validation = the items at these indices.") {
            (indices: [Int]) in IndexSplitter(indices)
        }
        bind(
            "GrandparentSplitter(trainName: String = \"train\", validName: String = \"valid\")",
            doc: "Splits paths by their grandparent folder."
        ) { (train: String, valid: String) in GrandparentSplitter(trainName: train, validName: valid) }
        bind("FuncSplitter(_ f: (Any) -> Bool)", doc: "Validation = the items for which f is true.") {
            (f: CellFunction<Value, Bool>) in CellFuncSplitter(predicate: f.function)
        }
        bind("Split(train: [Int], valid: [Int])", doc: "Training and validation indices.") {
            (train: [Int], valid: [Int]) in Split(train: train, valid: valid)
        }
        property("Split.train: [Int]", doc: "The training indices.") { (s: Split) in s.train }
        property("Split.valid: [Int]", doc: "The validation indices.") { (s: Split) in s.valid }

        bind(
            "DataFrame(columns: [String], rows: [[String]])",
            doc: "A table from rows of text, typed per column as readCSV types it."
        ) { (columns: [String], rows: [[String]]) in try DataFrame(columns: columns, rows: rows) }
        property("DataFrame.allRows: [DataFrame.Row]", doc: "Every row, in order.") { (f: DataFrame) in
            f.allRows
        }
        bind("DataFrame.subscript(_ index: Int)", doc: "Row `index`.") { (frame: DataFrame, index: Int) in
            guard (0..<frame.count).contains(index) else {
                throw StepError("row \(index) is out of range: the frame has \(frame.count) rows")
            }
            return frame[index]
        }
        property("DataFrame.Row.index: Int", doc: "The row's position in its frame.") { (r: DataFrame.Row) in
            r.index
        }
        bind("DataFrame.Row.subscript(_ name: String)", doc: "The row's text in column `name`.") {
            (row: DataFrame.Row, name: String) -> String in
            guard row.frame.columns.contains(name) else {
                throw StepError("no column \"\(name)\"; the columns are \(row.frame.columns)")
            }
            return row[name]
        }

        let dataBlockDoc =
            "A DataBlock over a DataFrame's rows: getX/getY give each row's raw input and target, the blocks "
            + "turn them into tensors."
        let dataBlockArguments =
            "blocks: [TransformBlock] = [IdentityBlock(), IdentityBlock()], getX: ((DataFrame.Row) -> Any)? = nil, "
            + "getY: ((DataFrame.Row) -> Any)? = nil, "
        let transformArguments =
            "itemTfms: [ItemTransform] = [], batchTfms: [BatchTransform] = [], nInp: Int? = nil"
        typealias Getter = CellFunction<DataFrame.Row, Value>
        typealias Blocks = [Existential<TransformBlockTag>]
        typealias ItemTfms = [Existential<ItemTransformTag>]
        typealias BatchTfms = [Existential<BatchTransformTag>]
        func block(
            _ blocks: Blocks, getItems: CellFunctionValue? = nil, _ getX: CellFunctionValue?,
            _ getY: CellFunctionValue?, _ splitting: CellDataBlock.Splitting, _ itemTfms: ItemTfms,
            _ batchTfms: BatchTfms, _ nInp: Int?
        ) throws -> CellDataBlock {
            guard !blocks.isEmpty else { throw StepError("a DataBlock needs at least one block") }
            return CellDataBlock(
                blocks: blocks.map(\.value), getItems: getItems, getX: getX, getY: getY, splitting: splitting,
                itemTfms: itemTfms.map(\.value), batchTfms: batchTfms.map(\.value), nInp: nInp)
        }
        bind(
            "DataBlock(" + dataBlockArguments + "splitter: Splitter = RandomSplitter(), " + transformArguments
                + ")",
            doc: dataBlockDoc
        ) {
            (
                blocks: Blocks, getX: Getter?, getY: Getter?, splitter: Existential<SplitterTag>,
                itemTfms: ItemTfms,
                batchTfms: BatchTfms, nInp: Int?
            ) in
            try block(
                blocks, getX?.function, getY?.function, .splitter(splitter.value), itemTfms, batchTfms, nInp)
        }
        bind(
            "DataBlock(" + dataBlockArguments + "splitter: (DataFrame) -> Split, " + transformArguments + ")",
            doc: dataBlockDoc + " The splitter is a function of the frame, as the seed's splitter(df)."
        ) {
            (
                blocks: Blocks, getX: Getter?, getY: Getter?, splitter: CellFunction<DataFrame, Split>,
                itemTfms: ItemTfms, batchTfms: BatchTfms, nInp: Int?
            ) in
            try block(
                blocks, getX?.function, getY?.function, .frameFunction(splitter.function), itemTfms,
                batchTfms,
                nInp)
        }
        bind(
            "DataBlock(" + dataBlockArguments + "splitter: (DataFrame) -> ([Int], [Int]), "
                + transformArguments
                + ")",
            doc: dataBlockDoc + " The splitter returns the training and validation indices as a pair."
        ) {
            (
                blocks: Blocks, getX: Getter?, getY: Getter?,
                splitter: CellFunction<DataFrame, CellTuple<[Int], [Int]>>, itemTfms: ItemTfms,
                batchTfms: BatchTfms, nInp: Int?
            ) in
            try block(
                blocks, getX?.function, getY?.function, .frameFunction(splitter.function), itemTfms,
                batchTfms, nInp)
        }
        bind(
            "DataBlock(blocks: [TransformBlock] = [IdentityBlock(), IdentityBlock()], getItems: (Path) -> [Path], "
                + "getX: ((Path) -> Any)? = nil, getY: ((Path) -> Any)? = nil, splitter: Splitter = RandomSplitter(), "
                + transformArguments + ")",
            doc: "A DataBlock over the items getItems finds in a folder (getImageFiles)."
        ) {
            (
                blocks: Blocks, getItems: CellFunction<Path, [Path]>, getX: CellFunction<Path, Value>?,
                getY: CellFunction<Path, Value>?, splitter: Existential<SplitterTag>, itemTfms: ItemTfms,
                batchTfms: BatchTfms, nInp: Int?
            ) in
            try block(
                blocks, getItems: getItems.function, getX?.function, getY?.function,
                .splitter(splitter.value),
                itemTfms, batchTfms, nInp)
        }
        bind(
            "DataBlock.summary(_ source: Any, bs: Int = 4)",
            doc: "How source becomes a batch, step by step (fastai's dblock.summary)."
        ) { (context: StepContext, block: CellDataBlock, source: Value, bs: Int) in
            context.progress("reading items")
            // The text as the library returns it, so the compiled lesson shows the same value.
            return try block.libraryBlock(source).summary((), bs: bs)
        }
        bind("DataBlock.datasets(_ source: Any)", doc: "The training and validation datasets of source.") {
            (context: StepContext, block: CellDataBlock, source: Value) in
            context.progress("reading items")
            return try block.datasets(source)
        }
        bind(
            "DataBlock.dataloaders(_ source: Any, bs: Int = 64, valBs: Int? = nil, seed: Int? = nil)",
            doc: "Mini-batches of source's datasets (shuffled training, ordered validation)."
        ) { (context: StepContext, block: CellDataBlock, source: Value, bs: Int, valBs: Int?, seed: Int?) in
            guard bs > 0, valBs ?? 1 > 0 else { throw StepError("batch sizes must be positive") }
            context.progress("reading items")
            return try block.datasets(source).dataloaders(
                bs: bs, valBs: valBs, seed: seed.map { UInt64(truncatingIfNeeded: $0) })
        }
        property("Datasets.train: DatasetSubset", doc: "The training dataset.") { (d: Datasets) in d.train }
        property("Datasets.valid: DatasetSubset", doc: "The validation dataset.") { (d: Datasets) in d.valid }
        property("DatasetSubset.count: Int", doc: "The number of items.") { (d: DatasetSubset) in d.count }
        bind("DatasetSubset.subscript(_ index: Int)", doc: "Sample index as (x:, y:), after the blocks.") {
            (subset: DatasetSubset, index: Int) -> Sample in
            guard (0..<subset.count).contains(index) else {
                throw StepError("index \(index) is out of range: the dataset has \(subset.count) items")
            }
            let (x, y) = try subset[index]
            return Sample(x: Value(displaying: x), y: Value(displaying: y))
        }
        bind("DatasetSubset.showItem(_ index: Int, size: Double = 256)", doc: "Item index as a picture.") {
            (subset: DatasetSubset, index: Int, size: Double) in try subset.showItem(index, size: size)
        }
        bind(
            "DataLoaders.showBatch(maxN: Int = 9, nrows: Int? = nil, ncols: Int? = nil, "
                + "figsize: (Double, Double)? = nil, dpi: Double = 100, cellSize: Double = 128)",
            doc: "A training batch as a grid laid out as fastai's (nrows, ncols, figsize in inches)."
        ) {
            (
                dls: DataLoaders, maxN: Int, nrows: Int?, ncols: Int?, figsize: CellTuple<Double, Double>?,
                dpi: Double,
                cellSize: Double
            ) in
            try dls.showBatch(
                maxN: maxN, nrows: nrows, ncols: ncols, figsize: figsize.map(\.elements), dpi: dpi,
                cellSize: cellSize)
        }
        property("DataLoaders.c: Int", doc: "The number of outputs the model needs.") { (d: DataLoaders) in
            d.c
        }
        property("DataLoaders.vocab: CategoryMap?", doc: "The target's vocabulary (nil without one).") {
            (d: DataLoaders) in d.vocab
        }
    }
}

/// A dataset's sample, `(x: …, y: …)`, labelled as the library's `DatasetSubset` subscript returns it, so a
/// cell shows it as Swift prints it.
struct Sample: CellValue {
    var x: Value
    var y: Value

    static var cellType: CellType { .tuple([.any, .any], labels: ["x", "y"]) }

    static func from(_ value: Value) throws -> Sample {
        guard let elements = value.tupleElements, elements.count == 2 else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return Sample(x: elements[0], y: elements[1])
    }

    var cellValue: Value { .tuple([x, y], labels: ["x", "y"]) }
}
