// A generator of well-typed cell programs for `khru-fuzz programs`: random library calls with small
// random shapes and values (edge values included: 0, −1, NaN, ∞, 1e20), layers, losses, metrics,
// DataBlocks over tiny frames and Learners trained for a few batches. Every program type-checks as the
// cell language; what it exercises is whether the library answers bad input with a located error
// rather than a trap. Compiled in both the libFuzzer build and the ordinary one.

import Foundation

/// A seeded SplitMix64 stream: the same seed writes the same programs on every machine.
struct ProgramRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Whether an event of probability `p` happens.
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }

    /// One of `choices`.
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...(choices.count - 1))] }
}

/// Writes random cell programs and records which library calls they make.
struct ProgramGenerator {
    var random: ProgramRandom
    /// Every library call the programs made, by name, with how often.
    private(set) var calls: [String: Int] = [:]
    private var counter = 0

    init(seed: UInt64) { random = ProgramRandom(seed: seed) }

    /// A lesson of `cells` independent cells (each defines only its own names, so one failing cell
    /// skips nothing else).
    mutating func lesson(cells: Int) -> String {
        var text = "# Generated\n\n"
        for index in 0..<cells {
            counter = 0
            text += "```swift {#g\(index)}\n" + cell().joined(separator: "\n") + "\n```\n\n"
        }
        return text
    }

    private mutating func note(_ name: String) { calls[name, default: 0] += 1 }

