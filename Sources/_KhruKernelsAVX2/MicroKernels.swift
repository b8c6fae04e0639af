// Written by Sources/KhruKernelSources/micro_kernels.py: unrolled tiles, so that the accumulators stay
// in registers. Change the generator, not single lines.

// The loads and stores live in this file so that they inline without whole-module optimization
// (debug builds compile file by file).

/// The vector of the kernels: 8 floats, one ymm register.
typealias KernelVector = SIMD8<Float>
/// Rows of a packed-GEMM micro-tile (broadcast from the left operand).
let tileRows = 4
/// Columns of a packed-GEMM micro-tile (3 vectors of the right operand).
let tileColumns = 24
/// Rows (output channels) of a shifted micro-tile.
let shiftedRows = 4
/// Columns (padded positions) of a shifted micro-tile.
let shiftedColumns = 24
/// Left rows of the dot-product micro-kernel.
let dotRows = 2
/// Right rows of the dot-product micro-kernel.
let dotColumns = 6
/// The most positions computed per kept one for which the forward pass uses the shifted kernel
/// (``ConvolutionShape/prefersShifted``).
let shiftedForwardLimit = 2.0

@inline(__always)
private func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ vector: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD8<Float>.self)
}

/// The 4×24 micro-kernel: `c[0..<4, 0..<24] = a·b` (or `+=` when `accumulate`) over `depth`
/// steps of a packed 4-row left panel `a` (`depth × 4`) and a packed 24-column right panel `b`
/// (`depth × 24`); `c` has row stride `ldc`.
@inline(never)
func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool
) {
    var c0v0 = SIMD8<Float>()
    var c0v1 = SIMD8<Float>()
    var c0v2 = SIMD8<Float>()
    var c1v0 = SIMD8<Float>()
    var c1v1 = SIMD8<Float>()
    var c1v2 = SIMD8<Float>()
    var c2v0 = SIMD8<Float>()
    var c2v1 = SIMD8<Float>()
    var c2v2 = SIMD8<Float>()
    var c3v0 = SIMD8<Float>()
    var c3v1 = SIMD8<Float>()
    var c3v2 = SIMD8<Float>()
    var pa = a
    var pb = b
    for _ in 0..<depth {
        let b0 = load(pb + 0)
        let b1 = load(pb + 8)
        let b2 = load(pb + 16)
        let a0 = SIMD8<Float>(repeating: pa[0])
        c0v0.addProduct(a0, b0)
        c0v1.addProduct(a0, b1)
        c0v2.addProduct(a0, b2)
        let a1 = SIMD8<Float>(repeating: pa[1])
        c1v0.addProduct(a1, b0)
        c1v1.addProduct(a1, b1)
        c1v2.addProduct(a1, b2)
        let a2 = SIMD8<Float>(repeating: pa[2])
        c2v0.addProduct(a2, b0)
        c2v1.addProduct(a2, b1)
        c2v2.addProduct(a2, b2)
        let a3 = SIMD8<Float>(repeating: pa[3])
        c3v0.addProduct(a3, b0)
        c3v1.addProduct(a3, b1)
        c3v2.addProduct(a3, b2)
        pa += 4
        pb += 24
    }
    if accumulate {
        c0v0 += load(c + 0 * ldc + 0)
        c0v1 += load(c + 0 * ldc + 8)
        c0v2 += load(c + 0 * ldc + 16)
        c1v0 += load(c + 1 * ldc + 0)
        c1v1 += load(c + 1 * ldc + 8)
        c1v2 += load(c + 1 * ldc + 16)
        c2v0 += load(c + 2 * ldc + 0)
        c2v1 += load(c + 2 * ldc + 8)
        c2v2 += load(c + 2 * ldc + 16)
        c3v0 += load(c + 3 * ldc + 0)
        c3v1 += load(c + 3 * ldc + 8)
        c3v2 += load(c + 3 * ldc + 16)
    }
    store(c0v0, c + 0 * ldc + 0)
    store(c0v1, c + 0 * ldc + 8)
    store(c0v2, c + 0 * ldc + 16)
    store(c1v0, c + 1 * ldc + 0)
    store(c1v1, c + 1 * ldc + 8)
    store(c1v2, c + 1 * ldc + 16)
    store(c2v0, c + 2 * ldc + 0)
    store(c2v1, c + 2 * ldc + 8)
    store(c2v2, c + 2 * ldc + 16)
    store(c3v0, c + 3 * ldc + 0)
    store(c3v1, c + 3 * ldc + 8)
    store(c3v2, c + 3 * ldc + 16)
}

