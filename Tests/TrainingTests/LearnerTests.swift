import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Training

/// A seeded synthetic 10-class problem: Gaussian blobs in 20 dimensions.
func blobs(count: Int, seed: UInt64) throws -> (x: Tensor, y: Tensor) {
    let generator = Generator(seed: seed)
    let centers = Tensor.normal([10, 20], std: 2, generator: Generator(seed: 7))
    var xs: [Float] = []
    var ys: [Float] = []
    for _ in 0..<count {
        let label = generator.nextInt(in: 0..<10)
        let noise = Tensor.normal([20], generator: generator)
        try xs += (centers[label] + noise).scalars
        ys.append(Float(label))
    }
    return (Tensor(shape: [count, 20], scalars: xs), Tensor(shape: [count], scalars: ys))
}

func blobLoaders(bs: Int = 64) throws -> DataLoaders {
    let train = try blobs(count: 1024, seed: 1)
    let valid = try blobs(count: 256, seed: 2)
    return DataLoaders(
        train: TensorDataset(x: train.x, y: train.y), valid: TensorDataset(x: valid.x, y: valid.y), bs: bs,
        vocab: CategoryMap((0..<10).map(String.init)))
}

@Suite struct OptimizerTests {
    /// fastai Adam, two steps with fixed gradients, computed by hand in Double.
    @Test func adamFirstStepsMatchHandComputation() {
        let p = Parameter(Tensor([1.0, -2.0]), name: "w")
        let opt = Optimizer(Adam(), groups: [[p]])
        opt.setLRs([0.1])
        let grads: [[Double]] = [[0.5, -1.0], [0.2, 0.3]]
        var expected: [Double] = [1.0, -2.0]
        var gradAvg: [Double] = [0, 0]
        var sqrAvg: [Double] = [0, 0]
        for (step, g) in grads.enumerated() {
            p.grad = Tensor(g.map { Float($0) })
            opt.step()
            let t = Double(step + 1)
            for i in 0..<2 {
                expected[i] *= 1 - 0.1 * 0.01
                gradAvg[i] = 0.9 * gradAvg[i] + 0.1 * g[i]
                sqrAvg[i] = 0.99 * sqrAvg[i] + 0.01 * g[i] * g[i]
                expected[i] -=
                    0.1 / (1 - pow(0.9, t)) * gradAvg[i]
                    / ((sqrAvg[i] / (1 - pow(0.99, t))).squareRoot() + 1e-5)
            }
            expectClose(p.value.scalars.map(Double.init), expected, relative: 1e-5)
            p.zeroGrad()
        }
        #expect(opt.state(of: p)?.step == 2)
    }

    @Test func sgdMomentumAndSparseDenseEquivalence() {
        // SGD with momentum: a ← 0.9a + g; p ← p − lr·a.
        let p = Parameter(Tensor([1.0]))
        let opt = Optimizer(SGD(mom: 0.9), groups: [[p]])
        opt.setLRs([0.1])
        p.grad = Tensor([1.0])
        opt.step()
        p.grad = Tensor([1.0])
        opt.step()
        #expect(isClose(Double(p.value.scalar), 1 - 0.1 - 0.1 * 1.9, relative: 1e-6))

        // Adam on a sparse embedding gradient equals dense Adam on the densified gradient.
        let table = Tensor.normal([5, 3], generator: Generator(seed: 3))
        let sparseParam = Parameter(table)
        let denseParam = Parameter(table)
        let sparseOpt = Optimizer(Adam(), groups: [[sparseParam]])
        let denseOpt = Optimizer(Adam(), groups: [[denseParam]])
        for indices in [[1, 3, 1], [0, 4], [2]] {
            let loss = (sparseParam.variable.gather(indices) * 2).sum()
            loss.backward()
            #expect(sparseParam.sparseGrad != nil && sparseParam.grad == nil)
            denseParam.grad = sparseParam.sparseGrad?.densified()
            sparseOpt.step()
            denseOpt.step()
            sparseParam.zeroGrad()
            denseParam.zeroGrad()
        }
        expectClose(
            sparseParam.value.scalars.map(Double.init), denseParam.value.scalars.map(Double.init),
            relative: 1e-6)
        // Rows touched only in the first step still moved later (dense semantics), as in fastai.
    }
}

