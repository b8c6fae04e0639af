// Written out by a few lines of Python (see the commit that added this file): one unrolled 12×32 tile,
// so that the 24 accumulators stay in zmm registers. Change the pattern, not single lines.

// The loads and stores live in this file so that they inline without whole-module optimization
// (debug builds compile file by file).

@inline(__always)
private func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always)
private func store(_ vector: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD16<Float>.self)
}

/// The 12×32 micro-kernel: `c[0..<12, 0..<32] = a·b` (or `+=` when `accumulate`) over `depth`
/// steps of a packed 12-row left panel `a` (`depth × 12`) and a packed 32-column right panel `b`
/// (`depth × 32`); `c` has row stride `ldc`.
@inline(never)
func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
) {
    var c0l = SIMD16<Float>()
    var c0h = SIMD16<Float>()
    var c1l = SIMD16<Float>()
    var c1h = SIMD16<Float>()
    var c2l = SIMD16<Float>()
    var c2h = SIMD16<Float>()
    var c3l = SIMD16<Float>()
    var c3h = SIMD16<Float>()
    var c4l = SIMD16<Float>()
    var c4h = SIMD16<Float>()
    var c5l = SIMD16<Float>()
    var c5h = SIMD16<Float>()
    var c6l = SIMD16<Float>()
    var c6h = SIMD16<Float>()
    var c7l = SIMD16<Float>()
    var c7h = SIMD16<Float>()
    var c8l = SIMD16<Float>()
    var c8h = SIMD16<Float>()
    var c9l = SIMD16<Float>()
    var c9h = SIMD16<Float>()
    var c10l = SIMD16<Float>()
    var c10h = SIMD16<Float>()
    var c11l = SIMD16<Float>()
    var c11h = SIMD16<Float>()
    var pa = a
    var pb = b
    for _ in 0..<depth {
        let bl = load(pb)
        let bh = load(pb + 16)
        let a0 = SIMD16<Float>(repeating: pa[0])
        c0l.addProduct(a0, bl)
        c0h.addProduct(a0, bh)
        let a1 = SIMD16<Float>(repeating: pa[1])
        c1l.addProduct(a1, bl)
        c1h.addProduct(a1, bh)
        let a2 = SIMD16<Float>(repeating: pa[2])
        c2l.addProduct(a2, bl)
        c2h.addProduct(a2, bh)
        let a3 = SIMD16<Float>(repeating: pa[3])
        c3l.addProduct(a3, bl)
        c3h.addProduct(a3, bh)
        let a4 = SIMD16<Float>(repeating: pa[4])
        c4l.addProduct(a4, bl)
        c4h.addProduct(a4, bh)
        let a5 = SIMD16<Float>(repeating: pa[5])
        c5l.addProduct(a5, bl)
        c5h.addProduct(a5, bh)
        let a6 = SIMD16<Float>(repeating: pa[6])
        c6l.addProduct(a6, bl)
        c6h.addProduct(a6, bh)
        let a7 = SIMD16<Float>(repeating: pa[7])
        c7l.addProduct(a7, bl)
        c7h.addProduct(a7, bh)
        let a8 = SIMD16<Float>(repeating: pa[8])
        c8l.addProduct(a8, bl)
        c8h.addProduct(a8, bh)
        let a9 = SIMD16<Float>(repeating: pa[9])
        c9l.addProduct(a9, bl)
        c9h.addProduct(a9, bh)
        let a10 = SIMD16<Float>(repeating: pa[10])
        c10l.addProduct(a10, bl)
        c10h.addProduct(a10, bh)
        let a11 = SIMD16<Float>(repeating: pa[11])
        c11l.addProduct(a11, bl)
        c11h.addProduct(a11, bh)
        pa += 12
        pb += 32
    }
    if accumulate {
        c0l += load(c + 0 * ldc)
        c0h += load(c + 0 * ldc + 16)
        c1l += load(c + 1 * ldc)
        c1h += load(c + 1 * ldc + 16)
        c2l += load(c + 2 * ldc)
        c2h += load(c + 2 * ldc + 16)
        c3l += load(c + 3 * ldc)
        c3h += load(c + 3 * ldc + 16)
        c4l += load(c + 4 * ldc)
        c4h += load(c + 4 * ldc + 16)
        c5l += load(c + 5 * ldc)
        c5h += load(c + 5 * ldc + 16)
        c6l += load(c + 6 * ldc)
        c6h += load(c + 6 * ldc + 16)
        c7l += load(c + 7 * ldc)
        c7h += load(c + 7 * ldc + 16)
        c8l += load(c + 8 * ldc)
        c8h += load(c + 8 * ldc + 16)
        c9l += load(c + 9 * ldc)
        c9h += load(c + 9 * ldc + 16)
        c10l += load(c + 10 * ldc)
        c10h += load(c + 10 * ldc + 16)
        c11l += load(c + 11 * ldc)
        c11h += load(c + 11 * ldc + 16)
    }
    store(c0l, c + 0 * ldc)
    store(c0h, c + 0 * ldc + 16)
    store(c1l, c + 1 * ldc)
    store(c1h, c + 1 * ldc + 16)
    store(c2l, c + 2 * ldc)
    store(c2h, c + 2 * ldc + 16)
    store(c3l, c + 3 * ldc)
    store(c3h, c + 3 * ldc + 16)
    store(c4l, c + 4 * ldc)
    store(c4h, c + 4 * ldc + 16)
    store(c5l, c + 5 * ldc)
    store(c5h, c + 5 * ldc + 16)
    store(c6l, c + 6 * ldc)
    store(c6h, c + 6 * ldc + 16)
    store(c7l, c + 7 * ldc)
    store(c7h, c + 7 * ldc + 16)
    store(c8l, c + 8 * ldc)
    store(c8h, c + 8 * ldc + 16)
    store(c9l, c + 9 * ldc)
    store(c9h, c + 9 * ldc + 16)
    store(c10l, c + 10 * ldc)
    store(c10h, c + 10 * ldc + 16)
    store(c11l, c + 11 * ldc)
    store(c11h, c + 11 * ldc + 16)
}
