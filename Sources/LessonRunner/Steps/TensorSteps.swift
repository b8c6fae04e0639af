import Foundation
import Localization
import Plotting
import Reporting
import TensorCore
import Training

extension Tensor: LibraryValue, CellDisplayable, CellTextConvertible {
    /// PyTorch's rendering: `tensor([0.9800, 0.9000, -0.9000])`, long axes summarised with `...`.
    public var cellOutput: CellOutput { .value(cellText) }

    /// PyTorch's rendering; a tensor without elements as PyTorch shows it, `tensor([], size=(20000000, 0))`,
    /// never one `[]` per row of an empty axis (which took half a minute and 240 MB for that shape).
    public var cellText: String {
        guard count == 0, rank > 1 else { return description }
        return "tensor([], size=(\(shape.map(String.init).joined(separator: ", "))))"
    }
}

extension Variable: LibraryValue, CellDisplayable, CellTextConvertible {
    /// The value, as a tensor shows it.
    public var cellOutput: CellOutput { .value(value.cellText) }

    /// `Variable(<the tensor>)`, with `requiresGrad` when it does.
    public var cellText: String {
        value.count == 0 ? "Variable(\(value.cellText)\(requiresGrad ? ", requiresGrad" : ""))" : description
    }
}

extension Parameter: LibraryValue, CellDisplayable {
    /// The parameter's value, as a tensor shows it, under its name.
    public var cellOutput: CellOutput { .value("Parameter containing:\n" + value.cellText) }
}

extension CosineSimilarity: LibraryValue {}

/// Swift's `...` alone (`UnboundedRange`), as a subscript argument: `x[..., 0]` is PyTorch's `x[:, 0]`.
struct UnboundedRangeMarker: CellValue {
    static var cellType: CellType { .named("UnboundedRange") }
    static func from(_ value: Value) throws -> UnboundedRangeMarker {
        guard case .object(let object) = value, object.payload is UnboundedRangeMarker else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return UnboundedRangeMarker()
    }
    var cellValue: Value { .object(LibraryObject(type: Self.cellType, payload: self)) }
}

extension Chart: LibraryValue, CellDisplayable {
    /// The chart as a PNG picture, with its drawings in other languages.
    public var cellOutput: CellOutput { .image(pngImage(alt: "")) }

    /// The chart as a report's picture: English, and each translation under its language code.
    func pngImage(alt: String) -> PNGImage { pngImage(alt: Phrase(alt, th: alt)) }

    /// The chart's PNG for a report, with each language's drawing and `alt` (the figure's caption) in
    /// that language; a caption that differs by language makes a picture per language even when the
    /// drawing is the same.
    func pngImage(alt: Phrase) -> PNGImage {
        var pictures: [String: PNGImage] = [:]
        for language in ChartLanguage.allCases where language != .en {
            let chart = translations[language] ?? (alt.en != alt.text(in: language) ? self : nil)
            if let chart {
                pictures[language.rawValue] = PNGImage(
                    bytes: chart.png, width: chart.width, height: chart.height, alt: alt.text(in: language))
            }
        }
        return PNGImage(bytes: png, width: width, height: height, alt: alt.en, translations: pictures)
    }
}

