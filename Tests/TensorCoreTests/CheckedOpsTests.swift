import Foundation
import Testing

@testable import TensorCore

/// The throwing forms the cell language calls: every shape, id and size a user chose is checked by the
/// library, which names what is wrong instead of trapping.
@Suite struct CheckedOpsTests {
    @Test func shapesWhoseExtentsOverflowAreInvalidEvenWithoutElements() throws {
        for shape in [
            [0, 4_294_967_296], [9_223_372_036_854_775_807, 0], [4_294_967_296, 4_294_967_296, 0],
        ] {
            #expect { try Tensor.validate(shape: shape) } throws: {
                ($0 as? TensorError)?.kind == .invalidShape
            }
        }
        #expect(
            throws: TensorError(
                .invalidShape,
                "invalid tensor shape [0, 4294967296]: its extents multiply past 2^31 (a tensor holds fewer "
                    + "than 2^31 elements, and an axis of length 0 does not lift that limit)")
        ) { try Tensor.validateExtents([0, 4_294_967_296]) }
        try Tensor.validateExtents([20_000_000, 0])
        try Tensor.validateExtents([0, 5, 7])
        #expect(Tensor.zeros([20_000_000, 0]).count == 0)
    }

    @Test func reshapingToAnOverflowingShapeThrows() throws {
        let empty = Tensor.zeros([0])
        for shape in [[4_294_967_296, 4_294_967_296, 0], [0, Int.max, Int.max], [Int.max, Int.max, -1]] {
            #expect { try empty.reshaped(shape) } throws: { ($0 as? TensorError)?.kind == .invalidShape }
        }
        #expect(try empty.reshaped([0, 3, 4]).shape == [0, 3, 4])
        #expect(try Tensor.zeros([2, 6]).reshaped([3, -1]).shape == [3, 4])
    }

    @Test func reductionAxesAreCheckedAndTheirResultsBudgeted() throws {
        let t = Tensor.zeros([0, 4])
        #expect(try t.checkedReductionAxis(0) == 0)
        #expect(try t.checkedReductionAxis(-1, keepDims: true) == 1)
        #expect(t.sum(axis: try t.checkedReductionAxis(0)) == Tensor.zeros([4]))
        #expect { try t.checkedReductionAxis(2) } throws: { ($0 as? TensorError)?.kind == .outOfRange }
        // The mean over the empty axis of [0, 2^30] is 2^30 floats (4 GiB): it throws exactly when that
        // is over the budget, as any tensor of that shape would.
        let wide = Tensor(shape: [0, 1 << 30], storage: Tensor.zeros([0]).storage)
        let fits = (try? Tensor.validate(shape: [1 << 30])) != nil
        #expect(((try? wide.checkedReductionAxis(0)) != nil) == fits)
    }

    @Test func idsMustBeWholeNumbersInsideTheTable() throws {
        #expect(try Tensor([0, 2, 1]).rowIndices(rows: 3) == [0, 2, 1])
        for bad: Float in [.infinity, -.infinity, .nan, 1e20, -1, 1.5, 3] {
            #expect(throws: TensorError(.outOfRange, "id \(bad) is out of range for a table of 3 rows")) {
                try Tensor([bad]).rowIndices(rows: 3)
            }
        }
    }

    @Test func checkedArithmeticNamesBothShapesAndBudgetsTheBroadcast() throws {
        let a = Variable(Tensor.ones([2, 3]))
        let b = Variable(Tensor.ones([3, 2]))
        #expect(
            throws: TensorError(
                .shapeMismatch, "cannot multiply tensors of shapes [2, 3] and [3, 2]: they do not broadcast")
        ) { try Variable.applying(.multiply, a, b) }
        // 200,000 × 200,000 elements: over any budget, and past 2^31 elements besides.
        #expect(throws: TensorError.self) {
            try Variable.applying(
                .add, Variable(Tensor.zeros([200_000, 1])), Variable(Tensor.zeros([1, 200_000])))
        }
        let x = Parameter(Tensor([1, 2, 3]))
        let y = Variable(Tensor(shape: [2, 1], scalars: [2, 4]))
        for op in BroadcastOperator.allCases {
            let checked = try Variable.applying(op, x.variable, y)
            let plain: Variable =
                switch op {
                case .add: x.variable + y
                case .subtract: x.variable - y
                case .multiply: x.variable * y
                case .divide: x.variable / y
                }
            #expect(checked.value == plain.value, "\(op)")
        }
        try Variable.applying(.multiply, x.variable, y).sum().backward()
        #expect(x.grad == Tensor([6, 6, 6]))
    }

    @Test func checkedGatherKeepsSparseGradientsAndRefusesBadIds() throws {
        let table = Parameter(Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]))
        let rows = try table.variable.checkedGather(Tensor(shape: [1, 2], scalars: [2, 0]))
        #expect(rows.shape == [1, 2, 2])
        #expect(rows.value.scalars == [5, 6, 1, 2])
        rows.sum().backward()
        #expect(table.sparseGrad?.indices == [0, 2])
        #expect(throws: TensorError(.outOfRange, "id inf is out of range for a table of 3 rows")) {
            try table.variable.checkedGather(Tensor([.infinity]))
        }
        #expect(throws: TensorError.self) { try Variable(Tensor(1)).checkedGather(Tensor([0])) }
    }

    @Test func checkedSumRefusesAMissingAxis() throws {
        let v = Variable(Tensor.ones([2, 3]))
        #expect(try v.checkedSum(axis: -1).value == Tensor([3, 3]))
        #expect(throws: TensorError(.outOfRange, "axis 2 is out of range for shape [2, 3]")) {
            try v.checkedSum(axis: 2)
        }
    }

    /// An axis of 1 against an axis of 0 broadcasts to 0 (NumPy), so `where` reads nothing past the end.
    @Test func anEmptyAxisBroadcastsToEmpty() throws {
        #expect(try Tensor.checkedBroadcastShape([1, 0], [3, 1], verb: "add") == [3, 0])
        let picked = try Tensor.ones([1]).where(Tensor.ones([1, 1, 1]), Tensor.zeros([1, 0]))
        #expect(picked.shape == [1, 1, 0])
    }

    @Test func concatAndStackAxesAreChecked() throws {
        #expect(try Tensor.checkedConcatAxis([[2, 3], [4, 3]], 0) == 0)
        #expect(try Tensor.checkedConcatAxis([[2, 3], [2, 1]], -1) == 1)
        #expect(throws: TensorError(.shapeMismatch, "cannot concat shapes [2, 3] and [4, 1] on axis 0")) {
            try Tensor.checkedConcatAxis([[2, 3], [4, 1]], 0)
        }
        #expect { try Tensor.checkedConcatAxis([], 0) } throws: { ($0 as? TensorError)?.kind == .empty }
        #expect { try Tensor.checkedConcatAxis([[2]], 1) } throws: {
            ($0 as? TensorError)?.kind == .outOfRange
        }
        #expect(try Tensor.checkedStackAxis([[2, 3], [2, 3]], 2) == 2)
        #expect(throws: TensorError.self) { try Tensor.checkedStackAxis([[2, 3], [3, 2]], 0) }
        #expect(throws: TensorError.self) { try Tensor.checkedStackAxis([[2, 3]], 3) }
    }

    @Test func checkedColumnNamesTheShape() throws {
        let v = Variable(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(try v.checkedColumn(1).value == Tensor([2, 4]))
        #expect(throws: TensorError(.outOfRange, "x[..., 2] is out of range for shape [2, 2]")) {
            try v.checkedColumn(2)
        }
        #expect(throws: TensorError.self) { try Variable(Tensor([1, 2])).checkedColumn(0) }
    }

    /// PyTorch's order: NaN above every number (last ascending, first descending), ties stable.
    @Test func argsortPutsNaNWherePyTorchDoes() {
        let t = Tensor([1, .nan, 0.5, .nan, -.infinity, .infinity])
        #expect(t.argsort() == [4, 2, 0, 5, 1, 3])
        #expect(t.argsort(descending: true) == [1, 3, 5, 0, 2, 4])
        #expect(Tensor([2, 1, 2, 1]).argsort() == [1, 3, 0, 2])
    }
}
