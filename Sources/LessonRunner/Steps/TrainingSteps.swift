import Foundation
import Localization
import Plotting
import Reporting
import TensorCore
import Training

extension AnyLearner: LibraryValue {
    /// Every learner is a `Learner` to cells, whatever its model's type.
    public static var cellType: CellType { .named("Learner") }
}
extension Recorder: LibraryValue {}
extension DataLoaders: LibraryValue {}
extension DataLoader: LibraryValue {}
extension Metric: LibraryValue {}
extension MSELossFlat: LibraryValue {}
extension L1LossFlat: LibraryValue {}
extension CrossEntropyLossFlat: LibraryValue {}
extension BCEWithLogitsLossFlat: LibraryValue {}
extension Linear: LibraryValue {}
extension ReLU: LibraryValue {}
extension Embedding: LibraryValue {}
extension SigmoidRange: LibraryValue {}
extension Sequential: LibraryValue {}

extension SuggestedLRs: LibraryValue, CellDisplayable {
    /// fastai's rendering: `SuggestedLRs(valley=3.98e-04)`.
    public var cellOutput: CellOutput { .value(description) }
}

/// Any layer a cell holds (`DotProductBias`, `Sequential`, …), where a step takes a model.
struct AnyLayer: CellValue {
    let layer: any Layer
    static var cellType: CellType { .named("Layer") }
    static func from(_ value: Value) throws -> AnyLayer {
        if case .object(let object) = value, let layer = object.payload as? any Layer {
            return AnyLayer(layer: layer)
        }
        throw ConversionError(expected: cellType, actual: value.cellType)
    }
    var cellValue: Value {
        if let declared = layer as? DeclaredLayer {
            return .object(LibraryObject(type: declared.type.cellType, payload: layer))
        }
        return .object(LibraryObject(type: .named(String(describing: Swift.type(of: layer))), payload: layer))
    }
}

/// Any loss function (`MSELossFlat()`, `CrossEntropyLossFlat()`, …).
struct AnyLoss: CellValue {
    let loss: any LossFunction
    static var cellType: CellType { .named("LossFunction") }
    static func from(_ value: Value) throws -> AnyLoss {
        if case .object(let object) = value, let loss = object.payload as? any LossFunction {
            return AnyLoss(loss: loss)
        }
        throw ConversionError(expected: cellType, actual: value.cellType)
    }
    var cellValue: Value {
        .object(LibraryObject(type: .named(String(describing: Swift.type(of: loss))), payload: loss))
    }
}

extension Registry {
    /// Runs the finder with the cell's deadline and shows its chart, as every form of `lrFind` does.
    fileprivate static func lrFind(
        _ l: AnyLearner, _ start: Double, _ end: Double, _ numIt: Int, _ suggestFuncs: [SuggestionFunction],
        _ context: StepContext
    ) throws -> SuggestedLRs {
        guard !suggestFuncs.isEmpty else {
            throw StepError("lrFind needs at least one suggestion function")
        }
        // The cell's timeout= stops the search between batches, as it stops a fit.
        let suggestions = try l.lrFind(
            startLR: start, endLR: end, numIt: numIt, suggestFuncs: suggestFuncs,
            cbs: context.deadlineInstant.map { [DeadlineCallback(deadline: $0)] } ?? [])
        try context.checkDeadline()
        let chart = try suggestions.plot()
        context.emit(.image(chart.pngImage(alt: KhruPhrases.lrFindCaption)))
        return suggestions
    }
}

