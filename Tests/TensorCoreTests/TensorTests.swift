import Foundation
import Testing
import _TestSupport

@testable import TensorCore

private func doubles(_ tensor: Tensor) -> [Double] { tensor.scalars.map(Double.init) }

@Suite struct CreationTests {
    @Test func constructors() throws {
        #expect(Tensor.zeros([2, 3]).scalars == [0, 0, 0, 0, 0, 0])
        #expect(Tensor.ones([2]).scalars == [1, 1])
        #expect(Tensor.full([2, 2], value: 7).scalars == [7, 7, 7, 7])
        #expect(Tensor(3).shape == [] && Tensor(3).scalar == 3)
        #expect(try Tensor(rows: [[1, 2], [3, 4]]).shape == [2, 2])
        #expect(Tensor.arange(4).scalars == [0, 1, 2, 3])
        #expect(Tensor.arange(from: 1, to: 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.linspace(from: 0, to: 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.eye(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor.oneHot([2, 0], classCount: 3).scalars == [0, 0, 1, 1, 0, 0])
    }

    /// PyTorch's `tensor([c1, c2])` of one-element tensors is a vector; equal tensors stack; `sum(dim:)`
    /// and `mean(dim:)` are `sum(axis:)` and `mean(axis:)` under PyTorch's names.
    @Test func tensorsOfTensorsAndPyTorchsReductionNames() throws {
        let ctr = Tensor([3, 4, 5] as [Float])
        let c1 = try ctr[0] * 2
        let c2 = try ctr[1] * 2 + 1
        let vector = try Tensor([c1, c2])
        #expect(vector.shape == [2] && vector.scalars == [6, 9])
        let stacked = try Tensor([ctr, ctr * 2])
        #expect(stacked.shape == [2, 3] && stacked.scalars == [3, 4, 5, 6, 8, 10])
        #expect(throws: TensorError.self) { try Tensor([ctr, Tensor([1, 2] as [Float])]) }
        #expect(throws: TensorError.self) { try Tensor([Tensor]()) }
        let m = try Tensor(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(m.sum(dim: 1, keepdim: true) == m.sum(axis: 1, keepDims: true))
        #expect(m.sum(dim: 1).scalars == [6, 15])
        #expect(m.mean(dim: 0).scalars == [2.5, 3.5, 4.5])
        var v = Parameter(m).variable
        let total = v.sum(dim: 1, keepdim: true)
        #expect(total.shape == [2, 1] && total.value.scalars == [6, 15])
        #expect(v.mean(dim: -1).value.scalars == [2, 5])
        v += Variable(m)
        #expect(v.value.scalars == [2, 4, 6, 8, 10, 12])
        v -= Variable(m)
        #expect(v.value == m)
    }

    @Test func copyOnWrite() throws {
        var a = Tensor([1, 2, 3])
        var b = a
        let sharedBefore = a.isUniquelyReferenced()
        #expect(!sharedBefore)
        b[element: [1]] = 20
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [1, 20, 3])
        let uniqueAfter = a.isUniquelyReferenced() && b.isUniquelyReferenced()
        #expect(uniqueAfter)
        // A reshape shares the buffer until one side writes.
        var c = try a.reshaped([3, 1])
        c[element: [0, 0]] = -1
        #expect(a.scalars == [1, 2, 3] && c.scalars == [-1, 2, 3])
        // In-place arithmetic on a unique buffer does not copy it.
        var d = Tensor([1, 2])
        d += Tensor([1, 1])
        #expect(d.scalars == [2, 3])
        var e = d
        e *= 2
        #expect(d.scalars == [2, 3] && e.scalars == [4, 6])
    }
}

