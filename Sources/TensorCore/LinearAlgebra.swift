/// The matrix product `op(a) · op(b)` through `cblas_sgemm`, where `op` transposes the last two axes
/// when its flag is set — without copying.
///
/// Shapes: `[m, k]·[k, n]`; batched `[B, m, k]·[B, k, n]`; `[B, m, k]·[k, n]` and `[m, k]·[B, k, n]`
/// (the rank-2 operand is shared by every batch element). With a flag, that operand's last two axes are
/// read transposed, e.g. `matmul(x, w, transposeB: true)` is `x · wᵀ` for `w` of shape `[n, k]`.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(
        (a.rank == 2 || a.rank == 3) && (b.rank == 2 || b.rank == 3),
        "matmul needs rank-2 or rank-3 operands, got \(a.shape) and \(b.shape)")
    let aRows = a.shape[a.rank - 2]
    let aColumns = a.shape[a.rank - 1]
    let bRows = b.shape[b.rank - 2]
    let bColumns = b.shape[b.rank - 1]
    let m = transposeA ? aColumns : aRows
    let k = transposeA ? aRows : aColumns
    let kb = transposeB ? bColumns : bRows
    let n = transposeB ? bRows : bColumns
    precondition(
        k == kb,
        "matmul inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")"
    )
    let batchA = a.rank == 3 ? a.shape[0] : 1
    let batchB = b.rank == 3 ? b.shape[0] : 1
    precondition(
        a.rank == 2 || b.rank == 2 || batchA == batchB, "matmul batch sizes differ: \(a.shape) and \(b.shape)"
    )
    let pa = a.storage.pointer
    let pb = b.storage.pointer
    if a.rank == 3 && b.rank == 2 && !transposeA {
        // Fold the batch into the rows: one GEMM.
        let result = Tensor(uninitialized: [batchA, m, n])
        sgemm(
            transposeA: false, transposeB: transposeB, m: batchA * m, n: n, k: k, a: pa, lda: aColumns,
            b: pb, ldb: bColumns, c: result.storage.pointer, ldc: n)
        return result
    }
    let batch = Swift.max(batchA, batchB)
    let outputShape = a.rank == 2 && b.rank == 2 ? [m, n] : [batch, m, n]
    let result = Tensor(uninitialized: outputShape)
    let out = result.storage.pointer
    for index in 0..<batch {
        let sa = a.rank == 3 ? pa + index * aRows * aColumns : pa
        let sb = b.rank == 3 ? pb + index * bRows * bColumns : pb
        sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: sa, lda: aColumns, b: sb,
            ldb: bColumns, c: out + index * m * n, ldc: n)
    }
    return result
}

extension Tensor {
    /// The matrix product (PyTorch's `@`): vectors, matrices and batches of matrices.
    ///
    /// As in PyTorch, a vector on the left is a row and on the right a column, and its axis is
    /// dropped from the result: `[k]·[k]` is a scalar, `[k]·[k, n]` is `[n]`, `[m, k]·[k]` is `[m]`.
    /// Rank-3 operands multiply batch by batch (see ``matmul(_:_:transposeA:transposeB:)``).
    ///
    /// - Throws: ``TensorError`` for scalars, ranks above 3, or inner sizes that differ.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard (1...3).contains(rank), (1...3).contains(other.rank) else {
            throw TensorError(
                .rank,
                "matmul expects vectors, matrices or batches of them, not shapes \(shape) and \(other.shape)")
        }
        let left = rank == 1 ? uncheckedReshaped([1, count]) : self
        let right = other.rank == 1 ? other.uncheckedReshaped([other.count, 1]) : other
        guard left.shape[left.rank - 1] == right.shape[right.rank - 2] else {
            throw TensorError(
                .shapeMismatch, "cannot multiply shapes \(shape) and \(other.shape): inner sizes differ")
        }
        if left.rank == 3, right.rank == 3, left.shape[0] != right.shape[0] {
            throw TensorError(.shapeMismatch, "matmul batch sizes differ: \(shape) and \(other.shape)")
        }
        var product = TensorCore.matmul(left, right)
        var resultShape = product.shape
        if other.rank == 1 { resultShape.removeLast() }
        if rank == 1 { resultShape.remove(at: resultShape.count - (other.rank == 1 ? 1 : 2)) }
        if resultShape != product.shape { product = product.uncheckedReshaped(resultShape) }
        return product
    }
}
