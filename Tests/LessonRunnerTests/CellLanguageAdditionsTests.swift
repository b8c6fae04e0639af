import Foundation
import LessonSource
import Reporting
import Testing
import Training
import _TestSupport

@testable import LessonRunner

private func lessonText(_ cells: [(id: String, code: String)]) -> String {
    "# T\n\n" + cells.map { "```swift {#\($0.id)}\n\($0.code)\n```\n" }.joined(separator: "\n")
}

private func runLesson(_ text: String, registry: Registry = .toys()) -> LessonReport {
    LessonExecutor(registry: registry).run(SampleLesson.lesson(text)).report
}

private func checkLesson(_ text: String, registry: Registry = .toys()) -> [String] {
    LessonChecks.check([SampleLesson.lesson(text)], registry: registry).map(\.description)
}

private func values(_ report: LessonReport, _ id: String) -> [String] {
    (report.cells[id]?.outputs ?? []).compactMap { output in
        switch output {
        case .value(let text): text
        case .error(let diagnostic): "error: \(diagnostic.message)"
        default: nil
        }
    }
}

/// `let (lrMin, lrSteep) = learn.lrFind(suggestFuncs: [.minimum, .steep])`, as the seed writes it.
@Suite struct DestructuredLRFindTests {
    private func learnerCell() throws -> String {
        let folder = try ratingsFolder(rows: 120, users: 8, items: 6)
        return """
            let ratings = DataFrame.readCSV(Path("\(folder.path)/r.csv"))
            let dls = CollabDataLoaders.fromDF(ratings, bs: 8)
            let learn = Learner(dls, DotProductBias(dls.classes["user"].count, dls.classes["item"].count, 3), lossFunc: MSELossFlat())
            """
    }

    @Test func aPairOfNamesTakesTheSuggestionsInTheOrderAsked() throws {
        let text = lessonText([
            ("learn", try learnerCell()),
            (
                "find",
                """
                let (lrMin, lrSteep) = learn.lrFind(numIt: 12, suggestFuncs: [.minimum, .steep])
                let all = learn.lrFind(numIt: 12, suggestFuncs: [.minimum, .steep])
                #expect(lrMin == all.minimum! && lrSteep == all.steep!)
                (lrMin, lrSteep)
                """
            ),
            (
                "three",
                "let (a, b, c) = learn.lrFind(numIt: 12, suggestFuncs: [.valley, .minimum, .steep])\n[a, b, c].count"
            ),
            ("plain", "learn.lrFind(numIt: 12)"),
        ])
        #expect(checkLesson(text, registry: .standard()) == [])
        let report = runLesson(text, registry: .standard())
        for id in ["learn", "find", "three", "plain"] {
            #expect(report.cells[id]?.status == .passed, "\(id): \(report.cells[id]?.outputs ?? [])")
        }
        let shown = try #require(values(report, "find").last)
        // Two positive learning rates, minimum/10 first.
        let numbers = shown.dropFirst().dropLast().split(separator: ",").compactMap {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        #expect(numbers.count == 2 && numbers.allSatisfy { $0 > 0 }, "\(shown)")
        #expect(values(report, "three").last == "3")
        #expect(values(report, "plain").last?.hasPrefix("SuggestedLRs(valley=") == true)
    }

    @Test func unpackingIntoAnotherCountThanTheRulesIsALocatedErrorBeforeTraining() throws {
        let text = lessonText([
            ("learn", try learnerCell()),
            (
                "find",
                "let (lrMin, lrSteep) = learn.lrFind(numIt: 12, suggestFuncs: [.minimum, .steep, .valley])"
            ),
        ])
        let report = runLesson(text, registry: .standard())
        #expect(report.cells["find"]?.status == .failed)
        #expect(
            values(report, "find").contains(
                "error: 'lrFind' failed: lrFind(suggestFuncs:) names 3 rules (minimum, steep, valley) but its result is unpacked "
                    + "into 2 names; name one rule per name"), "\(values(report, "find"))")
    }

