import Foundation
import TensorCore

/// What a tensor in a sample stands for, so transforms can treat images, labels and points apart.
public struct BlockKind: Hashable, Sendable, CustomStringConvertible {
    /// The kind's name.
    public let rawValue: String
    /// Creates a kind.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// An image `[C, H, W]`.
    public static let image = BlockKind("image")
    /// A class index (a scalar).
    public static let category = BlockKind("category")
    /// A one-hot vector of labels `[C]`.
    public static let multiCategory = BlockKind("multiCategory")
    /// Real targets.
    public static let regression = BlockKind("regression")
    /// Points `[n, 2]`.
    public static let point = BlockKind("point")
    /// Any other tensor.
    public static let tensor = BlockKind("tensor")
    /// The name.
    public var description: String { rawValue }
}

/// An indexable set of samples; each sample is one tensor per block (inputs first, then targets).
public protocol Dataset: Sendable {
    /// The number of samples.
    var count: Int { get }
    /// How many tensors of a sample are inputs (the rest are targets).
    var nInp: Int { get }
    /// The kinds of a sample's tensors.
    var kinds: [BlockKind] { get }
    /// The sample at `index`; `generator` drives random item transforms (training only).
    func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor]
}

/// Samples from an input tensor and a target tensor, along their first axis.
public struct TensorDataset: Dataset {
    /// The inputs `[N, …]`.
    public let x: Tensor
    /// The targets `[N, …]`.
    public let y: Tensor
    /// The kinds of input and target.
    public let kinds: [BlockKind]

    /// Creates a dataset; targets are class indices by default.
    public init(x: Tensor, y: Tensor, kinds: [BlockKind] = [.tensor, .category]) {
        precondition(x.shape.first == y.shape.first, "TensorDataset: \(x.shape) inputs, \(y.shape) targets")
        self.x = x
        self.y = y
        self.kinds = kinds
    }

    /// The number of samples.
    public var count: Int { x.shape.first ?? 0 }
    /// One input.
    public var nInp: Int { 1 }
    /// `[x[index], y[index]]`.
    public func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor] {
        [try x[index], try y[index]]
    }
}

/// A transform applied to each collated batch (fastai's `batch_tfms`).
///
/// Examples: augmentation or `Normalize`.
public protocol BatchTransform: Sendable {
    /// Sort key: lower runs first (fastai's `order`).
    var order: Int { get }
    /// Whether it runs on validation batches too (false for augmentations).
    var appliesToValidation: Bool { get }
    /// Transforms the batch tensors in place; `kinds` says what each is.
    func callAsFunction(_ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator) throws
    /// Transforms a training (`isTraining`) or validation batch; by default the same as
    /// ``callAsFunction(_:kinds:generator:)``. Transforms that run on both but differ (an augmentation
    /// that still resizes validation batches) implement this one.
    func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator, isTraining: Bool
    ) throws
}

extension BatchTransform {
    /// Runs ``callAsFunction(_:kinds:generator:)``, whether training or not.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator, isTraining: Bool
    ) throws {
        try self(&batch, kinds: kinds, generator: generator)
    }
}

/// One batch: input tensors and target tensors, stacked along a new first axis.
public struct Batch: Sendable {
    /// The inputs.
    public var xs: [Tensor]
    /// The targets.
    public var ys: [Tensor]
    /// The number of samples.
    public var count: Int { xs.first?.shape.first ?? 0 }
}

/// Loads batches from a dataset: shuffling with a seeded generator per epoch, dropping the last
/// partial batch if asked, and preparing batches on a background thread in a fixed order.
public final class DataLoader: Sequence, @unchecked Sendable {
    /// The dataset.
    public let dataset: any Dataset
    /// The batch size.
    public let bs: Int
    /// Whether each epoch visits samples in a new random order.
    public let shuffle: Bool
    /// Whether the last partial batch is dropped.
    public let dropLast: Bool
    /// Transforms applied to each batch.
    public let batchTfms: [any BatchTransform]
    /// Whether this loads training data (random item and batch transforms apply).
    public let isTraining: Bool
    /// The seed of the shuffling and augmentation streams.
    public let seed: UInt64
    /// The loss the target calls for (fastai's `dls.train.loss_func`), as its ``DataLoaders`` has it.
    public let lossFunc: (any LossFunction)?
    /// How many batches to prepare ahead on the background thread (0: none, prepare inline).
    public var prefetch = 2
    private let lock = NSLock()
    private var epochCount = 0

    /// Creates a loader.
    public init(
        _ dataset: any Dataset, bs: Int = 64, shuffle: Bool = false, dropLast: Bool = false,
        batchTfms: [any BatchTransform] = [], isTraining: Bool = false, seed: UInt64? = nil,
        lossFunc: (any LossFunction)? = nil
    ) {
        precondition(bs > 0, "batch size must be positive, got \(bs)")
        self.lossFunc = lossFunc
        self.dataset = dataset
        self.bs = bs
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.batchTfms = batchTfms.sorted { $0.order < $1.order }
        self.isTraining = isTraining
        self.seed = seed ?? Random.current.nextUInt64()
    }

