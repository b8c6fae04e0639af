// Written by Sources/KhruKernelSources/micro_kernels.py: unrolled tiles, so that the accumulators stay
// in registers. Change the generator, not single lines.

// The loads and stores live in this file so that they inline without whole-module optimization
// (debug builds compile file by file).

/// The vector of the kernels: 16 floats, one zmm register.
typealias KernelVector = SIMD16<Float>
/// Rows of a packed-GEMM micro-tile (broadcast from the left operand).
let tileRows = 12
/// Columns of a packed-GEMM micro-tile (2 vectors of the right operand).
let tileColumns = 32
/// Rows (output channels) of a shifted micro-tile.
let shiftedRows = 8
/// Columns (padded positions) of a shifted micro-tile.
let shiftedColumns = 48
/// Left rows of the dot-product micro-kernel.
let dotRows = 4
/// Right rows of the dot-product micro-kernel.
let dotColumns = 6
/// The most positions computed per kept one for which the forward pass uses the shifted kernel
/// (``ConvolutionShape/prefersShifted``).
let shiftedForwardLimit = 2.0

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
    var c0v0 = SIMD16<Float>()
    var c0v1 = SIMD16<Float>()
    var c1v0 = SIMD16<Float>()
    var c1v1 = SIMD16<Float>()
    var c2v0 = SIMD16<Float>()
    var c2v1 = SIMD16<Float>()
    var c3v0 = SIMD16<Float>()
    var c3v1 = SIMD16<Float>()
    var c4v0 = SIMD16<Float>()
    var c4v1 = SIMD16<Float>()
    var c5v0 = SIMD16<Float>()
    var c5v1 = SIMD16<Float>()
    var c6v0 = SIMD16<Float>()
    var c6v1 = SIMD16<Float>()
    var c7v0 = SIMD16<Float>()
    var c7v1 = SIMD16<Float>()
    var c8v0 = SIMD16<Float>()
    var c8v1 = SIMD16<Float>()
    var c9v0 = SIMD16<Float>()
    var c9v1 = SIMD16<Float>()
    var c10v0 = SIMD16<Float>()
    var c10v1 = SIMD16<Float>()
    var c11v0 = SIMD16<Float>()
    var c11v1 = SIMD16<Float>()
    var pa = a
    var pb = b
    for _ in 0..<depth {
        let b0 = load(pb + 0)
        let b1 = load(pb + 16)
        let a0 = SIMD16<Float>(repeating: pa[0])
        c0v0.addProduct(a0, b0)
        c0v1.addProduct(a0, b1)
        let a1 = SIMD16<Float>(repeating: pa[1])
        c1v0.addProduct(a1, b0)
        c1v1.addProduct(a1, b1)
        let a2 = SIMD16<Float>(repeating: pa[2])
        c2v0.addProduct(a2, b0)
        c2v1.addProduct(a2, b1)
        let a3 = SIMD16<Float>(repeating: pa[3])
        c3v0.addProduct(a3, b0)
        c3v1.addProduct(a3, b1)
        let a4 = SIMD16<Float>(repeating: pa[4])
        c4v0.addProduct(a4, b0)
        c4v1.addProduct(a4, b1)
        let a5 = SIMD16<Float>(repeating: pa[5])
        c5v0.addProduct(a5, b0)
        c5v1.addProduct(a5, b1)
        let a6 = SIMD16<Float>(repeating: pa[6])
        c6v0.addProduct(a6, b0)
        c6v1.addProduct(a6, b1)
        let a7 = SIMD16<Float>(repeating: pa[7])
        c7v0.addProduct(a7, b0)
        c7v1.addProduct(a7, b1)
        let a8 = SIMD16<Float>(repeating: pa[8])
        c8v0.addProduct(a8, b0)
        c8v1.addProduct(a8, b1)
        let a9 = SIMD16<Float>(repeating: pa[9])
        c9v0.addProduct(a9, b0)
        c9v1.addProduct(a9, b1)
        let a10 = SIMD16<Float>(repeating: pa[10])
        c10v0.addProduct(a10, b0)
        c10v1.addProduct(a10, b1)
        let a11 = SIMD16<Float>(repeating: pa[11])
        c11v0.addProduct(a11, b0)
        c11v1.addProduct(a11, b1)
        pa += 12
        pb += 32
    }
    if accumulate {
        c0v0 += load(c + 0 * ldc + 0)
        c0v1 += load(c + 0 * ldc + 16)
        c1v0 += load(c + 1 * ldc + 0)
        c1v1 += load(c + 1 * ldc + 16)
        c2v0 += load(c + 2 * ldc + 0)
        c2v1 += load(c + 2 * ldc + 16)
        c3v0 += load(c + 3 * ldc + 0)
        c3v1 += load(c + 3 * ldc + 16)
        c4v0 += load(c + 4 * ldc + 0)
        c4v1 += load(c + 4 * ldc + 16)
        c5v0 += load(c + 5 * ldc + 0)
        c5v1 += load(c + 5 * ldc + 16)
        c6v0 += load(c + 6 * ldc + 0)
        c6v1 += load(c + 6 * ldc + 16)
        c7v0 += load(c + 7 * ldc + 0)
        c7v1 += load(c + 7 * ldc + 16)
        c8v0 += load(c + 8 * ldc + 0)
        c8v1 += load(c + 8 * ldc + 16)
        c9v0 += load(c + 9 * ldc + 0)
        c9v1 += load(c + 9 * ldc + 16)
        c10v0 += load(c + 10 * ldc + 0)
        c10v1 += load(c + 10 * ldc + 16)
        c11v0 += load(c + 11 * ldc + 0)
        c11v1 += load(c + 11 * ldc + 16)
    }
    store(c0v0, c + 0 * ldc + 0)
    store(c0v1, c + 0 * ldc + 16)
    store(c1v0, c + 1 * ldc + 0)
    store(c1v1, c + 1 * ldc + 16)
    store(c2v0, c + 2 * ldc + 0)
    store(c2v1, c + 2 * ldc + 16)
    store(c3v0, c + 3 * ldc + 0)
    store(c3v1, c + 3 * ldc + 16)
    store(c4v0, c + 4 * ldc + 0)
    store(c4v1, c + 4 * ldc + 16)
    store(c5v0, c + 5 * ldc + 0)
    store(c5v1, c + 5 * ldc + 16)
    store(c6v0, c + 6 * ldc + 0)
    store(c6v1, c + 6 * ldc + 16)
    store(c7v0, c + 7 * ldc + 0)
    store(c7v1, c + 7 * ldc + 16)
    store(c8v0, c + 8 * ldc + 0)
    store(c8v1, c + 8 * ldc + 16)
    store(c9v0, c + 9 * ldc + 0)
    store(c9v1, c + 9 * ldc + 16)
    store(c10v0, c + 10 * ldc + 0)
    store(c10v1, c + 10 * ldc + 16)
    store(c11v0, c + 11 * ldc + 0)
    store(c11v1, c + 11 * ldc + 16)
}

