/// `matmul`: GFLOPS of Khru's `Tensor.matmul` against a raw `cblas_sgemm` call on the same matrices.
func benchMatmul(_ options: BenchOptions) {
    var generator = SplitMix64(seed: 42)
    for n in [64, 128, 256, 512, 1024] {
        let a = generator.floats(n * n)
        let b = generator.floats(n * n)
        let flops = 2 * Double(n) * Double(n) * Double(n)
        // Enough calls per timing to last ~0.1 s at 100 GFLOPS.
        let inner = max(1, Int(1e10 / flops))
        var c = [Float](repeating: 0, count: n * n)
        rawSgemm(a, b, into: &c, n: n)
        let sgemm = bestSeconds(reps: options.reps) {
            for _ in 0..<inner { rawSgemm(a, b, into: &c, n: n) }
        }
        let sgemmGFLOPS = flops * Double(inner) / sgemm / 1e9
        guard let khru = khruMatmulSeconds(a, b, n: n, inner: inner, reps: options.reps) else {
            emit("matmul", "\(n)", ["sgemm_gflops": sgemmGFLOPS, "sgemm_seconds": sgemm / Double(inner)])
            continue
        }
        let khruGFLOPS = flops * Double(inner) / khru / 1e9
        emit(
            "matmul", "\(n)",
            [
                "seconds": khru / Double(inner), "khru_gflops": khruGFLOPS, "sgemm_gflops": sgemmGFLOPS,
                "ratio": khruGFLOPS / sgemmGFLOPS,
            ])
    }
}

/// Best seconds for `inner` calls of `Tensor.matmul`; nil while TensorCore's API is not merged.
private func khruMatmulSeconds(_ a: [Float], _ b: [Float], n: Int, inner: Int, reps: Int) -> Double? {
    // TODO: merge the `tensor` branch ("TensorCore API ready:") and time `Tensor.matmul` here.
    nil
}