    /// The number of batches per epoch.
    public var count: Int {
        // Not (count + bs − 1) / bs: that overflows for a batch size near Int.max.
        dropLast || dataset.count % bs == 0 ? dataset.count / bs : dataset.count / bs + 1
    }

    /// How many epochs have been started (each new iteration shuffles with a new stream).
    public var epochsStarted: Int {
        get { lock.withLock { epochCount } }
        set { lock.withLock { epochCount = newValue } }
    }

    /// The sample order of epoch `epoch`.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        if shuffle {
            TensorCore.Generator(seed: Random.deriveSeed(seed, "shuffle-\(epoch)")).shuffle(&indices)
        }
        return indices
    }

    /// Builds batch `index` of epoch `epoch` from `order`.
    func makeBatch(_ index: Int, order: [Int], epoch: Int) throws -> Batch {
        let start = index * bs
        let positions = order[start..<(start + Swift.min(bs, order.count - start))]
        let streams =
            isTraining
            ? TensorCore.Generator(seed: Random.deriveSeed(seed, "augment-\(epoch)-\(index)")) : nil
        var columns: [[Tensor]] = Array(repeating: [], count: dataset.kinds.count)
        for (offset, position) in positions.enumerated() {
            let itemGenerator = streams.map {
                TensorCore.Generator(seed: Random.deriveSeed($0.seed, "item-\(offset)"))
            }
            let sample = try dataset.sample(at: position, generator: itemGenerator)
            for (column, tensor) in sample.enumerated() where column < columns.count {
                columns[column].append(tensor)
            }
        }
        var stacked = try columns.enumerated().map { column, tensors in
            guard let first = tensors.first else { return Tensor.zeros([0]) }
            if let odd = tensors.first(where: { $0.shape != first.shape }) {
                throw TrainingError(
                    "cannot collate \(dataset.kinds[column]) items of shapes \(first.shape) and \(odd.shape) "
                        + "into a batch; add an item transform that makes them the same size (e.g. Resize)")
            }
            return Tensor.stack(tensors)
        }
        let batchGenerator = TensorCore.Generator(seed: Random.deriveSeed(seed, "batch-\(epoch)-\(index)"))
        for transform in batchTfms where isTraining || transform.appliesToValidation {
            try transform(&stacked, kinds: dataset.kinds, generator: batchGenerator, isTraining: isTraining)
        }
        return Batch(xs: Array(stacked.prefix(dataset.nInp)), ys: Array(stacked.dropFirst(dataset.nInp)))
    }

    /// Iterates over one epoch's batches (throwing errors end the epoch; see ``BatchIterator/error``).
    public func makeIterator() -> BatchIterator {
        let epoch = lock.withLock {
            defer { epochCount += 1 }
            return epochCount
        }
        return BatchIterator(loader: self, epoch: epoch)
    }

    /// A loader like this one, with the same dataset, seed and epoch count, whose batch transforms are
    /// this one's and `tfms` (sorted by order).
    public func addingBatchTfms(_ tfms: [any BatchTransform]) -> DataLoader {
        let loader = DataLoader(
            dataset, bs: bs, shuffle: shuffle, dropLast: dropLast, batchTfms: batchTfms + tfms,
            isTraining: isTraining, seed: seed, lossFunc: lossFunc)
        loader.prefetch = prefetch
        loader.epochsStarted = epochsStarted
        return loader
    }

    /// One batch, the first of a fresh epoch order (fastai `one_batch`), without advancing epochs.
    public func oneBatch() throws -> Batch {
        try makeBatch(0, order: order(epoch: epochsStarted), epoch: epochsStarted)
    }

    /// ``oneBatch()`` as `(x, y)`: its first input and first target, as fastai's `dl.one_batch()` unpacks.
    ///
    /// - Throws: What loading the batch throws; ``TrainingError`` for data without inputs or targets.
    public func oneBatchPair() throws -> (Tensor, Tensor) {
        let batch = try oneBatch()
        guard let x = batch.xs.first, let y = batch.ys.first else {
            throw TrainingError("oneBatch: the data has no input or no target")
        }
        return (x, y)
    }
}

/// State shared by a batch iterator and its producer thread.
private final class PrefetchState: @unchecked Sendable {
    let condition = NSCondition()
    var ready: [Int: Result<Batch, any Error>] = [:]
    var produced = 0
    var consumed = 0
    var cancelled = false
}

/// Batches of one epoch, prepared ahead on a background thread in a deterministic order.
public final class BatchIterator: IteratorProtocol, @unchecked Sendable {
    private let loader: DataLoader
    private let order: [Int]
    private let epoch: Int
    private let total: Int
    private var nextIndex = 0
    private let state = PrefetchState()
    private var started = false
    /// The error that ended the epoch early, if any.
    public private(set) var error: (any Error)?

