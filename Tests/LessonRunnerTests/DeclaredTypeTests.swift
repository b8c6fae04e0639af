import Foundation
import LessonSource
import Reporting
import TensorCore
import Testing
import Training
import _TestSupport

@testable import LessonRunner

private func lesson(_ cells: [(id: String, code: String)]) -> Lesson {
    SampleLesson.lesson(
        "# T\n\n" + cells.map { "```swift {#\($0.id)}\n\($0.code)\n```\n" }.joined(separator: "\n"))
}

private func shown(_ report: LessonReport, _ id: String) -> [String] {
    (report.cells[id]?.outputs ?? []).map { output in
        switch output {
        case .value(let text), .text(let text): text
        case .error(let diagnostic): "error: \(diagnostic.description)"
        case .check(let check): "check \(check.passed ? "passed" : "failed"): \(check.expression)"
        default: "\(output)"
        }
    }
}

/// fastbook's `DotProductBias`, written in a cell exactly as the library writes it.
private let cellModel = """
    final class DotProductBias: Module {
        let userFactors: Embedding
        let userBias: Embedding
        let movieFactors: Embedding
        let movieBias: Embedding
        let yRange: ClosedRange<Double>

        init(_ nUsers: Int, _ nMovies: Int, _ nFactors: Int, yRange: ClosedRange<Double> = 0...5.5) {
            userFactors = Embedding(nUsers, nFactors)
            userBias = Embedding(nUsers, 1)
            movieFactors = Embedding(nMovies, nFactors)
            movieBias = Embedding(nMovies, 1)
            self.yRange = yRange
        }

        func callAsFunction(_ x: Variable) -> Variable {
            let users = userFactors(x[..., 0])
            let movies = movieFactors(x[..., 1])
            let dot = (users * movies).sum(axis: 1, keepDims: true)
            return sigmoidRange(dot + userBias(x[..., 0]) + movieBias(x[..., 1]), yRange.lowerBound, yRange.upperBound)
        }
    }
    """

@Suite struct DeclaredTypeTests {
    @Test func structsAreCopiedAndClassesShared() {
        let report = LessonExecutor(registry: .standard()).run(
            lesson([
                (
                    "s",
                    """
                    struct Point {
                        var x: Double
                        var y: Double = 2
                        var norm: Double { sqrt(x * x + y * y) }
                        func scaled(by k: Double) -> Point { Point(x: x * k, y: y * k) }
                    }
                    var p = Point(x: 3)
                    var q = p
                    q.x = 10
                    let r = p.scaled(by: 2)
                    (p.x, q.x, r.y, Point(x: 3, y: 4).norm)
                    """
                ),
                (
                    "c",
                    """
                    final class Counter {
                        var count = 0
                        let step: Int
                        init(step: Int = 1) { self.step = step }
                        func tick() { count += step }
                    }
                    let a = Counter(step: 3)
                    let b = a
                    a.tick()
                    b.tick()
                    (a.count, Counter().step)
                    """
                ),
            ])
        ).report
        #expect(shown(report, "s") == ["(3.0, 10.0, 4.0, 5.0)"])
        #expect(shown(report, "c") == ["(6, 1)"])
    }

    @Test func aModelDeclaredInACellTrainsAsTheLibrarysDoes() throws {
        let folder = try ratingsFolder(rows: 600, users: 30, items: 23)
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = """
            let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 32)
            let nUsers = dls.classes["user"].count
            let nMovies = dls.classes["item"].count
            """
        let fit = """
            let model = DotProductBias(nUsers, nMovies, 8)
            let learn = Learner(dls, model, lossFunc: MSELossFlat())
            learn.fitOneCycle(2, lrMax: 5e-3, wd: 0.1)
            """
        func learner(_ cells: [(id: String, code: String)]) throws -> AnyLearner {
            let run = LessonExecutor(registry: .standard()).run(lesson(cells))
            for (id, cell) in run.report.cells {
                #expect(cell.status == .passed, "\(id): \(shown(run.report, id))")
            }
            guard case .object(let object)? = run.namespace["learn"],
                let learn = object.payload as? AnyLearner
            else {
                throw StepError("no learner")
            }
            return learn
        }
        let library = try learner([("data", data), ("fit", fit)])
        let declared = try learner([("data", data), ("model", cellModel), ("fit", fit)])
        #expect(declared.model is DeclaredLayer)
        #expect(String(describing: type(of: library.model)) == "DotProductBias")
        #expect(declared.recorder.values == library.recorder.values)
        #expect(declared.recorder.losses == library.recorder.losses)
        #expect(
            declared.model.namedParameters.map(\.name) == [
                "userFactors.weight", "userBias.weight", "movieFactors.weight", "movieBias.weight",
            ])
        #expect(declared.model.namedParameters.map(\.name) == library.model.namedParameters.map(\.name))
        for (a, b) in zip(declared.model.parameters, library.model.parameters) { #expect(a.value == b.value) }

        // The library's machinery works on it: predictions, checkpoints, state, freezing, modes.
        let (preds, _) = try declared.getPreds()
        let (expected, _) = try library.getPreds()
        #expect(preds == expected)
        let checkpoint = try declared.checkpointData()
        let state = declared.state
        declared.model.parameters[0].value = Tensor.zeros(declared.model.parameters[0].shape)
        try declared.restore(from: checkpoint)
        try declared.restore(state)
        #expect(try declared.getPreds().0 == expected)
        declared.model.eval()
        #expect(!declared.model.isTraining)
        #expect(declared.model.children.allSatisfy { !$0.layer.isTraining })
    }

