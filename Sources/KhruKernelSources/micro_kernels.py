#!/usr/bin/env python3
"""Writes the micro-kernels of each instruction set (Sources/_KhruKernels<ISA>/MicroKernels.swift).

The kernels are unrolled so that every accumulator stays in a register; the blocking follows the
register file: 32 zmm registers for AVX-512, 16 ymm for AVX2 (accumulators + right-operand vectors + one
broadcast must fit). Run from the package root: python3 Sources/KhruKernelSources/micro_kernels.py
"""

ISAS = {
    # name: (lanes, gemm rows, gemm vectors, shifted rows, shifted vectors, dot rows, dot columns,
    #        the most padded positions per kept one for which the forward pass goes shifted)
    "AVX512": (16, 12, 2, 8, 3, 4, 6, "2.0"),
    "AVX2": (8, 4, 3, 4, 3, 2, 6, "2.0"),
}


def generate(name, lanes, gr, gv, sr, sv, dr, dc, limit):
    v = f"SIMD{lanes}<Float>"
    out = []
    w = out.append
    w("// Written by Sources/KhruKernelSources/micro_kernels.py: unrolled tiles, so that the accumulators stay")
    w("// in registers. Change the generator, not single lines.")
    w("")
    w("// The loads and stores live in this file so that they inline without whole-module optimization")
    w("// (debug builds compile file by file).")
    w("")
    w(f"/// The vector of the kernels: {lanes} floats, one {'zmm' if lanes == 16 else 'ymm'} register.")
    w(f"typealias KernelVector = {v}")
    w(f"/// Rows of a packed-GEMM micro-tile (broadcast from the left operand).")
    w(f"let tileRows = {gr}")
    w(f"/// Columns of a packed-GEMM micro-tile ({gv} vectors of the right operand).")
    w(f"let tileColumns = {gv * lanes}")
    w(f"/// Rows (output channels) of a shifted micro-tile.")
    w(f"let shiftedRows = {sr}")
    w(f"/// Columns (padded positions) of a shifted micro-tile.")
    w(f"let shiftedColumns = {sv * lanes}")
    w(f"/// Left rows of the dot-product micro-kernel.")
    w(f"let dotRows = {dr}")
    w(f"/// Right rows of the dot-product micro-kernel.")
    w(f"let dotColumns = {dc}")
    w("/// The most positions computed per kept one for which the forward pass uses the shifted kernel")
    w("/// (``ConvolutionShape/prefersShifted``).")
    w(f"let shiftedForwardLimit = {limit}")
    w("")
    w("@inline(__always)")
    w(f"private func load(_ pointer: UnsafePointer<Float>) -> {v} {{")
    w(f"    UnsafeRawPointer(pointer).loadUnaligned(as: {v}.self)")
    w("}")
    w("")
    w("@inline(__always)")
    w(f"private func load(_ pointer: UnsafeMutablePointer<Float>) -> {v} {{")
    w(f"    UnsafeRawPointer(pointer).loadUnaligned(as: {v}.self)")
    w("}")
    w("")
    w("@inline(__always)")
    w(f"private func store(_ vector: {v}, _ pointer: UnsafeMutablePointer<Float>) {{")
    w(f"    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: {v}.self)")
    w("}")
    w("")
    # GEMM micro-kernel
    cols = gv * lanes
    w(f"/// The {gr}×{cols} micro-kernel: `c[0..<{gr}, 0..<{cols}] = a·b` (or `+=` when `accumulate`) over `depth`")
    w(f"/// steps of a packed {gr}-row left panel `a` (`depth × {gr}`) and a packed {cols}-column right panel `b`")
    w(f"/// (`depth × {cols}`); `c` has row stride `ldc`.")
    w("@inline(never)")
    w("func microKernel(")
    w("    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,")
    w("    accumulate: Bool")
    w(") {")
    for i in range(gr):
        for j in range(gv):
            w(f"    var c{i}v{j} = {v}()")
    w("    var pa = a")
    w("    var pb = b")
    w("    for _ in 0..<depth {")
    for j in range(gv):
        w(f"        let b{j} = load(pb + {j * lanes})")
    for i in range(gr):
        w(f"        let a{i} = {v}(repeating: pa[{i}])")
        for j in range(gv):
            w(f"        c{i}v{j}.addProduct(a{i}, b{j})")
    w(f"        pa += {gr}")
    w(f"        pb += {cols}")
    w("    }")
    w("    if accumulate {")
    for i in range(gr):
        for j in range(gv):
            w(f"        c{i}v{j} += load(c + {i} * ldc + {j * lanes})")
    w("    }")
    for i in range(gr):
        for j in range(gv):
            w(f"    store(c{i}v{j}, c + {i} * ldc + {j * lanes})")
    w("}")
    w("")
    # Shifted kernel
    scols = sv * lanes
    w(f"/// The {sr}×{scols} shifted micro-kernel: `c[i, 0..<{scols}] = Σ_k a[k·{sr} + i] · b[offsets[k] + 0..<{scols}]` for")
    w(f"/// rows `i < {sr}`: the right operand is read straight from a padded image at a per-step offset, unpacked.")
    w("@inline(never)")
    w("func shiftedKernel(")
    w("    depth: Int, a: UnsafePointer<Float>, offsets: UnsafePointer<Int>, b: UnsafePointer<Float>,")
    w("    c: UnsafeMutablePointer<Float>, ldc: Int")
    w(") {")
    for i in range(sr):
        for j in range(sv):
            w(f"    var c{i}v{j} = {v}()")
    w("    var pa = a")
    w("    for step in 0..<depth {")
    w("        let pb = b + offsets[step]")
    for j in range(sv):
        w(f"        let b{j} = load(pb + {j * lanes})")
    for i in range(sr):
        w(f"        let a{i} = {v}(repeating: pa[{i}])")
        for j in range(sv):
            w(f"        c{i}v{j}.addProduct(a{i}, b{j})")
    w(f"        pa += {sr}")
    w("    }")
    for i in range(sr):
        for j in range(sv):
            w(f"    store(c{i}v{j}, c + {i} * ldc + {j * lanes})")
    w("}")
    w("")
    # Dot kernel
    w(f"/// The {dr}×{dc} dot-product micro-kernel: `sums[i·{dc} + j] = Σ_t left[i][t] · right[j][t]` over `count`")
    w(f"/// floats (a multiple of 16), for {dr} left rows and {dc} right rows given by their starts.")
    w("@inline(never)")
    w("func dotKernel(")
    w("    left: UnsafePointer<UnsafePointer<Float>>, right: UnsafePointer<UnsafePointer<Float>>, count: Int,")
    w("    sums: UnsafeMutablePointer<Float>")
    w(") {")
    for i in range(dr):
        w(f"    let l{i} = left[{i}]")
    for j in range(dc):
        w(f"    let r{j} = right[{j}]")
    for i in range(dr):
        for j in range(dc):
            w(f"    var s{i}r{j} = {v}()")
    w("    var t = 0")
    w("    while t < count {")
    for i in range(dr):
        w(f"        let x{i} = load(l{i} + t)")
    for j in range(dc):
        w(f"        let y{j} = load(r{j} + t)")
        for i in range(dr):
            w(f"        s{i}r{j}.addProduct(x{i}, y{j})")
    w(f"        t += {lanes}")
    w("    }")
    k = 0
    for i in range(dr):
        for j in range(dc):
            w(f"    sums[{k}] = horizontalSum(s{i}r{j})")
            k += 1
    w("}")
    w("")
    w("/// The sum of a vector's lanes as a fixed tree (halves added to halves).")
    w("@inline(__always)")
    w(f"private func horizontalSum(_ vector: {v}) -> Float {{")
    names = {16: "sixteen", 8: "eight", 4: "four", 2: "two"}
    cur = "vector"
    width = lanes
    while width > 2:
        width //= 2
        w(f"    let {names[width]} = {cur}.lowHalf + {cur}.highHalf")
        cur = names[width]
    w(f"    return {cur}.x + {cur}.y")
    w("}")
    return "\n".join(out) + "\n"


for name, params in ISAS.items():
    with open(f"Sources/_KhruKernels{name}/MicroKernels.swift", "w") as f:
        f.write(generate(name, *params))