/// Records every hyperparameter set per training batch, for all groups.
final class GroupLRLog: Callback, @unchecked Sendable {
    let order = 55
    var lrs: [[Double]] = []
    var pcts: [Double] = []
    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        if event == .afterBatch, learner.training, let opt = learner.opt {
            lrs.append(opt.groups.map(\.hyper.lr))
        }
        return .proceed
    }
}

@Suite struct LearnerTests {
    func threeGroupModel() -> (Sequential, ParameterSplitter) {
        let model = Random.withSeed(5) {
            Sequential(
                Sequential(Linear(20, 32), BatchNorm1d(32), ReLU()),
                Sequential(Linear(32, 32), BatchNorm1d(32), ReLU()),
                Linear(32, 10))
        }
        let splitter: ParameterSplitter = { layer in
            guard let seq = layer as? Sequential else { return [layer.parameters] }
            return seq.layers.map(\.parameters)
        }
        return (model, splitter)
    }

    /// fastai-semantics §3: the two phases of fine_tune on a 3-group model.
    @Test func fineTuneIssuesFastaisTwoPhases() throws {
        let (model, splitter) = threeGroupModel()
        let learn = try Learner(blobLoaders(), model, splitter: splitter)
        learn.showProgress = false
        let log = GroupLRLog()
        let nIter = learn.dls.train.count  // 16
        let body0 = model[0].parameters.map(\.value)
        try learn.fineTune(1, baseLR: 2e-3, freezeEpochs: 1, cbs: [log])
        #expect(log.lrs.count == 2 * nIter)
        // Phase 1: slice(2e-3) → [2e-4, 2e-4, 2e-3], div 25, pct_start 0.99.
        expectClose(log.lrs[0], [8e-6, 8e-6, 8e-5], relative: 1e-9)
        let frozen1 = OneCycleSchedule(lrMax: 2e-3, pctStart: 0.99)
        expectClose([log.lrs[nIter - 1][2]], [frozen1.lr(Double(nIter - 1) / Double(nIter))], relative: 1e-9)
        // Phase 2: slice(1e-3/100, 1e-3) → [1e-5, 1e-4, 1e-3], div 5, pct_start 0.3.
        expectClose(log.lrs[nIter], [2e-6, 2e-5, 2e-4], relative: 1e-9)
        let unfrozen = OneCycleSchedule(lrMax: 1e-4, div: 5, pctStart: 0.3)
        for i in 0..<nIter {
            #expect(isClose(log.lrs[nIter + i][1], unfrozen.lr(Double(i) / Double(nIter)), relative: 1e-9))
        }
        // Phase 2 trained the body: its Linear weight moved.
        #expect(body0.count == 4 && model[0].parameters[0].value != body0[0])
    }

    /// Frozen groups keep their weights while their batch-norm parameters and statistics train.
    @Test func frozenGroupsKeepWeightsButBatchNormTrains() throws {
        let (model, splitter) = threeGroupModel()
        let learn = try Learner(blobLoaders(), model, splitter: splitter)
        learn.showProgress = false
        learn.freeze()
        guard let body = model[0] as? Sequential, let linear = body[0] as? Linear,
            let norm = body[1] as? BatchNorm,
            let head = model[2] as? Linear
        else {
            Issue.record("unexpected model structure")
            return
        }
        let (w0, b0, gamma0, beta0, mean0, head0) =
            (
                linear.weight.value, linear.bias?.value, norm.weight.value, norm.bias.value, norm.runningMean,
                head.weight.value
            )
        try learn.fitOneCycle(1, lrMax: 1e-2)
        #expect(linear.weight.value == w0 && linear.bias?.value == b0)
        #expect(norm.weight.value != gamma0 && norm.bias.value != beta0)
        #expect(norm.runningMean != mean0)
        #expect(head.weight.value != head0)
        #expect(learn.opt?.state(of: linear.weight) == nil)
    }

