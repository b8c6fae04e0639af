import Testing

@testable import TensorCore

@Suite struct SparseRowsTests {
    /// Unsorted, repeated indices coalesce into unique ascending rows whose values equal the dense
    /// scatter-add of the raw rows, bit for bit.
    @Test func coalescingMatchesScatterAdd() throws {
        let indices = [7, 2, 7, 0, 9, 2, 7, 4]
        let values = Tensor.normal([indices.count, 5], generator: Generator(seed: 11))
        let sparse = SparseRows(shape: [10, 5], indices: indices, values: values)
        #expect(sparse.indices == [0, 2, 4, 7, 9])
        #expect(sparse.values.shape == [5, 5])
        let dense = Tensor.scatterAdd(values, rows: indices, rowCount: 10)
        #expect(sparse.densified().scalars.map(\.bitPattern) == dense.scalars.map(\.bitPattern))
        let row7 = try (values[0] + values[2]) + values[6]
        #expect(try sparse.values[3].scalars.map(\.bitPattern) == row7.scalars.map(\.bitPattern))
        let doubled = sparse + SparseRows(shape: [10, 5], indices: [4, 1], values: values[0..<2])
        #expect(doubled.indices == [0, 1, 2, 4, 7, 9])
    }
}
