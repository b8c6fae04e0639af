import Foundation
import TensorCore

#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// The hyperparameters of one parameter group.
public struct Hyperparameters: Sendable, Equatable, Codable {
    /// Learning rate.
    public var lr: Double
    /// Momentum (Adam's β1, SGD's momentum); scheduled by `fitOneCycle`.
    public var mom: Double
    /// Adam's β2.
    public var sqrMom: Double
    /// Adam's ε (outside the square root).
    public var eps: Double
    /// Weight decay.
    public var wd: Double

    /// Creates a set of hyperparameters.
    public init(lr: Double, mom: Double, sqrMom: Double = 0.99, eps: Double = 1e-5, wd: Double) {
        self.lr = lr
        self.mom = mom
        self.sqrMom = sqrMom
        self.eps = eps
        self.wd = wd
    }
}

/// How to build an optimizer: fastai's `opt_func` (``Adam`` or ``SGD``).
public protocol OptimizerFunction: Sendable {
    /// The update rule.
    var rule: Optimizer.Rule { get }
    /// The default hyperparameters (the lr is replaced by the learner's).
    var defaults: Hyperparameters { get }
    /// Whether weight decay is decoupled (`p ← p·(1 − lr·wd)`) rather than L2 (`g ← g + wd·p`).
    var decoupleWd: Bool { get }
}

/// fastai's Adam: `mom` 0.9, `sqrMom` 0.99, `eps` 1e-5 (outside the root), decoupled `wd` 0.01.
public struct Adam: OptimizerFunction {
    /// The default hyperparameters.
    public let defaults: Hyperparameters
    /// Whether weight decay is decoupled.
    public let decoupleWd: Bool
    /// The Adam rule.
    public var rule: Optimizer.Rule { .adam }

    /// Creates Adam with fastai's defaults.
    public init(
        lr: Double = 1e-3, mom: Double = 0.9, sqrMom: Double = 0.99, eps: Double = 1e-5, wd: Double = 0.01,
        decoupleWd: Bool = true
    ) {
        defaults = Hyperparameters(lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd)
        self.decoupleWd = decoupleWd
    }
}

/// fastai's SGD: momentum `mom` (0 = plain SGD; no dampening), decoupled `wd` 0 by default.
public struct SGD: OptimizerFunction {
    /// The default hyperparameters.
    public let defaults: Hyperparameters
    /// Whether weight decay is decoupled.
    public let decoupleWd: Bool
    /// SGD, with momentum when `mom ≠ 0` at creation.
    public var rule: Optimizer.Rule { defaults.mom != 0 ? .sgdMomentum : .sgd }

    /// Creates SGD.
    public init(lr: Double = 1e-3, mom: Double = 0, wd: Double = 0, decoupleWd: Bool = true) {
        defaults = Hyperparameters(lr: lr, mom: mom, wd: wd)
        self.decoupleWd = decoupleWd
    }
}

/// An optimizer over parameter groups, with fastai's update rules and per-group hyperparameters.
///
/// A step updates every parameter that requires a gradient and has one (frozen parameters are
/// skipped). Sparse gradients (from ``Embedding``) are used without densifying, but the update is
/// fastai's dense one: with Adam every row's moving averages decay and every row with a non-zero
/// average moves, exactly as PyTorch/fastai's dense Adam does on an embedding; only rows are
/// walked without allocating a dense gradient. (Lazy "sparse Adam", which would leave untouched
/// rows alone, is not what fastai computes.)
public final class Optimizer: @unchecked Sendable {
    /// The update rules.
    public enum Rule: Sendable, Equatable {
        /// `p ← p − lr·g`.
        case sgd
        /// `a ← mom·a + g; p ← p − lr·a`.
        case sgdMomentum
        /// fastai's Adam (see ``Adam``).
        case adam
    }

    /// Per-parameter state (moving averages and step count).
    public struct State: Sendable, Equatable {
        /// Moving average of gradients (`grad_avg`).
        public var gradAvg: [Float]
        /// Moving average of squared gradients (`sqr_avg`), Adam only.
        public var sqrAvg: [Float]
        /// Number of steps taken.
        public var step: Int
    }

    /// One group: its parameters and hyperparameters.
    public struct Group: @unchecked Sendable {
        /// The parameters.
        public var params: [Parameter]
        /// The hyperparameters.
        public var hyper: Hyperparameters
    }

    /// The update rule.
    public let rule: Rule
    /// Whether weight decay is decoupled.
    public let decoupleWd: Bool
    /// The groups.
    public private(set) var groups: [Group]
    private var states: [ObjectIdentifier: State] = [:]
    private let noDecay: Set<ObjectIdentifier>