    @Test func theSeedsPythonFormSaysWhatToAdd() {
        let text = lessonText([
            (
                "a",
                "func f(_ learn: Learner) -> Double {\n    let (lrMin, lrSteep) = learn.lrFind()\n    return lrMin\n}"
            )
        ])
        #expect(
            checkLesson(text, registry: .standard()) == [
                "lessons/en/01-sample.md:5:9: error: cannot destructure a value of type SuggestedLRs into 2 names; "
                    + "'lrFind' gives 2 values when given 'suggestFuncs:' with one entry per name"
            ])
    }

    @Test func withoutAPatternTheCallStaysSuggestedLRs() {
        let text = lessonText([
            (
                "a",
                "func f(_ learn: Learner) -> SuggestedLRs { learn.lrFind(suggestFuncs: [.minimum, .steep]) }"
            )
        ])
        #expect(checkLesson(text, registry: .standard()) == [])
        let wrong = lessonText([
            (
                "a",
                "func f(_ learn: Learner) -> Double { let (a, b, c, d) = learn.lrFind(suggestFuncs: [.minimum]); return a }"
            )
        ])
        #expect(
            checkLesson(wrong, registry: .standard()).first?.contains("cannot destructure") == true,
            "\(checkLesson(wrong, registry: .standard()))")
    }
}

/// A cell's function that reads none of the cells' names may be called from a cell's type (#26 item 7).
@Suite struct CellFunctionsInTypesTests {
    @Test func aTypeCallsACellFunctionThatCapturesNothing() {
        let text = lessonText([
            (
                "funcs",
                """
                func scaled(_ x: Double, by k: Double = 2) -> Double { x * k }
                func twice(_ x: Double) -> Double { scaled(scaled(x), by: 1) }
                """
            ),
            (
                "type",
                """
                struct Box {
                    let v: Double
                    init(_ v: Double) { self.v = twice(v) }
                    var big: Double { scaled(v, by: 10) }
                }
                let b = Box(3)
                (b.v, b.big)
                """
            ),
        ])
        #expect(checkLesson(text) == [])
        let report = runLesson(text)
        #expect(values(report, "type") == ["(6.0, 60.0)"])
    }

    @Test func theTypeKeepsTheFunctionAsItWasWhenTheTypeWasDeclared() {
        let text = lessonText([
            ("f", "func unit() -> Int { 1 }"),
            ("type", "struct Counter {\n    func step() -> Int { unit() }\n}"),
            ("again", "func unit() -> Int { 100 }\n(Counter().step(), unit())"),
        ])
        #expect(values(runLesson(text), "again") == ["(1, 100)"])
    }

    @Test func aFunctionThatReadsTheCellsNamesIsAnErrorNamingTheName() {
        let text = lessonText([
            (
                "funcs",
                "let yRange = 0.0...5.5\nfunc top() -> Double { yRange.upperBound }\nfunc twice() -> Double { top() * 2 }"
            ),
            ("type", "struct P {\n    func f() -> Double { twice() }\n}"),
        ])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:11:26: error: 'twice' reads the cells' 'top', so a member of 'P' cannot call "
                    + "it (a type does not capture the cells' names in Swift): pass 'top' to 'twice' as a parameter"
            ])
        let direct = lessonText([
            ("funcs", "let yRange = 0.0...5.5\nfunc top() -> Double { yRange.upperBound }"),
            ("type", "struct P {\n    func f() -> Double { top() }\n}"),
        ])
        #expect(checkLesson(direct).first?.hasSuffix("pass 'yRange' to 'top' as a parameter") == true)
    }

    @Test func theCompiledTwinCopiesSuchAFunctionWithoutThrows() {
        let code = "func unit() -> Int { 1 }\nfunc other() -> Int { 2 }"
        let compiled = SwiftExporter.compiledForm(code, functionsUsedByTypes: ["unit"])
        #expect(
            compiled == "@Sendable func unit() -> Int { 1 }\n@Sendable func other() throws -> Int { try 2 }")
    }
}

