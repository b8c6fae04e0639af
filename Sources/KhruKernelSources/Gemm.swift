import Dispatch
import Synchronization

// A packed single-precision GEMM in the style of BLIS/GotoBLAS, written in Swift SIMD and compiled once
// per instruction set (see KernelSources.md): operands are packed block by block into 12-row and 32-column panels, and
// one register-blocked micro-kernel does the arithmetic. Operands are protocols, so a convolution can
// pack its im2col columns straight from the image without ever writing the column matrix.

/// Depth of a packed block (a 32-column right panel of this depth is 32 KB and stays in L1).
let blockDepth = 256
/// Rows of a packed left block (144 × 256 floats = 144 KB, in L2); a multiple of every `tileRows`.
let blockRows = 144
/// Columns of a packed right block (3072 × 256 floats = 3 MB); a multiple of every `tileColumns`.
let blockColumns = 3072

/// The left operand `m × k` of a product, packed on demand into `tileRows`-row panels.
protocol LeftOperand {
    /// Writes rows `rows` (at most `tileRows`) over `depth` as `depth.count × tileRows` floats,
    /// zero-padding missing rows.
    func packPanel(rows: Range<Int>, depth: Range<Int>, into panel: UnsafeMutablePointer<Float>)
}

/// The right operand `k × n` of a product, packed on demand into `tileColumns`-column panels.
protocol RightOperand {
    /// Writes `depth` × `columns` (at most `tileColumns`) as `depth.count × tileColumns` floats,
    /// zero-padding missing columns.
    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>)
}

/// Packs `panel[d·lanes + l] = base[(depth.lowerBound + d)·depthStride + (first + l)·laneStride]` for
/// `l < count`, zeroing lanes `count..<lanes`: a panel of any strided matrix.
@inline(__always)
func packStridedPanel(
    _ base: UnsafePointer<Float>, depth: Range<Int>, depthStride: Int, first: Int, count: Int,
    laneStride: Int,
    lanes: Int, into panel: UnsafeMutablePointer<Float>
) {
    if count < lanes { panel.update(repeating: 0, count: depth.count * lanes) }
    if laneStride == 1 {
        var out = panel
        for p in depth {
            out.update(from: base + p * depthStride + first, count: count)
            out += lanes
        }
    } else {
        for lane in 0..<count {
            let source = base + (first + lane) * laneStride
            var out = panel + lane
            for p in depth {
                out.pointee = source[p * depthStride]
                out += lanes
            }
        }
    }
}

/// A row-major `m × k` matrix with row stride `ld`, or (`transposed`) the transpose of a `k × m` one.
struct MatrixLeft: LeftOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let ld: Int
    let transposed: Bool

    func packPanel(rows: Range<Int>, depth: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        packStridedPanel(
            base, depth: depth, depthStride: transposed ? ld : 1, first: rows.lowerBound, count: rows.count,
            laneStride: transposed ? 1 : ld, lanes: tileRows, into: panel)
    }
}

/// A row-major `k × n` matrix with row stride `ld`, or (`transposed`) the transpose of an `n × k` one.
struct MatrixRight: RightOperand, @unchecked Sendable {
    let base: UnsafePointer<Float>
    let ld: Int
    let transposed: Bool

    func packPanel(depth: Range<Int>, columns: Range<Int>, into panel: UnsafeMutablePointer<Float>) {
        packStridedPanel(
            base, depth: depth, depthStride: transposed ? 1 : ld, first: columns.lowerBound,
            count: columns.count, laneStride: transposed ? ld : 1, lanes: tileColumns, into: panel)
    }
}

/// One thread's packing buffers.
final class PackBuffers: @unchecked Sendable {
    let left: UnsafeMutablePointer<Float>
    let right: UnsafeMutablePointer<Float>
    let tile: UnsafeMutablePointer<Float>

    init() {
        left = .allocate(capacity: blockRows * blockDepth)
        // Slack: the image packer's vector stores may spill up to 16 floats past the last panel.
        right = .allocate(capacity: blockColumns * blockDepth + Swift.max(tileColumns, 16))
        tile = .allocate(capacity: tileRows * tileColumns)
    }

    deinit {
        left.deallocate()
        right.deallocate()
        tile.deallocate()
    }
}

/// Packing buffers reused across calls (allocating 3 MB per product would cost page faults).
final class BufferPool: Sendable {
    private let free = Mutex<[PackBuffers]>([])

