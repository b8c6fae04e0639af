import Foundation

/// A hyperparameter schedule: a pure function of training progress `pos ∈ [0, 1]` (clamped).
public typealias Schedule = @Sendable (Double) -> Double

private func clampPos(_ pos: Double) -> Double { min(max(pos, 0), 1) }

/// Linear schedule from `start` to `end` (fastai `sched_lin`): `start + pos·(end − start)`.
public func schedLin(_ start: Double, _ end: Double) -> Schedule {
    { pos in start + clampPos(pos) * (end - start) }
}

/// Half-cosine schedule from `start` to `end` (fastai `sched_cos`):
/// `start + (1 + cos(π·(1 − pos)))·(end − start)/2`.
public func schedCos(_ start: Double, _ end: Double) -> Schedule {
    { pos in start + (1 + cos(Double.pi * (1 - clampPos(pos)))) * (end - start) / 2 }
}

/// Exponential schedule from `start` to `end` (fastai `sched_exp`): `start·(end/start)^pos`.
public func schedExp(_ start: Double, _ end: Double) -> Schedule {
    { pos in start * pow(end / start, clampPos(pos)) }
}

/// Constant schedule (fastai `sched_no`): always `start`; `end` is ignored as in fastai.
public func schedNo(_ start: Double, _ end: Double) -> Schedule {
    { _ in start }
}

/// Polynomial schedule (fastai `SchedPoly`): `start + (end − start)·pos^power`.
public func schedPoly(_ start: Double, _ end: Double, power: Double) -> Schedule {
    { pos in start + (end - start) * pow(clampPos(pos), power) }
}

/// Joins `scheds`, each covering the fraction `pcts[k]` of training (fastai `combine_scheds`).
///
/// With `cum = [0, p1, p1 + p2, …]`, position `pos` falls in phase `k`, the last `k` with
/// `pos ≥ cum[k]` (at most `count − 1`), and phase `k` sees the local position
/// `(pos − cum[k])/(cum[k+1] − cum[k])`.
///
/// - Precondition: `pcts` and `scheds` have the same non-zero count, every pct is ≥ 0 and they sum to 1.
public func combineScheds(_ pcts: [Double], _ scheds: [Schedule]) -> Schedule {
    precondition(
        !pcts.isEmpty && pcts.count == scheds.count,
        "combineScheds: \(pcts.count) pcts for \(scheds.count) schedules")
    precondition(pcts.allSatisfy { $0 >= 0 }, "combineScheds: negative pct in \(pcts)")
    precondition(abs(pcts.reduce(0, +) - 1) < 1e-6, "combineScheds: pcts \(pcts) do not sum to 1")
    var cum: [Double] = [0]
    for pct in pcts { cum.append((cum.last ?? 0) + pct) }
    let bounds = cum
    return { rawPos in
        let pos = clampPos(rawPos)
        var phase = 0
        for k in bounds.indices where pos >= bounds[k] { phase = k }
        phase = min(phase, bounds.count - 2)
        let width = bounds[phase + 1] - bounds[phase]
        let local = width > 0 ? (pos - bounds[phase]) / width : 1
        return scheds[phase](local)
    }
}

/// Cosine from `start` to `middle` over `[0, pct]`, then from `middle` to `end` (fastai `combined_cos`).
public func combinedCos(_ pct: Double, _ start: Double, _ middle: Double, _ end: Double) -> Schedule {
    combineScheds([pct, 1 - pct], [schedCos(start, middle), schedCos(middle, end)])
}

/// The learning-rate and momentum schedules of one cycle (fastai `fit_one_cycle`).
public struct OneCycleSchedule: Sendable {
    /// Learning rate: cosine `lrMax/div → lrMax` over `pctStart`, then cosine to `lrMax/divFinal`.
    public let lr: Schedule
    /// Momentum: cosine `moms.0 → moms.1` over `pctStart`, then back to `moms.2`.
    public let mom: Schedule

    /// Creates the schedules of one group with peak learning rate `lrMax`.
    public init(
        lrMax: Double, div: Double = 25, divFinal: Double = 1e5, pctStart: Double = 0.25,
        moms: (Double, Double, Double) = (0.95, 0.85, 0.95)
    ) {
        lr = combinedCos(pctStart, lrMax / div, lrMax, lrMax / divFinal)
        mom = combinedCos(pctStart, moms.0, moms.1, moms.2)
    }
}

/// The learning rates `lrFind` tries (fastai `LRFinder`): `lr_i = start·(end/start)^(i/numIt)`, `i < numIt`.
///
/// The end value itself is never reached.
public func lrFindSchedule(startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100) -> [Double] {
    let schedule = schedExp(startLR, endLR)
    return (0..<max(numIt, 0)).map { schedule(Double($0) / Double(numIt)) }
}
