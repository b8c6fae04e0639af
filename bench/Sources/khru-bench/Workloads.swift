import Collab
import Foundation

/// `conv`: forward + backward of a 32 → 32 channel 3×3 convolution, batch 64, 28×28, padding 1.
func benchConv(_ options: BenchOptions) {
    // TODO: needs TensorCore's conv2d with autodiff (branch `tensor`); time 20 forward+backward passes.
    emitUnavailable("conv", "64x32x28x28-k3", reason: "not available yet")
}

/// `mlp`: 784-256-10 MLP, cross-entropy, Adam, batch 64, 1,000 steps.
func benchMLP(_ options: BenchOptions) {
    // TODO: needs Training's Linear, ReLU, crossEntropy and Adam (branch `training`).
    emitUnavailable("mlp", "784-256-10", reason: "not available yet")
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

/// `runner`: parse + check + render of a generated 100-cell lesson with trivial cells.
func benchRunner(_ options: BenchOptions) {
    // TODO: needs LessonRunner's run entry point (branch `runner`).
    emitUnavailable("runner", "100-cells", reason: "not available yet")
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
