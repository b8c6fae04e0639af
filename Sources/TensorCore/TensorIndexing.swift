import Foundation

/// Picking elements of a matrix by index lists, as PyTorch's advanced indexing does (`t[idx, targ]`), and
/// one element per row (the targets' scores a cross-entropy reads).
extension Tensor {
    /// PyTorch's indexing by two index lists, `t[rows, columns]`: element `(rows[i], columns[i])` for each
    /// `i`, shape `[n]` (fastbook's `sm_acts[idx, targ]`).
    ///
    /// - Throws: ``TensorError`` when the tensor is not `[N, C]`, the lists differ in length, or an index is
    ///   outside its axis.
    public subscript(rows: [Int], columns: [Int]) -> Tensor {
        get throws {
            guard rank == 2 else {
                throw TensorError(.shapeMismatch, "t[rows, columns] needs a matrix, not \(shape)")
            }
            guard rows.count == columns.count else {
                throw TensorError(
                    .shapeMismatch,
                    "t[rows, columns] needs as many rows as columns, not \(rows.count) and \(columns.count)")
            }
            var picked: [Float] = []
            picked.reserveCapacity(rows.count)
            let source = scalars
            for (row, column) in Swift.zip(rows, columns) {
                guard (0..<shape[0]).contains(row), (0..<shape[1]).contains(column) else {
                    throw TensorError(
                        .outOfRange, "index (\(row), \(column)) is outside a tensor of shape \(shape)")
                }
                picked.append(source[row * shape[1] + column])
            }
            return Tensor(shape: [picked.count], scalars: picked)
        }
    }

    /// The same with the column indices as a tensor of whole numbers (`sm_acts[idx, targ]`, `targ` a
    /// tensor of classes).
    ///
    /// - Throws: As the subscript of two lists, and for an index that is not a whole number.
    public subscript(rows: [Int], columns: Tensor) -> Tensor {
        get throws { try self[rows, try Self.wholeNumbers(columns)] }
    }

    /// The same with both index lists as tensors of whole numbers.
    ///
    /// - Throws: As the subscript of two lists, and for an index that is not a whole number.
    public subscript(rows: Tensor, columns: Tensor) -> Tensor {
        get throws { try self[try Self.wholeNumbers(rows), try Self.wholeNumbers(columns)] }
    }

    private static func wholeNumbers(_ t: Tensor) throws -> [Int] {
        try t.scalars.map { value in
            guard value.isFinite, value == value.rounded(), Swift.abs(value) < 1e9 else {
                throw TensorError(.outOfRange, "an index must be a whole number, not \(value)")
            }
            return Int(value)
        }
    }

    /// Element `indices[i]` of each row `i` of a `[N, C]` tensor: shape `[N]`.
    public func pickingColumns(_ indices: [Int]) -> Tensor {
        precondition(
            rank == 2 && shape[0] == indices.count, "pickingColumns: \(shape) with \(indices.count) indices")
        let columns = shape[1]
        let result = Tensor(uninitialized: [indices.count])
        let source = storage.pointer
        let out = result.storage.pointer
        for (row, column) in indices.enumerated() {
            precondition(column >= 0 && column < columns, "column \(column) not in 0..<\(columns)")
            out[row] = source[row * columns + column]
        }
        return result
    }
}
