import Testing

@testable import TensorCore

/// Runs `body` with Khru's kernels at one and at two threads (in this task only) and returns both results.
private func atOneAndTwoThreads<T>(_ body: () throws -> T) rethrows -> [T] {
    try [1, 2].map { threads in try BLAS.withKernelThreads(threads, body) }
}

/// Max pooling of `[N, C, H, W]` with a square window, from the definition: the first largest value
/// of each window (padding never wins), and the backward pass routing each output's gradient there.
private func naiveMaxPool(
    _ input: Tensor, kernel: Int, stride: Int, padding: Int, upstream: Tensor
) -> (output: [Float], inputGradient: [Float]) {
    let (planes, h, w) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3])
    let (oh, ow) = (upstream.shape[2], upstream.shape[3])
    let x = input.scalars
    let g = upstream.scalars
    var output: [Float] = []
    var gradient = [Float](repeating: 0, count: input.count)
    for plane in 0..<planes {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var best = -Float.infinity
                var at = -1
                for y in (oy * stride - padding)..<(oy * stride - padding + kernel) where y >= 0 && y < h {
                    for x0 in (ox * stride - padding)..<(ox * stride - padding + kernel)
                    where x0 >= 0 && x0 < w {
                        let index = plane * h * w + y * w + x0
                        if at < 0 || x[index] > best { (best, at) = (x[index], index) }
                    }
                }
                output.append(best)
                gradient[at] += g[(plane * oh + oy) * ow + ox]
            }
        }
    }
    return (output, gradient)
}

@Suite struct ParallelPassTests {
    // 64·16·13·13 = 173,056 elements (above the threading threshold of 2¹⁷, not a multiple of 16).
    let shape = [64, 16, 13, 13]

    @Test func reluAndItsGradientMatchTheDefinitionAtOneAndTwoThreads() throws {
        #expect(shape.reduce(1, *) >= Parallel.threshold)
        let input = fixture(shape, seed: 950)
        let upstream = fixture(shape, seed: 951)
        let results = try atOneAndTwoThreads {
            let x = Parameter(input, name: "x")
            let y = x.variable.relu()
            y.backward(gradient: upstream)
            return (y.value.scalars, try #require(x.grad).scalars)
        }
        let expected = input.scalars.map { $0 > 0 ? $0 : 0 }
        let expectedGradient = zip(input.scalars, upstream.scalars).map { $0 > 0 ? $1 : 0 }
        for (output, gradient) in results {
            #expect(output == expected)
            #expect(gradient == expectedGradient)
        }
    }

    @Test func sumsMatchTheDefinitionAtOneAndTwoThreads() throws {
        let a = fixture(shape, seed: 952)
        let b = fixture(shape, seed: 953)
        let results = atOneAndTwoThreads {
            var accumulated = a
            accumulated.addInPlace(b, scaledBy: 0.25)
            return (a.adding(b).scalars, accumulated.scalars)
        }
        let expectedSum = zip(a.scalars, b.scalars).map { $0 + $1 }
        let expectedAccumulated = zip(a.scalars, b.scalars).map { $0 + 0.25 * $1 }
        for (sum, accumulated) in results {
            #expect(sum == expectedSum)
            #expect(accumulated == expectedAccumulated)
        }
        // The shared buffer of `a` was copied, not written (copy-on-write).
        #expect(a.scalars == fixture(shape, seed: 952).scalars)
    }

    @Test(arguments: [(3, 2, 1), (2, 2, 0)])
    func maxPoolingMatchesTheDefinitionAtOneAndTwoThreads(kernel: Int, stride: Int, padding: Int) throws {
        let input = fixture(shape, seed: 954)
        let size = (13 + 2 * padding - kernel) / stride + 1
        let upstream = fixture([64, 16, size, size], seed: 955)
        let results = try atOneAndTwoThreads {
            let x = Parameter(input, name: "x")
            let y = x.variable.maxPool2d(kernelSize: kernel, stride: stride, padding: padding)
            y.backward(gradient: upstream)
            return (y.value.scalars, try #require(x.grad).scalars)
        }
        let naive = naiveMaxPool(input, kernel: kernel, stride: stride, padding: padding, upstream: upstream)
        for (output, gradient) in results {
            #expect(output == naive.output)
            #expect(gradient == naive.inputGradient)
        }
    }
}