    /// Creates an optimizer over `groups` with the function's default hyperparameters for each.
    ///
    /// - Parameters:
    ///   - function: The rule and its defaults (``Adam`` or ``SGD``).
    ///   - groups: The parameter groups.
    ///   - noWeightDecay: Parameters that get no weight decay (fastai: biases and norm parameters).
    public init(
        _ function: some OptimizerFunction, groups: [[Parameter]], noWeightDecay: [Parameter] = []
    ) {
        rule = function.rule
        decoupleWd = function.decoupleWd
        self.groups = groups.map { Group(params: $0, hyper: function.defaults) }
        noDecay = Set(noWeightDecay.map(ObjectIdentifier.init))
    }

    /// Sets the learning rates, one per group.
    public func setLRs(_ lrs: [Double]) {
        precondition(lrs.count == groups.count, "\(lrs.count) learning rates for \(groups.count) groups")
        for index in groups.indices { groups[index].hyper.lr = lrs[index] }
    }

    /// Sets the momentums, one per group.
    public func setMoms(_ moms: [Double]) {
        precondition(moms.count == groups.count, "\(moms.count) momentums for \(groups.count) groups")
        for index in groups.indices { groups[index].hyper.mom = moms[index] }
    }

    /// Replaces every group's hyperparameters (restoring a saved learner); one per group.
    public func setHyperparameters(_ hypers: [Hyperparameters]) {
        precondition(
            hypers.count == groups.count, "\(hypers.count) hyperparameters for \(groups.count) groups")
        for index in groups.indices { groups[index].hyper = hypers[index] }
    }

    /// Sets the weight decay of every group.
    public func setWd(_ wd: Double) {
        for index in groups.indices { groups[index].hyper.wd = wd }
    }

    /// Forgets every gradient.
    public func zeroGrad() {
        for group in groups { for parameter in group.params { parameter.zeroGrad() } }
    }

    /// Drops the moving averages and step counts (fastai `clear_state`).
    public func clearState() { states.removeAll() }

    /// The state of `parameter`, if it has been stepped.
    public func state(of parameter: Parameter) -> State? { states[ObjectIdentifier(parameter)] }

    /// Replaces the state of `parameter` (used when loading a checkpoint).
    public func setState(_ state: State?, of parameter: Parameter) {
        states[ObjectIdentifier(parameter)] = state
    }

    /// Updates every parameter that requires a gradient and has one.
    public func step() {
        for group in groups {
            for parameter in group.params where parameter.requiresGrad {
                guard parameter.grad != nil || parameter.sparseGrad != nil else { continue }
                update(parameter, group.hyper)
            }
        }
    }

    private func update(_ parameter: Parameter, _ hyper: Hyperparameters) {
        let id = ObjectIdentifier(parameter)
        let count = parameter.value.count
        let usesAverage = rule != .sgd
        var state =
            states.removeValue(forKey: id)
            ?? State(
                gradAvg: usesAverage ? [Float](repeating: 0, count: count) : [],
                sqrAvg: rule == .adam ? [Float](repeating: 0, count: count) : [], step: 0)
        state.step += 1
        let wd = noDecay.contains(id) ? 0 : hyper.wd
        let lr = hyper.lr
        let kernel = UpdateKernel(
            rule: rule, decay: Float(decoupleWd && wd != 0 ? 1 - lr * wd : 1), l2: Float(decoupleWd ? 0 : wd),
            lr: Float(lr), mom: Float(hyper.mom), sqrMom: Float(hyper.sqrMom),
            stepSize: Float(lr / (1 - Foundation.pow(hyper.mom, Double(state.step)))),
            debias2: Float(1 - Foundation.pow(hyper.sqrMom, Double(state.step))), eps: Float(hyper.eps))
        let dense = parameter.grad
        let sparse = dense == nil ? parameter.sparseGrad : nil
        let rows = max(parameter.shape.first ?? 1, 1)
        let width = count / rows
        parameter.value.withUnsafeMutableBufferPointer { p in
            state.gradAvg.withUnsafeMutableBufferPointer { a in
                state.sqrAvg.withUnsafeMutableBufferPointer { s in
                    guard let pBase = p.baseAddress else { return }
                    if let dense {
                        dense.withUnsafeBufferPointer { g in
                            // Elements are independent: large parameters split over threads.
                            nonisolated(unsafe) let (kernel, p, a, s, g) = (
                                kernel, pBase, a.baseAddress, s.baseAddress, g.baseAddress
                            )
                            Parallel.forEachRange(count, passes: 4) { range in
                                let first = range.lowerBound
                                kernel.run(
                                    p + first, a.map { $0 + first }, s.map { $0 + first },
                                    g.map { $0 + first },
                                    range.count)
                            }
                        }
                    } else if let sparse {
                        sparse.values.withUnsafeBufferPointer { g in
                            // Untouched rows between touched ones move as one contiguous run.
                            let moves = kernel.movesWithoutGradient
                            var row = 0
                            for (next, touched) in sparse.indices.enumerated() {
                                if moves && touched > row {
                                    let offset = row * width
                                    kernel.run(
                                        pBase + offset, a.baseAddress.map { $0 + offset },
                                        s.baseAddress.map { $0 + offset }, nil, (touched - row) * width)
                                }
                                let offset = touched * width
                                kernel.run(
                                    pBase + offset, a.baseAddress.map { $0 + offset },
                                    s.baseAddress.map { $0 + offset },
                                    g.baseAddress.map { $0 + next * width }, width)
                                row = touched + 1
                            }
                            if moves && rows > row {
                                let offset = row * width
                                kernel.run(
                                    pBase + offset, a.baseAddress.map { $0 + offset },
                                    s.baseAddress.map { $0 + offset }, nil, (rows - row) * width)
                            }
                        }
                    }
                }
            }
        }
        states[id] = state
    }
}

