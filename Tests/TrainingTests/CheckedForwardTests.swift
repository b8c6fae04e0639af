import Foundation
import TensorCore
import Testing

@testable import Training

/// A model written outside the library, three columns wide: the issue's `final class Bad: Module`.
private final class Bad: Layer {
    let linear = Linear(1, 3)
    func callAsFunction(_ x: Variable) -> Variable { linear(x) }
}

/// Six items of one feature; targets are ratings (regression) or one of `classes` classes.
private func loaders(classes: Int? = nil, bs: Int = 2, valBs: Int? = nil) -> DataLoaders {
    let x = Tensor(shape: [6, 1], scalars: [1, 2, 3, 4, 5, 6])
    let y = classes.map { c in Tensor((0..<6).map { Float($0 % c) }) } ?? Tensor([2, 3, 4, 5, 6, 7])
    let kinds: [BlockKind] = [.tensor, classes == nil ? .regression : .category]
    return DataLoaders(
        train: TensorDataset(x: x, y: y, kinds: kinds), valid: TensorDataset(x: x, y: y, kinds: kinds),
        bs: bs,
        valBs: valBs, vocab: classes.map { CategoryMap((0..<$0).map(String.init)) })
}

/// Layers, losses and the learner throw on input that does not fit, naming what to change.
@Suite struct CheckedForwardTests {
    @Test func layersNameTheShapeTheyTake() throws {
        #expect(
            throws: TensorError(.shapeMismatch, "Linear(3, 2) takes inputs of shape [N, 3], not [3]")
        ) { try Linear(3, 2).forward(Variable(Tensor.ones([3]))) }
        #expect(
            throws: TensorError(.shapeMismatch, "Linear(5, 2) takes inputs of shape [N, 5], not [2, 4]")
        ) { try Sequential(Linear(3, 4), ReLU(), Linear(5, 2)).forward(Variable(Tensor.ones([2, 3]))) }
        #expect(throws: TensorError(.outOfRange, "id 5.0 is out of range for an Embedding of 3 rows")) {
            try Sequential(Embedding(3, 2), Linear(2, 1)).forward(Variable(Tensor([5])))
        }
        #expect(throws: TensorError(.outOfRange, "id inf is out of range for an Embedding of 3 rows")) {
            try Embedding(3, 2).forward(Variable(Tensor([.infinity])))
        }
        #expect(throws: TensorError.self) {
            try Conv2d(3, 4, kernelSize: 3).forward(Variable(Tensor.ones([1, 2, 5, 5])))
        }
        #expect(throws: TensorError.self) { try BatchNorm(4).forward(Variable(Tensor.ones([2, 3]))) }
        // A checked forward pass computes exactly what the plain one does.
        let linear = Linear(3, 2)
        let x = Variable(Tensor.ones([4, 3]))
        #expect(try linear.forward(x).value == linear(x).value)
    }

    @Test func lossesCalledDirectlyCheckShapesAndClasses() throws {
        let ce = CrossEntropyLossFlat()
        let scores = Variable(Tensor.ones([2, 3]))
        #expect(
            throws: TensorError(
                .outOfRange,
                "CrossEntropyLossFlat needs class indices in 0..<3 as targets (one per column of the predictions), "
                    + "not 5.0")
        ) { try ce.checked(scores, Tensor([0, 5])) }
        for target: Float in [-1, .infinity, .nan, 0.5] {
            #expect(throws: TensorError.self) { try ce.checked(scores, Tensor([target, 0])) }
        }
        #expect(
            throws: TensorError(
                .shapeMismatch,
                "CrossEntropyLossFlat needs predictions of shape [3, 3] for targets of shape [3], not [2, 3]")
        ) { try ce.checked(scores, Tensor([0, 1, 2])) }
        #expect(throws: TensorError.self) { try ce.checked(Variable(Tensor.ones([])), Tensor.zeros([])) }
        #expect(throws: TensorError.self) { try ce.checked(Variable(Tensor.zeros([2, 0])), Tensor([0, 0])) }
        #expect(
            throws: TensorError(
                .shapeMismatch,
                "MSELossFlat needs predictions of shape [2] or [2, 1] for targets of shape [2], not [2, 3]")
        ) { try MSELossFlat().checked(scores, Tensor([1, 2])) }
        let loss = try ce.checked(scores, Tensor([0, 2]))
        #expect(loss.value == ce(scores, Tensor([0, 2])).value)
        #expect(
            try MSELossFlat().checked(Variable(Tensor(shape: [2, 1], scalars: [1, 2])), Tensor([1, 2])).value
                .scalar == 0)
    }

    @Test func aLearnerNamesTheModelTheLossAndTheFix() throws {
        let regression = Learner(loaders(), Bad(), lossFunc: MSELossFlat())
        regression.showProgress = false
        #expect(
            throws: TrainingError(
                "Bad returns [2, 3], but MSELossFlat needs [2] or [2, 1] for targets of shape [2]: "
                    + "make the last layer output one column")
        ) { try regression.fit(1) }
        #expect(throws: TrainingError.self) { try regression.validate() }
        #expect(throws: TrainingError.self) { try regression.getPreds() }

        let classifier = Learner(loaders(classes: 5), Bad(), lossFunc: CrossEntropyLossFlat())
        classifier.showProgress = false
        #expect(
            throws: TrainingError(
                "Bad returns [2, 3], but CrossEntropyLossFlat needs [2, 5] for targets of shape [2]: "
                    + "make the last layer output 5 columns, one score per class (the data has 5)")
        ) { try classifier.fit(1) }

        let binary = Learner(loaders(classes: 2), Linear(1, 2), lossFunc: BCEWithLogitsLossFlat())
        binary.showProgress = false
        #expect(
            throws: TrainingError(
                "Linear returns [2, 2], but BCEWithLogitsLossFlat needs [2] for targets of shape [2]: "
                    + "BCEWithLogitsLossFlat takes one 0/1 target per class (multi-label); "
                    + "for single-label classes use CrossEntropyLossFlat")
        ) { try binary.fit(1) }
    }

    @Test func metricsAreCheckedToo() throws {
        let learn = Learner(loaders(), Linear(1, 2), lossFunc: CrossEntropyLossFlat(), metrics: rmse)
        learn.showProgress = false
        #expect(
            throws: TrainingError(
                "Linear returns [2, 2], but the metric _rmse needs [2] or [2, 1] for targets of shape [2]: "
                    + "make the last layer output one column")
        ) { try learn.validate() }
        let fine = Learner(loaders(classes: 2), Linear(1, 2), metrics: accuracy)
        fine.showProgress = false
        #expect(try fine.validate().count == 2)
        #expect(classScoresRequirement(output: [4], targets: [4])?.needs == "[4, C]")
        #expect(classScoresRequirement(output: [4, 3], targets: [4]) == nil)
    }

    @Test func oneCycleRefusesAWarmUpOutsideZeroToOne() throws {
        let learn = Learner(loaders(), Linear(1, 1), lossFunc: MSELossFlat())
        learn.showProgress = false
        for pct in [-0.5, 5, .nan] {
            #expect(
                throws: TrainingError(
                    "pctStart is the fraction of training spent warming up: it must be in 0...1, not \(pct)")
            ) { try learn.fitOneCycle(1, lrMax: 0.1, pctStart: pct) }
        }
        try learn.fitOneCycle(1, lrMax: 0.1, pctStart: 1)
    }

    @Test func aBatchSizeOfIntMaxIsOneBatch() throws {
        let dls = loaders(bs: 2, valBs: Int.max)
        #expect(dls.valid.count == 1)
        #expect(try dls.valid.oneBatch().count == 6)
        let learn = Learner(loaders(bs: Int.max), Linear(1, 1), lossFunc: MSELossFlat())
        learn.showProgress = false
        #expect(learn.dls.train.count == 0)  // drop-last: no full batch of Int.max items
        try learn.fit(1)
    }

    /// fastai's valley on a two-point decreasing curve computes the index −1, which Python reads as the
    /// last point (found by the structured fuzzer: `lrFind` on a tiny data set trapped).
    @Test func valleyOnTwoPointsIsTheLastPointAsInPython() {
        #expect(valleyIndex([2, 1]) == 1)
        #expect(valleyIndex([1, 2]) == 0)
        let suggestions = suggestLRs(
            lrs: [1e-3, 1e-2, 1e-1, 1, 2, 3, 4, 5, 6], losses: [3, 2, 1, 1, 1, 1, 1, 1, 1], numIt: 9)
        #expect(suggestions.valley == 1e-3)
    }

    @Test func aLabelOutsideAnEmptyVocabSaysTheTrainingSetIsEmpty() {
        #expect(
            CategoryMap([String]()).missing("x")
                == "label 'x' is not in the vocab, which is empty: the training set has no items to learn it "
                + "from (check the splitter)")
        #expect(
            CategoryMap(["b", "a"]).missing("c")
                == "label 'c' is not in the vocab ['a', 'b'] (learned from the training set)")
    }
}
