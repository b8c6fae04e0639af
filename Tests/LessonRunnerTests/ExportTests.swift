import Foundation
import LessonSource
import TensorCore
import Testing
import _TestSupport

@testable import LessonRunner

/// The sample lesson exported as Swift is committed as GeneratedSampleLesson.swift, so this test
/// target compiles every runnable cell against the toy library; regenerating must give the same bytes.
@Suite struct ExportTests {
    static let command =
        "khru export-swift lessons/en/01-sample.md --output Tests/LessonRunnerTests/GeneratedSampleLesson.swift"

    @Test func generatedSwiftIsUpToDate() throws {
        let generated = SwiftExporter.source(for: [SampleLesson.lesson()], imports: [], command: Self.command)
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("GeneratedSampleLesson.swift")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"].map({ !$0.isEmpty }) ?? false {
            try Data(generated.utf8).write(to: file)
            Issue.record("recorded \(file.path)")
            return
        }
        let existing = try String(contentsOf: file, encoding: .utf8)
        #expect(existing == generated, "regenerate with RECORD_SNAPSHOTS=1 swift test --filter ExportTests")
    }

    @Test func theSampleRunsCompiledAndDisplaysWhatTheInterpreterDisplays() async throws {
        let lesson = CompiledLesson(lesson: SampleLesson.lesson(), registry: .toys())
        try await lesson_01_sample(lesson)
        #expect(lesson.compareWithInterpreter() == [])
    }

    @Test func aCompiledValueThatDiffersIsReported() {
        let compiled = CompiledLesson(
            lesson: SampleLesson.lesson("# T\n\n```swift {#c}\n1 + 1\n```\n"), registry: .toys())
        compiled.cellIDForTesting = "c"
        compiled.show(3)
        #expect(
            compiled.compareWithInterpreter() == ["cell 'c': compiled shows \"3\", interpreted shows \"2\""])
    }

    /// The same shape mistake, interpreted and compiled: the same located message, and no trap.
    @Test func aShapeMismatchFailsTheSameWayInterpretedAndCompiled() async throws {
        let text =
            "# T\n\n```swift {#c}\nlet a = Tensor([1.0, 2.0, 3.0])\nlet b = Tensor([1.0, 2.0])\nlet c = a + b\n```\n"
        let lesson = SampleLesson.lesson(text)
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        let interpreted = report.cells["c"]?.outputs.compactMap { output -> String? in
            if case .error(let diagnostic) = output { return diagnostic.description }
            return nil
        }
        let expected =
            "lessons/en/01-sample.md:6:11: error: cannot add tensors of shapes [3] and [2]: they do not broadcast"
        #expect(interpreted == [expected])

        // What `khru export-swift` generates for this cell, written out (this target cannot import the
        // library by `import KhruAll` and the toys at once).
        #expect(
            SwiftExporter.compiledForm(lesson.cells[0].code, cell: lesson.cells[0])
                == "lesson.at(4, 9); let a = try Tensor([1.0, 2.0, 3.0])\nlesson.at(5, 9); let b = try Tensor([1.0, 2.0])\n"
                + "lesson.at(6, 11); let c = try a + b")
        let compiled = CompiledLesson(lesson: lesson, registry: .standard())
        do {
            try await compiled.cell("c") {
                compiled.at(4, 9); let a = Tensor([1.0, 2.0, 3.0])
                compiled.at(5, 9); let b = Tensor([1.0, 2.0])
                compiled.at(6, 11); _ = try a + b
            }
            Issue.record("the compiled cell did not fail")
        } catch let failure as CompiledLesson.Failure {
            #expect(failure.description == expected)
        }
    }

    @Test func everyEvaluationGetsTryAndTheLastExpressionIsDiscarded() {
        #expect(SwiftExporter.compiledForm("let a = 1\na + 1") == "let a = try 1\n_ = try a + 1")
        #expect(SwiftExporter.compiledForm("var a = 1\na += 1") == "var a = try 1\na += try 1")
        #expect(SwiftExporter.compiledForm("#expect(true)") == "#expect(try true)")
        #expect(SwiftExporter.compiledForm("let a = try f()\nprint(a)") == "let a = try f()\ntry print(a)")
        #expect(SwiftExporter.compiledForm("let (a, b) = (1, 2)") == "let (a, b) = try (1, 2)")
        #expect(
            SwiftExporter.compiledForm("for x in xs {\n    if x > 1 { print(x) }\n}\nlet f = { f($0) }")
                == "for x in try xs {\n    if try x > 1 { try print(x) }\n}\nlet f = try { try f($0) }")
        // A cell's function throws, is @Sendable (the library's loaders may call it), and tries its calls.
        #expect(
            SwiftExporter.compiledForm("func g(_ x: Int) -> Int {\n    let y = h(x)\n    return y + 1\n}")
                == "@Sendable func g(_ x: Int) throws -> Int {\n    let y = try h(x)\n    return try y + 1\n}"
        )
    }
}
