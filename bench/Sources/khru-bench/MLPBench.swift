import TensorCore
import Training

/// The `mlp` workload: a 784-256-10 MLP trained with fastai's Adam on a fixed random data set.
///
/// Twin of bench/python/mlp.py. A low-level loop (no Learner, no DataLoader), because the twin's is one:
/// batches of 64 taken in order from a fixed 64,000 × 784 normal input (labels uniform in 0..<10); each
/// step is forward, ``CrossEntropyLossFlat``, backward, ``Optimizer/step()``, ``Optimizer/zeroGrad()``.
/// ``Adam``'s defaults are fastai's (β 0.9/0.99, ε 1e-5, decoupled wd 0.01) at lr 1e-3, which is
/// PyTorch's `AdamW(lr=1e-3, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)`.
struct MLPBench {
    static let rows = 64_000
    static let features = 784
    static let bs = 64

    let x: Tensor
    let y: Tensor
    let model: Sequential
    let optimizer: Optimizer
    let loss = CrossEntropyLossFlat()

    init(seed: UInt64 = 0) {
        let generator = Generator(seed: seed)
        x = Tensor.normal([Self.rows, Self.features], generator: generator)
        y = Tensor.randint(0, 10, shape: [Self.rows], generator: generator)
        model = Random.withGenerator(generator.child("model")) {
            Sequential(Linear(Self.features, 256), ReLU(), Linear(256, 10))
        }
        optimizer = Optimizer(Adam(lr: 1e-3), groups: [model.parameters])
    }

    /// Runs `steps` training steps (batch `s % 1000`, in order) and returns the last loss.
    @discardableResult
    func train(steps: Int) throws -> Double {
        var last = Double.nan
        let batches = Self.rows / Self.bs
        for step in 0..<steps {
            let start = (step % batches) * Self.bs
            let output = loss(model(x[start..<start + Self.bs]), y[start..<start + Self.bs])
            output.backward()
            optimizer.step()
            optimizer.zeroGrad()
            last = try output.value.item()
        }
        return last
    }
}
