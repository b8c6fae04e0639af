import Testing
import _TestSupport

@testable import TensorCore

@Suite struct AutodiffTests {
    @Test func gatherOnAParameterGivesCoalescedSparseRows() throws {
        let table = try Parameter(Tensor.arange(12).reshaped([4, 3]), name: "emb")
        let rows = table.variable.gather([3, 1, 3])
        (rows * Tensor([1, 2, 3])).sum().backward()
        #expect(table.grad == nil)
        let sparse = try? #require(table.sparseGrad)
        #expect(sparse?.indices == [1, 3])
        #expect(sparse?.values.scalars == [1, 2, 3, 2, 4, 6])
        #expect(table.denseGrad?.scalars == [0, 0, 0, 1, 2, 3, 0, 0, 0, 2, 4, 6])
        // A second sparse backward accumulates sparsely.
        table.variable.gather([0]).sum().backward()
        #expect(table.sparseGrad?.indices == [0, 1, 3])
        #expect(table.grad == nil)
        // A dense use merges everything into a dense gradient.
        table.variable.sum().backward()
        #expect(table.sparseGrad == nil)
        #expect(table.grad?.scalars == [2, 2, 2, 2, 3, 4, 1, 1, 1, 3, 5, 7])
        table.zeroGrad()
        #expect(table.grad == nil && table.sparseGrad == nil)
    }

    @Test func sparseAndDenseUsesInOneGraphGiveADenseGradient() {
        let table = Parameter(Tensor.ones([3, 2]))
        let v = table.variable
        (v.gather([2]).sum() + v.sum() * 2).backward()
        #expect(table.sparseGrad == nil)
        #expect(table.grad?.scalars == [2, 2, 2, 2, 3, 3])
    }

    @Test func frozenParametersAndNoGradScopesRecordNothing() {
        let frozen = Parameter(Tensor([1, 2]), requiresGrad: false)
        let trained = Parameter(Tensor([3, 4]))
        let loss = (frozen.variable * trained.variable).sum()
        #expect(loss.requiresGrad)
        loss.backward()
        #expect(frozen.grad == nil)
        #expect(trained.grad?.scalars == [1, 2])
        let inside = withNoGrad { (trained.variable * 2).sum() }
        #expect(!inside.requiresGrad)
        #expect(GradMode.isEnabled)
        #expect(!(Variable(Tensor([1])) + 1).requiresGrad)
    }

    /// A raw parameter computes as its value (PyTorch's Parameter is a Tensor) and gets the gradient.
    @Test func parameterOperatorsDifferentiateLikeTheirVariables() {
        let x = Variable(Tensor([1.0, 2.0, -1.0]))
        let p = Parameter(Tensor([0.5, -1.5, 2.0]), name: "p")
        let q = Parameter(Tensor([2.0]), name: "q")
        // d/dp of Σ(x·p + p/q + p − x − p·q) = x + 1/q + 1 − q; d/dq = Σ(−p/q² − p).
        (x * p + p / q + (p - x) - p * q).sum().backward()
        expectClose(
            p.grad?.scalars.map(Double.init) ?? [], [1 + 0.5 + 1 - 2, 2 + 0.5 + 1 - 2, -1 + 0.5 + 1 - 2])
        expectClose(q.grad?.scalars.map(Double.init) ?? [], [-(0.5 - 1.5 + 2.0) / 4 - (0.5 - 1.5 + 2.0)])
        let both = (p + x) / (x - p)
        #expect(both.value == ((p.variable + x) / (x - p.variable)).value)
    }

    @Test func backwardAccumulatesUntilZeroGrad() {
        let p = Parameter(Tensor([2]))
        (p.variable * p.variable).sum().backward()
        (p.variable * 3).sum().backward()
        #expect(p.grad?.scalars == [7])
        p.zeroGrad()
        p.variable.exp().detached.sum().backward()
        #expect(p.grad == nil)
    }

    @Test func batchNormUpdatesRunningStatisticsLikePyTorch() {
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 6, 40])
        var runningMean = Tensor.zeros([2])
        var runningVariance = Tensor.ones([2])
        let y = Variable(x).batchNorm(
            weight: nil, bias: nil, runningMean: &runningMean, runningVariance: &runningVariance,
            training: true,
            momentum: 0.1)
        // Channel 0: mean 3, biased var 3.5, unbiased 14/3. Channel 1: mean 25, biased var 125, unbiased 500/3.
        expectClose(runningMean.scalars.map(Double.init), [0.3, 2.5], relative: 1e-6)
        expectClose(
            runningVariance.scalars.map(Double.init), [0.9 + 1.4 / 3, 0.9 + 50.0 / 3], relative: 1e-6)
        let expected = [1.0, 2, 3, 6].map { ($0 - 3) / (3.5 + 1e-5).squareRoot() }
        expectClose(
            [0, 2, 4, 6].map { Double(y.value.scalars[$0]) }, expected, relative: 1e-5, absolute: 1e-6)
        // Evaluation mode uses and keeps the running statistics.
        let before = (runningMean, runningVariance)
        let z = Variable(x).batchNorm(
            weight: nil, bias: nil, runningMean: &runningMean, runningVariance: &runningVariance,
            training: false)
        #expect(runningMean == before.0 && runningVariance == before.1)
        expectClose(
            [Double(z.value.scalars[0])], [(1 - 0.3) / (0.9 + 1.4 / 3 + 1e-5).squareRoot()], relative: 1e-5)
    }

    @Test func linearRegressionConverges() {
        let x = Random.withSeed(1) { Tensor.normal([64, 3]) }
        let trueWeight = Tensor(shape: [1, 3], scalars: [2, -1, 0.5])
        let y = matmul(x, trueWeight, transposeB: true) + 0.3
        let weight = Parameter(Tensor.zeros([1, 3]), name: "weight")
        let bias = Parameter(Tensor.zeros([1]), name: "bias")
        for _ in 0..<200 {
            let prediction = Variable(x).matmul(weight.variable, transposeB: true) + bias.variable
            let loss = (prediction - y).squared().mean()
            weight.zeroGrad()
            bias.zeroGrad()
            loss.backward()
            withNoGrad {
                if let g = weight.grad { weight.value -= g * 0.1 }
                if let g = bias.grad { bias.value -= g * 0.1 }
            }
        }
        expectClose(weight.value.scalars.map(Double.init), [2, -1, 0.5], relative: 1e-3, absolute: 1e-4)
        expectClose([Double(bias.value.scalar)], [0.3], relative: 1e-3)
    }
}
