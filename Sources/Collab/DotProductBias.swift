import TensorCore
import Training

/// Predicts a rating as the dot product of a user's and a movie's latent factors, plus a bias for
/// each, squashed into `yRange` (fastbook chapter 8's `DotProductBias`).
///
/// Every user and every movie gets a vector of `nFactors` numbers that training discovers; how
/// well a user's vector lines up with a movie's says how much they will like it. The biases
/// catch what the factors cannot: some users rate everything high, some movies are liked by
/// almost everyone.
///
/// ```swift
/// let model = DotProductBias(nUsers, nMovies, 50)
/// let learn = Learner(dls, model, lossFunc: MSELossFlat())
/// try learn.fitOneCycle(5, lrMax: 5e-3, wd: 0.1)
/// ```
public final class DotProductBias: Layer, @unchecked Sendable {
    /// One row of latent factors per user, `[nUsers, nFactors]`.
    public let userFactors: Embedding
    /// One bias per user, `[nUsers, 1]`.
    public let userBias: Embedding
    /// One row of latent factors per movie, `[nMovies, nFactors]`.
    public let movieFactors: Embedding
    /// One bias per movie, `[nMovies, 1]`.
    public let movieBias: Embedding
    /// The range predictions are squashed into (a little above the top rating, so 5 is reachable).
    public let yRange: ClosedRange<Double>
    /// Whether the model is in training mode.
    public var isTraining = true

    /// Creates the four embedding tables with fastai's initialisation (small random numbers).
    public init(_ nUsers: Int, _ nMovies: Int, _ nFactors: Int, yRange: ClosedRange<Double> = 0...5.5) {
        userFactors = Embedding(nUsers, nFactors)
        userBias = Embedding(nUsers, 1)
        movieFactors = Embedding(nMovies, nFactors)
        movieBias = Embedding(nMovies, 1)
        self.yRange = yRange
    }

    /// The predicted ratings `[bs, 1]` for a batch `x` of `[user, movie]` index pairs, `[bs, 2]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let (users, movies) = indexColumns(x.value)
        let dot = (userFactors(users) * movieFactors(movies)).sum(axis: 1, keepDims: true)
        let result = dot + userBias(users) + movieBias(movies)
        return sigmoidRange(result, Float(yRange.lowerBound), Float(yRange.upperBound))
    }

    /// ``callAsFunction(_:)-(Variable)``, checked: `x` is `[bs, 2]` user and movie ids within the tables.
    ///
    /// - Throws: ``TensorError`` naming the shape or the first id out of range.
    public func forward(_ x: Variable) throws -> Variable {
        try checkIndexColumns(x, [("user", userFactors), ("movie", movieFactors)], model: "DotProductBias")
        return self(x)
    }
}

/// Checks a batch of ids for a model with one embedding table per column: `[bs, tables.count]`, each
/// column's ids whole numbers within its table.
///
/// - Throws: ``TensorError`` naming the model and the shape, or the column and the first bad id.
func checkIndexColumns(_ x: Variable, _ tables: [(name: String, table: Embedding)], model: String) throws {
    guard x.rank == 2, x.shape[1] == tables.count else {
        throw TensorError(
            .shapeMismatch, "\(model) takes [batch, \(tables.count)] ids, not \(x.shape)")
    }
    let scalars = x.value.scalars
    for (column, (name, table)) in tables.enumerated() {
        let rows = table.weight.shape[0]
        for row in 0..<x.shape[0] {
            let id = scalars[row * tables.count + column]
            guard id.isFinite, id == id.rounded(), id >= 0, id < Float(rows) else {
                throw TensorError(
                    .outOfRange, "\(model): \(name) id \(id) is out of range for its table of \(rows) rows")
            }
        }
    }
}

/// The two columns of a `[bs, 2]` batch of indices: users (column 0) and items (column 1).
func indexColumns(_ x: Tensor) -> (users: [Int], items: [Int]) {
    precondition(x.rank == 2 && x.shape[1] == 2, "expected [batch, 2] user and item indices, got \(x.shape)")
    return x.withUnsafeBufferPointer { buffer in
        let rows = x.shape[0]
        return ((0..<rows).map { Int(buffer[2 * $0]) }, (0..<rows).map { Int(buffer[2 * $0 + 1]) })
    }
}