    /// What fastai lets a model written in a cell do besides training: compute with a raw parameter,
    /// be summarised, frozen, saved and loaded back.
    @Test func aCellsModelIsSummarisedFrozenSavedAndLoaded() throws {
        let folder = try ratingsFolder(rows: 200, users: 10, items: 7)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = LessonExecutor(registry: .standard()).run(
            lesson([
                (
                    "model",
                    """
                    let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 32)
                    final class Scaled: Module {
                        let factors = Embedding(11, 3)
                        let scale = Parameter(Tensor.ones([1]))
                        func callAsFunction(_ x: Variable) -> Variable {
                            factors(x[..., 0]).sum(axis: 1) * scale + scale * scale - 1.0
                        }
                    }
                    let learn = Learner(dls, Scaled(), lossFunc: MSELossFlat())
                    learn.summary()
                    """
                ),
                (
                    "save",
                    """
                    learn.freeze()
                    learn.fit(1, lr: 1e-2)
                    learn.save("stage-1")
                    let saved = learn.validate()
                    learn.fit(1, lr: 1e-2)
                    let moved = learn.validate()
                    learn.load("stage-1")
                    (saved == learn.validate(), moved != saved, learn.model.scale.value.shape)
                    """
                ),
                ("missing", "learn.load(\"stage-2\")"),
            ]))
        let summary = shown(run.report, "model").joined()
        #expect(summary.hasPrefix("Scaled (Input shape: 32 x 2)\n"))
        #expect(summary.contains("\nEmbedding                                 33         True      \n"))
        #expect(summary.contains("Total params: 34\n"))
        #expect(shown(run.report, "save").last == "(true, true, [1])")
        let missing = shown(run.report, "missing").joined()
        #expect(missing.contains("no saved model 'stage-1'") == false)
        #expect(missing.contains("no saved model 'stage-2' at "))
        #expect(missing.contains("/01-sample/models/stage-2.pth"))
    }

