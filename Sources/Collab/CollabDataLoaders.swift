import Foundation
import TensorCore
import Training

/// The vocabularies of a ``CollabDataLoaders``, by column name (fastai `dls.classes`).
///
/// ```swift
/// dls.classes["user"].count     // 944: 943 users and "#na#"
/// dls.classes["title"][1]       // the first title in sorted order
/// ```
public struct Classes: Sendable, Equatable {
    /// The column names, users first, then items.
    public let names: [String]
    private let vocabs: [CategoryMap]

    /// Creates the vocabularies `vocabs` of the columns `names`.
    public init(names: [String], vocabs: [CategoryMap]) {
        precondition(names.count == vocabs.count, "\(names.count) names for \(vocabs.count) vocabularies")
        self.names = names
        self.vocabs = vocabs
    }

    /// The vocabulary of column `name`.
    ///
    /// - Throws: ``TrainingError`` when `name` is not one of ``names``.
    public subscript(name: String) -> CategoryMap {
        get throws {
            guard let position = names.firstIndex(of: name) else {
                throw TrainingError("no vocabulary for '\(name)'; the columns are \(names)")
            }
            return vocabs[position]
        }
    }

    /// The vocabulary of a column the loaders made themselves (its name is one of ``names``).
    func vocab(_ name: String) -> CategoryMap {
        vocabs[names.firstIndex(of: name) ?? 0]
    }
}

/// The samples of a collaborative-filtering split: `[user, item]` indices and the rating.
struct CollabDataset: Dataset {
    let users: [Int]
    let items: [Int]
    let ratings: [Float]

    var count: Int { users.count }
    var nInp: Int { 1 }
    var kinds: [BlockKind] { [.tensor, .regression] }

    func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor] {
        [
            Tensor(shape: [2], scalars: [Float(users[index]), Float(items[index])]),
            Tensor(shape: [1], scalars: [ratings[index]]),
        ]
    }
}

/// Training and validation batches of `(user, item) → rating` (fastai `CollabDataLoaders`).
///
/// Each batch's input is `[bs, 2]`: the user's and the item's index (as floats) in their
/// vocabularies; the target is the rating, `[bs, 1]`. Vocabularies come from the **training**
/// rows only (sorted, `#na#` at 0); a validation user or item never seen in training maps to 0.
///
/// ```swift
/// let dls = try CollabDataLoaders.fromDF(ratings, itemName: "title", bs: 64)
/// dls.showBatch()
/// ```
public struct CollabDataLoaders: Sendable {
    /// The loaders (training shuffled with the last partial batch dropped; validation in order).
    public let dataLoaders: DataLoaders
    /// The split: row positions in the source frame (validation = the first `cut` of a permutation).
    public let split: Split
    /// The user column's name.
    public let userName: String
    /// The item column's name.
    public let itemName: String
    /// The rating column's name.
    public let ratingName: String
    /// The user and item vocabularies.
    public let classes: Classes
    /// The source frame's user, item and rating values, by row position (what ``splitJSON`` checksums).
    let sourceRows: SourceRows

    /// The training loader.
    public var train: DataLoader { dataLoaders.train }
    /// The validation loader.
    public var valid: DataLoader { dataLoaders.valid }
    /// The batch size.
    public var bs: Int { dataLoaders.train.bs }

    /// Builds loaders from a ratings table (fastai `CollabDataLoaders.from_df`).
    ///
    /// - Parameters:
    ///   - ratings: One row per rating.
    ///   - userName: The user column (default: the first column).
    ///   - itemName: The item column (default: the second column).
    ///   - ratingName: The rating column (default: the third column).
    ///   - validPct: The fraction of rows kept for validation.
    ///   - seed: Seeds the split and the shuffling; nil draws from `Random.current`.
    ///   - bs: The batch size.
    /// - Returns: The loaders.
    /// - Throws: ``TrainingError`` for a missing column or a frame with fewer than three columns.
    public static func fromDF(
        _ ratings: DataFrame, userName: String? = nil, itemName: String? = nil, ratingName: String? = nil,
        validPct: Double = 0.2, seed: UInt64? = nil, bs: Int = 64
    ) throws -> CollabDataLoaders {
        guard validPct > 0, validPct < 1, bs > 0 else {
            throw TrainingError(
                "fromDF needs 0 < validPct < 1 and bs > 0, not validPct \(validPct), bs \(bs)")
        }
        guard userName != nil && itemName != nil && ratingName != nil || ratings.columns.count >= 3 else {
            throw TrainingError(
                "fromDF needs user, item and rating columns; the frame has \(ratings.columns)")
        }
        let user = userName ?? ratings.columns[0]
        let item = itemName ?? ratings.columns[1]
        let rating = ratingName ?? ratings.columns[2]
        let users = try ratings.column(user).strings
        let items = try ratings.column(item).strings
        let doubles = try ratings.column(rating).doubles
        let values = doubles.map(Float.init)
        let split = try RandomSplitter(validPct: validPct, seed: seed).split(Array(0..<ratings.count))
        let loaderSeed = seed ?? Random.current.nextUInt64()
        let userVocab = CategoryMap(split.train.map { users[$0] }, addNA: true)
        let itemVocab = CategoryMap(split.train.map { items[$0] }, addNA: true)
        func dataset(_ rows: [Int]) -> CollabDataset {
            CollabDataset(
                users: rows.map { userVocab.index(of: users[$0]) ?? 0 },
                items: rows.map { itemVocab.index(of: items[$0]) ?? 0 },
                ratings: rows.map { values[$0] })
        }
        let loaders = DataLoaders(
            train: dataset(split.train), valid: dataset(split.valid), bs: bs, seed: loaderSeed, c: 1)
        return CollabDataLoaders(
            dataLoaders: loaders, split: split, userName: user, itemName: item, ratingName: rating,
            classes: Classes(names: [user, item], vocabs: [userVocab, itemVocab]),
            sourceRows: SourceRows(users: users, items: items, ratings: doubles))
    }

