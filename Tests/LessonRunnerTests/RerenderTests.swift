import LessonRunner
import LessonSource
import Reporting
import Testing

/// `khru serve` re-renders a prose-only edit from the last report, running nothing.
@Suite struct RerenderTests {
    static func text(prose: String = "Prose.", code: String = "let a = 2") -> String {
        """
        # Rerender

        \(prose)

        ```swift {#ok}
        \(code)
        a * 3
        ```

        ```swift {#bad}
        let b = a + missing
        ```

        ```swift {#after}
        b
        ```
        """
    }

    @Test func aProseEditKeepsEveryResultAndMovesTheErrorsWithTheirCells() throws {
        let first = LessonExecutor(registry: .standard()).run(SampleLesson.lesson(Self.text())).report
        #expect(first.cells["bad"]?.status == .failed)
        let edited = SampleLesson.lesson(Self.text(prose: "Prose.\n\nTwo more lines\nof prose."))
        let report = try #require(LessonExecutor.rerender(first, as: edited))
        #expect(report.lesson == edited)
        #expect(report.cells["ok"]?.outputs == first.cells["ok"]?.outputs)
        #expect(report.cells["ok"]?.telemetry?.cached == true)
        #expect(report.cells["bad"]?.status == .failed)
        #expect(report.cells["after"]?.status == first.cells["after"]?.status)
        func errors(_ report: LessonReport) -> [Int] {
            (report.cells["bad"]?.outputs ?? []).compactMap { output -> Int? in
                if case .error(let diagnostic) = output { diagnostic.location.line } else { nil }
            }
        }
        #expect(errors(first).count == 1)
        #expect(errors(report) == errors(first).map { $0 + 3 })
        // The same as running the edited lesson, apart from time and memory.
        let rerun = LessonExecutor(registry: .standard()).run(edited).report
        #expect(ReportRenderer.manifest(report) == ReportRenderer.manifest(rerun))
    }

    @Test func aCodeEditHasToRun() {
        let first = LessonExecutor(registry: .standard()).run(SampleLesson.lesson(Self.text())).report
        #expect(LessonExecutor.rerender(first, as: SampleLesson.lesson(Self.text(code: "let a = 3"))) == nil)
        let moved = SampleLesson.lesson(
            Self.text().replacingOccurrences(of: "{#after}", with: "{#after .hidden}"))
        #expect(LessonExecutor.rerender(first, as: moved) == nil)
        let other = SampleLesson.lesson(Self.text(), path: "lessons/en/02-other.md")
        #expect(LessonExecutor.rerender(first, as: other) == nil)
    }
}
