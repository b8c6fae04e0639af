import TensorCore

/// `matmul`: GFLOPS of Khru's `Tensor.matmul` against a raw `cblas_sgemm` call on the same matrices.
func benchMatmul(_ options: BenchOptions) throws {
    var generator = SplitMix64(seed: 42)
    for n in [64, 128, 256, 512, 1024] {
        let a = randomFloats(n * n, using: &generator)
        let b = randomFloats(n * n, using: &generator)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        // Enough calls per timing to last ~0.1 s at 100 GFLOPS.
        let inner = max(1, Int(1e10 / flops))

        var c = [Float](repeating: 0, count: n * n)
        rawSgemm(a, b, into: &c, n: n)
        let sgemm = bestSeconds(reps: options.reps) {
            for _ in 0..<inner { rawSgemm(a, b, into: &c, n: n) }
        }

        let x = Tensor(shape: [n, n], scalars: a)
        let y = Tensor(shape: [n, n], scalars: b)
        var product = try x.matmul(y)
        let khru = try bestSeconds(reps: options.reps) {
            for _ in 0..<inner { product = try x.matmul(y) }
        }
        precondition(product.scalars == c, "Tensor.matmul and cblas_sgemm disagree at n = \(n)")

        let khruGFLOPS = flops * Double(inner) / khru / 1e9
        let sgemmGFLOPS = flops * Double(inner) / sgemm / 1e9
        emit(
            "matmul", "\(n)",
            [
                "seconds": khru / Double(inner), "khru_gflops": khruGFLOPS, "sgemm_gflops": sgemmGFLOPS,
                "ratio": khruGFLOPS / sgemmGFLOPS,
            ])
    }
}
