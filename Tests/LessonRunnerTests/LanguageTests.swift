import LessonSource
import Reporting
import Testing
import _TestSupport

@testable import LessonRunner

private func run(_ text: String, registry: Registry = .toys()) -> LessonReport {
    LessonExecutor(registry: registry).run(SampleLesson.lesson(text)).report
}

private func lesson(_ cells: [(id: String, code: String)]) -> String {
    "# T\n\n" + cells.map { "```swift {#\($0.id)}\n\($0.code)\n```\n" }.joined(separator: "\n")
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

private func check(_ text: String, registry: Registry = .toys()) -> [String] {
    LessonChecks.check([SampleLesson.lesson(text)], registry: registry).map(\.description)
}

/// The constructs the seed teaches with: functions, control flow, closures with bodies, `!`, collections.
@Suite struct LanguageTests {
    @Test func functionsWithLabelsDefaultsAndControlFlow() {
        let report = run(
            lesson([
                (
                    "funcs",
                    """
                    func clamp(_ x: Int, low: Int = 0, high: Int = 10) -> Int {
                        if x < low { return low } else if x > high { return high }
                        return x
                    }
                    func firstEven(_ xs: [Int]) -> Int? {
                        for x in xs {
                            guard x % 2 == 0 else { continue }
                            return x
                        }
                        return nil
                    }
                    var total = 0
                    for i in 0..<5 { total += i }
                    var n = 0
                    while n < 3 { n += 1 }
                    #expect(clamp(42) == 10)
                    #expect(clamp(-3, low: -1) == -1)
                    #expect(firstEven([3, 5, 8, 9])! == 8)
                    #expect(firstEven([1]) == nil)
                    (total, n, clamp(7, high: 5))
                    """
                )
            ]))
        #expect(report.cells["funcs"]?.status == .passed, "\(shown(report, "funcs"))")
        #expect(shown(report, "funcs").last == "(10, 3, 5)")
    }

    @Test func recursionAndFunctionsAcrossCells() {
        let report = run(
            lesson([
                ("def", "func fib(_ n: Int) -> Int { n < 2 ? n : fib(n - 1) + fib(n - 2) }"),
                ("use", "[0, 1, 2, 10].map { fib($0) }"),
            ]))
        #expect(shown(report, "use") == ["[0, 1, 1, 55]"])
    }

    @Test func collectionMethodsKeepElementTypes() {
        let prefix = """
            let words = "b a c a".split(separator: " ")
            let sorted = words.sorted()
            let byLength = ["ccc", "a", "bb"].sorted(by: { $0.count < $1.count })
            let pairs = zip([1, 2, 3], ["x", "y", "z"]).map { p in "\\(p.0)\\(p.1)" }
            let sum = [1, 2, 3, 4].filter { $0 % 2 == 0 }.reduce(0) { $0 + $1 }
            var seen: [String] = []

            """
        // `where` on a for loop is outside the language: one located error.
        let report = run(
            lesson([("c", prefix + "for (i, w) in words.enumerated() where i < 2 { seen.append(w) }")]))
        #expect(
            shown(report, "c") == [
                "error: lessons/en/01-sample.md:10:34: error: 'where' in a for loop is not part of the cell language; use 'if' in the body"
            ])
        let loop = """
            for (i, w) in words.enumerated() {
                if i < 2 { seen.append(w) }
            }
            (sorted.joined(separator: ","), byLength, pairs, sum, seen, words.first!, words.contains("c"))
            """
        let fixed = run(lesson([("c", prefix + loop)]))
        #expect(
            shown(fixed, "c") == [
                "(\"a,a,b,c\", [\"a\", \"bb\", \"ccc\"], [\"1x\", \"2y\", \"3z\"], 6, [\"b\", \"a\"], \"b\", true)"
            ])
    }

    @Test func multiStatementClosuresAndFunctionsAsArguments() {
        let report = run(
            lesson([
                (
                    "c",
                    """
                    func double(_ x: Double) -> Double { x * 2 }
                    let a = apply([1, 2], double)
                    let b = apply([1, 2]) { x in
                        let y = x + 1
                        return y * y
                    }
                    (a, b)
                    """
                )
            ]))
        #expect(shown(report, "c") == ["([2.0, 4.0], [4.0, 9.0])"])
    }

    @Test func aNameDeclaredWithATypeIsAssignedLater() {
        let report = run(
            lesson([
                (
                    "c",
                    "let n: Int\nif 2 > 1 {\n    n = 3\n} else {\n    n = 4\n}\nvar total: Double\ntotal = 1\ntotal += 1"
                ),
                ("d", "(n, total)"),
            ]))
        #expect(shown(report, "d") == ["(3, 2.0)"])
        #expect(
            check(lesson([("c", "let n: Int\nlet m = n + 1")]))
                == ["lessons/en/01-sample.md:5:9: error: constant 'n' used before being initialized"])
        #expect(
            check(lesson([("c", "let (a, b)")])) == [
                "lessons/en/01-sample.md:4:5: error: '(a, b)' needs a value or a type: cells bind names with "
                    + "'let name = value', or declare 'let name: Type' and assign it before use"
            ])
    }

    @Test func forceUnwrappingNilIsALocatedError() {
        let report = run(lesson([("c", "let xs: [Int] = []\nlet x = xs.first!")]))
        #expect(
            shown(report, "c") == [
                "error: lessons/en/01-sample.md:5:17: error: unexpectedly found nil while unwrapping an Optional value"
            ])
    }

    @Test func untypedValuesResolveWhenTheyRun() {
        // `Value`-returning steps and untyped closure parameters are resolved with their run-time types.
        let report = run(
            lesson([
                (
                    "c",
                    "let rows = [Row(fname: \"a.png\", labels: \"cat dog\")]\nrows.map { r in r[\"labels\"] }"
                )
            ]))
        #expect(shown(report, "c") == ["[\"cat dog\"]"])
    }

    @Test func mistakesInEachNewConstructAreReportedAtOnce() {
        let diagnostics = check(
            lesson([
                (
                    "a",
                    """
                    func f(_ x: Int) -> Int {
                        let y = x + "s"
                    }
                    for i in 3 { print(i) }
                    if 1 { print(2) }
                    let g = { (x: Int) in
                        return x.nope
                    }
                    let z = 1!
                    guard true else { print(1) }
                    break
                    f(x: 1)
                    """
                )
            ]))
        #expect(
            diagnostics == [
                "lessons/en/01-sample.md:4:6: error: missing return in a function expected to return 'Int'",
                "lessons/en/01-sample.md:5:15: error: binary operator '+' cannot be applied to operands of type Int and String",
                "lessons/en/01-sample.md:7:10: error: for-in needs an array, a dictionary or an integer range, not Int",
                "lessons/en/01-sample.md:8:4: error: a condition must be a Bool, not Int",
                "lessons/en/01-sample.md:10:14: error: value of type 'Int' has no member 'nope'",
                "lessons/en/01-sample.md:12:10: error: cannot force unwrap value of non-optional type Int",
                "lessons/en/01-sample.md:13:1: error: 'guard' belongs inside a function, closure or loop, where its 'else' can leave",
                "lessons/en/01-sample.md:13:1: error: 'guard' body must not fall through; end it with return, break or continue",
                "lessons/en/01-sample.md:14:1: error: 'break' belongs inside a loop",
                "lessons/en/01-sample.md:15:3: error: extraneous argument label 'x:' in call to 'f'",
            ])
    }
}

