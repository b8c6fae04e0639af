import Testing

@testable import TensorCore
@testable import Training

/// `let (lrMin, lrSteep) = try learn.lrFind(suggestFuncs: [.minimum, .steep])` compiles and unpacks the
/// suggestions in the order asked, as fastai's Python does.
@Suite struct LRFindTupleTests {
    @Test func destructuredSuggestionsAreTheNamedOnesInOrder() throws {
        let model = Random.withSeed(11) { Sequential(Linear(20, 64), ReLU(), Linear(64, 10)) }
        let learn = try Learner(blobLoaders(), model)
        learn.showProgress = false
        let all = try learn.lrFind(numIt: 40, suggestFuncs: [.minimum, .steep])
        let (lrMin, lrSteep) = try learn.lrFind(numIt: 40, suggestFuncs: [.minimum, .steep])
        let (steep, valley, minimum) = try learn.lrFind(numIt: 40, suggestFuncs: [.steep, .valley, .minimum])
        #expect(lrMin == all.minimum && lrSteep == all.steep)
        let three = try learn.lrFind(numIt: 40, suggestFuncs: [.steep, .valley, .minimum])
        #expect(three.suggestions.map(\.name) == ["steep", "valley", "minimum"])
        #expect([steep, valley, minimum] == three.suggestions.map(\.lr))
        #expect(steep == all.steep && minimum == all.minimum)
    }

    @Test func anotherCountOfRulesThrowsBeforeTraining() throws {
        let learn = try Learner(blobLoaders(), Sequential(Linear(20, 10)))
        learn.showProgress = false
        #expect(
            throws: TrainingError(
                "lrFind(suggestFuncs:) names 1 rule (valley) but its result is unpacked into 2 names; "
                    + "name one rule per name")
        ) {
            let (_, _) = try learn.lrFind(suggestFuncs: [.valley])
        }
        #expect(learn.recorder.lrs.isEmpty)
    }

    @Test func tooFewPointsToSuggestIsAnError() throws {
        let none = SuggestedLRs(suggestions: [], lrs: [1e-7], losses: [1])
        #expect(throws: TrainingError.self) { try none.values(count: 2) }
    }
}
