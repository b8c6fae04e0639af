import Collab
import TensorCore
import Training

/// The `collab` workload's data: 80,000 random `(user, movie)` pairs and ratings 1…5, fixed by a seed.
struct CollabBenchData {
    static let users = 943
    static let movies = 1_682
    static let count = 80_000
    static let bs = 64

    let pairs: [Float]
    let ratings: [Float]

    init(seed: UInt64 = 0) {
        let generator = Generator(seed: seed)
        var pairs: [Float] = []
        pairs.reserveCapacity(2 * Self.count)
        for _ in 0..<Self.count {
            pairs.append(Float(generator.nextInt(in: 0..<Self.users)))
            pairs.append(Float(generator.nextInt(in: 0..<Self.movies)))
        }
        self.pairs = pairs
        ratings = (0..<Self.count).map { _ in Float(generator.nextInt(in: 1..<6)) }
    }

    /// One epoch of a fresh ``DotProductBias`` (50 factors) with PyTorch's `Adam(lr=5e-3,
    /// weight_decay=0.1)` (L2 decay, β 0.9/0.999, ε 1e-8) over a fresh permutation; returns the steps.
    @discardableResult
    func epoch(seed: UInt64) -> Int {
        let generator = Generator(seed: seed)
        let model = Random.withGenerator(generator) { DotProductBias(Self.users, Self.movies, 50) }
        let adam = Adam(lr: 5e-3, mom: 0.9, sqrMom: 0.999, eps: 1e-8, wd: 0.1, decoupleWd: false)
        let optimizer = Optimizer(adam, groups: [model.parameters])
        let order = generator.permutation(Self.count)
        var steps = 0
        for start in stride(from: 0, to: Self.count, by: Self.bs) {
            let rows = order[start..<min(start + Self.bs, Self.count)]
            let x = Tensor(
                shape: [rows.count, 2], scalars: rows.flatMap { [pairs[2 * $0], pairs[2 * $0 + 1]] })
            let y = Tensor(shape: [rows.count, 1], scalars: rows.map { ratings[$0] })
            MSELossFlat()(model(x), y).backward()
            optimizer.step()
            optimizer.zeroGrad()
            steps += 1
        }
        return steps
    }
}
