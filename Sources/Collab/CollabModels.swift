import Foundation
import TensorCore
import Training

/// fastai's rule of thumb for an embedding's width: `min(600, round(1.6·n^0.56))` (`emb_sz_rule`).
///
/// `n` counts the vocabulary including `#na#`: 944 users → 74, 1,635 titles → 101.
public func embSzRule(_ nCat: Int) -> Int {
    min(600, Int((1.6 * Foundation.pow(Double(nCat), 0.56)).rounded(.toNearestOrEven)))
}

/// fastai's `get_emb_sz`: `(vocabulary size, width)` for the user and item columns, widths by ``embSzRule(_:)``.
public func getEmbSz(_ dls: CollabDataLoaders) -> [(Int, Int)] {
    [dls.userName, dls.itemName].map { column in
        let count = dls.classes.vocab(column).count
        return (count, embSzRule(count))
    }
}

/// Dot product of user and item factors plus biases, optionally squashed (fastai `EmbeddingDotBias`).
///
/// The output is `[bs]` (fastai squeezes the biases), the input `[bs, 2]` user and item indices.
public final class EmbeddingDotBias: Layer, @unchecked Sendable {
    /// User factors, `[nUsers, nFactors]`.
    public let uWeight: Embedding
    /// Item factors, `[nItems, nFactors]`.
    public let iWeight: Embedding
    /// User biases, `[nUsers, 1]`.
    public let uBias: Embedding
    /// Item biases, `[nItems, 1]`.
    public let iBias: Embedding
    /// The output range (`nil`: the raw sum).
    public let yRange: ClosedRange<Double>?
    /// Whether the model is in training mode.
    public var isTraining = true

    /// Creates the model (tables initialised in fastai's order: user, item factors, then biases).
    public init(nFactors: Int, nUsers: Int, nItems: Int, yRange: ClosedRange<Double>? = nil) {
        uWeight = Embedding(nUsers, nFactors)
        iWeight = Embedding(nItems, nFactors)
        uBias = Embedding(nUsers, 1)
        iBias = Embedding(nItems, 1)
        self.yRange = yRange
    }

    /// `Σ u·i + b_u + b_i`, then `sigmoidRange` when ``yRange`` is set: `[bs]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let (users, items) = indexColumns(x.value)
        let bs = users.count
        let dot = (uWeight(users) * iWeight(items)).sum(axis: 1)
        let result = dot + uBias(users).reshaped([bs]) + iBias(items).reshaped([bs])
        guard let yRange else { return result }
        return sigmoidRange(result, Float(yRange.lowerBound), Float(yRange.upperBound))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[bs, 2]` user and item ids within the tables.
    ///
    /// - Throws: ``TensorError`` naming the shape or the first id out of range.
    public func forward(_ x: Variable) throws -> Variable {
        try checkIndexColumns(x, [("user", uWeight), ("item", iWeight)], model: "EmbeddingDotBias")
        return self(x)
    }
}

/// A neural network over concatenated user and item embeddings (fastai `EmbeddingNN`, a `TabularModel`
/// with no continuous inputs).
///
/// Per hidden size `h`: `Linear(in, h, bias: false) → ReLU → BatchNorm1d(h)`; then `Linear(last, 1)`
/// and `SigmoidRange(yRange)` when given. Output `[bs, 1]`.
public final class EmbeddingNN: Layer, @unchecked Sendable {
    /// One table per input column (users, items).
    public let embeds: [Embedding]
    /// The hidden stages and the output layer.
    public let layers: Sequential
    /// Whether the model is in training mode.
    public var isTraining = true

    /// Creates the network.
    ///
    /// - Parameters:
    ///   - embSzs: `(vocabulary size, width)` per column, users first.
    ///   - layers: The hidden sizes.
    ///   - yRange: The output range, if any.
    public init(embSzs: [(Int, Int)], layers: [Int], yRange: ClosedRange<Double>? = nil) {
        embeds = embSzs.map { Embedding($0.0, $0.1) }
        let sizes = [embSzs.map(\.1).reduce(0, +)] + layers
        var stages: [any Layer] = []
        for index in layers.indices {
            stages.append(
                Sequential(
                    Linear(sizes[index], sizes[index + 1], bias: false), ReLU(), BatchNorm1d(sizes[index + 1])
                ))
        }
        stages.append(Linear(sizes[sizes.count - 1], 1))
        if let yRange { stages.append(SigmoidRange(yRange)) }
        self.layers = Sequential(stages)
    }

    /// The predicted ratings `[bs, 1]` for `[bs, columns]` indices.
    public func callAsFunction(_ x: Variable) -> Variable {
        precondition(
            x.rank == 2 && x.shape[1] == embeds.count,
            "expected [batch, \(embeds.count)] indices, got \(x.shape)")
        let columns = embeds.count
        let scalars = x.value.scalars
        let rows = x.shape[0]
        let embedded = embeds.enumerated().map { column, table in
            table((0..<rows).map { Int(scalars[$0 * columns + column]) })
        }
        return layers(Variable.concat(embedded, axis: 1))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[bs, columns]` ids within the tables.
    ///
    /// - Throws: ``TensorError`` naming the shape or the first id out of range.
    public func forward(_ x: Variable) throws -> Variable {
        try checkIndexColumns(
            x, embeds.enumerated().map { ("column \($0.offset)", $0.element) }, model: "EmbeddingNN")
        return self(x)
    }
}