@Suite struct ElementwiseTests {
    @Test func broadcastingFastPathsAndGeneralCase() throws {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(try (matrix + Tensor([10, 20, 30])).scalars == [11, 22, 33, 14, 25, 36])
        #expect(try (matrix * Tensor(shape: [2, 1], scalars: [1, -1])).scalars == [1, 2, 3, -4, -5, -6])
        #expect(try (Tensor(shape: [2, 1], scalars: [1, 2]) + Tensor([10, 20, 30])).shape == [2, 3])
        #expect(
            try (Tensor(shape: [2, 1], scalars: [1, 2]) + Tensor([10, 20, 30])).scalars == [
                11, 21, 31, 12, 22, 32,
            ])
        #expect((matrix - 1).scalars == [0, 1, 2, 3, 4, 5])
        #expect((12 / matrix).scalars == [12, 6, 4, 3, 2.4, 2])
        #expect(try (Tensor(2) * matrix).scalars == [2, 4, 6, 8, 10, 12])
        // [2, 1, 3] with [4, 1]: general odometer path, checked against an explicit loop.
        let a = fixture([2, 1, 3], seed: 3)
        let b = fixture([4, 1], seed: 4)
        let sum = try a - b
        #expect(sum.shape == [2, 4, 3])
        for i in 0..<2 {
            for j in 0..<4 {
                for k in 0..<3 {
                    #expect(sum[element: [i, j, k]] == a[element: [i, 0, k]] - b[element: [j, 0]])
                }
            }
        }
        #expect(broadcastShape([5, 1, 4], [3, 1]) == [5, 3, 4])
    }

    @Test func comparisonMasks() {
        let x = Tensor([1, 2, 3])
        #expect((x .> 1.5).scalars == [0, 1, 1])
        #expect((x .== Tensor([1, 0, 3])).scalars == [1, 0, 1])
        #expect((x .<= Tensor([2])).scalars == [1, 1, 0])
        #expect((x .!= 2).scalars == [1, 0, 1])
    }

    @Test func unaryFunctions() {
        let x = Tensor([-2, 0.5, 3])
        expectClose(doubles(x.exp()), [-2, 0.5, 3].map { Foundation.exp($0) }, relative: 1e-6)
        expectClose(doubles(x.sigmoid()), [-2, 0.5, 3].map { 1 / (1 + Foundation.exp(-$0)) }, relative: 1e-6)
        expectClose(doubles(x.tanh()), [-2, 0.5, 3].map { Foundation.tanh($0) }, relative: 1e-6)
        #expect(x.relu().scalars == [0, 0.5, 3])
        #expect(x.abs().scalars == [2, 0.5, 3])
        #expect(x.clamped(min: 0, max: 1).scalars == [0, 0.5, 1])
        #expect(Tensor([4, 9]).sqrt().scalars == [2, 3])
        expectClose(doubles(Tensor([2, 3]).pow(3)), [8, 27], relative: 1e-6)
        expectClose(doubles(Tensor([1, Float(M_E)]).log()), [0, 1], relative: 1e-6, absolute: 1e-7)
        #expect(Tensor([-1000, 1000]).sigmoid().scalars == [0, 1])
    }
}

@Suite struct ReductionTests {
    let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])

    @Test func sumsAndMeans() throws {
        #expect(x.sum().scalar == 21)
        #expect(x.sum(axis: 0).scalars == [5, 7, 9])
        #expect(x.sum(axis: 1, keepDims: true).shape == [2, 1])
        #expect(x.sum(axis: -1).scalars == [9, 12])
        #expect(x.mean().scalar == 3.5)
        #expect(x.mean(axis: 0).scalars == [2.5, 3.5, 4.5])
        let cube = try Tensor.arange(24).reshaped([2, 3, 4])
        #expect(cube.sum(axes: [0, 2]).scalars == [60, 92, 124])
        #expect(cube.sum(axes: [0, 2], keepDims: true).shape == [1, 3, 1])
        #expect(cube.mean(axes: [1, 2]).scalars == [5.5, 17.5])
        #expect(Tensor.ones([3, 2, 4]).summed(toShape: [2, 1]).scalars == [12, 12])
        #expect(Tensor.ones([3, 4]).summed(toShape: [4]).scalars == [3, 3, 3, 3])
    }

    @Test func extremes() throws {
        #expect(try x.max().scalar == 6 && x.min().scalar == 1)
        #expect(x.max(axis: 1).scalars == [5, 6])
        #expect(x.min(axis: 0).scalars == [1, 2, 3])
        #expect(x.argmax(axis: 1).scalars == [1, 2])
        #expect(x.argmin(axis: 1, keepDims: true).shape == [2, 1])
        #expect(x.argmaxIndex() == 5)
        #expect(Tensor([3, 3, 1]).argmax(axis: 0).scalars == [0])
    }

    @Test func softmaxIsStableAndNormalized() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000])
        let p = logits.softmax()
        let e: [Double] = [Foundation.exp(1), Foundation.exp(2), Foundation.exp(3)]
        let total: Double = e[0] + e[1] + e[2]
        let third: Double = 1.0 / 3
        let expected: [Double] = [e[0] / total, e[1] / total, e[2] / total, third, third, third]
        expectClose(doubles(p), expected, relative: 1e-6)
        let expectedLog: [Double] = expected.map { Foundation.log($0) }
        expectClose(doubles(logits.logSoftmax()), expectedLog, relative: 1e-5)
        let expectedLSE: [Double] = [Foundation.log(total), 1000 + Foundation.log(3.0)]
        expectClose(doubles(logits.logSumExp()), expectedLSE, relative: 1e-6)
        // Along axis 0.
        #expect(Tensor(shape: [2, 1], scalars: [0, 0]).softmax(axis: 0).scalars == [0.5, 0.5])
    }
}