    init(loader: DataLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        order = loader.order(epoch: epoch)
        total = loader.count
    }

    deinit {
        state.condition.lock()
        state.cancelled = true
        state.condition.broadcast()
        state.condition.unlock()
    }

    private func startProducer() {
        started = true
        let (state, loader, order, epoch, total) = (
            self.state, self.loader, self.order, self.epoch, self.total
        )
        let ahead = max(loader.prefetch, 1)
        let thread = Thread {
            for index in 0..<total {
                state.condition.lock()
                while !state.cancelled && state.produced - state.consumed >= ahead { state.condition.wait() }
                let stop = state.cancelled
                state.condition.unlock()
                if stop { return }
                let result = Result { try loader.makeBatch(index, order: order, epoch: epoch) }
                state.condition.lock()
                state.ready[index] = result
                state.produced += 1
                state.condition.broadcast()
                state.condition.unlock()
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next batch, or nil at the end of the epoch (or after an error, kept in ``error``).
    public func next() -> Batch? {
        guard error == nil, nextIndex < total else { return nil }
        let result: Result<Batch, any Error>
        if loader.prefetch <= 0 {
            result = Result { try loader.makeBatch(nextIndex, order: order, epoch: epoch) }
        } else {
            if !started { startProducer() }
            state.condition.lock()
            while state.ready[nextIndex] == nil { state.condition.wait() }
            result = state.ready.removeValue(forKey: nextIndex) ?? .failure(TrainingError("batch lost"))
            state.consumed += 1
            state.condition.broadcast()
            state.condition.unlock()
        }
        nextIndex += 1
        switch result {
        case .success(let batch): return batch
        case .failure(let failure):
            error = failure
            return nil
        }
    }
}

/// A training and a validation loader (fastai `DataLoaders`).
public struct DataLoaders: Sendable {
    /// The training loader (shuffled, last partial batch dropped).
    public let train: DataLoader
    /// The validation loader (in order, every sample).
    public let valid: DataLoader
    /// The target vocabulary, when the target is categorical.
    public let vocab: CategoryMap?
    /// The number of outputs a model needs (vocab size or target width).
    public let c: Int
    /// The loss the target calls for (fastai `dls.loss_func`), used by a `Learner` given none.
    public let lossFunc: (any LossFunction)?

    /// The training dataset (fastai `dls.train_ds`).
    public var trainDS: any Dataset { train.dataset }
    /// The validation dataset (fastai `dls.valid_ds`).
    public var validDS: any Dataset { valid.dataset }

    /// Creates loaders over a training and a validation dataset with fastai's defaults.
    public init(
        train: any Dataset, valid: any Dataset, bs: Int = 64, valBs: Int? = nil, seed: UInt64? = nil,
        batchTfms: [any BatchTransform] = [], vocab: CategoryMap? = nil, c: Int? = nil,
        lossFunc: (any LossFunction)? = nil
    ) {
        self.lossFunc = lossFunc
        let seed = seed ?? Random.current.nextUInt64()
        self.train = DataLoader(
            train, bs: bs, shuffle: true, dropLast: true, batchTfms: batchTfms, isTraining: true, seed: seed,
            lossFunc: lossFunc)
        self.valid = DataLoader(valid, bs: valBs ?? bs, batchTfms: batchTfms, seed: seed, lossFunc: lossFunc)
        self.vocab = vocab
        self.c = c ?? vocab?.count ?? 1
    }

    /// The same data with `tfms` added to both loaders' batch transforms.
    ///
    /// fastai's `dls.add_tfms(tfms, 'after_batch')`, as a value: new loaders are returned, with the same
    /// datasets, seeds and epoch counts; `self` is unchanged.
    public func addingBatchTfms(_ tfms: [any BatchTransform]) -> DataLoaders {
        DataLoaders(
            train: train.addingBatchTfms(tfms), valid: valid.addingBatchTfms(tfms), vocab: vocab, c: c,
            lossFunc: lossFunc)
    }

    private init(
        train: DataLoader, valid: DataLoader, vocab: CategoryMap?, c: Int, lossFunc: (any LossFunction)?
    ) {
        self.train = train
        self.valid = valid
        self.vocab = vocab
        self.c = c
        self.lossFunc = lossFunc
    }

    /// The loaders by index: 0 training, 1 validation (fastai `dls[i]`).
    public subscript(index: Int) -> DataLoader { index == 0 ? train : valid }

    /// The first training batch as `(x, y)`: its first input and first target (fastai `dls.one_batch()`).
    ///
    /// - Throws: What loading the batch throws; ``TrainingError`` for data without inputs or targets.
    public func oneBatch() throws -> (Tensor, Tensor) { try train.oneBatchPair() }
}

/// fastai's `to_cpu`: Khru's tensors live on the CPU, so `value` comes back as it is, and fastbook's
/// `x, y = to_cpu(dls.train.one_batch())` runs as written.
public func toCPU<T>(_ value: T) -> T { value }