/// `(lr: 1e-3, epochs: 3)`: labels read, shown and converted as Swift does.
@Suite struct LabeledTupleTests {
    @Test func labelsAreReadShownAndTakenFromTheDeclaredType() {
        let text = lessonText([
            (
                "t",
                """
                let t = (lr: 1e-3, epochs: 3)
                func bounds(_ xs: [Int]) -> (min: Int, max: Int) { (xs.min()!, xs.max()!) }
                let b = bounds([3, 1, 2])
                let (lo, hi) = b
                let u: (a: Double, b: String) = (1, "x")
                let plain: (Int, Int) = b
                #expect(t == (0.001, 3) && b == (min: 1, max: 3))
                (t, t.lr, t.1, b.max, lo, hi, u, plain, type(of: b))
                """
            )
        ])
        #expect(checkLesson(text) == [])
        #expect(
            values(runLesson(text), "t") == [
                "((lr: 0.001, epochs: 3), 0.001, 3, 3, 1, 3, (a: 1.0, b: \"x\"), (1, 3), (min: Int, max: Int))"
            ])
    }

    @Test func aVarTuplesElementsAreAssignable() {
        let text = lessonText([
            ("a", "var t = (lr: 1e-3, epochs: 3)\nt.lr = 0.01\nt.1 += 2\nt"),
            ("b", "let v = (lr: 1e-3, epochs: 3)\nv.lr = 2"),
            ("c", "var w = (lr: 1e-3, epochs: 3)\nw.epoch = 2"),
        ])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:12:1: error: cannot assign to value: 'v' is a 'let' constant",
                "lessons/en/01-sample.md:17:3: error: value of tuple type '(lr: Double, epochs: Int)' has no member "
                    + "'epoch'",
            ])
        #expect(values(runLesson(text), "a") == ["(lr: 0.01, epochs: 5)"])
    }

    @Test func aMissingLabelAndMismatchedLabelsAreErrors() {
        let text = lessonText([
            ("a", "let t = (lr: 1e-3, epochs: 3)\nt.epoch"),
            ("b", "let u: (a: Int, b: Int) = (c: 1, d: 2)"),
            ("c", "let v = (x: 1, x: 2)"),
        ])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:5:3: error: value of tuple type '(lr: Double, epochs: Int)' has no member "
                    + "'epoch'; did you mean 'epochs'?",
                "lessons/en/01-sample.md:9:27: error: cannot convert (c: Int, d: Int) to (a: Int, b: Int)",
                "lessons/en/01-sample.md:13:9: error: cannot create a tuple with a duplicate element label 'x'",
            ])
    }

    @Test func theCompiledTwinShowsALabeledTupleAsTheInterpreterDoes() {
        let tuple: (lr: Double, epochs: Int) = (1e-3, 3)
        #expect(Value(displaying: tuple).displayText == "(lr: 0.001, epochs: 3)")
        #expect(Value(displaying: (1, "a")).displayText == "(1, \"a\")")
    }
}

/// A function whose extra parameters all have defaults, passed where fewer are expected
/// (`getItems: getImageFiles`), in cells and in the compiled twin.
@Suite struct DefaultedFunctionValueTests {
    private let code = """
        func tag(_ word: String, suffix: String = "!", times: Int = 2) -> String {
            var text = word
            for _ in 0..<times { text += suffix }
            return text
        }
        func scale(x: Double, by k: Double = 10) -> Double { x * k }
        let tagged = ["a", "b"].map(tag)
        let scaled = [1.0, 2.0].map(scale)
        let files = [Path("images")].map(getImageFiles)
        """

    @Test func aCellFunctionRunsWithItsDefaults() {
        let text = lessonText([
            ("f", code.replacingOccurrences(of: "let files", with: "// let files") + "\n(tagged, scaled)")
        ])
        #expect(checkLesson(text) == [])
        #expect(values(runLesson(text), "f") == ["([\"a!!\", \"b!!\"], [10.0, 20.0])"])
    }

    @Test func aParameterWithoutADefaultStillDoesNotFit() {
        let text = lessonText([
            ("f", "func pair(_ a: String, _ b: String) -> String { a + b }\nlet x = [\"a\"].map(pair)")
        ])
        #expect(checkLesson(text).count == 1)
    }

