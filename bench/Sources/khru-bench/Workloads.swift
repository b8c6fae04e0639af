import Collab
import Foundation
import TensorCore

/// `conv`: forward + backward of a 32 → 32 channel 3×3 convolution, batch 64, 28×28, padding 1.
///
/// TensorCore's differentiable `conv2d` on parameters (weight, bias and input all get gradients, as in
/// bench/python/conv.py); 20 passes per repetition, seconds per pass reported.
func benchConv(_ options: BenchOptions) {
    let iterations = 20
    var generator = SplitMix64(seed: 0)
    let weight = Parameter(
        Tensor(shape: [32, 32, 3, 3], scalars: randomFloats(32 * 32 * 9, using: &generator)))
    let bias = Parameter(Tensor(shape: [32], scalars: randomFloats(32, using: &generator)))
    let count = 64 * 32 * 28 * 28
    let input = Parameter(Tensor(shape: [64, 32, 28, 28], scalars: randomFloats(count, using: &generator)))
    let upstream = Tensor(shape: [64, 32, 28, 28], scalars: randomFloats(count, using: &generator))
    func step() {
        for parameter in [weight, bias, input] { parameter.zeroGrad() }
        input.variable.conv2d(weight: weight.variable, bias: bias.variable, padding: 1)
            .backward(gradient: upstream)
    }
    for _ in 0..<3 { step() }
    precondition(input.grad?.shape == [64, 32, 28, 28] && weight.grad?.shape == [32, 32, 3, 3])
    let best = bestSeconds(reps: options.reps) {
        for _ in 0..<iterations { step() }
    }
    let flops = 3 * 2.0 * 64 * 32 * 32 * 9 * 28 * 28
    emit(
        "conv", "64x32x28x28-k3",
        ["seconds": best / Double(iterations), "gflops": flops * Double(iterations) / best / 1e9])
}

/// `mlp`: 784-256-10 MLP, cross-entropy, Adam, batch 64, 1,000 steps after 20 warm-up steps.
///
/// One model and optimizer for the whole run, as in bench/python/mlp.py; see ``MLPBench``.
func benchMLP(_ options: BenchOptions) throws {
    let steps = 1_000
    let bench = MLPBench()
    let warmLoss = try bench.train(steps: 20)
    var lastLoss = warmLoss
    let best = try bestSeconds(reps: options.reps) { lastLoss = try bench.train(steps: steps) }
    precondition(lastLoss.isFinite, "mlp: the loss is not finite")
    emit(
        "mlp", "784-256-10",
        [
            "seconds": best, "steps": Double(steps), "ms_per_step": best / Double(steps) * 1e3,
            "loss": lastLoss,
        ])
}

/// `collab`: one epoch of DotProductBias on 80,000 random ratings, batch 64, Adam, wd 0.1.
///
/// Twin of bench/python/collab.py: a fresh model and permutation per repetition, 1,250 Adam steps
/// (PyTorch's L2 weight decay), sparse embedding gradients; the minimum of `reps` epochs after a warm-up.
func benchCollab(_ options: BenchOptions) {
    let data = CollabBenchData()
    let steps = data.epoch(seed: 0)  // warm-up
    var repetition: UInt64 = 0
    let best = bestSeconds(reps: options.reps) {
        repetition += 1
        data.epoch(seed: repetition)
    }
    emit("collab", "dot-product-bias", ["seconds": best, "steps": Double(steps)])
}

/// `data`: prepares MovieLens 100k in the package's cache folder (run from the package root).
func prepareData(_ options: BenchOptions) {
    do {
        let files = try MovieLens.prepare(in: MovieLens.defaultFolder) { print($0) }
        print("MovieLens 100k: \(files.ratings), \(files.movies) (\(files.origin))")
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