/// The 4×24 shifted micro-kernel: `c[i, 0..<24] = Σ_k a[k·4 + i] · b[offsets[k] + 0..<24]` for
/// rows `i < 4`: the right operand is read straight from a padded image at a per-step offset, unpacked.
@inline(never)
func shiftedKernel(
    depth: Int, a: UnsafePointer<Float>, offsets: UnsafePointer<Int>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    var c0v0 = SIMD8<Float>()
    var c0v1 = SIMD8<Float>()
    var c0v2 = SIMD8<Float>()
    var c1v0 = SIMD8<Float>()
    var c1v1 = SIMD8<Float>()
    var c1v2 = SIMD8<Float>()
    var c2v0 = SIMD8<Float>()
    var c2v1 = SIMD8<Float>()
    var c2v2 = SIMD8<Float>()
    var c3v0 = SIMD8<Float>()
    var c3v1 = SIMD8<Float>()
    var c3v2 = SIMD8<Float>()
    var pa = a
    for step in 0..<depth {
        let pb = b + offsets[step]
        let b0 = load(pb + 0)
        let b1 = load(pb + 8)
        let b2 = load(pb + 16)
        let a0 = SIMD8<Float>(repeating: pa[0])
        c0v0.addProduct(a0, b0)
        c0v1.addProduct(a0, b1)
        c0v2.addProduct(a0, b2)
        let a1 = SIMD8<Float>(repeating: pa[1])
        c1v0.addProduct(a1, b0)
        c1v1.addProduct(a1, b1)
        c1v2.addProduct(a1, b2)
        let a2 = SIMD8<Float>(repeating: pa[2])
        c2v0.addProduct(a2, b0)
        c2v1.addProduct(a2, b1)
        c2v2.addProduct(a2, b2)
        let a3 = SIMD8<Float>(repeating: pa[3])
        c3v0.addProduct(a3, b0)
        c3v1.addProduct(a3, b1)
        c3v2.addProduct(a3, b2)
        pa += 4
    }
    store(c0v0, c + 0 * ldc + 0)
    store(c0v1, c + 0 * ldc + 8)
    store(c0v2, c + 0 * ldc + 16)
    store(c1v0, c + 1 * ldc + 0)
    store(c1v1, c + 1 * ldc + 8)
    store(c1v2, c + 1 * ldc + 16)
    store(c2v0, c + 2 * ldc + 0)
    store(c2v1, c + 2 * ldc + 8)
    store(c2v2, c + 2 * ldc + 16)
    store(c3v0, c + 3 * ldc + 0)
    store(c3v1, c + 3 * ldc + 8)
    store(c3v2, c + 3 * ldc + 16)
}

/// The 2×6 dot-product micro-kernel: `sums[i·6 + j] = Σ_t left[i][t] · right[j][t]` over `count`
/// floats (a multiple of 16), for 2 left rows and 6 right rows given by their starts.
@inline(never)
func dotKernel(
    left: UnsafePointer<UnsafePointer<Float>>, right: UnsafePointer<UnsafePointer<Float>>, count: Int,
    sums: UnsafeMutablePointer<Float>
) {
    let l0 = left[0]
    let l1 = left[1]
    let r0 = right[0]
    let r1 = right[1]
    let r2 = right[2]
    let r3 = right[3]
    let r4 = right[4]
    let r5 = right[5]
    var s0r0 = SIMD8<Float>()
    var s0r1 = SIMD8<Float>()
    var s0r2 = SIMD8<Float>()
    var s0r3 = SIMD8<Float>()
    var s0r4 = SIMD8<Float>()
    var s0r5 = SIMD8<Float>()
    var s1r0 = SIMD8<Float>()
    var s1r1 = SIMD8<Float>()
    var s1r2 = SIMD8<Float>()
    var s1r3 = SIMD8<Float>()
    var s1r4 = SIMD8<Float>()
    var s1r5 = SIMD8<Float>()
    var t = 0
    while t < count {
        let x0 = load(l0 + t)
        let x1 = load(l1 + t)
        let y0 = load(r0 + t)
        s0r0.addProduct(x0, y0)
        s1r0.addProduct(x1, y0)
        let y1 = load(r1 + t)
        s0r1.addProduct(x0, y1)
        s1r1.addProduct(x1, y1)
        let y2 = load(r2 + t)
        s0r2.addProduct(x0, y2)
        s1r2.addProduct(x1, y2)
        let y3 = load(r3 + t)
        s0r3.addProduct(x0, y3)
        s1r3.addProduct(x1, y3)
        let y4 = load(r4 + t)
        s0r4.addProduct(x0, y4)
        s1r4.addProduct(x1, y4)
        let y5 = load(r5 + t)
        s0r5.addProduct(x0, y5)
        s1r5.addProduct(x1, y5)
        t += 8
    }
    sums[0] = horizontalSum(s0r0)
    sums[1] = horizontalSum(s0r1)
    sums[2] = horizontalSum(s0r2)
    sums[3] = horizontalSum(s0r3)
    sums[4] = horizontalSum(s0r4)
    sums[5] = horizontalSum(s0r5)
    sums[6] = horizontalSum(s1r0)
    sums[7] = horizontalSum(s1r1)
    sums[8] = horizontalSum(s1r2)
    sums[9] = horizontalSum(s1r3)
    sums[10] = horizontalSum(s1r4)
    sums[11] = horizontalSum(s1r5)
}

/// The sum of a vector's lanes as a fixed tree (halves added to halves).
@inline(__always)
private func horizontalSum(_ vector: SIMD8<Float>) -> Float {
    let four = vector.lowHalf + vector.highHalf
    let two = four.lowHalf + four.highHalf
    return two.x + two.y
}