    @Test func theCompiledTwinWritesTheClosureSwiftNeeds() {
        let lesson = SampleLesson.lesson(lessonText([("f", code)]))
        let source = SwiftExporter.source(
            for: [lesson], imports: [], command: "test", registry: nil, resolving: .standard())
        #expect(source.contains("let tagged = try [\"a\", \"b\"].map({ try tag($0) })"), "\(source)")
        #expect(source.contains("let scaled = try [1.0, 2.0].map({ try scale(x: $0) })"), "\(source)")
        // getImageFiles has no one-parameter overload in the library: the closure is what compiles.
        #expect(source.contains(".map({ try getImageFiles($0) })"), "\(source)")
        // Without a registry to resolve against, the code is copied as written.
        let copied = SwiftExporter.source(for: [lesson], imports: [], command: "test")
        #expect(copied.contains("].map(tag)"))
    }
}

/// fastbook's `class T(Module)` that only holds parameters (#26's `module.parameters()` item).
@Suite struct ParametersOnlyModuleTests {
    private let holder = """
        class Holder: Module {
            let a = Parameter(Tensor.ones([3]))
            let b = Linear(2, 1)
        }
        """

    @Test func itsParametersAreFoundAndCallingItIsALocatedError() {
        let text = lessonText([
            ("a", holder + "\nlet h = Holder()\n(h.parameters.count, h.parameters.map { $0.value.shape })"),
            ("b", "h(Variable(Tensor.ones([3])))"),
        ])
        #expect(
            checkLesson(text, registry: .standard()) == [
                "lessons/en/01-sample.md:13:1: error: 'Holder' has no forward: declare 'func callAsFunction(_ x: "
                    + "Variable) -> Variable' (or fastai's 'func forward(_ x: Variable) -> Variable') to call it"
            ])
        #expect(values(runLesson(text, registry: .standard()), "a") == ["(3, [[3], [1, 2], [1]])"])
    }

    @Test func trainingItFailsWithTheSameWords() throws {
        let folder = try ratingsFolder(rows: 40, users: 4, items: 4)
        let text = lessonText([
            (
                "a",
                holder + """

                    let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 8)
                    let learn = Learner(dls, Holder(), lossFunc: MSELossFlat())
                    learn.fit(1, lr: 1e-2)
                    """
            )
        ])
        let report = runLesson(text, registry: .standard())
        #expect(report.cells["a"]?.status == .failed)
        #expect(
            values(report, "a").contains { $0.contains(Message.noForward("Holder")) },
            "\(values(report, "a"))")
    }

    @Test func aCallAsFunctionOfAnotherSignatureStillDoesNotConform() {
        let text = lessonText([
            ("a", "final class Odd: Module {\n    func callAsFunction(_ x: Int) -> Int { x }\n}")
        ])
        #expect(
            checkLesson(text, registry: .standard()).first?.contains("does not conform to protocol 'Module'")
                == true)
    }

    @Test func theCompiledTwinGivesItAThrowingForward() {
        let compiled = SwiftExporter.compiledForm(holder)
        #expect(compiled.contains("    func callAsFunction(_ x: Variable) -> Variable { x }\n"))
        #expect(
            compiled.contains(
                "    func forward(_ x: Variable) throws -> Variable { throw TrainingError(\""
                    + Message.noForward("Holder") + "\") }\n}"))
        #expect(SwiftExporter.compiledForm("struct P {\n    let a = 1\n}") == "struct P {\n    let a = 1\n}")
    }
}