extension Registry {
    /// Binds the training loop: `Learner`, its fits and finders, the recorder, losses, metrics, layers.
    public mutating func bindTraining() {
        type("Layer", doc: "A model or a part of one: parameters and a forward function.")
        type("LossFunction", doc: "A loss with its activation and decodes (fastai's *LossFlat).")
        type(AnyLearner.self, doc: "A model, its data, loss and optimizer: fastai's Learner.")
        type(Recorder.self, doc: "What training recorded: losses, learning rates, per-epoch values.")
        type(DataLoaders.self, doc: "Training and validation mini-batches.")
        type(DataLoader.self, doc: "Mini-batches of one dataset (dls.train, dls.valid).")
        property("DataLoaders.train: DataLoader", doc: "The training batches.") { (d: DataLoaders) in d.train
        }
        property("DataLoaders.valid: DataLoader", doc: "The validation batches.") { (d: DataLoaders) in
            d.valid
        }
        property("DataLoader.bs: Int", doc: "The batch size.") { (d: DataLoader) in d.bs }
        property("DataLoader.count: Int", doc: "The number of batches.") { (d: DataLoader) in d.count }
        bind("DataLoaders.oneBatch()", doc: "The first training batch as (x, y) (fastai's one_batch).") {
            (d: DataLoaders) -> CellTuple<Tensor, Tensor> in
            let (x, y) = try d.oneBatch()
            return CellTuple(x, y)
        }
        bind("toCPU(_ value: Tensor)", doc: "fastai's to_cpu: Khru's tensors are on the CPU already.") {
            (t: Tensor) in toCPU(t)
        }
        bind("toCPU(_ value: (Tensor, Tensor))", doc: "fastai's to_cpu of a batch: unchanged here.") {
            (batch: CellTuple<Tensor, Tensor>) in batch
        }
        type(Metric.self, doc: "A metric shown per epoch (accuracy, errorRate, rmse, …).")
        type(SuggestedLRs.self, doc: "The learning rates lrFind suggests.")
        for (swiftType, doc) in [
            (MSELossFlat.self as any CellValue.Type, "Mean squared error (regression, ratings)."),
            (L1LossFlat.self, "Mean absolute error."),
            (CrossEntropyLossFlat.self, "Cross-entropy of softmax (single-label classification)."),
            (BCEWithLogitsLossFlat.self, "Binary cross-entropy of sigmoid (multi-label classification)."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["LossFunction"], doc: doc)
        }
        for (swiftType, doc) in [
            (Linear.self as any CellValue.Type, "A fully connected layer: x·Wᵀ + b."),
            (ReLU.self, "max(0, x)."),
            (Embedding.self, "A table of vectors looked up by index (same gradients as a one-hot product)."),
            (SigmoidRange.self, "Squeezes outputs into low...high with a sigmoid."),
            (Sequential.self, "Layers applied one after the other."),
        ] {
            type(swiftType.cellType.ownerName, supertypes: ["Layer"], doc: doc)
        }

        bind("MSELossFlat()", doc: "Mean squared error over flattened predictions and targets.") {
            MSELossFlat()
        }
        bind("L1LossFlat()", doc: "Mean absolute error over flattened predictions and targets.") {
            L1LossFlat()
        }
        bind(
            "CrossEntropyLossFlat(reduction: Reduction = .mean)",
            doc: "Cross-entropy loss for single-label classification (reduction: .none gives one per item)."
        ) { (reduction: Reduction) in CrossEntropyLossFlat(reduction: reduction) }
        bind("BCEWithLogitsLossFlat(thresh: Double = 0.5)", doc: "Binary cross-entropy for multi-label.") {
            (thresh: Double) in BCEWithLogitsLossFlat(thresh: Float(thresh))
        }
        constant("accuracy: Metric", doc: "Share of items whose predicted class is right.") {
            Training.accuracy
        }
        constant("errorRate: Metric", doc: "1 − accuracy.") { Training.errorRate }
        constant("rmse: Metric", doc: "Root mean squared error over the validation set.") { Training.rmse }
        constant("mae: Metric", doc: "Mean absolute error.") { Training.mae }
        bind(
            "accuracyMulti(thresh: Double = 0.5, sigmoid: Bool = true)",
            doc: "Multi-label accuracy over every (item, class) at a threshold."
        ) { (thresh: Double, sigmoid: Bool) in Training.accuracyMulti(thresh: thresh, sigmoid: sigmoid) }

        property("Linear.weight: Parameter", doc: "The [out, in] weight matrix.") { (l: Linear) in l.weight }
        property("Linear.bias: Parameter?", doc: "The [out] bias (nil without one).") { (l: Linear) in l.bias
        }
        bind("Linear(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true)", doc: "A linear layer.") {
            (inputs: Int, outputs: Int, bias: Bool) in
            guard inputs > 0, outputs > 0 else { throw StepError("Linear needs positive sizes") }
            try Tensor.validate(shape: [inputs, outputs])
            return Linear(inputs, outputs, bias: bias)
        }
        bind("ReLU()", doc: "The rectified linear unit.") { ReLU() }
        bind("Embedding(_ count: Int, _ dim: Int)", doc: "count vectors of dim numbers (fastai init).") {
            (count: Int, dim: Int) in
            guard count > 0, dim > 0 else { throw StepError("Embedding needs positive sizes") }
            try Tensor.validate(shape: [count, dim])
            return Embedding(count, dim)
        }
        bind("Embedding.callAsFunction(_ ids: [Int])", doc: "The vectors of ids (a look-up).") {
            (embedding: Embedding, ids: [Int]) in try embedding.lookup(ids)
        }
        bind(
            "Embedding.callAsFunction(_ x: Variable)",
            doc: "The vectors of the ids a tensor holds: shape x.shape + [dim]."
        ) { (embedding: Embedding, x: Variable) in try embedding.forward(x) }
        bind(
            "Layer.callAsFunction(_ x: Variable)",
            doc: "The layer's forward pass (a model a cell declares runs its own callAsFunction)."
        ) { (layer: AnyLayer, x: Variable) in try layer.layer.forward(x) }
        property("Layer.parameters: [Parameter]", doc: "Every parameter, depth first.") { (layer: AnyLayer) in
            layer.layer.parameters
        }
        property(
            "Layer.parameterNames: [String]",
            doc: "The dotted names of the parameters (\"userFactors.weight\")."
        ) { (layer: AnyLayer) in layer.layer.parameterNames }
        property("Layer.typeName: String", doc: "The layer's type (\"EmbeddingNN\"), as summaries show it.") {
            (layer: AnyLayer) in layer.layer.typeName
        }
        property("Embedding.weight: Parameter", doc: "The table, one row per id.") { (e: Embedding) in
            e.weight
        }
        bind("SigmoidRange(_ range: ClosedRange<Double>)", doc: "sigmoid(x)·(hi − lo) + lo as a layer.") {
            (range: ClosedRange<Double>) in SigmoidRange(range)
        }
        bind("Sequential(_ layers: Layer...)", doc: "Layers applied in order.") { (layers: [AnyLayer]) in
            Sequential(layers.map(\.layer))
        }

        bind(
            "Learner(_ dls: DataLoaders, _ model: Layer, lossFunc: LossFunction? = nil, "
                + "lr: Double = 1e-3, wd: Double? = nil, metrics: Metric...)",
            doc: "A learner: data, model, loss (by default the one the data's target calls for) and Adam."
        ) { (dls: DataLoaders, model: AnyLayer, loss: AnyLoss?, lr: Double, wd: Double?, metrics: [Metric]) in
            let learner = Learner(dls, model.layer, lossFunc: loss?.loss, lr: lr, wd: wd)
            learner.metrics = metrics
            return learner
        }
        property(
            "Learner.model: Any", doc: "The model, as the type it was made with (learn.model.movieBias)."
        ) { (learn: AnyLearner) -> Value in AnyLayer(layer: learn.model).cellValue }
        property("Learner.recorder: Recorder", doc: "What the last fit recorded.") { (l: AnyLearner) in
            l.recorder
        }
        property("Learner.dls: DataLoaders", doc: "The learner's data.") { (l: AnyLearner) in l.dls }
        property(
            "Learner.wd: Double?", doc: "Weight decay for later fits (nil: the optimizer's 0.01).",
            get: { (l: AnyLearner) in l.wd }, set: { (l: inout AnyLearner, wd: Double?) in l.wd = wd })
        property(
            "Learner.lr: Double", doc: "The default learning rate.",
            get: { (l: AnyLearner) in l.lr }, set: { (l: inout AnyLearner, lr: Double) in l.lr = lr })
        property(
            "Learner.metrics: [Metric]", doc: "The metrics shown per epoch (learn.metrics = [accuracy]).",
            get: { (l: AnyLearner) in l.metrics },
            set: { (l: inout AnyLearner, metrics: [Metric]) in l.metrics = metrics })
        bind(
            "Learner.toFP16()",
            doc: "fastai's mixed precision: Khru trains in Float32 on the CPU, so the learner is unchanged."
        ) { (context: StepContext, l: AnyLearner) in
            context.emit(.text(AnyLearner.toFP16Note))
            return l.toFP16()
        }

        let fitDoc =
            "One-cycle training: lr warms up to lrMax, then anneals; momentum cycles 0.95 → 0.85 → 0.95."
        bind(
            "Learner.fitOneCycle(_ nEpoch: Int, lrMax: Double? = nil, div: Double = 25, pctStart: Double = 0.25, "
                + "wd: Double? = nil)", doc: fitDoc
        ) {
            (
                context: StepContext, l: AnyLearner, n: Int, lr: Double?, div: Double, pct: Double,
                wd: Double?
            ) in
            try Self.training(l, epochs: n, context) {
                try l.fitOneCycle(
                    n, lrMax: lr.map { $0 as any LearningRates }, div: div, pctStart: pct, wd: wd, cbs: $0)
            }
        }
        bind(
            "Learner.fitOneCycle(_ nEpoch: Int, lrMax: ClosedRange<Double>, div: Double = 25, "
                + "pctStart: Double = 0.25, wd: Double? = nil)",
            doc: fitDoc + " A range lo...hi spreads over the parameter groups (fastai's slice)."
        ) {
            (
                context: StepContext, l: AnyLearner, n: Int, lr: ClosedRange<Double>, div: Double,
                pct: Double,
                wd: Double?
            ) in
            try Self.training(l, epochs: n, context) {
                try l.fitOneCycle(n, lrMax: lr, div: div, pctStart: pct, wd: wd, cbs: $0)
            }
        }
        bind(
            "Learner.fitOneCycle(_ nEpoch: Int, _ lrMax: Double, div: Double = 25, pctStart: Double = 0.25, "
                + "wd: Double? = nil)",
            doc: fitDoc + " The peak lr second and unlabelled, as fastai's fit_one_cycle(3, 3e-3)."
        ) {
            (
                context: StepContext, l: AnyLearner, n: Int, lr: Double, div: Double, pct: Double,
                wd: Double?
            ) in
            try Self.training(l, epochs: n, context) {
                try l.fitOneCycle(n, lrMax: lr, div: div, pctStart: pct, wd: wd, cbs: $0)
            }
        }
        bind(
            "slice(_ a: Double, _ b: Double)",
            doc: "fastai's slice(a, b) of learning rates: a...b, spread over the parameter groups."
        ) { (a: Double, b: Double) in try slice(a, b) }
        bind(
            "Learner.fit(_ nEpoch: Int, lr: Double? = nil, wd: Double? = nil)", doc: "Training at a fixed lr."
        ) {
            (context: StepContext, l: AnyLearner, n: Int, lr: Double?, wd: Double?) in
            try Self.training(l, epochs: n, context) {
                try l.fit(n, lr: lr.map { $0 as any LearningRates }, wd: wd, cbs: $0)
            }
        }
        bind(
            "Learner.fineTune(_ epochs: Int, baseLR: Double = 2e-3, freezeEpochs: Int = 1)",
            doc: "Transfer learning: train the head frozen, then everything with discriminative lrs."
        ) { (context: StepContext, l: AnyLearner, epochs: Int, baseLR: Double, freezeEpochs: Int) in
            try Self.training(l, epochs: epochs + freezeEpochs, context) {
                try l.fineTune(epochs, baseLR: baseLR, freezeEpochs: freezeEpochs, cbs: $0)
            }
        }
        bind(
            "Learner.fineTune(_ epochs: Int, _ baseLR: Double, freezeEpochs: Int = 1)",
            doc: "fineTune with the base lr second and unlabelled, as fastai's fine_tune(3, lr)."
        ) { (context: StepContext, l: AnyLearner, epochs: Int, baseLR: Double, freezeEpochs: Int) in
            try Self.training(l, epochs: epochs + freezeEpochs, context) {
                try l.fineTune(epochs, baseLR: baseLR, freezeEpochs: freezeEpochs, cbs: $0)
            }
        }
        bind(
            "Learner.lrFind(startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, "
                + "suggestFuncs: [SuggestionFunction] = [.valley])",
            doc:
                "The learning-rate finder: plots loss against lr and suggests rates (valley, minimum, steep…)."
        ) {
            (
                context: StepContext, l: AnyLearner, start: Double, end: Double, numIt: Int,
                suggestFuncs: [SuggestionFunction]
            ) in
            try Self.lrFind(l, start, end, numIt, suggestFuncs, context)
        }
        // Chosen only where the call is destructured into as many names (`let (lrMin, lrSteep) = …`), as
        // Swift chooses the library's @_disfavoredOverload tuple forms.
        bind(
            "Learner.lrFind(startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, "
                + "suggestFuncs: [SuggestionFunction]) -> (Double, Double)",
            doc: "lrFind's two suggestions in the order asked: let (lrMin, lrSteep) = learn.lrFind(…)."
        ) {
            (
                context: StepContext, l: AnyLearner, start: Double, end: Double, numIt: Int,
                suggestFuncs: [SuggestionFunction]
            ) -> CellTuple<Double, Double> in
            try SuggestedLRs.checkCount(suggestFuncs, 2)
            let lrs = try Self.lrFind(l, start, end, numIt, suggestFuncs, context).values(count: 2)
            return CellTuple(lrs[0], lrs[1])
        }
        bind(
            "Learner.lrFind(startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, "
                + "suggestFuncs: [SuggestionFunction]) -> (Double, Double, Double)",
            doc: "lrFind's three suggestions in the order asked: let (a, b, c) = learn.lrFind(…)."
        ) {
            (
                context: StepContext, l: AnyLearner, start: Double, end: Double, numIt: Int,
                suggestFuncs: [SuggestionFunction]
            ) -> CellTuple<Double, Double, Double> in
            try SuggestedLRs.checkCount(suggestFuncs, 3)
            let lrs = try Self.lrFind(l, start, end, numIt, suggestFuncs, context).values(count: 3)
            return CellTuple(lrs[0], lrs[1], lrs[2])
        }
        bind("Learner.validate()", doc: "[valid_loss, metrics…] on the validation set.") { (l: AnyLearner) in
            try l.validate()
        }
        bind(
            "Learner.freeze()",
            doc: "Trains only the last parameter group (nothing to freeze with one group)."
        ) {
            (l: AnyLearner) in l.freeze()
        }
        bind("Learner.unfreeze()", doc: "Trains every parameter group.") { (l: AnyLearner) in l.unfreeze() }
        bind(
            "Learner.save(_ file: String)",
            doc: "Saves weights and optimizer state as models/<file>.pth in the lesson's files folder."
        ) { (context: StepContext, l: AnyLearner, file: String) in
            try Self.inFilesFolder(l, context) { _ = try l.save(file) }
        }
        bind(
            "Learner.load(_ file: String)",
            doc: "Loads what learn.save(file) saved: weights and optimizer state."
        ) {
            (context: StepContext, l: AnyLearner, file: String) in
            try Self.inFilesFolder(l, context) { try l.load(file) }
        }
        bind(
            "Learner.summary()",
            doc:
                "The layers with their output shapes and parameter counts, the optimizer, loss and callbacks."
        ) { (context: StepContext, l: AnyLearner) in
            context.print(try l.summary())
        }

        property("Recorder.validLosses: [Double]", doc: "Validation loss of each epoch.") { (r: Recorder) in
            r.validLosses
        }
        property("Recorder.trainLosses: [Double]", doc: "Smoothed training loss at each epoch end.") {
            (r: Recorder) in r.trainLosses
        }
        property("Recorder.values: [[Double]]", doc: "[train_loss, valid_loss, metrics…] per epoch.") {
            (r: Recorder) in r.values
        }
        property("Recorder.losses: [Double]", doc: "Smoothed training loss per batch.") { (r: Recorder) in
            r.losses
        }
        property("Recorder.lrs: [Double]", doc: "Learning rate per batch (last group).") { (r: Recorder) in
            r.lrs
        }
        bind("Recorder.plotLoss(skipStart: Int = 5, withValid: Bool = true)", doc: "The learning curve.") {
            (r: Recorder, skip: Int, withValid: Bool) in try r.plotLoss(skipStart: skip, withValid: withValid)
        }
        bind("Recorder.plotSched()", doc: "Learning rate and momentum per batch.") { (r: Recorder) in
            try r.plotSched()
        }
        property("SuggestedLRs.valley: Double?", doc: "fastai's default suggestion.") { (s: SuggestedLRs) in
            s.valley
        }
        property("SuggestedLRs.minimum: Double?", doc: "The lr of the lowest loss, divided by 10.") {
            (s: SuggestedLRs) in s.minimum
        }
        property("SuggestedLRs.steep: Double?", doc: "Where the loss falls fastest.") { (s: SuggestedLRs) in
            s.steep
        }
        property("SuggestedLRs.slide: Double?", doc: "fastai's slide rule.") { (s: SuggestedLRs) in s.slide }
        property(
            "Learner.paramGroups: [[Parameter]]", doc: "The parameter groups (body early, body late, head)."
        ) {
            (l: AnyLearner) in l.paramGroups
        }
        bind(
            "ClosedRange.rates(groups: Int)",
            doc: "The learning rate each parameter group gets from lo...hi (fastai's even_mults)."
        ) { (range: ClosedRange<Double>, groups: Int) in
            guard groups > 0 else { throw StepError("groups must be positive") }
            return try range.rates(groups: groups)
        }
    }