    private mutating func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)\(counter)"
    }

    private mutating func cell() -> [String] {
        switch random.int(0...9) {
        case 0, 1: return tensorCell()
        case 2: return variableCell()
        case 3: return layerCell()
        case 4: return lossCell()
        case 5: return indexingCell()
        case 6: return moduleCell()
        default: return learnerCell()
        }
    }

    // MARK: Values

    /// A number literal, now and then an edge value.
    private mutating func number() -> String {
        if random.chance(0.1) {
            return random.pick(["0.0 / 0.0", "1.0 / 0.0", "-1.0 / 0.0", "1e20", "-1e20", "0", "-1", "1e-30"])
        }
        return random.pick(["0.5", "1", "2", "-1", "3", "0.25", "-2.5", "4", "0", "1.5"])
    }

    /// A number as a CSV field holds it, now and then one that does not read as a finite number.
    private mutating func csvNumber() -> String {
        random.chance(0.05) ? random.pick(["x", "nan", "inf", "1e20", ""]) : String(random.int(-3...9))
    }

    /// A small shape, now and then with a zero or an odd extent.
    private mutating func shape(rank: Int? = nil) -> [Int] {
        let rank = rank ?? random.int(0...3)
        return (0..<rank).map { _ in random.chance(0.08) ? random.pick([0, 7, 100]) : random.int(1...4) }
    }

    private func literal(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// An expression of type Tensor with the shape it has (nil when it depends on values).
    private mutating func tensor(_ wanted: [Int]? = nil) -> (code: String, shape: [Int]) {
        let s = wanted ?? shape()
        switch random.int(0...5) {
        case 0:
            note("Tensor.zeros")
            return ("Tensor.zeros(\(literal(s)))", s)
        case 1:
            note("Tensor.ones")
            return ("Tensor.ones(\(literal(s)))", s)
        case 2:
            note("Tensor.randn")
            return ("Tensor.randn(\(literal(s)))", s)
        case 3 where s.count == 1:
            note("Tensor([Double])")
            return ("Tensor([" + (0..<s[0]).map { _ in number() }.joined(separator: ", ") + "])", s)
        case 4 where s.count == 2 && s[0] > 0:
            note("Tensor(rows:)")
            let rows = (0..<s[0]).map { _ in
                "[" + (0..<s[1]).map { _ in number() }.joined(separator: ", ") + "]"
            }
            return ("Tensor(rows: [" + rows.joined(separator: ", ") + "])", s)
        case 5 where s.count == 1:
            note("Tensor.arange")
            return ("Tensor.arange(\(s[0]))", s)
        default:
            note("Tensor.randn")
            return ("Tensor.randn(\(literal(s)))", s)
        }
    }

    /// A shape that broadcasts with `s` most of the time, and now and then one that does not.
    private mutating func partner(_ s: [Int]) -> [Int] {
        if random.chance(0.15) { return shape() }
        var result = s
        for index in result.indices where random.chance(0.3) { result[index] = 1 }
        if random.chance(0.3), !result.isEmpty { result.removeFirst() }
        return result
    }

    private mutating func axis(_ rank: Int) -> Int {
        random.chance(0.1) ? random.pick([rank, -rank - 1, 5]) : random.int(-max(rank, 1)...max(rank - 1, 0))
    }

    // MARK: Cells

    private mutating func tensorCell() -> [String] {
        let (code, s) = tensor()
        let name = fresh("t")
        var lines = ["let \(name) = \(code)"]
        var current = name
        var currentShape = s
        for _ in 0..<random.int(1...4) {
            let next = fresh("t")
            let expression: String
            switch random.int(0...13) {
            case 0:
                let (other, otherShape) = tensor(partner(currentShape))
                let op = random.pick(["+", "-", "*", "/"])
                note("Tensor \(op) Tensor")
                expression = "\(current) \(op) \(other)"
                currentShape = otherShape.count > currentShape.count ? otherShape : currentShape
            case 1:
                let op = random.pick(["+", "-", "*", "/"])
                note("Tensor \(op) Double")
                expression =
                    random.chance(0.5) ? "\(current) \(op) \(number())" : "\(number()) \(op) \(current)"
            case 2:
                let f = random.pick([
                    "exp", "log", "sigmoid", "relu", "tanh", "abs", "sqrt", "squared", "squeeze", "float",
                ])
                note("Tensor.\(f)()")
                expression = "\(current).\(f)()"
            case 3:
                let f = random.pick(["sum", "mean", "max", "min"])
                note("Tensor.\(f)()")
                expression = "\(current).\(f)()"
                currentShape = []
            case 4:
                let f = random.pick(["sum", "mean"])
                note("Tensor.\(f)(axis:)")
                expression =
                    "\(current).\(f)(axis: \(axis(currentShape.count)), keepDims: \(random.chance(0.5)))"
            case 5:
                note("Tensor.softmax(axis:)")
                expression = "\(current).softmax(axis: \(axis(currentShape.count)))"
            case 6:
                note("Tensor.reshaped")
                var target = shape()
                if random.chance(0.5), !target.isEmpty { target[random.int(0...(target.count - 1))] = -1 }
                if random.chance(0.05) {
                    target = random.pick([[0, 4_294_967_296], [-2, 3], [Int.max, 0]])
                }
                expression = "\(current).reshaped(\(literal(target)))"
            case 7:
                note("Tensor.t()")
                expression = "\(current).t()"
            case 8:
                note("Tensor.matmul")
                let (other, _) = tensor(
                    random.chance(0.6) ? [currentShape.last ?? 1, random.int(1...3)] : shape())
                expression = "\(current).matmul(\(other))"
            case 9:
                note("Tensor.unsqueeze")
                expression = "\(current).unsqueeze(\(axis(currentShape.count + 1)))"
            case 10:
                note("Tensor.cat")
                let (other, _) = tensor(random.chance(0.7) ? currentShape : shape())
                expression = "Tensor.cat([\(current), \(other)], dim: \(axis(currentShape.count)))"
            case 11:
                note("Tensor.stack")
                let (other, _) = tensor(random.chance(0.7) ? currentShape : shape())
                expression = "Tensor.stack([\(current), \(other)], axis: \(random.int(0...2)))"
            case 12:
                note("Tensor.where")
                let (condition, _) = tensor(partner(currentShape))
                let (other, _) = tensor(partner(currentShape))
                expression = "\(current).where(\(condition) .> 0.5, \(other))"
            default:
                note("Tensor.item()")
                lines.append("let \(next) = \(current).item()")
                lines.append(next)
                return lines
            }
            lines.append("let \(next) = \(expression)")
            current = next
        }
        lines.append(random.chance(0.3) ? "\(current).shape" : current)
        return lines
    }

    private mutating func indexingCell() -> [String] {
        let (code, s) = tensor()
        let name = fresh("t")
        var lines = ["let \(name) = \(code)"]
        let extent = s.first ?? 1
        let bound =
            random.chance(0.8) ? random.int(0...max(extent, 0)) : random.pick([-1, extent + 3, 1_000_000])
        switch random.int(0...5) {
        case 0:
            note("Tensor.subscript(Int)")
            lines.append("\(name)[\(bound)]")
        case 1:
            note("Tensor.subscript(Range)")
            lines.append("\(name)[\(min(bound, 1))..<\(bound)]")
        case 2:
            note("Tensor.subscript(..<)")
            lines.append("\(name)[..<\(bound)]")
        case 3:
            note("Tensor.subscript(...)")
            lines.append("\(name)[\(bound)...]")
        case 4:
            note("Tensor.subscript(..., column)")
            lines.append("\(name)[..., \(random.int(-1...3))]")
        default:
            note("Tensor.argsort")
            lines.append("\(name).reshaped([-1]).argsort(descending: \(random.chance(0.5)))")
        }
        return lines
    }

    private mutating func variableCell() -> [String] {
        let (code, s) = tensor()
        let name = fresh("v")
        var lines = ["let \(name) = Variable(\(code))"]
        note("Variable(Tensor)")
        var current = name
        for _ in 0..<random.int(1...3) {
            let next = fresh("v")
            switch random.int(0...6) {
            case 0:
                let (other, _) = tensor(partner(s))
                let op = random.pick(["+", "-", "*", "/"])
                note("Variable \(op) Variable")
                lines.append("let \(next) = \(current) \(op) Variable(\(other))")
            case 1:
                let op = random.pick(["+", "-", "*", "/"])
                note("Variable \(op) Double")
                lines.append("let \(next) = \(current) \(op) \(number())")
            case 2:
                note("Variable.sum(axis:)")
                lines.append("let \(next) = \(current).sum(axis: \(axis(s.count)))")
            case 3:
                let f = random.pick(["sigmoid", "relu", "squeeze", "float"])
                note("Variable.\(f)()")
                lines.append("let \(next) = \(current).\(f)()")
            case 4:
                note("sigmoidRange")
                lines.append("let \(next) = sigmoidRange(\(current), \(number()), \(number()))")
            case 5:
                note("Parameter.subscript")
                let rows = random.int(0...4)
                let (ids, _) = tensor([random.int(0...3)])
                lines.append("let \(next) = Parameter(Tensor.randn([\(rows), 2]))[Variable(\(ids))]")
            default:
                note("Variable.cat")
                let (other, _) = tensor(random.chance(0.7) ? s : shape())
                lines.append(
                    "let \(next) = Variable.cat([\(current), Variable(\(other))], dim: \(axis(s.count)))")
            }
            current = next
        }
        lines.append(random.chance(0.5) ? "\(current).shape" : current)
        return lines
    }

    /// A layer expression and the width its input should have (nil: ids).
    private mutating func layer(depth: Int = 0) -> (code: String, input: Int?) {
        switch random.int(0...(depth > 1 ? 2 : 4)) {
        case 0:
            let (i, o) = (random.int(random.chance(0.05) ? 0...1 : 1...4), random.int(1...4))
            note("Linear")
            return ("Linear(\(i), \(o))", i)
        case 1:
            note("ReLU")
            return ("ReLU()", nil)
        case 2:
            note("SigmoidRange")
            return ("SigmoidRange(\(random.pick(["0", "-1"]))...\(random.pick(["1", "5.5"])))", nil)
        case 3:
            note("Embedding")
            return ("Embedding(\(random.int(1...5)), \(random.int(1...3)))", nil)
        default:
            note("Sequential")
            let parts = (0..<random.int(1...3)).map { _ in layer(depth: depth + 1) }
            return ("Sequential(" + parts.map(\.code).joined(separator: ", ") + ")", parts.first?.input)
        }
    }

    private mutating func layerCell() -> [String] {
        let (code, width) = layer()
        let input: String
        if let width, random.chance(0.7) {
            input = tensor([random.int(1...3), width]).code
        } else if random.chance(0.5) {
            input =
                "Tensor(["
                + (0..<random.int(1...3)).map { _ in
                    random.pick(["0", "1", "2", "4", "1e20", "1.0 / 0.0", "-1", "0.5"])
                }.joined(separator: ", ") + "])"
        } else {
            input = tensor().code
        }
        note("Layer.callAsFunction")
        let name = fresh("m")
        return [
            "let \(name) = \(code)", "let \(fresh("y")) = \(name)(Variable(\(input)))",
            "\(name).parameters.count",
        ]
    }

    private mutating func lossCell() -> [String] {
        let loss = random.pick([
            "MSELossFlat()", "L1LossFlat()", "CrossEntropyLossFlat()", "BCEWithLogitsLossFlat()",
        ])
        note(String(loss.dropLast(2)))
        let n = random.int(0...4)
        let c = random.int(0...4)
        let predictions = tensor(random.chance(0.7) ? [n, c] : shape()).code
        let targets: String
        if random.chance(0.6) {
            targets =
                "Tensor(["
                + (0..<(random.chance(0.8) ? n : random.int(0...5))).map { _ in
                    random.chance(0.85) ? String(random.int(0...max(c - 1, 0))) : number()
                }.joined(separator: ", ") + "])"
        } else {
            targets = tensor(random.chance(0.5) ? [n, c] : shape()).code
        }
        return ["let \(fresh("loss")) = \(loss)(Variable(\(predictions)), \(targets))"]
    }

    /// A `final class …: Module` the cell declares (a model of its own, as fastbook's chapter 8 writes
    /// them), called directly or trained by a learner on a tiny frame.
    private mutating func moduleCell() -> [String] {
        let name = fresh("Model")
        let hidden = random.int(1...4)
        let width = random.int(1...3)
        let inputs = random.int(1...2)
        note("Module (declared)")
        var lines = [
            "final class \(name): Module {",
            "    let first = Linear(\(inputs), \(hidden))",
            "    let second = Linear(\(random.chance(0.85) ? hidden : hidden + 1), \(width))",
            "    let table = Embedding(\(random.int(1...4)), \(random.int(1...2)))",
            "",
            "    func callAsFunction(_ x: Variable) -> Variable {",
        ]
        switch random.int(0...3) {
        case 0: lines.append("        second(first(x).relu())")
        case 1: lines.append("        sigmoidRange(second(first(x)), 0, \(random.pick(["1", "5.5"])))")
        case 2:
            lines.append(
                "        second(first(x)) + table(x[..., 0]).sum(axis: \(random.int(-1...2)), keepDims: true)"
            )
        default:
            lines.append(
                "        (second(first(x)) * \(random.pick(["x", "first(x)", "x[..., 0]"]))).sum(axis: 1)")
        }
        lines += ["    }", "}"]
        if random.chance(0.5) {
            note("Layer.callAsFunction")
            lines.append(
                "\(name)()(Variable(\(tensor([random.int(1...3), random.chance(0.8) ? inputs : 3]).code)))")
            return lines
        }
        let rows = random.int(3...8)
        let frame = (0..<rows).map { row in "[\"\(row)\", \"\(csvNumber())\", \"c\(random.int(0...2))\"]" }
        let category = random.chance(0.5)
        let getY = category ? "getY: { r in r[\"c\"] }" : "getY: { r in Double(r[\"y\"])! }"
        let getX =
            inputs == 1 ? "Tensor([Double(r[\"a\"])!])" : "Tensor([Double(r[\"a\"])!, Double(r[\"a\"])! / 2])"
        lines += [
            "let df = DataFrame(columns: [\"a\", \"y\", \"c\"], rows: [\(frame.joined(separator: ", "))])",
            "let dls = DataBlock(blocks: [IdentityBlock(), \(category ? "CategoryBlock()" : "RegressionBlock()")], "
                + "getX: { r in \(getX) }, \(getY), splitter: IndexSplitter([0])).dataloaders(df, bs: \(random.int(1...3)))",
            "let learn = Learner(dls, \(name)()\(random.chance(0.3) ? ", metrics: \(random.pick(["accuracy", "rmse", "mae"]))" : ""))",
            random.pick([
                "learn.fit(1, lr: 1e-2)", "learn.validate()", "learn.summary()", "learn.lrFind(numIt: 3)",
            ]),
        ]
        note("Learner (declared Module)")
        return lines
    }

    private mutating func learnerCell() -> [String] {
        let rows = random.int(random.chance(0.1) ? 0...2 : 3...8)
        let classes = random.int(1...4)
        let category = random.chance(0.5)
        let frame = (0..<rows).map { row in
            "[\"\(row + 1)\", \"\(csvNumber())\", \"c\(random.int(0...(classes - 1)))\"]"
        }
        note("DataFrame(columns:rows:)")
        note("DataBlock")
        note(category ? "CategoryBlock" : "RegressionBlock")
        // Mostly a proper split (some validation rows, all in range); now and then empty, all or wrong.
        let validCount = random.chance(0.9) ? random.int(1...max(rows / 2, 1)) : random.int(0...max(rows, 1))
        let valid = (0..<validCount).map { _ in
            String(random.chance(0.97) ? random.int(0...max(rows - 1, 0)) : rows)
        }.joined(separator: ", ")
        let target = category ? "CategoryBlock()" : "RegressionBlock()"
        let getY = category ? "getY: { r in r[\"c\"] }" : "getY: { r in Double(r[\"y\"])! }"
        let bs =
            random.chance(0.1) ? random.pick(["0", "9223372036854775807", "-1"]) : String(random.int(1...4))
        var lines = [
            "let df = DataFrame(columns: [\"a\", \"y\", \"c\"], rows: [\(frame.joined(separator: ", "))])",
            "let db = DataBlock(blocks: [IdentityBlock(), \(target)], getX: { r in Tensor([Double(r[\"a\"])!]) }, "
                + "\(getY), splitter: IndexSplitter([\(valid)]))",
            "let dls = db.dataloaders(df, bs: \(bs))",
        ]
        note("dataloaders")
        let width = random.chance(0.8) ? (category ? classes : 1) : random.int(1...5)
        let inputs = random.chance(0.9) ? 1 : random.int(2...3)
        let model = random.pick([
            "Linear(\(inputs), \(width))", "Sequential(Linear(\(inputs), 4), ReLU(), Linear(4, \(width)))",
        ])
        var arguments = "dls, \(model)"
        if random.chance(0.4) {
            let loss = random.pick([
                "MSELossFlat()", "L1LossFlat()", "CrossEntropyLossFlat()", "BCEWithLogitsLossFlat()",
            ])
            arguments += ", lossFunc: \(loss)"
        }
        if random.chance(0.4) {
            let metric = random.pick(["accuracy", "errorRate", "rmse", "mae", "accuracyMulti(thresh: 0.5)"])
            note("metric \(metric)")
            arguments += ", metrics: \(metric)"
        }
        note("Learner")
        lines.append("let learn = Learner(\(arguments))")
        for _ in 0..<random.int(1...2) {
            switch random.int(0...6) {
            case 0:
                note("Learner.fit")
                lines.append(
                    "learn.fit(\(random.int(0...2)), lr: \(random.pick(["1e-2", "0.1", "0", "1e6"])))")
            case 1:
                note("Learner.fitOneCycle")
                lines.append(
                    "learn.fitOneCycle(\(random.int(1...2)), lrMax: \(random.pick(["1e-2", "0.1"])), "
                        + "pctStart: \(random.pick(["0.25", "0", "1", "-0.5", "2"])))")
            case 2:
                note("Learner.validate")
                lines.append("learn.validate()")
            case 3:
                note("Learner.lrFind")
                lines.append("learn.lrFind(numIt: \(random.int(1...8)))")
            case 4:
                note("Learner.summary")
                lines.append("learn.summary()")
            case 5:
                note("Learner.getPreds")
                lines.append("learn.getPreds().0.shape")
            default:
                note("Recorder.values")
                lines.append("learn.fit(1)")
                lines.append("learn.recorder.values")
            }
        }
        return lines
    }
}