/// Swift that fastbook's readers write first (issue: fastbook chapters as people write them).
@Suite struct WrittenAsSwiftTests {
    @Test func aPlainClassIsTakenAsFinal() {
        let report = run(
            lesson([
                (
                    "c",
                    "class Tally {\n    var n = 0\n    func bump() { n += 1 }\n}\nlet t = Tally()\nt.bump()\nt.n"
                )
            ]))
        #expect(shown(report, "c") == ["1"])
    }

    @Test func aLocalShadowsAParameter() {
        let report = run(
            lesson([
                (
                    "s",
                    "func f(inputs: Double) -> Double {\n    let inputs = inputs * 2\n    return inputs + 1\n}\nf(inputs: 3)"
                )
            ]))
        #expect(shown(report, "s") == ["7.0"])
        // Still one declaration per scope.
        #expect(
            check(lesson([("d", "func g(x: Int) -> Int {\n    let y = x\n    let y = 2\n    return y\n}")]))
                .contains { $0.contains("invalid redeclaration of 'y'") })
    }

    @Test func stringFormatFormatsAsFoundationAndChecksItsArguments() {
        let report = run(
            lesson([
                ("f", "String(format: \"%.2f|%5d|%-3d|%@|%x|%%|%e\", 3.14159, 42, 7, \"x\", 255, 12345.678)"),
                ("missing", "String(format: \"%d and %d\", 1)"),
                ("wrong", "String(format: \"%d\", 2.5)"),
                ("extra", "String(format: \"%d\", 1, 2)"),
            ]))
        #expect(shown(report, "f") == ["\"3.14|   42|7  |x|ff|%|1.234568e+04\""])
        #expect(shown(report, "missing").first?.contains("'%d' has no argument") == true)
        #expect(shown(report, "wrong").first?.contains("'%d' needs an Int, not Double") == true)
        #expect(shown(report, "extra").first?.contains("1 argument left over") == true)
    }

    @Test func typeOfShowsTheTypeAsSwiftPrintsIt() {
        let report = run(
            lesson([("t", "let o: Int? = 1\n(type(of: 3.0), type(of: [1, 2]), type(of: \"a\"), type(of: o))")]
            ))
        #expect(shown(report, "t") == ["(Double, Array<Int>, String, Optional<Int>)"])
    }

    @Test func dictionariesAreTypedAndTheirMistakesLocated() {
        let problems = check(
            lesson([
                ("a", "let d: [String: Int] = [\"a\": \"b\"]"),
                ("b", "let e = [\"a\": 1]\ne[2]"),
                ("c", "let f = [[1]: 1]"),
                ("d", "let g = [\"a\": 1]\ng[\"a\"] = 2"),
            ]))
        #expect(
            problems.contains { $0.hasSuffix("cannot convert String to Int for a value of [String: Int]") })
        #expect(problems.contains { $0.hasSuffix("cannot convert Int to String for a key") })
        #expect(
            problems.contains {
                $0.hasSuffix("a dictionary's keys are strings, numbers or booleans, not [Int]")
            })
        #expect(problems.contains { $0.contains("'g'") && $0.contains("let") })
        let report = run(
            lesson([
                (
                    "e",
                    "var d: [String: Double] = [:]\nd[\"x\"] = 1\nd[\"x\", default: 0] += 2\n(d, d.isEmpty, d.values)"
                )
            ]))
        #expect(shown(report, "e") == ["([\"x\": 3.0], false, [3.0])"])
    }

    @Test func aClosureOfTwoParametersTakesAPairApart() {
        let report = run(
            lesson([
                ("z", "zip([1, 2], [\"x\", \"y\"]).map { \"\\($0) → \\($1)\" }"),
                ("n", "zip([1.0, 2.0], [3.0, 4.0]).map { x, y in x * y }"),
            ]))
        #expect(shown(report, "z") == ["[\"1 → x\", \"2 → y\"]"])
        #expect(shown(report, "n") == ["[3.0, 8.0]"])
    }
}

