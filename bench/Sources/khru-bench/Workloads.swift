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
func benchCollab(_ options: BenchOptions) {
    // TODO: needs Collab's DotProductBias and Training's Adam (branches `training`, collab).
    emitUnavailable("collab", "dot-product-bias", reason: "not available yet")
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