@Suite struct ShapeTests {
    @Test func reshapePermuteTranspose() throws {
        let x = try Tensor.arange(6).reshaped([2, -1])
        #expect(x.shape == [2, 3])
        #expect(x.transposed().scalars == [0, 3, 1, 4, 2, 5])
        let cube = try Tensor.arange(24).reshaped([2, 3, 4])
        let permuted = cube.permuted([2, 0, 1])
        #expect(permuted.shape == [4, 2, 3])
        #expect(permuted[element: [3, 1, 2]] == cube[element: [1, 2, 3]])
        #expect(cube.flattened().shape == [2, 12])
        #expect(x.expandingShape(at: 1).shape == [2, 1, 3])
        #expect(x.expandingShape(at: 1).squeezingShape(at: 1).shape == [2, 3])
    }

    @Test func concatStackSlice() throws {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 1], scalars: [5, 6])
        #expect(Tensor.concat([a, b], axis: 1).scalars == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concat([a, a], axis: 0).shape == [4, 2])
        #expect(Tensor.stack([a, a], axis: 1).shape == [2, 2, 2])
        #expect(Tensor.stack([a, a], axis: 1).scalars == [1, 2, 1, 2, 3, 4, 3, 4])
        #expect(try a[1].scalars == [3, 4])
        #expect(a.slice(axis: 1, 1..<2).scalars == [2, 4])
        var c = Tensor.zeros([3, 2])
        c[1..<2] = Tensor(shape: [1, 2], scalars: [7, 8])
        c[2..<3] = Tensor(shape: [1, 2], scalars: [9, 9])
        #expect(c.scalars == [0, 0, 7, 8, 9, 9])
    }

    @Test func gatherAndScatterAdd() throws {
        let table = try Tensor.arange(8).reshaped([4, 2])
        let rows = table.gather([3, 0, 3])
        #expect(rows.scalars == [6, 7, 0, 1, 6, 7])
        #expect(table.gather(Tensor(shape: [1, 2], scalars: [1, 2])).shape == [1, 2, 2])
        let scattered = Tensor.scatterAdd(Tensor.ones([3, 2]), rows: [3, 0, 3], rowCount: 4)
        #expect(scattered.scalars == [1, 1, 0, 0, 0, 0, 2, 2])
        #expect(table.pickingColumns([1, 0, 1, 0]).scalars == [1, 2, 5, 6])
    }
}