/// The 8×48 shifted micro-kernel: `c[i, 0..<48] = Σ_k a[k·8 + i] · b[offsets[k] + 0..<48]` for
/// rows `i < 8`: the right operand is read straight from a padded image at a per-step offset, unpacked.
@inline(never)
func shiftedKernel(
    depth: Int, a: UnsafePointer<Float>, offsets: UnsafePointer<Int>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    var c0v0 = SIMD16<Float>()
    var c0v1 = SIMD16<Float>()
    var c0v2 = SIMD16<Float>()
    var c1v0 = SIMD16<Float>()
    var c1v1 = SIMD16<Float>()
    var c1v2 = SIMD16<Float>()
    var c2v0 = SIMD16<Float>()
    var c2v1 = SIMD16<Float>()
    var c2v2 = SIMD16<Float>()
    var c3v0 = SIMD16<Float>()
    var c3v1 = SIMD16<Float>()
    var c3v2 = SIMD16<Float>()
    var c4v0 = SIMD16<Float>()
    var c4v1 = SIMD16<Float>()
    var c4v2 = SIMD16<Float>()
    var c5v0 = SIMD16<Float>()
    var c5v1 = SIMD16<Float>()
    var c5v2 = SIMD16<Float>()
    var c6v0 = SIMD16<Float>()
    var c6v1 = SIMD16<Float>()
    var c6v2 = SIMD16<Float>()
    var c7v0 = SIMD16<Float>()
    var c7v1 = SIMD16<Float>()
    var c7v2 = SIMD16<Float>()
    var pa = a
    for step in 0..<depth {
        let pb = b + offsets[step]
        let b0 = load(pb + 0)
        let b1 = load(pb + 16)
        let b2 = load(pb + 32)
        let a0 = SIMD16<Float>(repeating: pa[0])
        c0v0.addProduct(a0, b0)
        c0v1.addProduct(a0, b1)
        c0v2.addProduct(a0, b2)
        let a1 = SIMD16<Float>(repeating: pa[1])
        c1v0.addProduct(a1, b0)
        c1v1.addProduct(a1, b1)
        c1v2.addProduct(a1, b2)
        let a2 = SIMD16<Float>(repeating: pa[2])
        c2v0.addProduct(a2, b0)
        c2v1.addProduct(a2, b1)
        c2v2.addProduct(a2, b2)
        let a3 = SIMD16<Float>(repeating: pa[3])
        c3v0.addProduct(a3, b0)
        c3v1.addProduct(a3, b1)
        c3v2.addProduct(a3, b2)
        let a4 = SIMD16<Float>(repeating: pa[4])
        c4v0.addProduct(a4, b0)
        c4v1.addProduct(a4, b1)
        c4v2.addProduct(a4, b2)
        let a5 = SIMD16<Float>(repeating: pa[5])
        c5v0.addProduct(a5, b0)
        c5v1.addProduct(a5, b1)
        c5v2.addProduct(a5, b2)
        let a6 = SIMD16<Float>(repeating: pa[6])
        c6v0.addProduct(a6, b0)
        c6v1.addProduct(a6, b1)
        c6v2.addProduct(a6, b2)
        let a7 = SIMD16<Float>(repeating: pa[7])
        c7v0.addProduct(a7, b0)
        c7v1.addProduct(a7, b1)
        c7v2.addProduct(a7, b2)
        pa += 8
    }
    store(c0v0, c + 0 * ldc + 0)
    store(c0v1, c + 0 * ldc + 16)
    store(c0v2, c + 0 * ldc + 32)
    store(c1v0, c + 1 * ldc + 0)
    store(c1v1, c + 1 * ldc + 16)
    store(c1v2, c + 1 * ldc + 32)
    store(c2v0, c + 2 * ldc + 0)
    store(c2v1, c + 2 * ldc + 16)
    store(c2v2, c + 2 * ldc + 32)
    store(c3v0, c + 3 * ldc + 0)
    store(c3v1, c + 3 * ldc + 16)
    store(c3v2, c + 3 * ldc + 32)
    store(c4v0, c + 4 * ldc + 0)
    store(c4v1, c + 4 * ldc + 16)
    store(c4v2, c + 4 * ldc + 32)
    store(c5v0, c + 5 * ldc + 0)
    store(c5v1, c + 5 * ldc + 16)
    store(c5v2, c + 5 * ldc + 32)
    store(c6v0, c + 6 * ldc + 0)
    store(c6v1, c + 6 * ldc + 16)
    store(c6v2, c + 6 * ldc + 32)
    store(c7v0, c + 7 * ldc + 0)
    store(c7v1, c + 7 * ldc + 16)
    store(c7v2, c + 7 * ldc + 32)
}

