import Foundation

/// Log-stepped values from `start` to `stop` in `n` steps (fastcore `even_mults`).
///
/// `evenMults(1e-5, 1e-3, 3) == [1e-5, 1e-4, 1e-3]`; with `n == 1` the result is `[stop]`.
public func evenMults(_ start: Double, _ stop: Double, _ n: Int) -> [Double] {
    precondition(n >= 1, "evenMults needs n ≥ 1, got \(n)")
    if n == 1 { return [stop] }
    let step = pow(stop / start, 1 / Double(n - 1))
    return (0..<n).map { start * pow(step, Double($0)) }
}

/// An error in the arguments of a training call, with a readable message.
public struct TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, for the reader of a lesson.
    public let message: String
    /// Creates an error with `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A learning-rate argument, spread over parameter groups as fastai's `set_hyper` does.
///
/// - `Double` x: `[x, x, …]`;
/// - `[Double]`: as is (one per group; a single value is repeated);
/// - `a...b` (fastai `slice(a, b)`): `evenMults(a, b, groups)`;
/// - `...b` (fastai `slice(b)`): `[b/10, …, b/10, b]`.
public protocol LearningRates: Sendable {
    /// One learning rate per group for `groups` parameter groups.
    func rates(groups: Int) throws -> [Double]
}

extension Double: LearningRates {
    /// This value for every group.
    public func rates(groups: Int) throws -> [Double] { Array(repeating: self, count: groups) }
}

extension Int: LearningRates {
    /// This value for every group.
    public func rates(groups: Int) throws -> [Double] { Array(repeating: Double(self), count: groups) }
}

extension Array: LearningRates where Element == Double {
    /// These values, one per group (a single value is used for every group).
    public func rates(groups: Int) throws -> [Double] {
        if count == 1 { return Array(repeating: self[0], count: groups) }
        guard count == groups else {
            throw TrainingError("\(count) learning rates given for \(groups) parameter groups")
        }
        return self
    }
}

extension ClosedRange: LearningRates where Bound == Double {
    /// fastai's `slice(a, b)`: `evenMults(a, b, groups)`.
    public func rates(groups: Int) throws -> [Double] { evenMults(lowerBound, upperBound, groups) }
}

/// fastai's `slice(a, b)` as a learning-rate argument: `a...b`, spread over the parameter groups by
/// ``evenMults(_:_:_:)`` (`learn.fitOneCycle(12, lrMax: slice(1e-6, 1e-4))`).
///
/// - Throws: ``TrainingError`` unless `0 < a ≤ b`, both finite.
public func slice(_ a: Double, _ b: Double) throws -> ClosedRange<Double> {
    guard a.isFinite, b.isFinite, a > 0, a <= b else {
        throw TrainingError(
            "slice(a, b) spreads learning rates from a to b: it needs 0 < a ≤ b, not \(a) and \(b)")
    }
    return a...b
}

extension PartialRangeThrough: LearningRates where Bound == Double {
    /// fastai's `slice(b)`: `b/10` for every group but the last, which gets `b`.
    public func rates(groups: Int) throws -> [Double] {
        Array(repeating: upperBound / 10, count: max(groups - 1, 0)) + [upperBound]
    }
}