@Suite struct LinearAlgebraTests {
    /// A naive triple loop in Double: `op(a)·op(b)` for rank-2 operands.
    func naive(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Double] {
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1]
        var result = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k {
                    let x = transposeA ? a[element: [p, i]] : a[element: [i, p]]
                    let y = transposeB ? b[element: [j, p]] : b[element: [p, j]]
                    result[i * n + j] += Double(x) * Double(y)
                }
            }
        }
        return result
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulMatchesNaiveTripleLoop(transposeA: Bool, transposeB: Bool) {
        let a = fixture(transposeA ? [7, 5] : [5, 7], seed: 1)
        let b = fixture(transposeB ? [3, 7] : [7, 3], seed: 2)
        let c = matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == [5, 3])
        expectClose(
            doubles(c), naive(a, b, transposeA: transposeA, transposeB: transposeB), relative: 1e-5,
            absolute: 1e-6)
    }

    @Test func batchedMatmul() throws {
        let a = fixture([2, 3, 4], seed: 5)
        let b = fixture([2, 4, 2], seed: 6)
        let shared = fixture([4, 2], seed: 7)
        let c = matmul(a, b)
        let d = matmul(a, shared)
        #expect(c.shape == [2, 3, 2] && d.shape == [2, 3, 2])
        for batch in 0..<2 {
            expectClose(
                try doubles(c[batch]), try naive(a[batch], b[batch], transposeA: false, transposeB: false),
                relative: 1e-5)
            expectClose(
                try doubles(d[batch]), try naive(a[batch], shared, transposeA: false, transposeB: false),
                relative: 1e-5)
        }
        let e = matmul(a, fixture([2, 2, 3], seed: 8), transposeA: true, transposeB: true)
        #expect(e.shape == [2, 4, 2])
    }

    @Test func kernelThreadsAreScopedToTheTask() async {
        // Without touching OpenBLAS's process-wide count, which tests running beside this one rely on.
        let before = BLAS.threadCount
        let inside = BLAS.withKernelThreads(before + 1) { BLAS.threadCount }
        #expect(inside == before + 1)
        #expect(BLAS.threadCount == before)
        let other = await Task.detached { BLAS.threadCount }.value
        #expect(other == before)
        let nested = BLAS.withKernelThreads(1) { BLAS.withKernelThreads(3) { BLAS.threadCount } }
        #expect(nested == 3)
    }
}

@Suite struct VectorizedKernelTests {
    @Test func longRowsMatchDoubleLoops() throws {
        let x = fixture([3, 37], seed: 9, low: -5, high: 5)
        let sums = x.sum(axis: 1)
        let softmax = x.softmax()
        let logSoftmax = x.logSoftmax()
        for row in 0..<3 {
            let values = (0..<37).map { Double(x[element: [row, $0]]) }
            #expect(isClose(Double(sums[element: [row]]), values.reduce(0, +), relative: 1e-5))
            let largest = values.max() ?? 0
            #expect(Double(x.max(axis: 1)[element: [row]]) == largest)
            let total = values.map { Foundation.exp($0 - largest) }.reduce(0, +)
            let expected = values.map { Foundation.exp($0 - largest) / total }
            expectClose((0..<37).map { Double(softmax[element: [row, $0]]) }, expected, relative: 1e-5)
            let expectedLog = values.map { $0 - largest - Foundation.log(total) }
            expectClose((0..<37).map { Double(logSoftmax[element: [row, $0]]) }, expectedLog, relative: 1e-5)
        }
        let whole = x.scalars.map(Double.init)
        #expect(isClose(Double(x.sum().scalar), whole.reduce(0, +), relative: 1e-5))
        #expect(try Double(x.max().scalar) == whole.max())
        let long = Tensor.arange(5000)
        #expect(long.sum().scalar == 12_497_500)
    }