    /// fastai: `freeze()` on a single-group learner freezes nothing and does not fail, so `fineTune` runs.
    @Test func freezingASingleGroupFreezesNothing() throws {
        let model = Linear(20, 10)
        let learn = Learner(try blobLoaders(), model)
        learn.showProgress = false
        learn.freeze()
        let trainable = model.parameters.allSatisfy { $0.requiresGrad }
        #expect(trainable)
        let before = model.weight.value
        try learn.fineTune(1, freezeEpochs: 1)
        #expect(model.weight.value != before)
    }

    /// `fitOneCycle(3, 3e-3)`, `fineTune(3, lr)` and `slice(a, b)` as fastai writes them: the same schedule as
    /// the labelled forms, read off the learning rates each batch used.
    @Test func positionalLearningRatesAndSliceAreTheLabelledForms() throws {
        func rates(_ train: (AnyLearner, GroupLRLog) throws -> Void) throws -> [[Double]] {
            let (model, splitter) = threeGroupModel()
            let learn = try Learner(blobLoaders(), model, splitter: splitter)
            learn.showProgress = false
            let log = GroupLRLog()
            try train(learn, log)
            return log.lrs
        }
        let labelled = try rates { try $0.fitOneCycle(1, lrMax: 1e-6...1e-4, cbs: [$1]) }
        let positional = try rates { try $0.fitOneCycle(1, try slice(1e-6, 1e-4), cbs: [$1]) }
        #expect(!labelled.isEmpty && positional == labelled)
        // slice spreads over the three groups as evenMults: 1e-6, 1e-5, 1e-4 at the peak.
        expectClose(labelled.max { $0[2] < $1[2] } ?? [], [1e-6, 1e-5, 1e-4], relative: 1e-9)
        let tuned = try rates { try $0.fineTune(1, baseLR: 1e-2, cbs: [$1]) }
        #expect(try rates { try $0.fineTune(1, 1e-2, cbs: [$1]) } == tuned)
        #expect(throws: TrainingError.self) { try slice(1e-4, 1e-6) }
        #expect(throws: TrainingError.self) { try slice(0, 1e-3) }
        #expect(throws: TrainingError.self) { try slice(.nan, 1e-3) }
    }

    func trainMLP() throws -> (AnyLearner, [[Double]]) {
        let model = Random.withSeed(11) { Sequential(Linear(20, 64), ReLU(), Linear(64, 10)) }
        let dls = try Random.withSeed(10) { try blobLoaders() }
        let learn = Learner(dls, model, metrics: accuracy, errorRate)
        learn.showProgress = false
        try Random.withSeed(12) { try learn.fitOneCycle(3, lrMax: 1e-2) }
        return (learn, learn.recorder.values)
    }