/// fastai's per-element update for one rule, run over contiguous runs of elements.
private struct UpdateKernel {
    let rule: Optimizer.Rule
    let decay: Float
    let l2: Float
    let lr: Float
    let mom: Float
    let sqrMom: Float
    let stepSize: Float
    let debias2: Float
    let eps: Float

    /// Whether an element with zero gradient still changes (decay, L2 or moving averages).
    var movesWithoutGradient: Bool { decay != 1 || l2 != 0 || rule != .sgd }

    /// Updates `n` elements of `p` (and the averages `a`, `s`) with gradients `g` (nil = zeros).
    ///
    /// Four lanes at a time, then one at a time; every lane performs the scalar operations in the
    /// same order (and square roots are correctly rounded either way), so results are bit-identical
    /// to a plain scalar loop.
    func run(
        _ p: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>?,
        _ s: UnsafeMutablePointer<Float>?,
        _ g: UnsafePointer<Float>?, _ n: Int
    ) {
        if let g {
            let vector = { (i: Int) in UnsafeRawPointer(g + i).loadUnaligned(as: SIMD4<Float>.self) }
            run(p, a, s, n, gradients: vector, gradient: { g[$0] })
        } else {
            run(p, a, s, n, gradients: { _ in SIMD4<Float>() }, gradient: { _ in 0 })
        }
    }

    @inline(__always)
    private func run(
        _ p: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>?,
        _ s: UnsafeMutablePointer<Float>?, _ n: Int,
        gradients: (Int) -> SIMD4<Float>, gradient: (Int) -> Float
    ) {
        let vectorEnd = n - n % 4
        switch rule {
        case .sgd:
            var i = 0
            while i < vectorEnd {
                let decayed = load(p, i) * decay
                let grad = gradients(i) + l2 * decayed
                store(decayed - lr * grad, p, i)
                i += 4
            }
            for i in vectorEnd..<n {
                let decayed = p[i] * decay
                let grad = gradient(i) + l2 * decayed
                p[i] = decayed - lr * grad
            }
        case .sgdMomentum:
            guard let a else { return }
            var i = 0
            while i < vectorEnd {
                let decayed = load(p, i) * decay
                let grad = gradients(i) + l2 * decayed
                let average = mom * load(a, i) + grad
                store(average, a, i)
                store(decayed - lr * average, p, i)
                i += 4
            }
            for i in vectorEnd..<n {
                let decayed = p[i] * decay
                let grad = gradient(i) + l2 * decayed
                let average = mom * a[i] + grad
                a[i] = average
                p[i] = decayed - lr * average
            }
        case .adam:
            guard let a, let s else { return }
            let oneMinusMom = 1 - mom
            let oneMinusSqr = 1 - sqrMom
            let invDebias2 = 1 / debias2
            var i = 0
            while i < vectorEnd {
                let decayed = load(p, i) * decay
                let grad = gradients(i) + l2 * decayed
                let average = mom * load(a, i) + oneMinusMom * grad
                let squares = sqrMom * load(s, i) + oneMinusSqr * grad * grad
                store(average, a, i)
                store(squares, s, i)
                store(decayed - stepSize * average / (squareRoot(squares * invDebias2) + eps), p, i)
                i += 4
            }
            for i in vectorEnd..<n {
                let decayed = p[i] * decay
                let grad = gradient(i) + l2 * decayed
                let average = mom * a[i] + oneMinusMom * grad
                let squares = sqrMom * s[i] + oneMinusSqr * grad * grad
                a[i] = average
                s[i] = squares
                p[i] = decayed - stepSize * average / ((squares * invDebias2).squareRoot() + eps)
            }
        }
    }
}

@inline(__always)
private func load(_ pointer: UnsafeMutablePointer<Float>, _ index: Int) -> SIMD4<Float> {
    UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always)
private func store(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>, _ index: Int) {
    UnsafeMutableRawPointer(pointer + index).storeBytes(of: value, as: SIMD4<Float>.self)
}

/// Lane-wise square root: one `sqrtps` on x86-64 (Swift's own `squareRoot()` goes lane by lane
/// through `sqrtf`); both are correctly rounded.
@inline(__always)
private func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
        _mm_sqrt_ps(x)
    #else
        x.squareRoot()
    #endif
}
