import Collab
import Plotting
import TensorCore
import Training

extension CollabDataLoaders: LibraryValue {}
extension Classes: LibraryValue {}
extension CategoryMap: LibraryValue {}

extension DotProductBias: LibraryValue {}
extension EmbeddingDotBias: LibraryValue {}
extension EmbeddingNN: LibraryValue {}

extension Registry {
    /// Binds collaborative filtering: loaders, models, one-hot look-ups and what a model learned.
    public mutating func bindCollab() {
        type(
            CollabDataLoaders.self, doc: "Mini-batches of (user, item) pairs and ratings, with vocabularies.")
        type(Classes.self, doc: "The vocabulary of each column: classes[\"title\"][i] is item i's title.")
        type(
            DotProductBias.self, supertypes: ["Layer"], doc: "Dot product of factors plus biases, in yRange.")

        bind(
            "static CollabDataLoaders.fromDF(_ ratings: DataFrame, userName: String? = nil, "
                + "itemName: String? = nil, ratingName: String? = nil, validPct: Double = 0.2, bs: Int = 64)",
            doc: "Loaders from a ratings frame: a random 20% for validation, vocabularies from training."
        ) {
            (ratings: DataFrame, user: String?, item: String?, rating: String?, validPct: Double, bs: Int) in
            try CollabDataLoaders.fromDF(
                ratings, userName: user, itemName: item, ratingName: rating, validPct: validPct, bs: bs)
        }
        property("CollabDataLoaders.classes: Classes", doc: "The vocabularies.") { (d: CollabDataLoaders) in
            d.classes
        }
        bind("CollabDataLoaders.showBatch(maxN: Int = 9)", doc: "A decoded batch as a table.") {
            (d: CollabDataLoaders, maxN: Int) in d.showBatch(maxN: maxN)
        }
        bind(
            "CollabDataLoaders.exportSplit(to path: String)",
            doc: "Writes the train/valid row positions as JSON, so another tool can train on the same rows."
        ) { (context: StepContext, d: CollabDataLoaders, path: String) in
            try d.exportSplit(to: context.resolve(path: path))
        }
        bind("Classes.subscript(_ column: String)", doc: "The vocabulary of a column (#na# first).") {
            (classes: Classes, column: String) in try classes[column]
        }
        type(
            CategoryMap.self,
            doc: "A vocabulary (fastai's CategoryMap): labels in index order; o2i maps a label to its index.")
        type([String: Int].self, doc: "Labels to indices (CategoryMap.o2i); a missing label gives nil.")
        property("CategoryMap.count: Int", doc: "The number of labels.") { (v: CategoryMap) in v.count }
        property("CategoryMap.items: [String]", doc: "The labels, in index order.") { (v: CategoryMap) in
            v.items
        }
        property("CategoryMap.o2i: [String: Int]", doc: "Each label's index (fastai's o2i).") {
            (v: CategoryMap) in v.o2i
        }
        bind("CategoryMap.subscript(_ index: Int)", doc: "The label at index (vocab[3]).") {
            (v: CategoryMap, index: Int) in
            guard v.indices.contains(index) else {
                throw StepError("index \(index) is out of range for a vocabulary of \(v.count) labels")
            }
            return v[index]
        }
        bind("CategoryMap.firstIndex(of label: String)", doc: "The index of a label, or nil.") {
            (v: CategoryMap, label: String) in v.firstIndex(of: label)
        }

        bind(
            "DotProductBias(_ nUsers: Int, _ nMovies: Int, _ nFactors: Int, yRange: ClosedRange<Double> = 0...5.5)",
            doc: "fastbook's model: user and movie factors and biases, sigmoid into yRange."
        ) { (users: Int, movies: Int, factors: Int, yRange: ClosedRange<Double>) in
            guard users > 0, movies > 0, factors > 0 else {
                throw StepError("DotProductBias needs positive sizes")
            }
            try Tensor.validate(shape: [users, factors])
            try Tensor.validate(shape: [movies, factors])
            return DotProductBias(users, movies, factors, yRange: yRange)
        }
        for name in ["userFactors", "userBias", "movieFactors", "movieBias"] {
            property("DotProductBias.\(name): Embedding", doc: "The \(name) table.") { (m: DotProductBias) in
                switch name {
                case "userFactors": m.userFactors
                case "userBias": m.userBias
                case "movieFactors": m.movieFactors
                default: m.movieBias
                }
            }
        }
        bind(
            "Learner(_ dls: CollabDataLoaders, _ model: Layer, lossFunc: LossFunction = MSELossFlat(), "
                + "lr: Double = 1e-3, wd: Double? = nil, metrics: Metric...)",
            doc: "A learner over collaborative-filtering loaders (MSE by default)."
        ) {
            (
                dls: CollabDataLoaders, model: AnyLayer, loss: AnyLoss, lr: Double, wd: Double?,
                metrics: [Metric]
            ) in
            Learner(dls, model.layer, lossFunc: loss.loss, lr: lr, wd: wd, metrics: metrics)
        }
        bind(
            "collabLearner(_ dls: CollabDataLoaders, nFactors: Int = 50, useNN: Bool = false, "
                + "layers: [Int]? = nil, yRange: ClosedRange<Double>? = nil, wd: Double? = nil)",
            doc: "fastai's collab_learner: EmbeddingDotBias (or EmbeddingNN) with MSE and Adam."
        ) {
            (
                dls: CollabDataLoaders, factors: Int, useNN: Bool, layers: [Int]?,
                yRange: ClosedRange<Double>?,
                wd: Double?
            ) in
            if let bad = layers?.first(where: { $0 <= 0 }) {
                throw StepError("layer size \(bad) is not positive")
            }
            return collabLearner(dls, nFactors: factors, useNN: useNN, layers: layers, yRange: yRange, wd: wd)
        }
        type(
            EmbeddingDotBias.self, supertypes: ["Layer"],
            doc: "collabLearner's model: user and item factors and biases (uWeight, iWeight, uBias, iBias).")
        type(
            EmbeddingNN.self, supertypes: ["Layer"],
            doc: "collabLearner(useNN: true)'s network over embeddings.")
        for name in ["uWeight", "iWeight", "uBias", "iBias"] {
            property("EmbeddingDotBias.\(name): Embedding", doc: "The \(name) table.") {
                (m: EmbeddingDotBias) in
                switch name {
                case "uWeight": m.uWeight
                case "iWeight": m.iWeight
                case "uBias": m.uBias
                default: m.iBias
                }
            }
        }
        bind(
            "getEmbSz(_ dls: CollabDataLoaders)",
            doc: "(vocabulary size, width) per column (fastai get_emb_sz)."
        ) {
            (dls: CollabDataLoaders) in getEmbSz(dls).map { CellTuple($0.0, $0.1) }
        }
        bind("CollabDataLoaders.oneBatch()", doc: "The first batch of a fresh epoch: (x, y).") {
            (dls: CollabDataLoaders) in
            let batch = try dls.train.oneBatch()
            guard let x = batch.xs.first, let y = batch.ys.first else {
                throw StepError("the batch is empty")
            }
            return CellTuple(x, y)
        }

        bind("oneHot(_ index: Int, _ count: Int)", doc: "A vector of count zeros with a 1 at index.") {
            (index: Int, count: Int) in
            try Tensor.validate(shape: [count])
            return try oneHot(index, count)
        }
        bind("oneHot(_ indices: [Int], _ count: Int)", doc: "One one-hot row per index.") {
            (indices: [Int], count: Int) in
            try Tensor.validate(shape: [indices.count, count])
            return try oneHot(indices, count)
        }
        bind(
            "allClose(_ a: Tensor, _ b: Tensor)",
            doc: "Whether two tensors agree elementwise (torch.allclose)."
        ) {
            (a: Tensor, b: Tensor) in
            try allClose(a, b)
        }
        bind(
            "topItems(_ values: Parameter, _ titles: [String], count: Int = 5, largest: Bool = true)",
            doc: "The titles of the largest (or smallest) values, e.g. movie biases."
        ) { (values: Parameter, titles: [String], count: Int, largest: Bool) in
            try topItems(values, titles, count: count, largest: largest)
        }
        bind(
            "topItems(_ values: Parameter, _ titles: CategoryMap, count: Int = 5, largest: Bool = true)",
            doc: "The titles of the largest (or smallest) values, e.g. movie biases."
        ) { (values: Parameter, titles: CategoryMap, count: Int, largest: Bool) in
            try topItems(values, titles, count: count, largest: largest)
        }
        bind(
            "plotItemFactors(_ factors: Parameter, titles: CategoryMap, ratings: DataFrame, itemName: String, "
                + "count: Int = 50, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil)",
            doc: "The most-rated items placed on the first two principal components of their factors."
        ) {
            (
                factors: Parameter, titles: CategoryMap, ratings: DataFrame, itemName: String, count: Int,
                title: String?, xLabel: String?, yLabel: String?
            ) in
            try plotItemFactors(
                factors, titles: titles, ratings: ratings, itemName: itemName, count: count, title: title,
                xLabel: xLabel, yLabel: yLabel)
        }
        bind(
            "plotItemFactors(_ factors: Parameter, titles: [String], ratings: DataFrame, itemName: String, "
                + "count: Int = 50, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil)",
            doc: "The most-rated items placed on the first two principal components of their factors."
        ) {
            (
                factors: Parameter, titles: [String], ratings: DataFrame, itemName: String, count: Int,
                title: String?, xLabel: String?, yLabel: String?
            ) in
            try plotItemFactors(
                factors, titles: titles, ratings: ratings, itemName: itemName, count: count, title: title,
                xLabel: xLabel, yLabel: yLabel)
        }
    }
}
