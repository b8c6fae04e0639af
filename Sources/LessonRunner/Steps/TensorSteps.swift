import Foundation
import Plotting
import Reporting
import TensorCore

extension Tensor: LibraryValue, CellDisplayable {
    /// PyTorch's rendering: `tensor([0.9800, 0.9000, -0.9000])`, long axes summarised with `...`.
    public var cellOutput: CellOutput { .value(TensorFormat.text(self)) }
}

extension Variable: LibraryValue, CellDisplayable {
    /// The value, as a tensor shows it.
    public var cellOutput: CellOutput { .value(TensorFormat.text(value)) }
}

extension Parameter: LibraryValue, CellDisplayable {
    /// The parameter's value, as a tensor shows it, under its name.
    public var cellOutput: CellOutput { .value("Parameter containing:\n" + TensorFormat.text(value)) }
}

extension Chart: LibraryValue, CellDisplayable {
    /// The chart as a PNG picture.
    public var cellOutput: CellOutput { .image(PNGImage(bytes: png, width: width, height: height, alt: "")) }
}

/// Formats tensors the way PyTorch prints them, so lesson outputs look like fastbook's.
enum TensorFormat {
    /// Elements shown at each end of an axis longer than `2 * edge + 1`.
    static let edge = 3

    static func text(_ tensor: Tensor) -> String {
        let values = tensor.scalars
        let shown = Self.shownIndices(tensor.shape)
        let integral = values.allSatisfy { $0 == $0.rounded() && abs($0) < 1e6 }
        let digits = integral ? 0 : 4
        let large = values.contains { abs($0) >= 1e5 } || values.contains { $0 != 0 && abs($0) < 1e-4 }
        func format(_ x: Float) -> String {
            if x.isNaN { return "nan" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            if large && !integral { return String(format: "%.4e", Double(x)) }
            return integral ? String(format: "%.0f.", Double(x)) : String(format: "%.\(digits)f", Double(x))
        }
        let width =
            shown.flatMap { $0 }.isEmpty ? 0 : values.indices.map { format(values[$0]).count }.max() ?? 0
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var strides = Array(repeating: 1, count: tensor.rank)
        for axis in stride(from: tensor.rank - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * tensor.shape[axis + 1]
        }
        func render(axis: Int, offset: Int, indent: Int) -> String {
            if axis == tensor.rank { return pad(format(values[offset])) }
            var parts: [String] = []
            var previous = -1
            for index in shown[axis] {
                if previous >= 0, index != previous + 1 { parts.append("...") }
                parts.append(
                    render(axis: axis + 1, offset: offset + index * strides[axis], indent: indent + 1))
                previous = index
            }
            let separator = axis == tensor.rank - 1 ? ", " : ",\n" + String(repeating: " ", count: indent + 1)
            return "[" + parts.joined(separator: separator) + "]"
        }
        if tensor.rank == 0 { return "tensor(\(format(values.first ?? 0)))" }
        return "tensor(" + render(axis: 0, offset: 0, indent: 7) + ")"
    }

    private static func shownIndices(_ shape: [Int]) -> [[Int]] {
        shape.map { length in
            length > 2 * edge + 1 ? Array(0..<edge) + Array((length - edge)..<length) : Array(0..<length)
        }
    }
}

/// The shapes two tensors broadcast to, or a step error naming both (TensorCore treats a mismatch
/// as a programmer error and stops the process; cells get a located error instead).
func broadcastShape(_ a: [Int], _ b: [Int], _ operation: String) throws -> [Int] {
    let rank = max(a.count, b.count)
    let left = Array(repeating: 1, count: rank - a.count) + a
    let right = Array(repeating: 1, count: rank - b.count) + b
    return try zip(left, right).map { x, y in
        guard x == y || x == 1 || y == 1 else {
            throw StepError("cannot \(operation) tensors of shapes \(a) and \(b): they do not broadcast")
        }
        return max(x, y)
    }
}

extension Registry {
    /// Binds tensors: creation, arithmetic, reductions, indexing and the PyTorch names fastbook uses.
    public mutating func bindTensors() {
        type(Tensor.self, doc: "An n-dimensional array of Float32 values (PyTorch's tensor).")
        type(Variable.self, doc: "A tensor recorded for automatic differentiation (a layer's output).")
        type(Parameter.self, doc: "A trainable tensor of a layer, with its gradient.")
        type(Chart.self, doc: "A chart, shown as a PNG picture.")

        bind("Tensor(_ values: [Double])", doc: "A vector from numbers: Tensor([0.98, 0.9, -0.9]).") {
            (values: [Double]) in Tensor(values.map(Float.init))
        }
        bind("Tensor(rows: [[Double]])", doc: "A matrix from rows of numbers.") { (rows: [[Double]]) in
            guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else {
                throw StepError("Tensor(rows:) needs rows of equal length")
            }
            return Tensor(rows: rows.map { $0.map(Float.init) })
        }
        bind("static Tensor.randn(_ shape: [Int])", doc: "Standard normal samples (PyTorch's randn).") {
            (shape: [Int]) in
            try Self.checkShape(shape); return Tensor.randn(shape)
        }
        bind("static Tensor.zeros(_ shape: [Int])", doc: "A tensor of zeros.") { (shape: [Int]) in
            try Self.checkShape(shape); return Tensor.zeros(shape)
        }
        bind("static Tensor.ones(_ shape: [Int])", doc: "A tensor of ones.") { (shape: [Int]) in
            try Self.checkShape(shape); return Tensor.ones(shape)
        }
        bind("static Tensor.arange(_ end: Int)", doc: "[0, 1, …, end − 1].") { (end: Int) in
            try Self.checkShape([end]); return Tensor.arange(end)
        }
        bind(
            "static Tensor.linspace(from: Double, to: Double, count: Int)",
            doc: "`count` evenly spaced values from `from` to `to`, both included."
        ) { (from: Double, to: Double, count: Int) in
            try Self.checkShape([count]);
            return Tensor.linspace(from: Float(from), to: Float(to), count: count)
        }

        for (symbol, verb) in [("+", "add"), ("-", "subtract"), ("*", "multiply"), ("/", "divide")] {
            let apply: @Sendable (Tensor, Tensor) -> Tensor =
                switch symbol {
                case "+": { $0 + $1 }
                case "-": { $0 - $1 }
                case "*": { $0 * $1 }
                default: { $0 / $1 }
                }
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Tensor)", doc: "Elementwise \(verb), with broadcasting.") {
                (lhs: Tensor, rhs: Tensor) in
                _ = try broadcastShape(lhs.shape, rhs.shape, verb)
                return apply(lhs, rhs)
            }
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Double)", doc: "Elementwise \(verb) by a number.") {
                (lhs: Tensor, rhs: Double) in apply(lhs, Tensor(Float(rhs)))
            }
            bind(
                "\(symbol)(_ lhs: Double, _ rhs: Tensor)",
                doc: "A number \(verb)ed elementwise with a tensor."
            ) {
                (lhs: Double, rhs: Tensor) in apply(Tensor(Float(lhs)), rhs)
            }
        }
        bind("-(_ x: Tensor)", doc: "Elementwise negation.") { (x: Tensor) in -x }

        property("Tensor.shape: [Int]", doc: "The length of each axis.") { (t: Tensor) in t.shape }
        property("Tensor.count: Int", doc: "The number of elements.") { (t: Tensor) in t.count }
        property("Tensor.rank: Int", doc: "The number of axes.") { (t: Tensor) in t.rank }
        bind("Tensor.sum()", doc: "The sum of all elements (a one-element tensor).") { (t: Tensor) in t.sum()
        }
        bind("Tensor.mean()", doc: "The mean of all elements.") { (t: Tensor) in t.mean() }
        bind("Tensor.max()", doc: "The largest element.") { (t: Tensor) in
            guard t.count > 0 else { throw StepError("max() of an empty tensor") }
            return t.max()
        }
        bind("Tensor.min()", doc: "The smallest element.") { (t: Tensor) in
            guard t.count > 0 else { throw StepError("min() of an empty tensor") }
            return t.min()
        }
        bind("Tensor.sum(axis: Int, keepDims: Bool = false)", doc: "Sums along one axis.") {
            (t: Tensor, axis: Int, keepDims: Bool) in
            try Self.checkAxis(axis, t)
            return t.sum(axis: axis, keepDims: keepDims)
        }
        bind("Tensor.mean(axis: Int, keepDims: Bool = false)", doc: "Means along one axis.") {
            (t: Tensor, axis: Int, keepDims: Bool) in
            try Self.checkAxis(axis, t)
            return t.mean(axis: axis, keepDims: keepDims)
        }
        bind("Tensor.item()", doc: "The value of a one-element tensor as a number (PyTorch's item()).") {
            (t: Tensor) in
            guard t.count == 1 else {
                throw StepError("item() needs a one-element tensor, not shape \(t.shape)")
            }
            return t.item()
        }
        bind("Tensor.t()", doc: "The transpose of a matrix (PyTorch's t()).") { (t: Tensor) in
            guard t.rank <= 2 else { throw StepError("t() expects rank ≤ 2, not shape \(t.shape)") }
            return t.t()
        }
        bind("Tensor.matmul(_ other: Tensor)", doc: "Matrix product (PyTorch's @), through BLAS sgemm.") {
            (a: Tensor, b: Tensor) in
            guard a.rank >= 1, b.rank >= 1, a.rank <= 2, b.rank <= 2 else {
                throw StepError("matmul expects vectors or matrices, not shapes \(a.shape) and \(b.shape)")
            }
            let left = a.rank == 1 ? a.reshaped([1, a.count]) : a
            let right = b.rank == 1 ? b.reshaped([b.count, 1]) : b
            guard left.shape[1] == right.shape[0] else {
                throw StepError("cannot multiply shapes \(a.shape) and \(b.shape): inner sizes differ")
            }
            let product = left.matmul(right)
            if a.rank == 1 && b.rank == 1 { return product.reshaped([]) }
            if a.rank == 1 { return product.reshaped([right.shape[1]]) }
            if b.rank == 1 { return product.reshaped([left.shape[0]]) }
            return product
        }
        bind("Tensor.subscript(_ index: Int)", doc: "Row `index` (t[3]).") { (t: Tensor, index: Int) in
            guard t.rank >= 1, (0..<t.shape[0]).contains(index) else {
                throw StepError("index \(index) is out of range for shape \(t.shape)")
            }
            return t[index]
        }
        bind("Tensor.squeeze()", doc: "The tensor without its axes of length 1.") { (t: Tensor) in t.squeeze()
        }
        bind(
            "Tensor.argsort(descending: Bool = false)",
            doc: "The indices that sort a vector (ascending unless descending)."
        ) { (t: Tensor, descending: Bool) in t.argsort(descending: descending) }
        bind("Tensor.reshaped(_ shape: [Int])", doc: "The same elements in a new shape (-1 infers one axis).")
        {
            (t: Tensor, shape: [Int]) in
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            let inferred = shape.filter { $0 == -1 }.count
            guard inferred <= 1, known > 0,
                inferred == 1 ? t.count % known == 0 : known == t.count
            else { throw StepError("cannot reshape \(t.count) elements (shape \(t.shape)) to \(shape)") }
            return t.reshaped(shape)
        }
        property("Tensor.scalars: [Double]", doc: "The elements, in row-major order.") { (t: Tensor) in
            t.scalars.map(Double.init)
        }
        for (name, doc, apply) in [
            ("exp", "e to the power of each element.", { (t: Tensor) in t.exp() }),
            ("log", "The natural log of each element.", { (t: Tensor) in t.log() }),
            ("sigmoid", "1 / (1 + e^−x) of each element.", { (t: Tensor) in t.sigmoid() }),
            ("relu", "max(0, x) of each element.", { (t: Tensor) in t.relu() }),
            ("tanh", "The hyperbolic tangent of each element.", { (t: Tensor) in t.tanh() }),
            ("abs", "The magnitude of each element.", { (t: Tensor) in t.abs() }),
        ] as [(String, String, (Tensor) -> Tensor)] {
            bind("Tensor.\(name)()", doc: doc) { (t: Tensor) in apply(t) }
        }
        bind("sigmoid(_ x: Double)", doc: "1 / (1 + e^−x).") { (x: Double) in 1 / (1 + Foundation.exp(-x)) }
        bind("exp(_ x: Double)", doc: "e to the power x.") { (x: Double) in Foundation.exp(x) }
        bind("log(_ x: Double)", doc: "The natural logarithm.") { (x: Double) in Foundation.log(x) }
        bind("sqrt(_ x: Double)", doc: "The square root.") { (x: Double) in x.squareRoot() }

        property("Variable.value: Tensor", doc: "The tensor a differentiable value holds.") { (v: Variable) in
            v.value
        }
        property("Variable.shape: [Int]", doc: "The length of each axis.") { (v: Variable) in v.shape }
        property("Parameter.value: Tensor", doc: "The parameter's current values.") { (p: Parameter) in
            p.value
        }
        property("Parameter.shape: [Int]", doc: "The length of each axis.") { (p: Parameter) in p.shape }
    }

    static func checkShape(_ shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }),
            shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).0 }) < 1 << 31
        else { throw StepError("invalid tensor shape \(shape)") }
    }

    static func checkAxis(_ axis: Int, _ t: Tensor) throws {
        guard (0..<t.rank).contains(axis) else {
            throw StepError("axis \(axis) is out of range for shape \(t.shape)")
        }
    }
}