    @Test func aWrongShapeInACellsForwardIsALocatedError() throws {
        let folder = try ratingsFolder(rows: 200, users: 10, items: 7)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = LessonExecutor(registry: .standard()).run(
            lesson([
                (
                    "data",
                    "let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path(\"\(folder.path)/r.csv\")), bs: 32)"
                ),
                (
                    "model",
                    """
                    final class Broken: Module {
                        let factors = Embedding(20, 4)
                        func callAsFunction(_ x: Variable) -> Variable {
                            factors(x[..., 2]).sum(axis: 1)
                        }
                    }
                    """
                ),
                ("fit", "Learner(dls, Broken(), lossFunc: MSELossFlat()).fit(1)"),
            ])
        ).report
        #expect(report.cells["model"]?.status == .passed)
        #expect(
            shown(report, "fit") == [
                "error: lessons/en/01-sample.md:11:18: error: x[..., 2] is out of range for shape [32, 2]"
            ])
    }

    /// What fastbook's chapter 8 does to tensors and vocabularies, in cells: rows by ranges and partial
    /// ranges, `o2i`, and a trained model's own layers through `learn.model`.
    @Test func chapterEightRowsVocabulariesAndModelMembersInCells() throws {
        let folder = try ratingsFolder(rows: 200, users: 10, items: 7)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = LessonExecutor(registry: .standard()).run(
            lesson([
                (
                    "rows",
                    """
                    let t = Tensor.arange(6)
                    (t[..<2], t[4...], t[2..<4], t[6...])
                    """
                ),
                ("past", "t[..<7]"),
                (
                    "cat",
                    """
                    let joined = Tensor.concat([t[..<2], t[4...]])
                    (joined, Tensor.concat([Tensor.ones([2, 1]), Tensor.zeros([2, 2])], axis: -1).shape, Tensor.cat([Tensor.ones([2, 1]), Tensor.zeros([2, 2])], dim: 1).shape)
                    """
                ),
                ("cat-mismatch", "Tensor.concat([Tensor.ones([2, 1]), Tensor.zeros([3, 2])], axis: 1)"),
                (
                    "vocab",
                    """
                    let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 32)
                    let items = dls.classes["item"]
                    (items.o2i["3"], items.o2i["#na#"], items.o2i["no such item"], items[items.o2i["3"]!], items.count)
                    """
                ),
                ("declare", cellModel),
                (
                    "model",
                    """
                    let learn = collabLearner(dls, nFactors: 4, yRange: 0...5.5)
                    let own = Learner(dls, DotProductBias(10, 8, 3), lossFunc: MSELossFlat())
                    (learn.model.iBias.weight.shape, own.model.movieBias.weight.shape, own.model.parameterNames)
                    """
                ),
                (
                    "array-rows",
                    """
                    let w = [1, 2, 3, 4]
                    (w[2...], w[..<1], w[4...], Tensor([3.0, 1.0, 2.0]).argsort(descending: true)[..<2])
                    """
                ),
                ("array-past", "w[..<5]"),
                (
                    "stack",
                    "(Variable.stack([Variable(Tensor.ones([2])), Variable(Tensor.zeros([2]))], axis: 1).shape, Tensor.stack([t, t]).shape)"
                ),
                ("stack-mismatch", "Tensor.stack([Tensor.ones([2]), Tensor.zeros([3])])"),
            ])
        ).report
        #expect(
            shown(report, "rows") == ["(tensor([0., 1.]), tensor([4., 5.]), tensor([2., 3.]), tensor([]))"])
        #expect(
            shown(report, "past") == [
                "error: lessons/en/01-sample.md:9:2: error: rows ..<7 are out of range for shape [6]"
            ])
        #expect(shown(report, "cat") == ["(tensor([0., 1., 4., 5.]), [2, 3], [2, 3])"])
        #expect(
            shown(report, "cat-mismatch") == [
                "error: lessons/en/01-sample.md:18:8: error: cannot concat shapes [2, 1] and [3, 2] on axis 1"
            ])
        #expect(shown(report, "vocab") == ["(4, 0, nil, \"3\", 8)"])
        #expect(
            shown(report, "model") == [
                "([8, 1], [8, 1], [\"userFactors.weight\", \"userBias.weight\", \"movieFactors.weight\", \"movieBias.weight\"])"
            ])
        #expect(shown(report, "array-rows") == ["([3, 4], [1], [], [0, 2])"])
        let past = shown(report, "array-past")
        #expect(
            past.count == 1
                && past[0].hasSuffix("error: range ..<5 is out of bounds for an array of 4 elements"))
        #expect(shown(report, "stack") == ["([2, 2], [2, 6])"])
        let mismatch = shown(report, "stack-mismatch")
        #expect(
            mismatch.count == 1
                && mismatch[0].hasSuffix("error: stack needs tensors of one shape and an axis ≤ their rank"))
    }

    @Test func mistakesInDeclarationsAreFoundInOneCheck() {
        let text = """
            # T

            ```swift {#a}
            final class NoForward: Module {
                func callAsFunction(_ x: Int) -> Int { x }
            }
            ```

            ```swift {#b}
            struct Box {
                let size: Int
                let label: String
                init(size: Int) { self.size = size }
                func scaled(by k: Int) -> Int { size * k }
            }
            let box = Box(size: 2)
            box.scaled(times: 3)
            ```

            ```swift {#c}
            final class Base: Module {
                let w = Linear(2, 1)
                func callAsFunction(_ x: Variable) -> Variable { w(x) }
            }
            final class Derived: Base {
                override func callAsFunction(_ x: Variable) -> Variable { w(x).relu() }
            }
            struct Counter {
                var count = 0
                mutating func tick() { count += 1 }
            }
            final class Other: Base {
                let extra = 1
            }
            ```
            """
        let diagnostics = LessonChecks.check([SampleLesson.lesson(text)], registry: .standard()).map(
            \.description)
        #expect(
            diagnostics == [
                "lessons/en/01-sample.md:4:13: error: type 'NoForward' does not conform to protocol 'Module': add 'func callAsFunction(_ x: Variable) -> Variable', its forward pass",
                "lessons/en/01-sample.md:13:5: error: initializer does not set stored property 'label' of 'Box'; set 'self.label' or give it a value where it is declared",
                "lessons/en/01-sample.md:17:12: error: 'scaled' has no argument 'times'",
                "lessons/en/01-sample.md:26:5: error: 'override' is not part of the cell language: cells declare no subclasses, so there is nothing to override",
                "lessons/en/01-sample.md:30:5: error: 'mutating' is not part of the cell language: a struct's methods cannot change it in a cell; make it a 'final class' (whose methods may set its 'var' properties) or return a changed copy",
                "lessons/en/01-sample.md:32:20: error: 'Other' cannot inherit from 'Base': cells declare no subclasses; give 'Other' the properties it needs and adopt Module (or Layer)",
            ])
    }

    @Test func aMemberCannotCaptureTheCellsNames() {
        let text = """
            # T

            ```swift {#a}
            let scale = 2.0
            struct Scaler {
                func apply(_ x: Double) -> Double { x * scale }
            }
            ```
            """
        let diagnostics = LessonChecks.check([SampleLesson.lesson(text)], registry: .standard()).map(
            \.description)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.contains("'scale' belongs to the lesson's cells") == true)
    }
}
