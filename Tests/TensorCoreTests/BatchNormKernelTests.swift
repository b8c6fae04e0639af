import Testing
import _TestSupport

@testable import TensorCore

/// Batch norm of `[N, C, …]` and its gradients, written out in `Double` from the definition.
private struct NaiveBatchNorm {
    var output: [Double] = []
    var inputGradient: [Double] = []
    var weightGradient: [Double] = []
    var biasGradient: [Double] = []

    /// Training mode uses the batch statistics; evaluation mode uses `mean` and `variance`.
    init(
        input: Tensor, weight: Tensor, bias: Tensor, upstream: Tensor, training: Bool, mean: [Double] = [],
        variance: [Double] = [], eps: Double = 1e-5
    ) {
        let (batch, channels) = (input.shape[0], input.shape[1])
        let spatial = input.count / (batch * channels)
        let x = input.scalars.map(Double.init)
        let u = upstream.scalars.map(Double.init)
        let (w, b) = (weight.scalars.map(Double.init), bias.scalars.map(Double.init))
        output = Array(repeating: 0, count: x.count)
        inputGradient = output
        weightGradient = Array(repeating: 0, count: channels)
        biasGradient = weightGradient
        let m = Double(batch * spatial)
        for c in 0..<channels {
            let indices = (0..<batch).flatMap { n in (0..<spatial).map { (n * channels + c) * spatial + $0 } }
            let mu = training ? indices.reduce(0) { $0 + x[$1] } / m : mean[c]
            let sigma2 =
                training ? indices.reduce(0) { $0 + (x[$1] - mu) * (x[$1] - mu) } / m : variance[c]
            let invStd = 1 / (sigma2 + eps).squareRoot()
            var sumDY = 0.0
            var sumDYX = 0.0
            for i in indices {
                let normalized = (x[i] - mu) * invStd
                output[i] = normalized * w[c] + b[c]
                weightGradient[c] += u[i] * normalized
                biasGradient[c] += u[i]
                sumDY += u[i] * w[c]
                sumDYX += u[i] * w[c] * normalized
            }
            for i in indices {
                let normalized = (x[i] - mu) * invStd
                inputGradient[i] =
                    training
                    ? invStd * (u[i] * w[c] - sumDY / m - normalized * sumDYX / m) : invStd * u[i] * w[c]
            }
        }
    }
}