/// After a failed declaration, later uses of its type add no second error (#29).
@Suite struct FailedDeclarationTests {
    @Test func membersOfAFailedTypeAreUnavailableNotMissing() {
        let text = lessonText([
            ("declare", "struct Counter {\n    var count = 0\n    mutating func tick() { count += 1 }\n}"),
            (
                "use",
                "func first(_ x: Counter) -> Counter { x }\nlet k = { (x: Counter) in x.count }\nfirst(Counter()).count"
            ),
        ])
        let problems = checkLesson(text)
        #expect(
            problems.count == 1 && problems[0].contains("'mutating' is not part of the cell language"),
            "\(problems)")
        let report = runLesson(text)
        guard case .skipped(let reason)? = report.cells["use"]?.status else {
            Issue.record("use: \(String(describing: report.cells["use"]?.status))")
            return
        }
        #expect(reason.contains("needs 'Counter'"), "\(reason)")
    }

    @Test func aTypeThatResolvedKeepsItsMemberErrors() {
        let text = lessonText([
            ("declare", "struct Counter {\n    var count = 0\n}"),
            ("use", "Counter().cont"),
        ])
        #expect(checkLesson(text).first?.contains("has no member 'cont'; did you mean 'count'?") == true)
    }
}

/// `enum` declarations in cells (#26, #29).
@Suite struct EnumDeclarationTests {
    @Test func casesRawValuesAllCasesAndEquality() {
        let text = lessonText([
            (
                "e",
                """
                enum Split: String, CaseIterable {
                    case train, valid = "validation"
                }
                enum Level: Int { case low = 1, mid, high = 10 }
                enum Mode { case fast, slow }
                let mode: Mode = .slow
                #expect(Split.train == .train && Split.train != .valid && mode == .slow)
                #expect(Split(rawValue: "validation") == .valid && Split(rawValue: "valid") == nil)
                print(Split.valid, "\\(mode)")
                (Split.allCases, Split.valid.rawValue, Level.mid.rawValue, Level(rawValue: 10), mode, type(of: mode))
                """
            )
        ])
        #expect(checkLesson(text) == [])
        let report = runLesson(text)
        #expect(report.cells["e"]?.status == .passed, "\(report.cells["e"]?.outputs ?? [])")
        let printed = (report.cells["e"]?.outputs ?? []).compactMap { output -> String? in
            if case .text(let text) = output { return text }
            return nil
        }
        #expect(printed.joined().hasPrefix("valid slow"), "\(printed)")
        #expect(
            values(report, "e") == [
                "([Split.train, Split.valid], \"validation\", 2, Level.high, Mode.slow, Mode)"
            ])
    }

    @Test func whatAnEnumInACellCannotHoldIsNamed() {
        let text = lessonText([
            ("a", "enum Shape { case circle(Double) }"),
            ("b", "enum Mode { case fast\n    func speed() -> Int { 1 }\n}"),
            ("c", "enum Mode: Double { case fast }"),
            ("d", "enum Mode { case fast = 1 }"),
            ("e", "enum Mode: String { case a = \"x\", b = \"x\" }"),
            ("f", "enum Mode { case fast }\nMode.slow"),
        ])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:4:25: error: enum cases with associated values are not part of the cell language",
                "lessons/en/01-sample.md:9:5: error: an enum in a cell lists its cases ('case train, valid'); its methods, "
                    + "properties and nested types are not part of the cell language",
                "lessons/en/01-sample.md:14:12: error: 'Mode' cannot adopt 'Double': an enum in a cell may have a String "
                    + "or Int raw type and adopt CaseIterable, Equatable, Hashable",
                "lessons/en/01-sample.md:18:25: error: enum case cannot have a raw value if the enum does not have a raw type",
                "lessons/en/01-sample.md:22:35: error: raw value for enum case 'b' is not unique: 'a' has it too",
                "lessons/en/01-sample.md:27:6: error: type 'Mode' has no member 'slow'",
            ])
    }

    @Test func theCompiledTwinShowsACaseAsTheInterpreterDoes() {
        enum Split: String { case train }
        #expect(Value(displaying: Split.train).displayText == "Split.train")
        #expect(Value(displaying: [Split.train]).displayText == "[Split.train]")
        #expect(Value(displaying: Split.train).plainText == "train")
    }
}

