import Foundation
import TensorCore
import Testing

@testable import Training

/// fastbook's DotProductBias, as in bench/python/collab.py (Collab's own model is not merged yet).
private final class DotProductBiasTwin: Layer, @unchecked Sendable {
    let userFactors = Embedding(943, 50)
    let movieFactors = Embedding(1682, 50)
    let userBias = Embedding(943, 1)
    let movieBias = Embedding(1682, 1)
    var isTraining = true

    var children: [(name: String, layer: any Layer)] {
        [("u", userFactors), ("m", movieFactors), ("ub", userBias), ("mb", movieBias)]
    }

    func callAsFunction(_ x: Variable) -> Variable {
        let columns = x.value.scalars
        let users = stride(from: 0, to: columns.count, by: 2).map { Int(columns[$0]) }
        let movies = stride(from: 1, to: columns.count, by: 2).map { Int(columns[$0]) }
        var result = (userFactors(users) * movieFactors(movies)).sum(axis: 1, keepDims: true)
        result = result + userBias(users) + movieBias(movies)
        return sigmoidRange(result, 0, 5.5)
    }
}

/// Times one epoch (1,250 steps) of DotProductBias with Adam(wd 0.1) at batch 64 (KHRU_TIMING=1).
@Test(.enabled(if: ProcessInfo.processInfo.environment["KHRU_TIMING"] != nil))
func collabEpochTiming() {
    let generator = Generator(seed: 5)
    let count = 80_000
    var pairs = [Float]()
    pairs.reserveCapacity(2 * count)
    for _ in 0..<count {
        pairs.append(Float(generator.nextInt(in: 0..<943)))
        pairs.append(Float(generator.nextInt(in: 0..<1682)))
    }
    let xs = Tensor(shape: [count, 2], scalars: pairs)
    let ys = Tensor(shape: [count, 1], scalars: (0..<count).map { _ in Float(generator.nextInt(in: 1..<6)) })
    let loss = MSELossFlat()
    var best = Double.infinity
    for _ in 0..<2 {
        let model = Random.withSeed(1) { DotProductBiasTwin() }
        let opt = Optimizer(Adam(lr: 5e-3, wd: 0.1), groups: [model.parameters])
        let order = generator.permutation(count)
        let start = Date()
        var last: Float = 0
        for batch in stride(from: 0, to: count, by: 64) {
            let rows = Array(order[batch..<min(batch + 64, count)])
            let value = loss(model(Variable(xs.gather(rows))), ys.gather(rows))
            value.backward()
            opt.step()
            opt.zeroGrad()
            last = value.value.scalar
        }
        best = min(best, Date().timeIntervalSince(start))
        print("TIMING: collab epoch \(Date().timeIntervalSince(start)) s (last loss \(last))")
    }
    print("TIMING: collab epoch best \(best) s")
}