/// The 4×6 dot-product micro-kernel: `sums[i·6 + j] = Σ_t left[i][t] · right[j][t]` over `count`
/// floats (a multiple of 16), for 4 left rows and 6 right rows given by their starts.
@inline(never)
func dotKernel(
    left: UnsafePointer<UnsafePointer<Float>>, right: UnsafePointer<UnsafePointer<Float>>, count: Int,
    sums: UnsafeMutablePointer<Float>
) {
    let l0 = left[0]
    let l1 = left[1]
    let l2 = left[2]
    let l3 = left[3]
    let r0 = right[0]
    let r1 = right[1]
    let r2 = right[2]
    let r3 = right[3]
    let r4 = right[4]
    let r5 = right[5]
    var s0r0 = SIMD16<Float>()
    var s0r1 = SIMD16<Float>()
    var s0r2 = SIMD16<Float>()
    var s0r3 = SIMD16<Float>()
    var s0r4 = SIMD16<Float>()
    var s0r5 = SIMD16<Float>()
    var s1r0 = SIMD16<Float>()
    var s1r1 = SIMD16<Float>()
    var s1r2 = SIMD16<Float>()
    var s1r3 = SIMD16<Float>()
    var s1r4 = SIMD16<Float>()
    var s1r5 = SIMD16<Float>()
    var s2r0 = SIMD16<Float>()
    var s2r1 = SIMD16<Float>()
    var s2r2 = SIMD16<Float>()
    var s2r3 = SIMD16<Float>()
    var s2r4 = SIMD16<Float>()
    var s2r5 = SIMD16<Float>()
    var s3r0 = SIMD16<Float>()
    var s3r1 = SIMD16<Float>()
    var s3r2 = SIMD16<Float>()
    var s3r3 = SIMD16<Float>()
    var s3r4 = SIMD16<Float>()
    var s3r5 = SIMD16<Float>()
    var t = 0
    while t < count {
        let x0 = load(l0 + t)
        let x1 = load(l1 + t)
        let x2 = load(l2 + t)
        let x3 = load(l3 + t)
        let y0 = load(r0 + t)
        s0r0.addProduct(x0, y0)
        s1r0.addProduct(x1, y0)
        s2r0.addProduct(x2, y0)
        s3r0.addProduct(x3, y0)
        let y1 = load(r1 + t)
        s0r1.addProduct(x0, y1)
        s1r1.addProduct(x1, y1)
        s2r1.addProduct(x2, y1)
        s3r1.addProduct(x3, y1)
        let y2 = load(r2 + t)
        s0r2.addProduct(x0, y2)
        s1r2.addProduct(x1, y2)
        s2r2.addProduct(x2, y2)
        s3r2.addProduct(x3, y2)
        let y3 = load(r3 + t)
        s0r3.addProduct(x0, y3)
        s1r3.addProduct(x1, y3)
        s2r3.addProduct(x2, y3)
        s3r3.addProduct(x3, y3)
        let y4 = load(r4 + t)
        s0r4.addProduct(x0, y4)
        s1r4.addProduct(x1, y4)
        s2r4.addProduct(x2, y4)
        s3r4.addProduct(x3, y4)
        let y5 = load(r5 + t)
        s0r5.addProduct(x0, y5)
        s1r5.addProduct(x1, y5)
        s2r5.addProduct(x2, y5)
        s3r5.addProduct(x3, y5)
        t += 16
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
    sums[12] = horizontalSum(s2r0)
    sums[13] = horizontalSum(s2r1)
    sums[14] = horizontalSum(s2r2)
    sums[15] = horizontalSum(s2r3)
    sums[16] = horizontalSum(s2r4)
    sums[17] = horizontalSum(s2r5)
    sums[18] = horizontalSum(s3r0)
    sums[19] = horizontalSum(s3r1)
    sums[20] = horizontalSum(s3r2)
    sums[21] = horizontalSum(s3r3)
    sums[22] = horizontalSum(s3r4)
    sums[23] = horizontalSum(s3r5)
}

/// The sum of a vector's lanes as a fixed tree (halves added to halves).
@inline(__always)
private func horizontalSum(_ vector: SIMD16<Float>) -> Float {
    let eight = vector.lowHalf + vector.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    return two.x + two.y
}
