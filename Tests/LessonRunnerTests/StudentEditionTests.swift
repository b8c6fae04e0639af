import LessonSource
import Testing

@testable import LessonRunner

private func edition(_ text: String, path: String = "lessons/en/01-sample.md") throws -> String {
    try StudentEdition.make(LessonParser.parse(text, path: path).0, text: text, registry: .toys())
}

@Suite struct StudentEditionTests {
    @Test func placeholdersKeepTheSolutionsTypesInTheLessonsLanguage() throws {
        let text = """
            # T

            ```swift {#pair .exercise}
            let base = 2
            // BEGIN SOLUTION
            let (a, b) = (base * 3, "x")
            var scale: Double = 1.5
            // END SOLUTION
            let c = a + 1
            ```

            ```swift {#nested .exercise}
            let xs = [1, 2, 3]
            ```
            """
        #expect(
            try edition(text) == """
                # T

                ```swift {#pair .exercise}
                let base = 2
                // YOUR CODE HERE
                let (a, b): (Int, String) = todo()
                var scale: Double = todo()
                let c = a + 1
                ```

                ```swift {#nested .exercise}
                // YOUR CODE HERE
                let xs: [Int] = todo()
                ```
                """)
        // The Thai lesson's placeholder comment is Thai; the two editions still pair.
        let thai = try edition(text, path: "lessons/th/01-sample.md")
        #expect(thai.contains("// เขียนโค้ดของคุณตรงนี้\nlet (a, b): (Int, String) = todo()"))
        let pair = LessonChecks.comparePairs([
            LessonParser.parse(try edition(text), path: "s/en/01.md").0,
            LessonParser.parse(thai, path: "s/th/01.md").0,
        ])
        #expect(pair.isEmpty, "\(pair)")
    }

    @Test func theStudentEditionChecksCleanAndItsTodosEndCellsAsNotDone() throws {
        let text = """
            # T

            ```swift {#n .exercise}
            // BEGIN SOLUTION
            let n = 4
            // END SOLUTION
            ```

            ```swift {#twice .exercise}
            func twice(_ x: Int) -> Int {
                // BEGIN SOLUTION
                return 2 * x
                // END SOLUTION
            }
            ```

            ```swift {#use}
            #expect(twice(n) == 8)
            ```

            ```swift {#n-hidden .hidden-check}
            #expect(n == 4)
            ```
            """
        let student = LessonParser.parse(try edition(text), path: "lessons/en/01-sample.md").0
        #expect(!student.cells.contains { $0.id == "n-hidden" })
        #expect(LessonChecks.check([student], registry: .toys()).isEmpty)
        let report = LessonExecutor(registry: .toys()).run(student).report
        #expect(report.cells["n"]?.status == .notDone)
        #expect(report.cells["twice"]?.status == .passed)
        #expect(
            report.cells["use"]?.status == .skipped(reason: "needs 'n', which exercise 'n' has not done yet"))
    }

    @Test func markersThatDoNotPairAreLocatedErrors() {
        let cases: [(String, String)] = [
            ("// BEGIN SOLUTION\nlet a = 1", "l.md:4:1: error: '// BEGIN SOLUTION' is never closed"),
            (
                "let a = 1\n// END SOLUTION",
                "l.md:5:1: error: '// END SOLUTION' without a '// BEGIN SOLUTION'"
            ),
            (
                "// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION",
                "l.md:5:1: error: '// BEGIN SOLUTION' inside another solution part"
            ),
        ]
        for (code, expected) in cases {
            let diagnostics = LessonParser.parse(
                "# T\n\n```swift {#e .exercise}\n\(code)\n```\n", path: "l.md"
            ).1
            #expect(diagnostics.map(\.description).contains { $0.hasPrefix(expected) }, "\(diagnostics)")
        }
        let misplaced = LessonParser.parse("# T\n\n```swift {#e}\n// BEGIN SOLUTION\n```\n", path: "l.md").1
        #expect(
            misplaced.map(\.message) == [
                "solution markers belong in an .exercise cell; here they are ordinary comments"
            ])
        let orphanHint = LessonParser.parse("# T\n\n> [!HINT]\n> Look.\n", path: "l.md").1
        #expect(
            orphanHint.map(\.message).first?.hasPrefix(
                "a [!HINT] quote belongs right after an .exercise cell") == true)
        let badFor = LessonParser.parse("# T\n\n```swift {#c for=nope}\n#expect(true)\n```\n", path: "l.md").1
        #expect(
            badFor.map(\.message) == ["for=nope names no exercise of this lesson; it has no .exercise cell"])
    }
}