/// Khru's batch norm forward and backward: output, input, weight and bias gradients, running stats.
private func khruBatchNorm(
    input: Tensor, weight: Tensor, bias: Tensor, upstream: Tensor, training: Bool,
    runningMean: inout Tensor, runningVariance: inout Tensor
) throws -> (output: Tensor, input: Tensor, weight: Tensor, bias: Tensor) {
    let (x, w, b) = (Parameter(input, name: "x"), Parameter(weight, name: "w"), Parameter(bias, name: "b"))
    let y = x.variable.batchNorm(
        weight: w.variable, bias: b.variable, runningMean: &runningMean, runningVariance: &runningVariance,
        training: training)
    y.backward(gradient: upstream)
    return (y.value, try #require(x.grad), try #require(w.grad), try #require(b.grad))
}

@Suite struct BatchNormKernelTests {
    // Runs shorter than, equal to and longer than the 16 lanes, with and without a tail; the first
    // shape is above the threading threshold.
    @Test(arguments: [[16, 16, 23, 23], [5, 3, 4, 4], [3, 2, 7], [6, 4], [2, 5, 33]])
    func trainingMatchesTheDefinition(shape: [Int]) throws {
        let channels = shape[1]
        let input = fixture(shape, seed: 900, low: -3, high: 5)
        let weight = fixture([channels], seed: 901, low: 0.5, high: 1.5)
        let bias = fixture([channels], seed: 902)
        let upstream = fixture(shape, seed: 903)
        var runningMean = Tensor.zeros([channels])
        var runningVariance = Tensor.ones([channels])
        let khru = try khruBatchNorm(
            input: input, weight: weight, bias: bias, upstream: upstream, training: true,
            runningMean: &runningMean, runningVariance: &runningVariance)
        let naive = NaiveBatchNorm(
            input: input, weight: weight, bias: bias, upstream: upstream, training: true)
        expectClose(khru.output.scalars.map(Double.init), naive.output, relative: 1e-4, absolute: 1e-5)
        expectClose(khru.input.scalars.map(Double.init), naive.inputGradient, relative: 1e-3, absolute: 1e-5)
        expectClose(
            khru.weight.scalars.map(Double.init), naive.weightGradient, relative: 1e-4, absolute: 1e-4)
        expectClose(khru.bias.scalars.map(Double.init), naive.biasGradient, relative: 1e-4, absolute: 1e-4)
    }

    @Test func evaluationMatchesTheDefinition() throws {
        let shape = [4, 3, 5, 5]
        let input = fixture(shape, seed: 910, low: -2, high: 2)
        let weight = fixture([3], seed: 911, low: 0.5, high: 1.5)
        let bias = fixture([3], seed: 912)
        let upstream = fixture(shape, seed: 913)
        let (mean, variance) = ([0.1, -0.4, 0.25], [0.5, 2.0, 1.25])
        var runningMean = Tensor(mean.map { Float($0) })
        var runningVariance = Tensor(variance.map { Float($0) })
        let khru = try khruBatchNorm(
            input: input, weight: weight, bias: bias, upstream: upstream, training: false,
            runningMean: &runningMean, runningVariance: &runningVariance)
        let naive = NaiveBatchNorm(
            input: input, weight: weight, bias: bias, upstream: upstream, training: false, mean: mean,
            variance: variance)
        expectClose(khru.output.scalars.map(Double.init), naive.output, relative: 1e-5, absolute: 1e-6)
        expectClose(khru.input.scalars.map(Double.init), naive.inputGradient, relative: 1e-5, absolute: 1e-6)
        expectClose(
            khru.weight.scalars.map(Double.init), naive.weightGradient, relative: 1e-4, absolute: 1e-5)
        expectClose(khru.bias.scalars.map(Double.init), naive.biasGradient, relative: 1e-4, absolute: 1e-5)
        let evaluated = input.batchNormalized(
            mean: runningMean, variance: runningVariance, weight: weight, bias: bias)
        expectClose(evaluated.scalars.map(Double.init), naive.output, relative: 1e-5, absolute: 1e-6)
    }

    @Test func channelMomentsMatchTheDefinition() {
        let (batch, channels, spatial) = (7, 3, 81)
        let input = fixture([batch, channels, 9, 9], seed: 920, low: -1, high: 4)
        let (mean, variance) = input.channelMoments()
        let x = input.scalars.map(Double.init)
        for c in 0..<channels {
            let values = (0..<batch).flatMap { n in (0..<spatial).map { x[(n * channels + c) * spatial + $0] }
            }
            let mu = values.reduce(0, +) / Double(values.count)
            let sigma2 = values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(values.count)
            expectClose(
                [Double(mean.scalars[c]), Double(variance.scalars[c])], [mu, sigma2], relative: 1e-5)
        }
    }

    @Test func twoThreadsGiveTheSameBitsAsOne() throws {
        // Above the threading threshold, so the channels are split across two threads; each channel's
        // sums run whole on one thread in a fixed order, so the bits must not depend on the split.
        let shape = [16, 12, 27, 27]
        let input = fixture(shape, seed: 930, low: -2, high: 3)
        let weight = fixture([12], seed: 931, low: 0.5, high: 1.5)
        let bias = fixture([12], seed: 932)
        let upstream = fixture(shape, seed: 933)
        #expect(input.count >= Parallel.threshold)
        var results: [[Float]] = []
        for threads in [1, 2, 1] {
            try BLAS.withKernelThreads(threads) {
                var runningMean = Tensor.zeros([12])
                var runningVariance = Tensor.ones([12])
                let khru = try khruBatchNorm(
                    input: input, weight: weight, bias: bias, upstream: upstream, training: true,
                    runningMean: &runningMean, runningVariance: &runningVariance)
                results.append(
                    khru.output.scalars + khru.input.scalars + khru.weight.scalars + khru.bias.scalars
                        + runningMean.scalars + runningVariance.scalars)
            }
        }
        #expect(results[0] == results[1] && results[0] == results[2])
    }
}
