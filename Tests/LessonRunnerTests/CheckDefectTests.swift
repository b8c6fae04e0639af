import LessonSource
import Testing

@testable import LessonRunner

private func check(_ markdown: String) -> [String] {
    LessonChecks.check(
        [LessonParser.parse(markdown, path: "lessons/en/01-check.md").0], registry: .standard()
    )
    .map(\.description)
}

/// The three defects of `khru check` found by writing fastbook's chapters as cells (#26).
@Suite struct CheckDefectTests {
    @Test func aFailedCallKeepsTheTypeItsOverloadsShareSoLaterMistakesAreFound() {
        let problems = check(
            """
            # T

            ```swift {#a}
            let block = DataBlock(blocks: [ImageBlock(), CategoryBlock()], getY: parentLabel, bogus: 1)
            let dls = block.dataloaders(Path("x"))
            dls.showBatch(rows: 1)
            ```
            """)
        #expect(
            problems.contains { $0.hasSuffix("error: 'DataBlock' has no argument 'bogus'") }, "\(problems)")
        #expect(
            problems.contains {
                $0.hasPrefix("lessons/en/01-check.md:6:15: error: 'showBatch' has no argument 'rows'")
            },
            "\(problems)")
    }

    @Test func anIncludeOfAFileOrSymbolThatIsNotThereIsAnError() {
        let problems = check(
            """
            # T

            ```swift {#a include="Sources/Nope.swift"}
            ```

            ```swift {#b include="Sources/Training/Path.swift" symbol="Nope"}
            ```

            ```swift {#c include="Sources/Training/Path.swift" symbol="Path"}
            ```
            """)
        #expect(
            problems == [
                "lessons/en/01-check.md:3:1: error: include=\"Sources/Nope.swift\": no such file in the package",
                "lessons/en/01-check.md:6:1: error: include=\"Sources/Training/Path.swift\": no declaration named "
                    + "'Nope' in the file",
            ])
    }

    @Test func aRegexLiteralIsARegexAndTheListOfConstructsIsWhole() {
        let regex = check(
            "# T\n\n```swift {#a}\nlet r = #/(.+)_\\d+/#\n\"dog_12\".firstMatch(of: r)!.1\n```\n")
        #expect(regex == [], "\(regex)")
        let other = check("# T\n\n```swift {#a}\nlet x = 1\ndefer { print(x) }\n```\n")
        #expect(
            other.first?.hasSuffix("guard, for, while, switch, struct, final class and enum") == true,
            "\(other)")
    }

    @Test func aStatementOutsideTheLanguageIsReportedOnceNotAtEveryUse() {
        let problems = check(
            "# T\n\n```swift {#a}\nlet t = 3 is Int\nlet doubled = t ? 2 : 1\nt\n```\n\n"
                + "```swift {#b}\ndoubled + 1\n```\n")
        #expect(
            problems == ["lessons/en/01-check.md:4:9: error: 'is' checks are not part of the cell language"])
    }
}
