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
extension ResNetArchitecture: LibraryValue {}
extension ImageClass: LibraryValue {}
extension SuggestionFunction: LibraryValue {}
extension ClassificationInterpretation: LibraryValue {}
extension ModelProfile: LibraryValue {}
extension ResNetArchitecture.Block: LibraryValue {
    /// `ResNetArchitecture.Block`, as a cell writes the type.
    public static var cellType: CellType { .named("ResNetArchitecture.Block") }
}
extension ConfusedPair: LibraryValue, CellDisplayable {
    /// fastai's tuple: `('3', '5', 4)`.
    public var cellOutput: CellOutput { .value(description) }
}
extension IdentityBlock: LibraryValue {}
extension CategoryBlock: LibraryValue {}
extension MultiCategoryBlock: LibraryValue {}
extension RegressionBlock: LibraryValue {}
extension ImageBlock: LibraryValue {}
extension PointBlock: LibraryValue {}
extension RandomSplitter: LibraryValue {}
extension ColSplitter: LibraryValue {}
extension IndexSplitter: LibraryValue {}
extension GrandparentSplitter: LibraryValue {}
extension CellFuncSplitter: LibraryValue {
    /// `FuncSplitter`, as the cell writes it.
    static var cellType: CellType { .named("FuncSplitter") }
}
extension Resize: LibraryValue {}
extension RandomResizedCrop: LibraryValue {}
extension Normalize: LibraryValue {}
extension IntToFloatTensor: LibraryValue {}
extension AffineAugment: LibraryValue {}
extension LightingAugment: LibraryValue {}

extension Image: LibraryValue, CellDisplayable {
    /// The picture, as a notebook shows a PIL image.
    public var cellOutput: CellOutput {
        guard let png = try? pngData() else { return .value(description) }
        return .image(PNGImage(bytes: png, width: width, height: height, alt: description))
    }
}

/// A protocol a library type conforms to, seen from cells as a supertype (`TransformBlock`,
/// `ItemTransform`, …): one tag per protocol, so one ``Existential`` converts them all.
protocol ExistentialTag {
    /// The existential type, `any TransformBlock`.
    associatedtype Existential
    /// The supertype's name in cells.
    static var name: String { get }
}

/// A value of any library type conforming to `Tag`'s protocol, where a step takes one.
struct Existential<Tag: ExistentialTag>: CellValue {
    let value: Tag.Existential
    static var cellType: CellType { .named(Tag.name) }
    static func from(_ value: Value) throws -> Self {
        if case .object(let object) = value, let payload = object.payload as? Tag.Existential {
            return Self(value: payload)
        }
        throw ConversionError(expected: cellType, actual: value.cellType)
    }
    var cellValue: Value {
        .object(LibraryObject(type: .named(String(describing: Swift.type(of: value))), payload: value))
    }
}

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

/// `imagenetStats` and friends: per-channel means and standard deviations.
struct ImageStatsValue: LibraryValue {
    static var cellType: CellType { .named("ImageStats") }
    let stats: ImageStats
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
        /// `(DataFrame) -> Split`: the seed's `splitter(df)`.
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

