import Foundation

// khru-bench: Khru's side of `make bench`. One workload per invocation; prints machine-readable lines
// `name case threads=N impl=khru key=value ...` that bench/run pairs with the PyTorch twins in
// bench/python. Thread count: OPENBLAS_NUM_THREADS (bench/run sets it to the same number as
// torch.set_num_threads on the PyTorch side).

let usage = """
    usage: khru-bench <workload> [--reps N]
      matmul   GFLOPS of Tensor.matmul and of raw cblas_sgemm, n = 64, 128, 256, 512, 1024
      conv     Conv2d forward + backward: batch 64, 32 -> 32 channels, 28x28, 3x3, padding 1
      conv-stages  forward + backward of each convolution of the course's ResNet-18 stages, batch 64
      resnet18 one training step of the course's ResNet-18 (width 16, 3x64x64, batch 64, Adam)
      models   parameters, peak step memory, step and epoch time of the course's ResNet-18/34/50
      mlp      784-256-10 MLP, batch 64, 1,000 Adam steps
      collab   one epoch of DotProductBias on 80,000 ratings, batch 64, Adam, wd 0.1
      fastai-collab  collabLearner + fitOneCycle(1, 5e-3, wd: 0.1) on MovieLens 100k (needs `data`)
      runner   parse, check, run and render of a generated 100-cell lesson, in ms
      jpeg     loadImage + converted(to: .rgb) of 500x375 JPEGs (baseline, progressive, 4:4:4, grey),
               the files bench/run writes to bench/results/jpeg-files; seconds per image
      info     the instruction set of Khru's kernels (CPU and KHRU_ISA), the convolution kernels, and
               OpenBLAS's configuration, core name (the kernels it picked) and thread count
      data     prepare MovieLens 100k in lessons/data/ml-100k (as `khru data` does)
    """

let arguments = Array(CommandLine.arguments.dropFirst())
let options = BenchOptions(arguments)
switch (arguments.first, options) {
case ("matmul", .some(let options)): try benchMatmul(options)
case ("conv", .some(let options)): benchConv(options)
case ("conv-stages", .some(let options)): benchConvStages(options)
case ("resnet18", .some(let options)): benchResNet18(options)
case ("models", .some(let options)): benchModels(options)
case ("mlp", .some(let options)): try benchMLP(options)
case ("collab", .some(let options)): benchCollab(options)
case ("fastai-collab", .some(let options)): benchFastaiCollab(options)
case ("runner", .some(let options)): benchRunner(options)
case ("jpeg", .some(let options)): try benchJPEG(options)
case ("data", .some(let options)): prepareData(options)
case ("info", .some):
    print(instructionSetDescription())
    print("openblas: \(openBLASDescription())")
default:
    FileHandle.standardError.write(Data(usage.utf8))
    exit(64)
}