/// Regression tests for the three defects found by writing fastbook's `08_collab` as cells.
@Suite struct DependencyTests {
    @Test func aCellThatBindsANameItselfIsNotSkippedForAnEarlierFailure() {
        let report = run(
            lesson([
                ("a", "let n = Countr(start: 1)"),
                ("b", "let n = 1\nn + 1"),
            ]))
        #expect(report.cells["a"]?.status == .failed)
        #expect(report.cells["b"]?.status == .passed)
        #expect(shown(report, "b") == ["2"])
    }

    @Test func aFailedRedefinitionNeverRunsLaterCellsOnTheStaleValue() {
        let report = run(
            lesson([
                ("a", "let counter = Counter(start: 1)"),
                ("b", "let counter = Counter(start: 2)\nexplode(\"midway\")"),
                ("c", "counter.count"),
            ]))
        #expect(report.cells["b"]?.status == .failed)
        // `counter` was rebound by b before it failed: c uses b's value, which b did define.
        #expect(report.cells["c"]?.status == .passed)
        #expect(shown(report, "c") == ["2"])

        let stale = run(
            lesson([
                ("a", "let counter = Counter(start: 1)"),
                ("b", "explode(\"first\")\nlet counter = Counter(start: 2)"),
                ("c", "counter.count"),
            ]))
        #expect(
            stale.cells["c"]?.status == .skipped(reason: "needs 'counter', which cell 'b' did not define"))

        let unresolved = run(
            lesson([
                ("a", "let counter = Counter(start: 1)"),
                ("b", "let counter = Counter(strat: 2)"),
                ("c", "counter.count"),
            ]))
        #expect(
            unresolved.cells["c"]?.status
                == .skipped(reason: "needs 'counter', which cell 'b' did not define"))
    }

    @Test func aTypeTheLessonDeclaresNeverResolvesToTheLibrarys() {
        let text = lesson([
            ("a", "struct Counter {\n    var count = 0\n}"),
            ("b", "let c = Counter(start: 3)"),
        ])
        // The cell's `Counter` shadows the library's: its memberwise init has no `start:`.
        let report = run(text)
        #expect(report.cells["a"]?.status == .passed)
        #expect(report.cells["b"]?.status == .failed)
        #expect(check(text) == ["lessons/en/01-sample.md:10:17: error: 'Counter' has no argument 'start'"])
    }
}

/// Inputs the fuzzer found that made the parser take time exponential in their nesting.
@Suite struct ParserLimitTests {
    @Test func deeplyNestedBracketsAreALocatedErrorNotAHang() {
        let start = ContinuousClock.now
        let deep = "let r = " + String(repeating: "[", count: 40) + "1" + String(repeating: "]", count: 40)
        let unclosed = "let r = D" + String(repeating: "[", count: 110)
        for code in [deep, unclosed] {
            #expect(
                check(lesson([("c", code)])) == [
                    "lessons/en/01-sample.md:4:\(code.hasPrefix("let r = D") ? 22 : 21): error: brackets nest more "
                        + "than 12 levels deep here; the cell language allows 12"
                ])
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        // Twelve levels (and brackets inside strings and comments) are fine.
        let twelve =
            "let s = \"[[[[[[[[[[[[[[\" // [[[[[[[[[[[[[[\n" + String(repeating: "[", count: 12) + "1"
            + String(repeating: "]", count: 12)
        #expect(check(lesson([("c", twelve)])) == [])
    }
}