    @Test func convolutionMatchesADirectLoop() {
        let input = fixture([2, 3, 6, 7], seed: 10)
        let weight = fixture([4, 3, 3, 2], seed: 11)
        let bias = fixture([4], seed: 12)
        for (stride, padding) in [(1, 0), (2, 1), (3, 2)] {
            let output = input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
            let oh = (6 + 2 * padding - 3) / stride + 1
            let ow = (7 + 2 * padding - 2) / stride + 1
            #expect(output.shape == [2, 4, oh, ow])
            var expected: [Double] = []
            for n in 0..<2 {
                for o in 0..<4 {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var total = Double(bias[element: [o]])
                            for c in 0..<3 {
                                for ky in 0..<3 {
                                    for kx in 0..<2 {
                                        let y = oy * stride - padding + ky
                                        let x = ox * stride - padding + kx
                                        guard y >= 0, y < 6, x >= 0, x < 7 else { continue }
                                        total +=
                                            Double(input[element: [n, c, y, x]])
                                            * Double(weight[element: [o, c, ky, kx]])
                                    }
                                }
                            }
                            expected.append(total)
                        }
                    }
                }
            }
            expectClose(output.scalars.map(Double.init), expected, relative: 1e-4, absolute: 1e-5)
        }
    }

    @Test func poolingValues() throws {
        let x = try Tensor.arange(16).reshaped([1, 1, 4, 4])
        #expect(x.maxPool2d(kernelSize: 2).scalars == [5, 7, 13, 15])
        #expect(x.avgPool2d(kernelSize: 2).scalars == [2.5, 4.5, 10.5, 12.5])
        // Padding: max ignores it, average counts it as zeros (count_include_pad).
        #expect(x.maxPool2d(kernelSize: 3, stride: 2, padding: 1).scalars == [5, 7, 13, 15])
        let padded: [Double] = [10, 24, 51, 90].map { $0 / 9 }
        expectClose(
            x.avgPool2d(kernelSize: 3, stride: 2, padding: 1).scalars.map(Double.init), padded, relative: 1e-6
        )
        // Adaptive 4 → 3 uses windows [0,2), [1,3), [2,4).
        #expect(
            x.adaptiveAvgPool2d(outputSize: 3).scalars == [2.5, 3.5, 4.5, 6.5, 7.5, 8.5, 10.5, 11.5, 12.5])
        #expect(x.adaptiveMaxPool2d(outputSize: 1).scalars == [15])
        #expect(x.adaptiveAvgPool2d(outputHeight: 1, outputWidth: 2).scalars == [6.5, 8.5])
    }
}

@Suite struct StatisticsTests {
    @Test func varianceAndStandardDeviation() {
        let x = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, 2, 4, 6, 8])
        #expect(x.variance(axes: [1]).scalars == [1.25, 5])
        expectClose(
            x.variance(axes: [1], unbiased: true).scalars.map(Double.init), [5.0 / 3, 20.0 / 3],
            relative: 1e-6)
        #expect(x.variance(axes: [0], keepDims: true).shape == [1, 4])
        expectClose(
            [Double(x.standardDeviation().scalar)], [(150.0 / 8 - 3.75 * 3.75).squareRoot()], relative: 1e-6)
    }
}

@Suite struct RowRangeTests {
    /// Rows 0…5 of a [6, 2] tensor hold 10·row and 10·row + 1, so every slice is known by hand.
    private let t = Tensor(
        shape: [6, 2],
        scalars: (0..<6).flatMap { (row: Int) -> [Float] in [Float(row * 10), Float(row * 10 + 1)] })

    @Test func partialRangesTakeRowsAsPyTorchSlicesDo() throws {
        // t[:2] and t[4:] in PyTorch.
        #expect(try t[..<2].scalars == [0, 1, 10, 11])
        #expect(try t[..<2].shape == [2, 2])
        #expect(try t[4...].scalars == [40, 41, 50, 51])
        #expect(try t[4...].shape == [2, 2])
        #expect(t[2..<4].scalars == [20, 21, 30, 31])
        #expect(try t[..<0].shape == [0, 2])
        #expect(try t[6...].shape == [0, 2])
        #expect(try t[0...] == t)
    }

    @Test func partialRangesPastTheRowsThrow() {
        #expect { try t[..<7] } throws: { ($0 as? TensorError)?.kind == .outOfRange }
        #expect { try t[7...] } throws: { ($0 as? TensorError)?.kind == .outOfRange }
        #expect { try t[(-1)...] } throws: { ($0 as? TensorError)?.kind == .outOfRange }
        #expect { try Tensor(3)[..<1] } throws: { ($0 as? TensorError)?.kind == .outOfRange }
    }
}
