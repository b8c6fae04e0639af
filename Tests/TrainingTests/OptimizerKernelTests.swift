import Foundation
import TensorCore
import Testing

@testable import Training

/// fastai's update rules written as plain scalar loops (the optimizer's original kernel), for
/// bit-for-bit comparison with the vectorized kernel.
private struct ScalarReference {
    var p: [Float]
    var a: [Float]
    var s: [Float]
    var step = 0

    init(_ values: [Float]) {
        p = values
        a = [Float](repeating: 0, count: values.count)
        s = [Float](repeating: 0, count: values.count)
    }

    mutating func update(
        rule: Optimizer.Rule, grad: [Float], hyper: Hyperparameters, decoupleWd: Bool
    ) {
        step += 1
        let lr = hyper.lr
        let wd = hyper.wd
        let decay = Float(decoupleWd && wd != 0 ? 1 - lr * wd : 1)
        let l2 = Float(decoupleWd ? 0 : wd)
        let mom = Float(hyper.mom)
        let sqrMom = Float(hyper.sqrMom)
        let stepSize = Float(lr / (1 - Foundation.pow(hyper.mom, Double(step))))
        let debias2 = Float(1 - Foundation.pow(hyper.sqrMom, Double(step)))
        let eps = Float(hyper.eps)
        let lrF = Float(lr)
        for i in p.indices {
            p[i] *= decay
            let g = grad[i] + l2 * p[i]
            switch rule {
            case .sgd:
                p[i] -= lrF * g
            case .sgdMomentum:
                a[i] = mom * a[i] + g
                p[i] -= lrF * a[i]
            case .adam:
                a[i] = mom * a[i] + (1 - mom) * g
                s[i] = sqrMom * s[i] + (1 - sqrMom) * g * g
                p[i] -= stepSize * a[i] / ((s[i] * (1 / debias2)).squareRoot() + eps)
            }
        }
    }
}

@Suite struct OptimizerKernelTests {
    /// Every rule, both weight-decay styles, dense and sparse gradients, on a table whose size is no
    /// multiple of the vector width: the optimizer matches the scalar loops bit for bit.
    @Test(arguments: [Optimizer.Rule.sgd, .sgdMomentum, .adam])
    func matchesScalarLoopsBitForBit(rule: Optimizer.Rule) {
        let rows = 11
        let width = 13
        for decoupleWd in [true, false] {
            for sparse in [false, true] {
                let generator = Generator(seed: 7)
                let start = Tensor.normal([rows, width], generator: generator)
                let parameter = Parameter(start)
                let function: any OptimizerFunction =
                    rule == .adam
                    ? Adam(lr: 0.01, wd: 0.1, decoupleWd: decoupleWd)
                    : SGD(lr: 0.05, mom: rule == .sgd ? 0 : 0.9, wd: 0.1, decoupleWd: decoupleWd)
                let opt = Optimizer(function, groups: [[parameter]])
                var reference = ScalarReference(start.scalars)
                let batches: [[Int]] = [[3, 0, 3, 10], [5], [1, 2, 9, 4, 7], [6]]
                for indices in batches {
                    let values = Tensor.normal([indices.count, width], generator: generator)
                    let gradient = SparseRows(shape: [rows, width], indices: indices, values: values)
                    if sparse {
                        parameter.sparseGrad = gradient
                    } else {
                        parameter.grad = gradient.densified()
                    }
                    reference.update(
                        rule: rule, grad: gradient.densified().scalars, hyper: function.defaults,
                        decoupleWd: decoupleWd)
                    opt.step()
                    opt.zeroGrad()
                    #expect(
                        parameter.value.scalars.map(\.bitPattern) == reference.p.map(\.bitPattern),
                        "rule \(rule), decoupled \(decoupleWd), sparse \(sparse)")
                }
            }
        }
    }

    /// A parameter large enough that the dense update splits over threads: the same bits as the
    /// scalar loops at one and at two threads.
    @Test func largeParametersMatchScalarLoopsAtOneAndTwoThreads() {
        let shape = [257, 131]  // 33,667 elements: 4 arrays of them pass Parallel.threshold.
        #expect(shape[0] * shape[1] * 4 >= Parallel.threshold)
        for threads in [1, 2] {
            try BLAS.withKernelThreads(threads) {
                let generator = Generator(seed: 11)
                let start = Tensor.normal(shape, generator: generator)
                let parameter = Parameter(start)
                let function = Adam(lr: 0.01, wd: 0.1)
                let opt = Optimizer(function, groups: [[parameter]])
                var reference = ScalarReference(start.scalars)
                for _ in 0..<3 {
                    let gradient = Tensor.normal(shape, generator: generator)
                    parameter.grad = gradient
                    reference.update(
                        rule: .adam, grad: gradient.scalars, hyper: function.defaults, decoupleWd: true)
                    opt.step()
                    opt.zeroGrad()
                    #expect(
                        parameter.value.scalars.map(\.bitPattern) == reference.p.map(\.bitPattern),
                        "threads \(threads)")
                }
            }
        }
    }
}