/// `switch` over enums, numbers and strings, with Swift's exhaustiveness and `break` (#26).
@Suite struct SwitchTests {
    @Test func casesValuesRangesDefaultAndBreak() {
        let text = lessonText([
            (
                "s",
                """
                enum Mode { case fast, slow, off }
                func speed(_ m: Mode) -> Int {
                    switch m {
                    case .fast: return 10
                    case .slow, .off: return 1
                    }
                }
                func kind(_ word: String) -> String {
                    switch word {
                    case "cat", "dog": return "pet"
                    case "a"..<"c": return "early"
                    default: return "other"
                    }
                }
                var log: [Int] = []
                for i in 0..<6 {
                    switch i {
                    case 0: continue
                    case 4: break
                    case 2...3: log.append(i * 10)
                    default: log.append(i)
                    }
                    log.append(-1)
                }
                ([Mode.fast, .slow, .off].map(speed), ["dog", "bee", "zebra"].map(kind), log)
                """
            )
        ])
        #expect(checkLesson(text) == [])
        #expect(
            values(runLesson(text), "s") == [
                "([10, 1, 1], [\"pet\", \"early\", \"other\"], [1, -1, 20, -1, 30, -1, -1, 5, -1])"
            ])
    }

    @Test func aSwitchMustBeExhaustiveAndMatchValuesOnly() {
        let text = lessonText([
            (
                "a",
                "enum Mode { case fast, slow, off }\nlet m = Mode.fast\nswitch m {\ncase .fast: print(1)\n}"
            ),
            ("b", "switch 3 {\ncase 1: print(1)\n}"),
            ("c", "switch 3 {\ncase let x: print(x)\n}"),
            ("d", "switch 3 {\ncase \"a\": print(1)\ndefault: print(2)\n}"),
            ("e", "let y = switch 3 { default: 1 }"),
        ])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:6:1: error: switch must be exhaustive; add a case for .slow, .off or a "
                    + "default",
                "lessons/en/01-sample.md:12:1: error: switch must be exhaustive; add a default: case",
                "lessons/en/01-sample.md:19:6: error: a switch case in a cell matches values ('case .train, "
                    + ".valid:'); binding patterns are not part of the cell language",
                "lessons/en/01-sample.md:25:6: error: expression pattern of type 'String' cannot match values of "
                    + "type 'Int'",
                "lessons/en/01-sample.md:31:9: error: 'switch' as a value is not part of the cell language; use it "
                    + "as a statement",
            ])
    }

    @Test func theCompiledTwinTriesTheSubjectAndTheCaseBodies() {
        let compiled = SwiftExporter.compiledForm("switch f(x) {\ncase 1: g()\ndefault: break\n}")
        #expect(compiled == "switch try f(x) {\ncase 1: try g()\ndefault: break\n}")
    }
}

/// `as!`, `as?` and `as` as Swift has them: the compiled twin needs the cast where a value is typed `Any`
/// (an untyped DataBlock's sample), and the interpreter checks it as Swift does at run time.
@Suite struct CastTests {
    @Test func forcedConditionalAndUpcastsBehaveAsInSwift() {
        let text = lessonText([
            (
                "a",
                """
                let anything: Any = 3
                let n = anything as! Int
                let text = anything as? String
                let wide = 2 as Double
                #expect(text == nil)
                (n, text == nil, wide, (anything as? Int)! + 1)
                """
            ),
            ("b", "let s = anything as! String"),
        ])
        #expect(checkLesson(text) == [])
        let report = runLesson(text)
        #expect(values(report, "a") == ["(3, true, 2.0, 4)"])
        #expect(values(report, "b") == ["error: could not cast value of type 'Int' to 'String'"])
    }

    @Test func anUnknownTypeAndAnUpcastThatCannotBeAreErrors() {
        let text = lessonText([("a", "let x = 3 as Nope\nlet y = \"3\" as Int")])
        #expect(
            checkLesson(text) == [
                "lessons/en/01-sample.md:4:11: error: cannot find type 'Nope' in scope",
                "lessons/en/01-sample.md:5:13: error: 'String' is not convertible to 'Int'; did you mean to use "
                    + "'as!' to force downcast?",
            ])
    }
}
