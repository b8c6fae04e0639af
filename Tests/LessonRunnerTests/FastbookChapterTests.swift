import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// fastbook's chapter 8 (`08_collab.ipynb`), every computational cell as a Khru cell
/// (`Tests/Lessons/08-fastbook-collab.md`): five models written in cells and two `collabLearner`s train on
/// the real MovieLens 100k, and the lesson's checks pin what the book shows.
@Suite struct FastbookChapterTests {
    @Test(.enabled(if: CompiledLesson.dataIsPrepared))
    func chapter8RunsEveryCellAndItsChecksHold() throws {
        let (lesson, problems) = try LessonParser.parse(fileAt: "Tests/Lessons/08-fastbook-collab.md")
        #expect(problems.isEmpty)
        #expect(LessonChecks.check([lesson], registry: .standard()).map(\.description) == [])
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        for cell in lesson.cells {
            let result = report.cells[cell.id]
            #expect(result?.status == .passed, "cell \(cell.id): \(result?.outputs ?? [])")
        }
        let checks = report.cells.values.flatMap(\.outputs).compactMap { output -> Check? in
            if case .check(let check) = output { return check }
            return nil
        }
        #expect(checks.count == 12)
        #expect(checks.allSatisfy { $0.passed })
    }
}
