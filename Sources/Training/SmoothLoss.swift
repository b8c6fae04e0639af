import Foundation

/// Exponentially smoothed training loss with debiasing (fastai `AvgSmoothLoss`).
///
/// `v_t = β·v_{t−1} + (1 − β)·loss_t` with `v_0 = 0`; ``value`` is `v_t/(1 − β^t)`.
public struct AvgSmoothLoss: Sendable, Equatable {
    /// The smoothing factor β (0.98 in fastai).
    public let beta: Double
    /// How many losses were accumulated since the last reset.
    public private(set) var count = 0
    private var average = 0.0

    /// Creates an empty smoother with factor `beta`.
    public init(beta: Double = 0.98) { self.beta = beta }

    /// Forgets every accumulated loss.
    public mutating func reset() {
        count = 0
        average = 0
    }

    /// Adds one batch loss.
    public mutating func accumulate(_ loss: Double) {
        count += 1
        average = beta * average + (1 - beta) * loss
    }

    /// The debiased smoothed loss (NaN before the first loss).
    public var value: Double {
        count == 0 ? .nan : average / (1 - pow(beta, Double(count)))
    }
}
