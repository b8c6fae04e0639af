import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// The parts of the worker that read what a crashed process left: the backtracer's frames and the
/// position file.
@Suite struct WorkerUnitTests {
    @Test func aFrameOfTheLibraryGivesItsFunctionAndSourceLine() throws {
        let inlined = try #require(
            BacktraceFrame(
                "  0                         0x0000559699f37fa7 specialized MSELossFlat.callAsFunction(_:_:) + 423 in khru"
            ))
        #expect(inlined.function == "MSELossFlat.callAsFunction(_:_:)")
        #expect(!inlined.isRuntime)
        #expect(inlined.librarySource == nil)
        let library = try #require(
            BacktraceFrame(
                "  3 [ra]                    0x0000559699f303f6 AnyLearner.forwardBackward(_:_:_:) + 245 in khru at "
                    + "/work/wt-worker/Sources/Training/Learner.swift:385:33"))
        #expect(library.function == "AnyLearner.forwardBackward(_:_:_:)")
        #expect(library.librarySource == "Training/Learner.swift:385")
        let runner = try #require(
            BacktraceFrame(
                " 28 [ra]             0x0000560d8b8eb718 Interpreter.callStep<A>(at:name:_:) + 311 in khru at "
                    + "/work/wt-worker/Sources/LessonRunner/Language/Interpreter.swift:609:24"))
        #expect(runner.librarySource == nil, "the runner is not the library")
        let thunk = try #require(
            BacktraceFrame(
                "  2 [ra] [thunk]            0x0000559699f36d20 protocol witness for LossFunction.callAsFunction(_:_:) "
                    + "in conformance MSELossFlat + 15 in khru at //<compiler-generated>:93:17"))
        #expect(thunk.isRuntime)
        #expect(BacktraceFrame("Thread 2 \"oot.default-qos\" crashed:") == nil)
        #expect(BacktraceFrame("") == nil)
    }

    @Test func theLastPositionWrittenIsReadBackAfterTheWriterIsGone() throws {
        let path = try #require(Positions.create())
        defer { unlink(path) }
        #expect(Positions.read(path, file: "l.md") == nil, "nothing written yet")
        do {
            let positions = try #require(Positions(path: path))
            positions.note(SourceLocation(file: "l.md", line: 12, column: 7))
            positions.note(SourceLocation(file: "l.md", line: 40, column: 3))
        }
        #expect(Positions.read(path, file: "l.md") == SourceLocation(file: "l.md", line: 40, column: 3))
        #expect(Positions.read(nil, file: "l.md") == nil)
    }

    @Test func anExitStatusSaysWhatEndedTheProcess() {
        // waitpid's encoding: the signal in the low 7 bits, an exit code in the next byte.
        #expect(ExitStatus(raw: 0).exitedNormally)
        #expect(ExitStatus(raw: SIGILL).signal == SIGILL)
        #expect(ExitStatus(raw: 3 << 8).exitCode == 3)
        #expect(
            ExitStatus(raw: SIGSEGV).explanation(
                runtimeMessage: "Fatal error: boom", site: "f() at T/F.swift:2")
                == "the lesson's process crashed in this cell (SIGSEGV, segmentation fault) in f() at T/F.swift:2: "
                + "Fatal error: boom")
        #expect(
            ExitStatus(raw: 3 << 8).explanation(runtimeMessage: nil)
                == "the lesson's process exited with status 3 while this cell ran")
    }

    @Test func aThaiLessonsCrashReportIsInThai() {
        #expect(
            ExitStatus(raw: SIGKILL).explanation(runtimeMessage: nil, in: .th).hasPrefix(
                "โปรเซสของบทเรียนถูกหยุด (SIGKILL) ระหว่างที่ cell นี้รัน"))
        let text = "---\nlang: th\n---\n# ล่ม\n\n```swift {#boom}\n1\n```\n\n```swift {#after}\n2\n```\n"
        let (lesson, _) = LessonParser.parse(text, path: "lessons/th/01-crash.md")
        let crash = LessonWorker.Crash(
            cellID: "boom",
            message: ExitStatus(raw: SIGSEGV).explanation(runtimeMessage: "Fatal error: boom", in: .th))
        let report = LessonWorker.crashReport(lesson, reports: [:], crash: crash)
        let error = report.cells["boom"]?.outputs.compactMap {
            if case .error(let d) = $0 { d.message } else { nil }
        }
        #expect(error == ["โปรเซสของบทเรียนล่มใน cell นี้ (SIGSEGV, segmentation fault): Fatal error: boom"])
        #expect(
            report.cells["after"]?.status
                == .skipped(reason: "โปรเซสของบทเรียนจบลงใน cell 'boom' cell นี้จึงไม่ได้รัน"))
    }
}

/// A value or printed text longer than a report can show is cut, with a note, inside the cell's time.
@Suite struct LongOutputTests {
    @Test func aTwoMillionCharacterValueIsCutToTheLimit() throws {
        let text = """
            # Long

            ```swift {#long}
            var s = "ab"
            for _ in 0..<20 {
                s = s + s
            }
            print(s)
            s
            ```
            """
        let (lesson, diagnostics) = LessonParser.parse(text, path: "lessons/en/01-long.md")
        #expect(diagnostics.isEmpty)
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        let cell = try #require(report.cells["long"])
        #expect(cell.status == .passed)
        let limit = LessonExecutor.largestShownText
        let note = "\n… (\(2 << 20 - limit) more characters not shown)"
        #expect(cell.outputs.count == 2)
        guard case .text(let printed) = cell.outputs.first, case .value(let shown) = cell.outputs.last else {
            Issue.record("outputs: \(cell.outputs.map { String(describing: $0).prefix(40) })")
            return
        }
        #expect(printed.hasSuffix(note) && printed.count == limit + note.count)
        // The value is quoted: two characters more to cut.
        #expect(
            shown.hasPrefix("\"abab")
                && shown.hasSuffix("\n… (\(2 << 20 + 2 - limit) more characters not shown)"))
    }
}