/// A learner for collaborative filtering with fastai's default model (fastai `collab_learner`).
///
/// ``EmbeddingDotBias``, loss ``MSELossFlat``, Adam, one parameter group. Its `model` is the
/// `EmbeddingDotBias`, so `learn.model.iBias.weight` reads the trained item biases.
///
/// - Parameters:
///   - dls: The loaders.
///   - nFactors: Factors per user and item.
///   - yRange: The output range, e.g. `0...5.5`.
///   - wd: Weight decay for every fit (nil: Adam's 0.01).
///   - lr: The default learning rate.
/// - Returns: The learner; its model is drawn from `Random.current`.
public func collabLearner(
    _ dls: CollabDataLoaders, nFactors: Int = 50, yRange: ClosedRange<Double>? = nil, wd: Double? = nil,
    lr: Double = 1e-3
) -> Learner<EmbeddingDotBias> {
    let nUsers = dls.classes.vocab(dls.userName).count
    let nItems = dls.classes.vocab(dls.itemName).count
    let model = EmbeddingDotBias(nFactors: nFactors, nUsers: nUsers, nItems: nItems, yRange: yRange)
    return Learner(dls, model, lossFunc: MSELossFlat(), lr: lr, wd: wd)
}

/// A learner for collaborative filtering (fastai `collab_learner`), its model chosen at run time.
///
/// ``EmbeddingDotBias`` by default, ``EmbeddingNN`` with `useNN`; loss ``MSELossFlat``, Adam, one parameter group. Which model it is
/// depends on `useNN`, so the learner's `model` is `any Layer`; without `useNN` the other overload
/// gives a `Learner<EmbeddingDotBias>`.
///
/// - Parameters:
///   - dls: The loaders.
///   - nFactors: Factors per user and item (also the default hidden size of the network).
///   - useNN: Whether to build ``EmbeddingNN`` (widths from ``embSzRule(_:)``).
///   - layers: Hidden sizes of the network (default `[nFactors]`).
///   - yRange: The output range, e.g. `0...5.5`.
///   - wd: Weight decay for every fit (nil: Adam's 0.01).
///   - lr: The default learning rate.
/// - Returns: The learner; its model is drawn from `Random.current`.
public func collabLearner(
    _ dls: CollabDataLoaders, nFactors: Int = 50, useNN: Bool = false, layers: [Int]? = nil,
    yRange: ClosedRange<Double>? = nil, wd: Double? = nil, lr: Double = 1e-3
) -> Learner<any Layer> {
    let nUsers = dls.classes.vocab(dls.userName).count
    let nItems = dls.classes.vocab(dls.itemName).count
    let model: any Layer =
        useNN
        ? EmbeddingNN(
            embSzs: [(nUsers, embSzRule(nUsers)), (nItems, embSzRule(nItems))], layers: layers ?? [nFactors],
            yRange: yRange)
        : EmbeddingDotBias(nFactors: nFactors, nUsers: nUsers, nItems: nItems, yRange: yRange)
    return Learner(dls, model, lossFunc: MSELossFlat(), lr: lr, wd: wd)
}