    /// Runs `body` with a learner whose `path` is relative (the default `.`) placed under the lesson's
    /// files folder, so a lesson never writes beside its own source.
    static func inFilesFolder(_ learner: AnyLearner, _ context: StepContext, _ body: () throws -> Void) throws
    {
        if !learner.path.isAbsolute {
            let folder = Path(context.filesDirectory)
            learner.path = learner.path.string == "." ? folder : folder / learner.path.string
        }
        try body()
    }

    /// Runs a fit and emits its epoch table into the report.
    ///
    /// The terminal gets the learner's own progress bar and table. `fit` receives the callbacks to pass
    /// on: one stops training at the cell's `timeout=`, checked after every batch, and the cell then
    /// fails with ``CellTimeout``.
    static func training(
        _ learner: AnyLearner, epochs: Int, _ context: StepContext, _ fit: ([any Callback]) throws -> Void
    ) throws {
        let collected = EpochRows()
        let previous = learner.logger
        learner.logger = { header, row in collected.append(header, row) }
        defer { learner.logger = previous }
        var callbacks: [any Callback] = context.deadlineInstant.map { [DeadlineCallback(deadline: $0)] } ?? []
        if context.reportsProgress { callbacks.append(ProgressRelay(context: context)) }
        try fit(callbacks)
        try context.checkDeadline()
        for (header, rows) in collected.snapshot() {
            context.emit(
                .table(Table(kind: "epochs", columns: header, rows: rows, telemetryColumns: ["time"])))
        }
    }
}