    func take() -> PackBuffers { free.withLock { $0.popLast() } ?? PackBuffers() }

    func give(_ buffers: PackBuffers) { free.withLock { $0.append(buffers) } }
}

let bufferPool = BufferPool()

/// `c[rows, columns] = left · right` (or `+=` when `accumulate`) on the calling thread.
func gemmSerial<Left: LeftOperand, Right: RightOperand>(
    rows: Range<Int>, columns: Range<Int>, depth k: Int, left: Left, right: Right,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, buffers: PackBuffers
) {
    var jc = columns.lowerBound
    while jc < columns.upperBound {
        let nc = min(blockColumns, columns.upperBound - jc)
        var pc = 0
        while pc < k {
            let kc = min(blockDepth, k - pc)
            let depth = pc..<(pc + kc)
            var jr = 0
            while jr < nc {
                let width = min(tileColumns, nc - jr)
                right.packPanel(
                    depth: depth, columns: (jc + jr)..<(jc + jr + width),
                    into: buffers.right + (jr / tileColumns) * kc * tileColumns)
                jr += tileColumns
            }
            let add = accumulate || pc > 0
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(blockRows, rows.upperBound - ic)
                var ir = 0
                while ir < mc {
                    let height = min(tileRows, mc - ir)
                    left.packPanel(
                        rows: (ic + ir)..<(ic + ir + height), depth: depth,
                        into: buffers.left + (ir / tileRows) * kc * tileRows)
                    ir += tileRows
                }
                jr = 0
                while jr < nc {
                    let width = min(tileColumns, nc - jr)
                    let rightPanel = UnsafePointer(buffers.right + (jr / tileColumns) * kc * tileColumns)
                    ir = 0
                    while ir < mc {
                        let height = min(tileRows, mc - ir)
                        let leftPanel = UnsafePointer(buffers.left + (ir / tileRows) * kc * tileRows)
                        let target = c + (ic + ir) * ldc + jc + jr
                        if height == tileRows && width == tileColumns {
                            microKernel(
                                depth: kc, a: leftPanel, b: rightPanel, c: target, ldc: ldc, accumulate: add)
                        } else {
                            microKernel(
                                depth: kc, a: leftPanel, b: rightPanel, c: buffers.tile, ldc: tileColumns,
                                accumulate: false)
                            for i in 0..<height {
                                let row = target + i * ldc
                                let tile = buffers.tile + i * tileColumns
                                if add {
                                    for j in 0..<width { row[j] += tile[j] }
                                } else {
                                    for j in 0..<width { row[j] = tile[j] }
                                }
                            }
                        }
                        ir += tileRows
                    }
                    jr += tileColumns
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

/// `c = left · right` (or `+=` when `accumulate`) for an `m × n` output with row stride `ldc`, split
/// over `threads` threads by output columns or rows (whichever has more tiles).
func gemm<Left: LeftOperand & Sendable, Right: RightOperand & Sendable>(
    m: Int, n: Int, k: Int, left: Left, right: Right, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, threads: Int
) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        if !accumulate {
            for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
        }
        return
    }
    let columnTiles = (n + tileColumns - 1) / tileColumns
    let rowTiles = (m + tileRows - 1) / tileRows
    let splitColumns = columnTiles >= rowTiles
    let units = splitColumns ? columnTiles : rowTiles
    // Below ~2 MFLOP a second thread costs more than it saves.
    let chunks = m * n * k < 1 << 20 ? 1 : min(threads, units)
    if chunks <= 1 {
        let buffers = bufferPool.take()
        gemmSerial(
            rows: 0..<m, columns: 0..<n, depth: k, left: left, right: right, c: c, ldc: ldc,
            accumulate: accumulate, buffers: buffers)
        bufferPool.give(buffers)
        return
    }
    let step = splitColumns ? tileColumns : tileRows
    nonisolated(unsafe) let output = c
    DispatchQueue.concurrentPerform(iterations: chunks) { index in
        let buffers = bufferPool.take()
        defer { bufferPool.give(buffers) }
        let lower = units * index / chunks * step
        let upper = units * (index + 1) / chunks * step
        gemmSerial(
            rows: splitColumns ? 0..<m : lower..<min(upper, m),
            columns: splitColumns ? lower..<min(upper, n) : 0..<n, depth: k, left: left, right: right,
            c: output, ldc: ldc, accumulate: accumulate, buffers: buffers)
    }
}