    /// The first `maxN` training samples of the next epoch's order, decoded (fastai `show_batch`).
    ///
    /// - Returns: A table with the user, item and rating columns.
    public func showBatch(maxN: Int = 9) -> DataFrame {
        let loader = dataLoaders.train
        guard let dataset = loader.dataset as? CollabDataset else {
            preconditionFailure("CollabDataLoaders holds a \(type(of: loader.dataset))")
        }
        let rows = Array(loader.order(epoch: loader.epochsStarted).prefix(max(maxN, 0)))
        let userVocab = classes.vocab(userName)
        let itemVocab = classes.vocab(itemName)
        let columns: [(name: String, data: DataFrame.ColumnData)] = [
            (userName, .string(rows.map { userVocab[dataset.users[$0]] })),
            (itemName, .string(rows.map { itemVocab[dataset.items[$0]] })),
            (ratingName, .double(rows.map { Double(dataset.ratings[$0]) })),
        ]
        guard let table = try? DataFrame(columns) else {
            preconditionFailure("showBatch: columns \(userName), \(itemName), \(ratingName) must differ")
        }
        return table
    }
}

extension Learner where Model: Layer {
    /// A learner over collaborative-filtering loaders (fastai `Learner(dls, model, loss_func=…)`).
    ///
    /// - Parameters:
    ///   - dls: The loaders.
    ///   - model: The model (for instance ``DotProductBias``).
    ///   - lossFunc: The loss (``MSELossFlat`` for ratings).
    ///   - optFunc: The optimizer (fastai's `Adam` by default).
    ///   - lr: The default learning rate.
    ///   - wd: Weight decay (nil: the optimizer's default).
    ///   - metrics: Metrics shown per epoch.
    public convenience init(
        _ dls: CollabDataLoaders, _ model: Model, lossFunc: any LossFunction = MSELossFlat(),
        optFunc: any OptimizerFunction = Adam(), lr: Double = 1e-3, wd: Double? = nil, metrics: [Metric] = []
    ) {
        self.init(dls.dataLoaders, model, lossFunc: lossFunc, optFunc: optFunc, lr: lr, wd: wd)
        self.metrics = metrics
    }
}

extension Learner where Model == any Layer {
    /// A learner over collaborative-filtering loaders of a model whose type is not known statically.
    ///
    /// - Parameters:
    ///   - dls: The loaders.
    ///   - model: The model.
    ///   - lossFunc: The loss (``MSELossFlat`` for ratings).
    ///   - optFunc: The optimizer (fastai's `Adam` by default).
    ///   - lr: The default learning rate.
    ///   - wd: Weight decay (nil: the optimizer's default).
    ///   - metrics: Metrics shown per epoch.
    public convenience init(
        _ dls: CollabDataLoaders, _ model: any Layer, lossFunc: any LossFunction = MSELossFlat(),
        optFunc: any OptimizerFunction = Adam(), lr: Double = 1e-3, wd: Double? = nil, metrics: [Metric] = []
    ) {
        self.init(dls.dataLoaders, model, lossFunc: lossFunc, optFunc: optFunc, lr: lr, wd: wd)
        self.metrics = metrics
    }
}

extension CollabDataLoaders {
    /// The first training batch of a fresh epoch as `(x, y)`: `[bs, 2]` user and item indices and `[bs, 1]`
    /// ratings (fastai `dls.one_batch()`).
    ///
    /// - Throws: ``TrainingError`` when the training set is empty.
    public func oneBatch() throws -> (x: Tensor, y: Tensor) {
        let batch = try train.oneBatch()
        guard let x = batch.xs.first, let y = batch.ys.first else {
            throw TrainingError("the batch is empty")
        }
        return (x, y)
    }
}