/// Stops a fit once the cell's deadline has passed (checked after every batch).
private final class DeadlineCallback: Callback {
    let order = 0
    let deadline: ContinuousClock.Instant

    init(deadline: ContinuousClock.Instant) { self.deadline = deadline }

    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        event == .afterBatch && ContinuousClock.now > deadline ? .stopFit : .proceed
    }
}

/// Sends a fit's progress to the run's progress hook: batches (a few times a second, and each phase's
/// last) and every epoch row once the recorder has made it.
private final class ProgressRelay: Callback, @unchecked Sendable {
    /// After the recorder (50), which makes the epoch rows.
    let order = 65
    let context: StepContext
    private var lastSent = ContinuousClock.now - .seconds(1)

    init(context: StepContext) { self.context = context }

    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        switch event {
        case .afterBatch:
            let now = ContinuousClock.now
            let last = learner.iter + 1 == learner.nIter
            guard last || now - lastSent >= .milliseconds(200) else { break }
            lastSent = now
            context.progress(
                .batch(
                    cellID: context.cellID,
                    TrainingProgress(
                        epoch: learner.epoch, epochs: learner.nEpoch, batch: learner.iter + 1,
                        batches: learner.nIter, training: learner.training)))
        case .afterEpoch:
            let table = learner.recorder.table
            if let row = table.rows.last {
                context.progress(.epoch(cellID: context.cellID, header: table.header, row: row))
            }
        default: break
        }
        return .proceed
    }
}

/// The epoch rows of one fit, collected from the learner's logger.
private final class EpochRows: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [(header: [String], rows: [[String]])] = []

    /// Adds a row; a row of epoch 0 after others starts a new table, as fastai prints one table per
    /// fit (`fineTune`'s frozen epochs, then its unfrozen ones).
    func append(_ header: [String], _ row: [String]) {
        lock.withLock {
            if let last = tables.last, last.header == header, !(row.first == "0" && !last.rows.isEmpty) {
                tables[tables.count - 1].rows.append(row)
            } else {
                tables.append((header, [row]))
            }
        }
    }

    func snapshot() -> [(header: [String], rows: [[String]])] { lock.withLock { tables } }
}
