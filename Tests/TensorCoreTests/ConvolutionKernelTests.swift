import Testing
import _TestSupport

@testable import TensorCore

/// The direct definition of a 2-D cross-correlation and of its two gradients, in `Double`: the
/// independent truth for both convolution implementations.
private struct DirectConvolution {
    let input: Tensor
    let weight: Tensor
    let stride: Int
    let padding: Int

    var n: Int { input.shape[0] }
    var c: Int { input.shape[1] }
    var h: Int { input.shape[2] }
    var w: Int { input.shape[3] }
    var o: Int { weight.shape[0] }
    var kh: Int { weight.shape[2] }
    var kw: Int { weight.shape[3] }
    var oh: Int { (h + 2 * padding - kh) / stride + 1 }
    var ow: Int { (w + 2 * padding - kw) / stride + 1 }

    /// Calls `body(outputIndex, inputIndex, weightIndex)` (flat row-major indices) for every product
    /// term `output[n, o, oy, ox] += input[n, c, y, x] · weight[o, c, ky, kx]` of the convolution.
    func forEachTerm(_ body: (Int, Int, Int) -> Void) {
        for image in 0..<n {
            for outChannel in 0..<o {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let outputIndex = ((image * o + outChannel) * oh + oy) * ow + ox
                        for channel in 0..<c {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let y = oy * stride - padding + ky
                                    let x = ox * stride - padding + kx
                                    guard y >= 0, y < h, x >= 0, x < w else { continue }
                                    body(
                                        outputIndex, ((image * c + channel) * h + y) * w + x,
                                        ((outChannel * c + channel) * kh + ky) * kw + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func output(bias: Tensor?) -> [Double] {
        let (x, k) = (input.scalars, weight.scalars)
        var result = [Double](repeating: 0, count: n * o * oh * ow)
        forEachTerm { out, i, j in result[out] += Double(x[i]) * Double(k[j]) }
        if let bias {
            let b = bias.scalars
            for index in result.indices { result[index] += Double(b[(index / (oh * ow)) % o]) }
        }
        return result
    }

    func inputGradient(_ g: Tensor) -> [Double] {
        let (gradient, k) = (g.scalars, weight.scalars)
        var result = [Double](repeating: 0, count: input.count)
        forEachTerm { out, i, j in result[i] += Double(gradient[out]) * Double(k[j]) }
        return result
    }

    func weightGradient(_ g: Tensor) -> [Double] {
        let (gradient, x) = (g.scalars, input.scalars)
        var result = [Double](repeating: 0, count: weight.count)
        forEachTerm { out, i, j in result[j] += Double(gradient[out]) * Double(x[i]) }
        return result
    }
}

/// Shapes that exercise every path of the kernels: partial tiles, image boundaries inside a tile,
/// strides 1–3, padding 0–3, 1×1 (pointwise and strided), 7×7 stems, non-square kernels, batch 1 and
/// the direct kernel for few input channels.
private let shapes: [(input: [Int], weight: [Int], stride: Int, padding: Int)] = [
    ([3, 5, 9, 7], [13, 5, 3, 3], 1, 1),
    ([2, 4, 8, 8], [7, 4, 3, 3], 2, 1),
    ([2, 6, 5, 6], [14, 6, 1, 1], 1, 0),
    ([2, 6, 7, 7], [5, 6, 1, 1], 2, 0),
    ([2, 3, 13, 11], [4, 3, 7, 7], 2, 3),
    ([1, 3, 6, 7], [4, 3, 3, 2], 3, 2),
    ([1, 17, 4, 4], [33, 17, 3, 3], 1, 1),
    ([5, 2, 3, 3], [3, 2, 3, 3], 1, 0),
    // The direct path for few input channels: two blocks of 16 output channels, stride 1.
    ([2, 1, 12, 11], [20, 1, 5, 5], 1, 2),
    // The shifted stride-1 kernels: batch 1 with odd sizes and 9 output channels (a partial 8-row
    // block); padding 0 with 63 taps (a partial block of 6) and 5 output channels (a partial block
    // of 4); padding 3 on a 3×3 kernel (the input gradient folds back); 5×5 with padding 2 (a
    // shifted forward, a packed weight gradient); 1×1 with 19 channels; and a batch whose padded
    // plane spans two dot-product chunks.
    ([1, 20, 11, 13], [9, 20, 3, 3], 1, 1),
    ([3, 7, 10, 10], [5, 7, 3, 3], 1, 0),
    ([2, 4, 9, 9], [6, 4, 3, 3], 1, 3),
    ([2, 5, 12, 12], [6, 5, 5, 5], 1, 2),
    ([3, 19, 6, 6], [24, 19, 1, 1], 1, 0),
    ([6, 6, 20, 20], [10, 6, 3, 3], 1, 1),
    // A stem like the course's: 3 channels, 7×7, stride 2, padding 3, odd size.
    ([2, 3, 21, 19], [16, 3, 7, 7], 2, 3),
    // Stride 2 through the phase planes (7×7): the stem's weight gradient, and a forward pass with
    // more channels than the direct kernel takes, on an odd size (phases of unequal size). Then a
    // ResNet-like 3×3 downsampling and its 1×1 shortcut (the packed GEMM), odd sizes again.
    ([2, 3, 32, 32], [16, 3, 7, 7], 2, 3),
    ([2, 5, 23, 25], [6, 5, 7, 7], 2, 3),
    ([3, 5, 15, 13], [7, 5, 3, 3], 2, 1),
    ([4, 16, 16, 16], [32, 16, 3, 3], 2, 1),
    ([4, 16, 16, 16], [32, 16, 1, 1], 2, 0),
]

/// Every implementation this CPU can run, whatever `KHRU_ISA` says: on an AVX-512 machine the AVX-512
/// and the AVX2 kernels and OpenBLAS.
private let implementations = ConvolutionKernels.supported

/// Khru's own kernels among them (bit-identical at any thread count; OpenBLAS makes no such promise).
private let khruKernels = implementations.filter(\.isKhru)

@Suite struct ConvolutionKernelTests {
    @Test(arguments: shapes.indices)
    func forwardMatchesTheDefinition(_ index: Int) {
        let (inputShape, weightShape, stride, padding) = shapes[index]
        let input = fixture(inputShape, seed: UInt64(100 + index))
        let weight = fixture(weightShape, seed: UInt64(200 + index))
        let bias = fixture([weightShape[0]], seed: UInt64(300 + index))
        let direct = DirectConvolution(input: input, weight: weight, stride: stride, padding: padding)
        let expected = direct.output(bias: bias)
        for kernels in implementations {
            let output = input.conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding, kernels: kernels)
            #expect(output.shape == [direct.n, direct.o, direct.oh, direct.ow])
            expectClose(output.scalars.map(Double.init), expected, relative: 1e-4, absolute: 1e-5)
            let unbiased = input.conv2d(
                weight: weight, bias: nil, stride: stride, padding: padding, kernels: kernels)
            expectClose(
                unbiased.scalars.map(Double.init), direct.output(bias: nil), relative: 1e-4, absolute: 1e-5)
        }
    }

    @Test(arguments: shapes.indices)
    func gradientsMatchTheDefinition(_ index: Int) throws {
        let (inputShape, weightShape, stride, padding) = shapes[index]
        let input = fixture(inputShape, seed: UInt64(400 + index))
        let weight = fixture(weightShape, seed: UInt64(500 + index))
        let direct = DirectConvolution(input: input, weight: weight, stride: stride, padding: padding)
        let upstream = fixture([direct.n, direct.o, direct.oh, direct.ow], seed: UInt64(600 + index))
        var expectedBias = [Double](repeating: 0, count: direct.o)
        let spatial = direct.oh * direct.ow
        for (index, value) in upstream.scalars.enumerated() {
            expectedBias[(index / spatial) % direct.o] += Double(value)
        }
        for kernels in implementations {
            let (dx, dw, db) = Tensor.conv2dBackward(
                input: input, weight: weight, gradient: upstream, stride: stride, padding: padding,
                needsInput: true, needsWeight: true, kernels: kernels)
            let inputGradient = try #require(dx)
            let weightGradient = try #require(dw)
            #expect(inputGradient.shape == input.shape && weightGradient.shape == weight.shape)
            expectClose(
                inputGradient.scalars.map(Double.init), direct.inputGradient(upstream), relative: 1e-4,
                absolute: 1e-5)
            expectClose(
                weightGradient.scalars.map(Double.init), direct.weightGradient(upstream), relative: 1e-4,
                absolute: 1e-5)
            expectClose(db.scalars.map(Double.init), expectedBias, relative: 1e-4, absolute: 1e-5)
        }
    }

    @Test(arguments: khruKernels)
    func twoThreadsGiveTheSameBitsAsOne(_ kernels: ConvolutionKernels) throws {
        // Big enough that every GEMM splits across two threads (over 2^20 multiply-adds), with tiles
        // crossing image boundaries. The split is by output tiles, never by depth, so the bits must be
        // identical; the one-thread results are checked against the definition above on smaller shapes.
        let input = fixture([8, 19, 16, 16], seed: 700)
        let weight = fixture([37, 19, 3, 3], seed: 701)
        for stride in [1, 2] {
            let size = (16 + 2 - 3) / stride + 1
            let upstream = fixture([8, 37, size, size], seed: 702)
            var results: [[Float]] = []
            for threads in [1, 2] {
                try BLAS.withKernelThreads(threads) {
                    let output = input.conv2d(
                        weight: weight, bias: nil, stride: stride, padding: 1, kernels: kernels)
                    let (dx, dw, _) = Tensor.conv2dBackward(
                        input: input, weight: weight, gradient: upstream, stride: stride, padding: 1,
                        needsInput: true, needsWeight: true, kernels: kernels)
                    results.append(output.scalars + (try #require(dx)).scalars + (try #require(dw)).scalars)
                }
            }
            #expect(results[0] == results[1])
        }
    }

    @Test(arguments: khruKernels)
    func twoThreadsGiveTheSameBitsAsOneForTheStem(_ kernels: ConvolutionKernels) throws {
        // The 7×7 stride-2 stem: direct forward, phase-plane weight gradient, col2im input gradient.
        let input = fixture([8, 3, 32, 32], seed: 710)
        let weight = fixture([16, 3, 7, 7], seed: 711)
        let upstream = fixture([8, 16, 16, 16], seed: 712)
        var results: [[Float]] = []
        for threads in [1, 2, 1] {
            try BLAS.withKernelThreads(threads) {
                let output = input.conv2d(weight: weight, bias: nil, stride: 2, padding: 3, kernels: kernels)
                let (dx, dw, _) = Tensor.conv2dBackward(
                    input: input, weight: weight, gradient: upstream, stride: 2, padding: 3, needsInput: true,
                    needsWeight: true, kernels: kernels)
                results.append(output.scalars + (try #require(dx)).scalars + (try #require(dw)).scalars)
            }
        }
        #expect(results[0] == results[1] && results[0] == results[2])
    }
}

@Suite struct InstructionSetTests {
    @Test func aCapNeverRaisesTheCPUsLevel() {
        #expect(InstructionSet.resolve(requested: "avx2", cpu: .avx512) == .avx2)
        #expect(InstructionSet.resolve(requested: "AVX-512", cpu: .avx512) == .avx512)
        #expect(InstructionSet.resolve(requested: "generic", cpu: .avx2) == .generic)
        #expect(InstructionSet.resolve(requested: "avx512", cpu: .avx2) == .avx2)
        #expect(InstructionSet.resolve(requested: "avx512", cpu: .generic) == .generic)
        #expect(InstructionSet.resolve(requested: nil, cpu: .avx2) == .avx2)
        #expect(InstructionSet.resolve(requested: "", cpu: .avx512) == .avx512)
        // An unknown value warns (on standard error) and leaves the CPU's level.
        #expect(InstructionSet.resolve(requested: "sse9", cpu: .avx2) == .avx2)
    }

    @Test func theKernelsFollowTheInstructionSet() {
        #expect(ConvolutionKernels.kernels(for: .avx512) == .avx512)
        #expect(ConvolutionKernels.kernels(for: .avx2) == .avx2)
        #expect(ConvolutionKernels.kernels(for: .generic) == .blas)
        #expect(ConvolutionKernels.supported.first == ConvolutionKernels.kernels(for: InstructionSet.cpu))
        #expect(ConvolutionKernels.supported.last == .blas)
        #expect(InstructionSet.current <= InstructionSet.cpu)
    }

    #if os(Linux) && arch(x86_64)
        @Test func theCPUIDLevelAgreesWithTheKernelsFlags() throws {
            // Linux lists the same CPUID bits (those the kernel and its XSAVE setup allow) in
            // /proc/cpuinfo: an independent reading of what the CPU offers.
            let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let line = try #require(info.split(separator: "\n").first { $0.hasPrefix("flags") })
            let flags = Set(line.split(separator: " ").map(String.init))
            let avx2 = ["avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "abm", "movbe", "popcnt"]
            let avx512 = ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]
            let expected: InstructionSet =
                avx2.allSatisfy(flags.contains)
                ? (avx512.allSatisfy(flags.contains) ? .avx512 : .avx2) : .generic
            #expect(InstructionSet.cpu == expected)
        }
    #endif
}
