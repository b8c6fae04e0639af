import Foundation
import Testing
import _TestSupport

@testable import Training

@Suite struct ScheduleTests {
    @Test func annealersMatchFastai() {
        #expect(isClose(schedLin(1, 3)(0.25), 1.5))
        #expect(
            isClose(schedCos(1, 3)(0), 1) && isClose(schedCos(1, 3)(1), 3) && isClose(schedCos(1, 3)(0.5), 2))
        #expect(isClose(schedExp(1e-7, 10)(0.5), 1e-3))
        #expect(schedNo(4, 9)(0.7) == 4)
        #expect(isClose(schedPoly(1, 3, power: 2)(0.5), 1.5))
        // Clamped past the ends.
        #expect(isClose(schedLin(1, 3)(1.5), 3) && isClose(schedLin(1, 3)(-1), 1))
    }

    @Test func combineSchedsJoinsPhases() {
        let sched = combineScheds([0.3, 0.7], [schedLin(0, 1), schedLin(1, 0)])
        #expect(isClose(sched(0), 0))
        #expect(isClose(sched(0.15), 0.5))
        #expect(isClose(sched(0.3), 1))  // boundary belongs to the second phase, local pos 0
        #expect(isClose(sched(0.65), 0.5))
        #expect(isClose(sched(1), 0, absolute: 1e-12))
    }

    /// fastai-semantics §2: one-cycle test vector (lr_max 1e-3, div 25, div_final 1e5, pct_start 0.25).
    @Test func oneCycleTable() {
        let cycle = OneCycleSchedule(lrMax: 1e-3)
        let pos = [0, 0.1, 0.125, 0.25, 0.5, 0.625, 0.75, 0.9, 1.0]
        let lrs = [
            4.0e-5, 3.716718e-4, 5.2e-4, 1.0e-3, 7.500025e-4, 5.00005e-4, 2.500075e-4, 4.323684e-5, 1.0e-8,
        ]
        let moms = [0.95, 0.915451, 0.90, 0.85, 0.875, 0.90, 0.925, 0.945677, 0.95]
        expectClose(pos.map(cycle.lr), lrs, relative: 1e-6)
        expectClose(pos.map(cycle.mom), moms, relative: 1e-6)
    }

    /// fastai-semantics §13: lr_find's learning rates with the defaults.
    @Test func lrFindSequence() {
        let lrs = lrFindSchedule()
        #expect(lrs.count == 100)
        expectClose(
            [lrs[0], lrs[10], lrs[50], lrs[94], lrs[99]], [1e-7, 6.3096e-7, 1e-3, 3.3113, 8.3176],
            relative: 1e-4)
        #expect(lrs.allSatisfy { $0 < 10 })
    }

    @Test func evenMultsAndGroupMapping() throws {
        expectClose(evenMults(1e-5, 1e-3, 3), [1e-5, 1e-4, 1e-3], relative: 1e-12)
        #expect(evenMults(1e-5, 1e-3, 1) == [1e-3])
        expectClose(try (1e-6...1e-4).rates(groups: 3), [1e-6, 1e-5, 1e-4], relative: 1e-12)
        expectClose(try (...2e-3).rates(groups: 3), [2e-4, 2e-4, 2e-3], relative: 1e-12)
        #expect(try 3e-3.rates(groups: 2) == [3e-3, 3e-3])
        #expect(try [1e-3].rates(groups: 3) == [1e-3, 1e-3, 1e-3])
        #expect(throws: TrainingError.self) { try [1e-3, 1e-2].rates(groups: 3) }
    }

    @Test func smoothedLossIsDebiased() {
        var smooth = AvgSmoothLoss()
        smooth.accumulate(2)
        #expect(isClose(smooth.value, 2))  // debiasing makes the first value exact
        smooth.accumulate(1)
        // v2 = 0.98·0.04 + 0.02·1 = 0.0592; /(1 − 0.98²) = 0.0396
        #expect(isClose(smooth.value, 0.0592 / 0.0396))
        smooth.reset()
        #expect(smooth.count == 0)
    }
}

@Suite struct SuggestionTests {
    /// fastai-semantics §13: the synthetic curve and fastai 2.8.12's suggestions.
    func syntheticCurve() -> (lrs: [Double], losses: [Double]) {
        let lrs = lrFindSchedule()
        var smooth = AvgSmoothLoss()
        var losses: [Double] = []
        for lr in lrs {
            let x = log10(lr)
            let raw = 2.5 - 1.5 / (1 + exp(-2 * (x + 3))) + 0.3 * exp(4 * (x + 0.5))
            smooth.accumulate(raw)
            losses.append(smooth.value)
        }
        return (lrs, losses)
    }

    @Test func suggestionsMatchFastai() throws {
        let (lrs, losses) = syntheticCurve()
        let result = suggestLRs(
            lrs: lrs, losses: losses, numIt: 100, funcs: [.valley, .slide, .minimum, .steep])
        let valley = try #require(result.valley)
        let slide = try #require(result.slide)
        let minimum = try #require(result.minimum)
        let steep = try #require(result.steep)
        #expect(isClose(valley, 3.981072e-4, relative: 1e-6))
        #expect(isClose(slide, 5.248075e-3, relative: 1e-6))
        #expect(isClose(minimum, 4.365158e-2, relative: 1e-6))
        #expect(isClose(steep, 6.309573e-3, relative: 1e-6))
        // Untrimmed indices named in the reference.
        #expect(valley == lrs[45] && slide == lrs[59] && steep == lrs[60])
        let minPoint = try #require(result.suggestions.first { $0.name == "minimum" }).point
        #expect(isClose(minPoint.lr, 0.4365158, relative: 1e-6))
        #expect(result.description.hasPrefix("SuggestedLRs(valley="))
    }

    @Test func nanLossesTruncateTheCurve() throws {
        var (lrs, losses) = syntheticCurve()
        losses[40] = .nan
        let result = suggestLRs(lrs: lrs, losses: losses, numIt: 100, funcs: [.minimum])
        // Only points 10..<40 remain, and losses still decrease there, so the minimum is at 39.
        #expect(isClose(try #require(result.minimum), lrs[39] / 10))
    }

    @Test func tooFewPointsGiveNoSuggestion() {
        let result = suggestLRs(lrs: [1, 2, 3], losses: [3, 2, 1], numIt: 100)
        #expect(result.suggestions.isEmpty)
    }

    @Test func numpyGradientMatchesNumpy() {
        // numpy.gradient([1, 2, 4, 7, 11]) == [1, 1.5, 2.5, 3.5, 4]
        #expect(numpyGradient([1, 2, 4, 7, 11]) == [1, 1.5, 2.5, 3.5, 4])
    }
}
