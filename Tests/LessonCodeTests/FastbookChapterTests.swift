import Foundation
import LessonRunner
import LessonSource
import Reporting
import Testing

/// fastbook's chapter 8 (`08_collab.ipynb`), every computational cell as a Khru cell
/// (`Tests/Lessons/08-fastbook-collab.md`): five models written in cells and two `collabLearner`s train on
/// the real MovieLens 100k, interpreted and as compiled Swift (`TestLessons.swift`, made by
/// `make lesson-code`), and the lesson's checks pin what the book shows.
@Suite struct FastbookChapterTests {
    static let path = "Tests/Lessons/08-fastbook-collab.md"

    @Test(.enabled(if: CompiledLesson.dataIsPrepared))
    func chapter8RunsEveryCellInterpretedAndCompiled() async throws {
        let (lesson, problems) = try LessonParser.parse(fileAt: Self.path)
        #expect(problems.isEmpty)
        #expect(LessonChecks.check([lesson], registry: .standard()).map(\.description) == [])
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        for cell in lesson.cells {
            let result = report.cells[cell.id]
            // The book's look at fastai's EmbeddingNN source is Khru's source of it, shown (include=).
            let expected: CellStatus = cell.attributes.include == nil ? .passed : .shown
            #expect(result?.status == expected, "cell \(cell.id): \(result?.outputs ?? [])")
        }
        #expect(lesson.cells.filter { $0.attributes.include != nil }.map(\.id) == ["embedding-nn"])
        let checks = report.cells.values.flatMap(\.outputs).compactMap { output -> Check? in
            if case .check(let check) = output { return check }
            return nil
        }
        #expect(checks.count == 13)
        #expect(checks.allSatisfy { $0.passed })

        // The same cells as Swift: they compile (this target builds them), their #expect checks run as
        // Swift Testing's, and every value a cell shows is the one the interpreter showed.
        let compiled = try CompiledLesson(path: Self.path, registry: .standard())
        try await lesson_08_fastbook_collab(compiled)
        #expect(compiled.compare(with: report) == [])
        #expect(compiled.shownCellCount == 32, "cells that showed a value: \(compiled.shownCellCount)")
    }

    /// fastbook's chapters 5 and 6 (`Tests/Lessons/05-fastbook-pets.md`, `06-fastbook-multicat.md`), every
    /// cell the book computes on Khru's stand-in data, and the seed's nineteen code blocks
    /// (`07-seed-code-blocks.md`): each runs interpreted and its checks hold; with
    /// `KHRU_COMPILED_LONG=1` the compiled Swift runs too and shows the same values (their cells allow
    /// minutes of training, so `make test` runs the compiled twin only on request, as for the vision lessons).
    @Test(
        .enabled(if: CompiledLesson.dataIsPrepared),
        arguments: [
            ("Tests/Lessons/05-fastbook-pets.md", 54, 34),
            ("Tests/Lessons/06-fastbook-multicat.md", 67, 42),
            ("Tests/Lessons/07-seed-code-blocks.md", 33, 9),
        ])
    func chapters5And6RunEveryCell(path: String, passedChecks: Int, shownCells: Int) async throws {
        let (lesson, problems) = try LessonParser.parse(fileAt: path)
        #expect(problems.isEmpty)
        #expect(LessonChecks.check([lesson], registry: .standard()).map(\.description) == [])
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        for cell in lesson.cells {
            #expect(
                report.cells[cell.id]?.status == .passed,
                "cell \(cell.id): \(report.cells[cell.id]?.outputs ?? [])")
        }
        let checks = report.cells.values.flatMap(\.outputs).compactMap { output -> Check? in
            if case .check(let check) = output { return check }
            return nil
        }
        #expect(checks.count == passedChecks - lesson.cells.count)
        #expect(checks.allSatisfy { $0.passed })
        guard CompiledLesson.runsLongLessons else { return }
        let compiled = try CompiledLesson(path: path, registry: .standard())
        if path.contains("05-") {
            try await lesson_05_fastbook_pets(compiled)
        } else if path.contains("06-") {
            try await lesson_06_fastbook_multicat(compiled)
        } else {
            try await lesson_07_seed_code_blocks(compiled)
        }
        #expect(compiled.compare(with: report) == [])
        #expect(
            compiled.shownCellCount == shownCells, "cells that showed a value: \(compiled.shownCellCount)")
    }

    /// The generated Swift is what `make lesson-code` writes for the lessons under Tests/Lessons now, so
    /// the compiled run above is of these cells (CI checks Lessons.swift for lessons/en the same way).
    @Test func theCompiledTestLessonsAreCurrent() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "Tests/Lessons")
            .filter { $0.hasSuffix(".md") }.sorted()
        let lessons = try files.map { try LessonParser.parse(fileAt: "Tests/Lessons/\($0)").0 }
        let command =
            "khru export-swift Tests/Lessons --output Tests/LessonCodeTests/TestLessons.swift --import KhruAll"
        let expected = SwiftExporter.source(
            for: lessons, imports: ["KhruAll"], command: command, registry: ".standard()",
            resolving: .standard())
        let written = try String(contentsOfFile: "Tests/LessonCodeTests/TestLessons.swift", encoding: .utf8)
        #expect(written == expected, "regenerate with: make lesson-code")
    }
}