    @Test func mlpReachesHighAccuracyDeterministically() throws {
        let (learn, values) = try trainMLP()
        let accuracy = try #require(values.last?[2])
        #expect(accuracy >= 0.95, "accuracy \(accuracy)")
        #expect(isClose(values.last?[3] ?? 0, 1 - accuracy, relative: 1e-9))
        let (_, again) = try trainMLP()
        #expect(values == again)
        #expect(learn.recorder.losses.count == 3 * learn.dls.train.count)
        #expect(learn.recorder.iters == [16, 32, 48])
        #expect(
            learn.recorder.table.header == [
                "epoch", "train_loss", "valid_loss", "accuracy", "error_rate", "time",
            ])
        // validate() agrees with the recorder's last row; getPreds is activated (rows sum to 1).
        let validated = try learn.validate()
        #expect(isClose(validated[0], values.last?[1] ?? 0, relative: 1e-5))
        let (preds, targets) = try learn.getPreds()
        #expect(preds.shape == [256, 10] && targets.shape == [256])
        #expect(try isClose(Double(preds[0].sum().scalar), 1, relative: 1e-5))
        let prediction = learn.predict(
            try learn.dls.valid.dataset is TensorDataset ? blobs(count: 1, seed: 2).x[0] : Tensor([0]))
        #expect(prediction.label != nil)
    }

    @Test func lrFindRestoresStateAndSuggests() throws {
        let model = Random.withSeed(11) { Sequential(Linear(20, 64), ReLU(), Linear(64, 10)) }
        let learn = try Learner(blobLoaders(), model)
        learn.showProgress = false
        let before = model.parameters.map(\.value)
        let suggestions = try learn.lrFind(numIt: 40)
        #expect(model.parameters.map(\.value) == before)
        #expect(learn.recorder.lrs.count <= 40)
        #expect(isClose(learn.recorder.lrs[0], 1e-7))
        let valley = try #require(suggestions.valley)
        #expect(valley > 1e-6 && valley < 10)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let (learn, _) = try trainMLP()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-\(UUID().uuidString)/model.khru")
        try learn.save(url)
        let bytes = try Data(contentsOf: url)
        let copy = Learner(
            try blobLoaders(), Random.withSeed(99) { Sequential(Linear(20, 64), ReLU(), Linear(64, 10)) })
        try copy.load(url)
        #expect(copy.model.parameters.map(\.value) == learn.model.parameters.map(\.value))
        #expect(Array(bytes) == Checkpoint.encode(try copy.checkpointData()))
        #expect(throws: TrainingError.self) { try Checkpoint.decode(Array("nonsense".utf8)) }
    }

    @Test func lossesAndMetrics() throws {
        let logits = try Variable(Tensor(rows: [[2, 1, 0], [0, 0, 3]]))
        let target = Tensor([0, 1])
        let ce = Double(CrossEntropyLossFlat()(logits, target).value.scalar)
        let lse0 = log(exp(2.0) + exp(1.0) + 1)
        let lse1 = log(2 + exp(3.0))
        #expect(isClose(ce, ((lse0 - 2) + lse1) / 2, relative: 1e-5))
        #expect(accuracy.compute(logits.value, target) == 0.5)
        let bce = Double(BCEWithLogitsLossFlat()(Variable(Tensor([0, 2])), Tensor([1, 0])).value.scalar)
        #expect(isClose(bce, (log(2.0) + log(1 + exp(2.0))) / 2, relative: 1e-5))
        #expect(accuracyMulti(thresh: 0.5).compute(Tensor([3, -3, 3]), Tensor([1, 0, 0])) == 2.0 / 3)
        #expect(isClose(rmse.compute(Tensor([1, 3]), Tensor([0, 0])), (5.0).squareRoot(), relative: 1e-6))
        #expect(isClose(Double(MSELossFlat()(Variable(Tensor([1, 3])), Tensor([0, 0])).value.scalar), 5))
        #expect(try RandomSplitter(seed: 1).split(Array(0..<10)).valid.count == 2)
    }
}

/// Times 1000 Adam steps of a 784-256-10 MLP at batch 64 (run with KHRU_TIMING=1; prints, asserts nothing).
@Test(.enabled(if: ProcessInfo.processInfo.environment["KHRU_TIMING"] != nil))
func mlpStepTiming() {
    let model = Random.withSeed(1) { Sequential(Linear(784, 256), ReLU(), Linear(256, 10)) }
    let opt = Optimizer(Adam(), groups: [model.parameters])
    let x = Tensor.normal([64, 784], generator: Generator(seed: 2))
    let y = Tensor((0..<64).map { Float($0 % 10) })
    let loss = CrossEntropyLossFlat()
    let start = Date()
    for _ in 0..<1000 {
        loss(model(Variable(x)), y).backward()
        opt.step()
        opt.zeroGrad()
    }
    print("TIMING: 1000 steps of 784-256-10 Adam at bs 64: \(Date().timeIntervalSince(start)) s")
}
