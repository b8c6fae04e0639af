import Foundation
import Testing

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

    @Test func everyEvaluationGetsTryAndTheLastExpressionIsDiscarded() {
        #expect(SwiftExporter.compiledForm("let a = 1\na + 1") == "let a = try 1\n_ = try a + 1")
        #expect(SwiftExporter.compiledForm("var a = 1\na += 1") == "var a = try 1\na += try 1")
        #expect(SwiftExporter.compiledForm("#expect(true)") == "#expect(try true)")
        #expect(SwiftExporter.compiledForm("let a = try f()\nprint(a)") == "let a = try f()\ntry print(a)")
        #expect(SwiftExporter.compiledForm("let (a, b) = (1, 2)") == "let (a, b) = try (1, 2)")
    }
}
