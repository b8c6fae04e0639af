import Foundation
import TensorCore
import Training
import Vision

/// `resnet18`: one training step of the course's ResNet-18 (width 16) with fastai's head, batch 64 of
/// 3×64×64 random images, 10 classes: forward (training mode), cross-entropy, backward, Adam, zeroGrad.
///
/// Twin of bench/python/resnet18.py, which builds the same network in plain PyTorch (torchvision's
/// BasicBlock, fastai's create_head) and steps `AdamW(betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01)`.
func benchResNet18(_ options: BenchOptions) {
    let steps = 10
    let generator = Generator(seed: 0)
    let arch = ResNetArchitecture.resnet18
    let size = ResNetArchitecture.courseInputSize
    guard
        let model = try? Random.withGenerator(
            generator,
            {
                Sequential(try arch.body(inChannels: 3), try createHead(arch.featureCount, 10))
            })
    else {
        emitUnavailable("resnet18", "course-w16-64px", reason: "model did not build")
        return
    }
    let optimizer = Optimizer(Adam(), groups: [model.parameters])
    optimizer.setLRs([1e-3])
    let x = Tensor.normal([64, 3, size, size], generator: generator)
    let y = Tensor((0..<64).map { Float($0 % 10) })
    let loss = CrossEntropyLossFlat()
    var last: Float = 0
    func step() {
        let value = loss(model(Variable(x)), y)
        last = value.value.scalar
        value.backward()
        optimizer.step()
        optimizer.zeroGrad()
    }
    for _ in 0..<3 { step() }
    TensorMemory.resetPeak()
    let best = bestSeconds(reps: options.reps) {
        for _ in 0..<steps { step() }
    }
    emit(
        "resnet18", "course-w16-64px-bs64",
        [
            "seconds": best / Double(steps), "loss": Double(last),
            "peak_mb": Double(TensorMemory.peakBytes) / 1_048_576,
        ])
}

/// `models`: each course ResNet's parameter count, peak step memory and step time (batch 64, 1×64×64,
/// 10 classes), and the time of one Fashion-MNIST epoch (60,000 images) at that speed.
func benchModels(_ options: BenchOptions) {
    for arch in [ResNetArchitecture.resnet18, .resnet34, .resnet50] {
        do {
            let size = ProcessInfo.processInfo.environment["KHRU_BENCH_SIZE"].flatMap(Int.init)
            let profile = try arch.profile(
                inputSize: size ?? ResNetArchitecture.courseInputSize, inChannels: 1, steps: options.reps)
            emit(
                "models", arch.name,
                [
                    "seconds": profile.secondsPerStep, "parameters": Double(profile.parameterCount),
                    "peak_mb": Double(profile.peakStepBytes) / 1_048_576,
                    "epoch_seconds": profile.secondsPerEpoch(items: 60_000),
                ])
        } catch {
            emitUnavailable("models", arch.name, reason: "\(error)")
        }
    }
}