    func datasets(_ source: Value) throws -> Datasets {
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
        case .frameFunction(let function): split = try Split.from(function.call([source]))
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
        return try block.datasets(())
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
        case .tuple(let values): return try values.map { try $0.librarySendable() }
        case .object(let object):
            // What the blocks read (`Sendable` is a marker protocol, which a cast cannot name).
            switch object.payload {
            case let path as Path: return path
            case let row as DataFrame.Row: return row
            case let tensor as Tensor: return tensor
            case let image as Image: return image
            default: throw StepError("a \(object.type) cannot be an item or a getter's value")
            }
        case .range, .function, .none, .void:
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
    /// Binds vision: image data sets, the `DataBlock` pieces with a cell's own getters and splitters,
    /// transforms, ResNets and `cnnLearner`.
    public mutating func bindVision() {
        bindDataBlock()
        bindImages()
        bindVisionModels()
        bindMultiLabelTools()
    }

    /// What a trained vision model got right and wrong.
    private mutating func bindInterpretation() {
        type(
            ClassificationInterpretation.self,
            doc: "Per-item losses, the confusion matrix and the top losses.")
        type(ConfusedPair.self, doc: "(actual, predicted, count) from mostConfused.")
        bind(
            "static ClassificationInterpretation.fromLearner(_ learn: Learner, dsIdx: Int = 1)",
            doc: "Predictions and per-item losses of a learner's validation set."
        ) { (context: StepContext, learn: Learner, dsIdx: Int) in
            guard dsIdx == 0 || dsIdx == 1 else {
                throw StepError("dsIdx must be 0 (training) or 1 (validation)")
            }
            context.progress("predicting")
            return try ClassificationInterpretation.fromLearner(learn, dsIdx: dsIdx)
        }
        bind("ClassificationInterpretation.confusionMatrix()", doc: "Counts, actual × predicted.") {
            (interp: ClassificationInterpretation) in interp.confusionMatrix()
        }
        bind(
            "ClassificationInterpretation.mostConfused(minVal: Int = 1)",
            doc: "The (actual, predicted) pairs mixed up most often, at least minVal times."
        ) { (interp: ClassificationInterpretation, minVal: Int) in interp.mostConfused(minVal: minVal) }
        bind(
            "ClassificationInterpretation.plotConfusionMatrix(normalize: Bool = false)",
            doc: "The confusion matrix as a heat map."
        ) { (interp: ClassificationInterpretation, normalize: Bool) in
            try interp.plotConfusionMatrix(normalize: normalize)
        }
        bind(
            "ClassificationInterpretation.plotTopLosses(_ k: Int, largest: Bool = true)",
            doc: "The k items with the largest losses: prediction, actual, loss, probability."
        ) { (interp: ClassificationInterpretation, k: Int, largest: Bool) in
            guard k > 0 else { throw StepError("plotTopLosses needs k > 0") }
            return try interp.plotTopLosses(k, largest: largest)
        }
        bind(
            "Learner.showResults(dsIdx: Int = 1, maxN: Int = 9)",
            doc: "Validation images with their predictions (and targets) drawn over them."
        ) { (context: StepContext, learn: Learner, dsIdx: Int, maxN: Int) in
            guard maxN > 0 else { throw StepError("maxN must be positive") }
            context.progress("predicting")
            return try learn.showResults(dsIdx: dsIdx, maxN: maxN)
        }
    }

    /// What the multi-label lesson writes from scratch and checks: binary cross-entropy with
    /// `where`, a loss called on predictions, and accuracy at a threshold.
    private mutating func bindMultiLabelTools() {
        for (symbol, compare) in [
            (".==", { (t: Tensor, x: Float) in t .== x }), (".>", { (t: Tensor, x: Float) in t .> x }),
            (".<", { (t: Tensor, x: Float) in t .< x }),
        ] as [(String, (Tensor, Float) -> Tensor)] {
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Double)", doc: "1 where the comparison holds, else 0.") {
                (lhs: Tensor, rhs: Double) in compare(lhs, Float(rhs))
            }
        }
        bind(
            "Tensor.where(_ condition: Tensor, _ other: Tensor)",
            doc: "This tensor where condition is non-zero, else other (torch.where(condition, x, y))."
        ) { (t: Tensor, condition: Tensor, other: Tensor) in try t.where(condition, other) }
        bind("Variable(_ value: Tensor)", doc: "A tensor as a model's output is (no gradient recorded).") {
            (value: Tensor) in Variable(value)
        }
        bind(
            "LossFunction.callAsFunction(_ pred: Variable, _ target: Tensor)",
            doc: "The loss of predictions against targets (a one-element Variable)."
        ) { (loss: AnyLoss, pred: Variable, target: Tensor) in
            guard pred.value.count == target.count || loss.loss is CrossEntropyLossFlat else {
                throw StepError(
                    "the loss needs as many predictions as targets, not \(pred.shape) and \(target.shape)")
            }
            return loss.loss(pred, target)
        }
        bind(
            "accuracyMulti(_ inp: Tensor, _ targ: Tensor, thresh: Double = 0.5, sigmoid: Bool = true)",
            doc: "Multi-label accuracy of predictions at a threshold (sigmoid: false for probabilities)."
        ) { (inp: Tensor, targ: Tensor, thresh: Double, sigmoid: Bool) in
            try accuracyMulti(inp, targ, thresh: thresh, sigmoid: sigmoid)
        }
        bind(
            "Learner.getPreds(dsIdx: Int = 1)",
            doc: "Activated predictions and targets of the validation set (dsIdx 0: training)."
        ) { (context: StepContext, learner: Learner, dsIdx: Int) -> CellTuple<Tensor, Tensor> in
            guard dsIdx == 0 || dsIdx == 1 else {
                throw StepError("dsIdx must be 0 (training) or 1 (validation)")
            }
            context.progress("predicting")
            let (preds, targets) = try learner.getPreds(dsIdx: dsIdx)
            return CellTuple(preds, targets)
        }
    }

    private mutating func bindDataBlock() {
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
        bind("DatasetSubset.subscript(_ index: Int)", doc: "Sample index as (x, y), after the blocks.") {
            (subset: DatasetSubset, index: Int) -> CellTuple<Value, Value> in
            guard (0..<subset.count).contains(index) else {
                throw StepError("index \(index) is out of range: the dataset has \(subset.count) items")
            }
            let (x, y) = try subset[index]
            return CellTuple(Value(displaying: x), Value(displaying: y))
        }
        bind("DatasetSubset.showItem(_ index: Int, size: Double = 256)", doc: "Item index as a picture.") {
            (subset: DatasetSubset, index: Int, size: Double) in try subset.showItem(index, size: size)
        }
        bind(
            "DataLoaders.showBatch(maxN: Int = 9, cellSize: Double = 128)", doc: "A training batch as a grid."
        ) {
            (dls: DataLoaders, maxN: Int, cellSize: Double) in
            guard maxN > 0 else { throw StepError("maxN must be positive") }
            return try dls.showBatch(maxN: maxN, cellSize: cellSize)
        }
        property("DataLoaders.c: Int", doc: "The number of outputs the model needs.") { (d: DataLoaders) in
            d.c
        }
        property("DataLoaders.vocab: [String]", doc: "The target's vocabulary (empty without one).") {
            (d: DataLoaders) in d.vocab?.items ?? []
        }
    }

    private mutating func bindImages() {
        type(ImageClass.self, doc: "The kind of image an ImageBlock makes: .rgb or .grey.")
        type(Image.self, doc: "A decoded picture (grey or RGB, 8 or 16 bits).")
        type(ImageStatsValue.self, doc: "Per-channel means and standard deviations, for Normalize.")
        for (swiftType, doc) in [
            (Resize.self as any CellValue.Type, "Resizes each item to a size (crop, pad or squish)."),
            (
                RandomResizedCrop.self,
                "A random crop of a random scale and ratio, resized (validation: centre)."
            ),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["ItemTransform"], doc: doc)
        }
        for (swiftType, doc) in [
            (Normalize.self as any CellValue.Type, "(x − mean) / std per channel."),
            (IntToFloatTensor.self, "Bytes 0…255 to floats 0…1."),
            (AffineAugment.self, "Random flips, rotations, zooms and warps of a batch."),
            (LightingAugment.self, "Random brightness and contrast of a batch."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["BatchTransform"], doc: doc)
        }
        for (name, source) in [
            ("digits", DataSource.digits), ("fashionMNIST", .fashionMNIST), ("multiLabel", .multiLabel),
            ("headPose", .headPose),
        ] {
            constant("static DataSource.\(name): DataSource", doc: "The \(source.name) images (khru data).") {
                source
            }
        }
        bind(
            "getImageFiles(_ path: Path, recurse: Bool = true, folders: [String]? = nil)",
            doc: "The image files under a folder, sorted (fastai's get_image_files)."
        ) { (path: Path, recurse: Bool, folders: [String]?) in
            try getImageFiles(path, recurse: recurse, folders: folders)
        }
        bind("parentLabel(_ path: Path)", doc: "The name of the folder holding path.") { (path: Path) in
            parentLabel(path)
        }
        bind("loadImage(_ path: Path)", doc: "Reads a PNG file.") { (path: Path) in try loadImage(path) }
        property("Image.width: Int", doc: "Width in pixels.") { (image: Image) in image.width }
        property("Image.height: Int", doc: "Height in pixels.") { (image: Image) in image.height }
        bind(
            "genfromtxt(_ path: Path, skipHeader: Int = 0, skipFooter: Int = 0)",
            doc: "Numbers of a text file."
        ) {
            (path: Path, skipHeader: Int, skipFooter: Int) in
            try genfromtxt(path, skipHeader: skipHeader, skipFooter: skipFooter)
        }
        constant("static ImageClass.rgb: ImageClass", doc: "Three channels.") { ImageClass.rgb }
        constant("static ImageClass.grey: ImageClass", doc: "One channel.") { ImageClass.grey }
        bind("ImageBlock(cls: ImageClass = .rgb)", doc: "Images of a class (rgb or grey), as tensors.") {
            (cls: ImageClass) in ImageBlock(cls: cls)
        }
        bind("PointBlock()", doc: "Points (x, y) in pixels, scaled to -1...1 for training.") { PointBlock() }

        bind("Resize(_ size: Int)", doc: "Resizes to size × size (centre crop).") { (size: Int) in
            guard size > 0 else { throw StepError("Resize needs a positive size") }
            return Resize(size)
        }
        bind(
            "RandomResizedCrop(_ size: Int, minScale: Double = 0.08)",
            doc: "A random crop of at least minScale of the area, resized to size × size."
        ) { (size: Int, minScale: Double) in
            guard size > 0, minScale > 0, minScale <= 1 else {
                throw StepError("RandomResizedCrop needs size > 0 and 0 < minScale <= 1")
            }
            return RandomResizedCrop(size, minScale: minScale)
        }
        bind(
            "augTransforms(size: Int? = nil, mult: Double = 1, doFlip: Bool = true, maxRotate: Double = 10, "
                + "maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2)",
            doc: "fastai's standard augmentations: flips, rotation, zoom, warp, lighting (and a resize)."
        ) {
            (
                size: Int?, mult: Double, doFlip: Bool, maxRotate: Double, maxZoom: Double,
                maxLighting: Double,
                maxWarp: Double
            ) -> [Existential<BatchTransformTag>] in
            augTransforms(
                size: size, mult: mult, doFlip: doFlip, maxRotate: maxRotate, maxZoom: maxZoom,
                maxLighting: maxLighting, maxWarp: maxWarp
            ).map { Existential(value: $0) }
        }
        bind(
            "augTransforms(size: (Int, Int), mult: Double = 1, doFlip: Bool = true, maxRotate: Double = 10, "
                + "maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2)",
            doc: "The standard augmentations, resizing to (height, width)."
        ) {
            (
                size: CellTuple<Int, Int>, mult: Double, doFlip: Bool, maxRotate: Double, maxZoom: Double,
                maxLighting: Double, maxWarp: Double
            ) -> [Existential<BatchTransformTag>] in
            let (height, width) = size.elements
            guard height > 0, width > 0 else { throw StepError("augTransforms needs a positive size") }
            return augTransforms(
                size: (height, width), mult: mult, doFlip: doFlip, maxRotate: maxRotate, maxZoom: maxZoom,
                maxLighting: maxLighting, maxWarp: maxWarp
            ).map { Existential(value: $0) }
        }
        for (name, stats) in [
            ("imagenetStats", imagenetStats), ("fashionMNISTStats", fashionMNISTStats),
            ("mnistStats", mnistStats),
        ] {
            constant("\(name): ImageStats", doc: "Means and standard deviations per channel.") {
                ImageStatsValue(stats: stats)
            }
        }
        bind(
            "static Normalize.fromStats(_ stats: ImageStats)", doc: "Normalize with a data set's statistics."
        ) {
            (stats: ImageStatsValue) in Normalize.fromStats(stats.stats)
        }
    }

    private mutating func bindVisionModels() {
        type(
            ResNetArchitecture.self,
            doc: "A ResNet: block kind, layers, width (resnet18, resnet34, resnet50).")
        type(
            SuggestionFunction.self, doc: "How lrFind picks a learning rate (valley, minimum, steep, slide).")
        for (name, arch) in [("resnet18", resnet18), ("resnet34", resnet34), ("resnet50", resnet50)] {
            constant("\(name): ResNetArchitecture", doc: "torchvision's \(name) at the course's width.") {
                arch
            }
        }
        property("ResNetArchitecture.name: String", doc: "resnet18, …") { (a: ResNetArchitecture) in a.name }
        type(
            ResNetArchitecture.Block.self,
            doc: "A ResNet's block: .basic (two 3×3) or .bottleneck (1×1, 3×3, 1×1).")
        constant(
            "static ResNetArchitecture.Block.basic: ResNetArchitecture.Block", doc: "Two 3×3 convolutions."
        ) {
            ResNetArchitecture.Block.basic
        }
        constant(
            "static ResNetArchitecture.Block.bottleneck: ResNetArchitecture.Block",
            doc: "1×1 down, 3×3, 1×1 up (four times wider out)."
        ) { ResNetArchitecture.Block.bottleneck }
        bind(
            "ResNetArchitecture(name: String, block: ResNetArchitecture.Block, layers: [Int])",
            doc: "A ResNet of blocks per stage (torchvision's resnet101: .bottleneck, [3, 4, 23, 3])."
        ) { (name: String, block: ResNetArchitecture.Block, layers: [Int]) in
            guard layers.count == 4, layers.allSatisfy({ $0 > 0 && $0 <= 64 }) else {
                throw StepError("a ResNet has four stages of 1 to 64 blocks each")
            }
            return ResNetArchitecture(name: name, block: block, layers: layers)
        }
        bind(
            "ResNetArchitecture.profile(batchSize: Int = 64, inputSize: Int = ResNetArchitecture.courseInputSize, "
                + "inChannels: Int = 3, nOut: Int = 10, steps: Int = 3)",
            doc: "Parameters, peak memory and seconds of a training step, measured."
        ) {
            (
                context: StepContext, arch: ResNetArchitecture, bs: Int, size: Int, channels: Int, nOut: Int,
                steps: Int
            ) in
            guard bs > 0, bs <= 512, channels > 0, nOut > 0, steps > 0 else {
                throw StepError("profile needs positive sizes (batchSize at most 512) and steps")
            }
            context.progress("profiling \(arch.name)")
            return try arch.profile(
                batchSize: bs, inputSize: size, inChannels: channels, nOut: nOut, steps: steps)
        }
        constant("static ResNetArchitecture.courseInputSize: Int", doc: "The course's input side (64).") {
            ResNetArchitecture.courseInputSize
        }
        property("ModelProfile.parameterCount: Int", doc: "Parameters of body and head.") {
            (p: ModelProfile) in
            p.parameterCount
        }
        property("ModelProfile.peakStepBytes: Int", doc: "Tensor bytes a training step allocates.") {
            (p: ModelProfile) in p.peakStepBytes
        }
        property("ModelProfile.secondsPerStep: Double", doc: "Seconds of one training step.") {
            (p: ModelProfile) in p.secondsPerStep
        }
        bind("ModelProfile.secondsPerEpoch(items: Int)", doc: "Seconds for an epoch of items.") {
            (p: ModelProfile, items: Int) in p.secondsPerEpoch(items: items)
        }
        bind(
            "ResNetArchitecture.parameterCount(inChannels: Int = 3, nOut: Int)",
            doc: "Parameters of body and fastai head."
        ) { (arch: ResNetArchitecture, inChannels: Int, nOut: Int) in
            guard inChannels > 0, nOut > 0 else { throw StepError("channels and nOut must be positive") }
            return arch.parameterCount(inChannels: inChannels, nOut: nOut)
        }
        bind(
            "cnnLearner(_ dls: DataLoaders, _ arch: ResNetArchitecture, metrics: Metric..., "
                + "yRange: ClosedRange<Double>? = nil, pretrained: Bool = true, lossFunc: LossFunction? = nil, "
                + "nOut: Int? = nil, ps: Double = 0.5, lr: Double = 1e-3, wd: Double? = nil)",
            doc: "A learner for a CNN: the ResNet body (pretrained and frozen by default) and fastai's head."
        ) {
            (
                dls: DataLoaders, arch: ResNetArchitecture, metrics: [Metric], yRange: ClosedRange<Double>?,
                pretrained: Bool, loss: AnyLoss?, nOut: Int?, ps: Double, lr: Double, wd: Double?
            ) in
            let learner = try cnnLearner(
                dls, arch, yRange: yRange, pretrained: pretrained, lossFunc: loss?.loss, nOut: nOut, ps: ps,
                lr: lr, wd: wd)
            learner.metrics = metrics
            return learner
        }
        bindInterpretation()
        for (name, function) in [
            ("valley", SuggestionFunction.valley), ("minimum", .minimum), ("steep", .steep),
            ("slide", .slide),
        ] {
            constant("static SuggestionFunction.\(name): SuggestionFunction", doc: "lrFind's \(name) rule.") {
                function
            }
        }
    }
}
