import Foundation
import Plotting
import Reporting
import TensorCore

extension Tensor: LibraryValue, CellDisplayable {
    /// PyTorch's rendering: `tensor([0.9800, 0.9000, -0.9000])`, long axes summarised with `...`.
    public var cellOutput: CellOutput { .value(description) }
}

extension Variable: LibraryValue, CellDisplayable {
    /// The value, as a tensor shows it.
    public var cellOutput: CellOutput { .value(value.description) }
}

extension Parameter: LibraryValue, CellDisplayable {
    /// The parameter's value, as a tensor shows it, under its name.
    public var cellOutput: CellOutput { .value("Parameter containing:\n" + value.description) }
}

extension Chart: LibraryValue, CellDisplayable {
    /// The chart as a PNG picture.
    public var cellOutput: CellOutput { .image(PNGImage(bytes: png, width: width, height: height, alt: "")) }
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
            try Tensor(rows: rows.map { $0.map(Float.init) })
        }
        bind("static Tensor.randn(_ shape: [Int])", doc: "Standard normal samples (PyTorch's randn).") {
            (shape: [Int]) in
            try Tensor.validate(shape: shape)
            return Tensor.randn(shape)
        }
        bind("static Tensor.zeros(_ shape: [Int])", doc: "A tensor of zeros.") { (shape: [Int]) in
            try Tensor.validate(shape: shape)
            return Tensor.zeros(shape)
        }
        bind("static Tensor.ones(_ shape: [Int])", doc: "A tensor of ones.") { (shape: [Int]) in
            try Tensor.validate(shape: shape)
            return Tensor.ones(shape)
        }
        bind("static Tensor.arange(_ end: Int)", doc: "[0, 1, …, end − 1].") { (end: Int) in
            try Tensor.validate(shape: [end])
            return Tensor.arange(end)
        }
        bind(
            "static Tensor.linspace(from: Double, to: Double, count: Int)",
            doc: "`count` evenly spaced values from `from` to `to`, both included."
        ) { (from: Double, to: Double, count: Int) in
            try Tensor.validate(shape: [count])
            return Tensor.linspace(from: Float(from), to: Float(to), count: count)
        }

        for (symbol, verb) in [("+", "add"), ("-", "subtract"), ("*", "multiply"), ("/", "divide")] {
            let apply: @Sendable (Tensor, Tensor) throws -> Tensor =
                switch symbol {
                case "+": { try $0 + $1 }
                case "-": { try $0 - $1 }
                case "*": { try $0 * $1 }
                default: { try $0 / $1 }
                }
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Tensor)", doc: "Elementwise \(verb), with broadcasting.") {
                (lhs: Tensor, rhs: Tensor) in
                // Broadcasting [n, 1] with [1, n] makes n² elements: the result must fit the budget.
                try Tensor.validate(shape: Tensor.checkedBroadcastShape(lhs.shape, rhs.shape, verb: verb))
                return try apply(lhs, rhs)
            }
            bind("\(symbol)(_ lhs: Tensor, _ rhs: Double)", doc: "Elementwise \(verb) by a number.") {
                (lhs: Tensor, rhs: Double) in try apply(lhs, Tensor(Float(rhs)))
            }
            bind(
                "\(symbol)(_ lhs: Double, _ rhs: Tensor)",
                doc: "A number \(verb)ed elementwise with a tensor."
            ) {
                (lhs: Double, rhs: Tensor) in try apply(Tensor(Float(lhs)), rhs)
            }
        }
        bind("-(_ x: Tensor)", doc: "Elementwise negation.") { (x: Tensor) in -x }

        property("Tensor.shape: [Int]", doc: "The length of each axis.") { (t: Tensor) in t.shape }
        property("Tensor.count: Int", doc: "The number of elements.") { (t: Tensor) in t.count }
        property("Tensor.rank: Int", doc: "The number of axes.") { (t: Tensor) in t.rank }
        bind("Tensor.sum()", doc: "The sum of all elements (a one-element tensor).") { (t: Tensor) in t.sum()
        }
        bind("Tensor.mean()", doc: "The mean of all elements.") { (t: Tensor) in t.mean() }
        bind("Tensor.max()", doc: "The largest element.") { (t: Tensor) in try t.max() }
        bind("Tensor.min()", doc: "The smallest element.") { (t: Tensor) in try t.min() }
        bind("Tensor.sum(axis: Int, keepDims: Bool = false)", doc: "Sums along one axis.") {
            (t: Tensor, axis: Int, keepDims: Bool) in t.sum(axis: try t.checkedAxis(axis), keepDims: keepDims)
        }
        bind("Tensor.mean(axis: Int, keepDims: Bool = false)", doc: "Means along one axis.") {
            (t: Tensor, axis: Int, keepDims: Bool) in
            t.mean(axis: try t.checkedAxis(axis), keepDims: keepDims)
        }
        bind("Tensor.item()", doc: "The value of a one-element tensor as a number (PyTorch's item()).") {
            (t: Tensor) in try t.item()
        }
        bind("Tensor.t()", doc: "The transpose of a matrix (PyTorch's t()).") { (t: Tensor) in try t.t() }
        bind("Tensor.matmul(_ other: Tensor)", doc: "Matrix product (PyTorch's @), through BLAS sgemm.") {
            (a: Tensor, b: Tensor) in
            if a.rank == 2, b.rank == 2 { try Tensor.validate(shape: [a.shape[0], b.shape[1]]) }
            return try a.matmul(b)
        }
        bind("Tensor.subscript(_ index: Int)", doc: "Row `index` (t[3]).") { (t: Tensor, index: Int) in
            try t[index]
        }
        bind(
            "Tensor.softmax(axis: Int = -1)", doc: "exp(x) / sum(exp(x)) along an axis (the last by default)."
        ) {
            (t: Tensor, axis: Int) in t.softmax(axis: try t.checkedAxis(axis))
        }
        bind("Tensor.squeeze()", doc: "The tensor without its axes of length 1.") { (t: Tensor) in t.squeeze()
        }
        bind(
            "Tensor.argsort(descending: Bool = false)",
            doc: "The indices that sort a vector (ascending unless descending)."
        ) { (t: Tensor, descending: Bool) in t.argsort(descending: descending) }
        bind("Tensor.reshaped(_ shape: [Int])", doc: "The same elements in a new shape (-1 infers one axis).")
        {
            (t: Tensor, shape: [Int]) in try t.reshaped(shape)
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
}