extension Reduction: LibraryValue {}

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
        bind(
            "Tensor(_ rows: [[Double]])",
            doc: "A matrix from a nested literal: Tensor([[1.0, 2.0], [3.0, 4.0]])."
        ) {
            (rows: [[Double]]) in
            try Tensor.validate(shape: [rows.count, rows.first?.count ?? 0])
            return try Tensor(rows)
        }
        bind(
            "Tensor(_ elements: [Tensor])",
            doc: "A vector of one-element tensors (PyTorch's tensor([c1, c2])), or equal tensors stacked."
        ) { (elements: [Tensor]) in try Tensor(elements) }
        bind("Tensor(_ planes: [[[Double]]])", doc: "A rank-3 tensor from a nested literal.") {
            (planes: [[[Double]]]) in
            try Tensor.validate(shape: [
                planes.count, planes.first?.count ?? 0, planes.first?.first?.count ?? 0,
            ])
            return try Tensor(planes)
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

        for (symbol, verb, done) in [
            ("+", "add", "added"), ("-", "subtract", "subtracted"), ("*", "multiply", "multiplied"),
            ("/", "divide", "divided"),
        ] {
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
                doc: "A number \(done) elementwise with a tensor."
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
            (t: Tensor, axis: Int, keepDims: Bool) in
            t.sum(axis: try t.checkedReductionAxis(axis, keepDims: keepDims), keepDims: keepDims)
        }
        bind("Tensor.mean(axis: Int, keepDims: Bool = false)", doc: "Means along one axis.") {
            (t: Tensor, axis: Int, keepDims: Bool) in
            t.mean(axis: try t.checkedReductionAxis(axis, keepDims: keepDims), keepDims: keepDims)
        }
        bind("Tensor.sum(dim: Int, keepdim: Bool = false)", doc: "Sums along one axis (PyTorch's spelling).")
        {
            (t: Tensor, dim: Int, keepdim: Bool) in
            t.sum(axis: try t.checkedReductionAxis(dim, keepDims: keepdim), keepDims: keepdim)
        }
        bind(
            "Tensor.mean(dim: Int, keepdim: Bool = false)", doc: "Means along one axis (PyTorch's spelling)."
        ) {
            (t: Tensor, dim: Int, keepdim: Bool) in
            t.mean(axis: try t.checkedReductionAxis(dim, keepDims: keepdim), keepDims: keepdim)
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
        type(PartialRangeUpTo<Int>.self, doc: "Swift's ..<5: the rows before 5 (PyTorch's :5).")
        type(PartialRangeFrom<Int>.self, doc: "Swift's 2...: the rows from 2 on (PyTorch's 2:).")
        bind("PartialRangeUpTo(_ upperBound: Int)", doc: "..<upperBound.") { (upper: Int) in ..<upper }
        bind("PartialRangeFrom(_ lowerBound: Int)", doc: "lowerBound...") { (lower: Int) in lower... }
        bind("Tensor.subscript(_ range: Range<Int>)", doc: "Rows `range` (t[2..<5], PyTorch's t[2:5]).") {
            (t: Tensor, range: Range<Int>) in
            guard t.rank >= 1, range.lowerBound >= 0, range.upperBound <= t.shape[0] else {
                throw TensorError(.outOfRange, "rows \(range) are out of range for shape \(t.shape)")
            }
            return t[range]
        }
        bind("Tensor.subscript(_ range: PartialRangeUpTo)", doc: "The rows before an index (t[..<5]).") {
            (t: Tensor, range: PartialRangeUpTo<Int>) in try t[range]
        }
        bind("Tensor.subscript(_ range: PartialRangeFrom)", doc: "The rows from an index on (t[2...]).") {
            (t: Tensor, range: PartialRangeFrom<Int>) in try t[range]
        }
        bind(
            "Tensor.softmax(axis: Int = -1)", doc: "exp(x) / sum(exp(x)) along an axis (the last by default)."
        ) {
            (t: Tensor, axis: Int) in t.softmax(axis: try t.checkedAxis(axis))
        }
        bind(
            "Tensor.softmax(dim: Int)", doc: "PyTorch's spelling of softmax(axis:): torch.softmax(x, dim=1)."
        ) {
            (t: Tensor, dim: Int) in t.softmax(axis: try t.checkedAxis(dim))
        }
        bind("Tensor.logSoftmax(axis: Int = -1)", doc: "log(softmax(x)) along an axis, computed stably.") {
            (t: Tensor, axis: Int) in t.logSoftmax(axis: try t.checkedAxis(axis))
        }
        bind("Tensor.logSoftmax(dim: Int)", doc: "PyTorch's spelling of logSoftmax(axis:).") {
            (t: Tensor, dim: Int) in t.logSoftmax(axis: try t.checkedAxis(dim))
        }
        type(Reduction.self, doc: "How a functional loss combines per-item losses (.mean, .sum, .none).")
        for reduction in Reduction.allCases {
            constant(
                "static Reduction.\(reduction.rawValue): Reduction", doc: "reduction='\(reduction.rawValue)'."
            ) {
                reduction
            }
        }
        bind(
            "nllLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean)",
            doc: "PyTorch's F.nll_loss: −input[i, target[i]] per row, then reduced."
        ) { (input: Tensor, target: Tensor, reduction: Reduction) in
            try nllLoss(input, target, reduction: reduction)
        }
        bind(
            "crossEntropy(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean)",
            doc: "PyTorch's F.cross_entropy: nllLoss of logSoftmax(dim: 1)."
        ) { (input: Tensor, target: Tensor, reduction: Reduction) in
            try crossEntropy(input, target, reduction: reduction)
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
            ("sqrt", "The square root of each element.", { (t: Tensor) in t.sqrt() }),
            ("squared", "The square of each element.", { (t: Tensor) in t.squared() }),
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
        bindModelTensors()
    }

    /// What a model's forward pass computes with (fastbook's chapter 8).
    ///
    /// `Variable` arithmetic, reductions, column picks, raw `Parameter`s. Each calls the library's
    /// checked (throwing) form, so a wrong shape in a cell's model is a located error.
    mutating func bindModelTensors() {
        type(CosineSimilarity.self, doc: "Cosine similarity along an axis (PyTorch's nn.CosineSimilarity).")
        type("UnboundedRange", doc: "Swift's '...' alone: every index of an axis (PyTorch's ':').")
        let nouns: [BroadcastOperator: String] = [
            .add: "sum", .subtract: "difference", .multiply: "product", .divide: "quotient",
        ]
        for op in BroadcastOperator.allCases {
            bind(
                "\(op.rawValue)(_ lhs: Variable, _ rhs: Variable)",
                doc: "Elementwise \(nouns[op] ?? op.verb), with broadcasting."
            ) {
                (a: Variable, b: Variable) in try Variable.applying(op, a, b)
            }
        }
        for (symbol, verb, apply) in [
            ("+", "sum", { (a: Variable, b: Float) in a + b }),
            ("-", "difference", { (a: Variable, b: Float) in a - b }),
            ("*", "product", { (a: Variable, b: Float) in a * b }),
            ("/", "quotient", { (a: Variable, b: Float) in a / b }),
        ] as [(String, String, (Variable, Float) -> Variable)] {
            bind("\(symbol)(_ lhs: Variable, _ rhs: Float)", doc: "Elementwise \(verb) by a number.") {
                (a: Variable, b: Float) in apply(a, b)
            }
        }
        // A raw parameter computes as the tensor it holds (PyTorch's Parameter is a Tensor).
        for op in BroadcastOperator.allCases {
            let symbol = op.rawValue
            bind("\(symbol)(_ lhs: Variable, _ rhs: Parameter)", doc: "A variable and a parameter's value.") {
                (a: Variable, p: Parameter) in try Variable.applying(op, a, p.variable)
            }
            bind("\(symbol)(_ lhs: Parameter, _ rhs: Variable)", doc: "A parameter's value and a variable.") {
                (p: Parameter, b: Variable) in try Variable.applying(op, p.variable, b)
            }
            bind("\(symbol)(_ lhs: Parameter, _ rhs: Parameter)", doc: "Two parameters' values.") {
                (p: Parameter, q: Parameter) in try Variable.applying(op, p.variable, q.variable)
            }
        }
        property(
            "Parameter.variable: Variable",
            doc: "The value as a variable whose gradient reaches the parameter."
        ) { (p: Parameter) in p.variable }
        bind("Variable.sum()", doc: "The sum of all elements.") { (v: Variable) in v.sum() }
        bind("Variable.mean()", doc: "The mean of all elements.") { (v: Variable) in v.mean() }
        bind("Variable.sum(axis: Int, keepDims: Bool = false)", doc: "Sums along one axis (PyTorch's dim).") {
            (v: Variable, axis: Int, keepDims: Bool) in try v.checkedSum(axis: axis, keepDims: keepDims)
        }
        bind(
            "Variable.sum(dim: Int, keepdim: Bool = false)", doc: "Sums along one axis (PyTorch's spelling)."
        ) {
            (v: Variable, dim: Int, keepdim: Bool) in try v.checkedSum(axis: dim, keepDims: keepdim)
        }
        bind(
            "Variable.mean(dim: Int, keepdim: Bool = false)",
            doc: "Means along one axis (PyTorch's spelling)."
        ) {
            (v: Variable, dim: Int, keepdim: Bool) in
            v.mean(axis: try v.value.checkedReductionAxis(dim, keepDims: keepdim), keepDims: keepdim)
        }
        bind(
            "Variable.subscript(_ all: UnboundedRange, _ column: Int)",
            doc: "Column `column` of every row: x[..., 0] is PyTorch's x[:, 0]."
        ) { (v: Variable, _: UnboundedRangeMarker, column: Int) in try v.checkedColumn(column) }
        bind(
            "Tensor.subscript(_ all: UnboundedRange, _ column: Int)",
            doc: "Column `column` of every row: t[..., 0] is PyTorch's t[:, 0]."
        ) { (t: Tensor, _: UnboundedRangeMarker, column: Int) in try t[..., column] }
        for (name, doc, apply) in [
            ("sigmoid", "1 / (1 + e^−x) of each element.", { (v: Variable) in v.sigmoid() }),
            ("relu", "max(0, x) of each element.", { (v: Variable) in v.relu() }),
            ("squeeze", "Without its axes of length 1.", { (v: Variable) in v.squeeze() }),
            (
                "float", "Itself: tensors are Float32 already (PyTorch's float()).",
                { (v: Variable) in v.float() }
            ),
        ] as [(String, String, (Variable) -> Variable)] {
            bind("Variable.\(name)()", doc: doc) { (v: Variable) in apply(v) }
        }
        bind("Variable.unsqueeze(_ axis: Int)", doc: "A new axis of length 1 at axis (PyTorch's unsqueeze).")
        {
            (v: Variable, axis: Int) in
            guard (0...v.rank).contains(axis) else { throw TensorError(.rank, "no axis \(axis) to insert") }
            return v.unsqueeze(axis)
        }
        bind("Tensor.unsqueeze(_ axis: Int)", doc: "A new axis of length 1 at axis (PyTorch's unsqueeze).") {
            (t: Tensor, axis: Int) in
            guard (0...t.rank).contains(axis) else { throw TensorError(.rank, "no axis \(axis) to insert") }
            return t.unsqueeze(axis)
        }
        bind("Tensor.float()", doc: "Itself: tensors are Float32 already (PyTorch's float()).") {
            (t: Tensor) in
            t.float()
        }
        bind(
            "cat(_ tensors: [Tensor], dim: Int = 0)",
            doc: "Joins tensors along dim (PyTorch's free torch.cat)."
        ) {
            (tensors: [Tensor], dim: Int) in try cat(tensors, dim: dim)
        }
        // torch.cat is PyTorch's name for concat, so cells take both spellings.
        for (name, label) in [("concat", "axis"), ("cat", "dim")] {
            bind(
                "static Variable.\(name)(_ variables: [Variable], \(label): Int = 0)",
                doc: "Joins variables along an axis (PyTorch's torch.cat)."
            ) { (variables: [Variable], axis: Int) in
                Variable.concat(variables, axis: try Tensor.checkedConcatAxis(variables.map(\.shape), axis))
            }
            bind(
                "static Tensor.\(name)(_ tensors: [Tensor], \(label): Int = 0)",
                doc: "Joins tensors along an axis (PyTorch's torch.cat)."
            ) { (tensors: [Tensor], axis: Int) in
                Tensor.concat(tensors, axis: try Tensor.checkedConcatAxis(tensors.map(\.shape), axis))
            }
        }
        bind(
            "static Tensor.stack(_ tensors: [Tensor], axis: Int = 0)",
            doc: "Stacks same-shaped tensors along a new axis (PyTorch's torch.stack)."
        ) { (tensors: [Tensor], axis: Int) in
            Tensor.stack(tensors, axis: try Tensor.checkedStackAxis(tensors.map(\.shape), axis))
        }
        bind(
            "static Variable.stack(_ variables: [Variable], axis: Int = 0)",
            doc: "Stacks same-shaped variables along a new axis (PyTorch's torch.stack)."
        ) { (variables: [Variable], axis: Int) in
            Variable.stack(variables, axis: try Tensor.checkedStackAxis(variables.map(\.shape), axis))
        }
        bind(
            "static Tensor.normal(_ shape: [Int], mean: Float = 0, std: Float = 1)",
            doc: "Normal samples (PyTorch's normal_(mean, std))."
        ) { (shape: [Int], mean: Float, std: Float) in
            try Tensor.validate(shape: shape)
            return Tensor.normal(shape, mean: mean, std: std)
        }
        bind(
            "sigmoidRange(_ x: Variable, _ range: ClosedRange<Double>)",
            doc: "sigmoid(x) squashed into a range (sigmoidRange(x, yRange))."
        ) { (x: Variable, range: ClosedRange<Double>) in sigmoidRange(x, range) }
        bind(
            "Tensor.subscript(_ rows: [Int], _ columns: [Int])",
            doc: "Elements (rows[i], columns[i]): t[idx, targ]."
        ) {
            (t: Tensor, rows: [Int], columns: [Int]) in try t[rows, columns]
        }
        bind(
            "Tensor.subscript(_ rows: [Int], _ columns: Tensor)",
            doc: "Elements (rows[i], columns[i]): t[idx, targ]."
        ) {
            (t: Tensor, rows: [Int], columns: Tensor) in try t[rows, columns]
        }
        bind("Tensor.subscript(_ rows: Tensor, _ columns: Tensor)", doc: "Elements (rows[i], columns[i]).") {
            (t: Tensor, rows: Tensor, columns: Tensor) in try t[rows, columns]
        }
        bind(
            "sigmoidRange(_ x: Variable, _ low: Double, _ high: Double)",
            doc: "sigmoid(x)·(high − low) + low (fastai's sigmoid_range)."
        ) { (x: Variable, low: Double, high: Double) in sigmoidRange(x, low, high) }
        bind("Parameter(_ value: Tensor)", doc: "A raw trainable tensor (PyTorch's nn.Parameter).") {
            (value: Tensor) in Parameter(value)
        }
        bind("Parameter.subscript(_ ids: Variable)", doc: "The rows at ids (PyTorch's weight[ids]).") {
            (p: Parameter, ids: Variable) in try p.variable.checkedGather(ids.value)
        }
        bind("CosineSimilarity(dim: Int = 1)", doc: "Cosine similarity along dim.") { (dim: Int) in
            CosineSimilarity(dim: dim)
        }
        bind(
            "CosineSimilarity.callAsFunction(_ a: Tensor, _ b: Tensor)",
            doc: "Σ a·b / (‖a‖·‖b‖) along dim, broadcasting."
        ) { (f: CosineSimilarity, a: Tensor, b: Tensor) in try f(a, b) }
    }
}
