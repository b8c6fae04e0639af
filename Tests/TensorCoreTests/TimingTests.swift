import Foundation
import Testing

@testable import TensorCore

/// The best wall-clock seconds of `reps` runs of `body`.
private func bestSeconds(reps: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<reps {
        let start = Date()
        try body()
        best = min(best, Date().timeIntervalSince(start))
    }
    return best
}

/// Timings of TensorCore's hot paths (run with KHRU_TIMING=1; prints, asserts nothing).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KHRU_TIMING"] != nil))
struct TimingTests {
    @Test func matmulTiming() throws {
        let generator = Generator(seed: 1)
        let n = 512
        let a = Tensor.normal([n, n], generator: generator)
        let b = Tensor.normal([n, n], generator: generator)
        let inner = 20
        let khru = try bestSeconds {
            for _ in 0..<inner { _ = try a.matmul(b) }
        }
        let c = Tensor.zeros([n, n])
        let raw = bestSeconds {
            for _ in 0..<inner {
                sgemm(
                    transposeA: false, transposeB: false, m: n, n: n, k: n, a: a.storage.pointer, lda: n,
                    b: b.storage.pointer, ldb: n, c: c.storage.pointer, ldc: n)
            }
        }
        let flops = 2 * Double(n * n * n) * Double(inner)
        print(
            "TIMING: matmul 512: khru \(flops / khru / 1e9) GFLOP/s, raw sgemm \(flops / raw / 1e9) GFLOP/s")
    }

    @Test func convTiming() {
        let generator = Generator(seed: 2)
        let x = Parameter(Tensor.normal([64, 32, 28, 28], generator: generator))
        let w = Parameter(Tensor.normal([32, 32, 3, 3], std: 0.1, generator: generator))
        let b = Parameter(Tensor.zeros([32]))
        let upstream = Tensor.normal([64, 32, 28, 28], generator: generator)
        let iterations = 5
        let seconds = bestSeconds {
            for _ in 0..<iterations {
                for parameter in [x, w, b] { parameter.zeroGrad() }
                x.variable.conv2d(weight: w.variable, bias: b.variable, padding: 1).backward(
                    gradient: upstream)
            }
        }
        let flops = 3 * 2.0 * 64 * 32 * 32 * 9 * 28 * 28 * Double(iterations)
        print(
            "TIMING: conv 64x32x28x28 k3 fwd+bwd: \(seconds / Double(iterations) * 1e3) ms, "
                + "\(flops / seconds / 1e9) GFLOP/s")
    }

    @Test func elementwiseTiming() throws {
        let generator = Generator(seed: 3)
        let a = Tensor.normal([64, 256], generator: generator)
        let row = Tensor.normal([256], generator: generator)
        let inner = 2000
        let same = try bestSeconds {
            for _ in 0..<inner { _ = try a + a }
        }
        let broadcast = try bestSeconds {
            for _ in 0..<inner { _ = try a + row }
        }
        let relu = bestSeconds {
            for _ in 0..<inner { _ = a.relu() }
        }
        let reduce = bestSeconds {
            for _ in 0..<inner { _ = a.sum(axis: 0) }
        }
        print(
            "TIMING: [64,256] µs/op: same-shape add \(same / Double(inner) * 1e6), row add "
                + "\(broadcast / Double(inner) * 1e6), relu \(relu / Double(inner) * 1e6), "
                + "sum(axis: 0) \(reduce / Double(inner) * 1e6)")
    }
}
