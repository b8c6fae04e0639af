import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// `timeout=` stops a long training step between batches, not only between statements.
@Suite struct TimeoutTests {
    @Test func aFitLongerThanTheCellsTimeoutStopsAndFails() throws {
        let folder = try ratingsFolder(rows: 2000, users: 50, items: 37)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = """
            # Timeout

            ```swift {#fit timeout=1}
            let ratings = DataFrame.readCSV(Path("\(folder.path)/r.csv"))
            let dls = CollabDataLoaders.fromDF(ratings, bs: 8)
            let model = DotProductBias(dls.classes["user"].count, dls.classes["item"].count, 8)
            let learn = Learner(dls, model, lossFunc: MSELossFlat())
            learn.fitOneCycle(100_000, lrMax: 1e-3)
            ```
            """
        let (lesson, diagnostics) = LessonParser.parse(text, path: "lessons/en/01-timeout.md")
        #expect(diagnostics.isEmpty)
        let start = ContinuousClock.now
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        let elapsed = ContinuousClock.now - start
        let cell = try #require(report.cells["fit"])
        #expect(cell.status == .failed)
        let messages = cell.outputs.compactMap { if case .error(let d) = $0 { d.message } else { nil } }
        #expect(messages.contains { $0.contains("timed out") }, "\(messages)")
        #expect(elapsed < .seconds(30), "a 100,000-epoch fit must stop at the 1 s timeout")
    }
}

/// The run's default limit and the lesson's `timeout:` apply to cells without `timeout=`, each named in
/// the error; the executor's events carry every cell's report once, between the problems and the end.
@Suite struct DefaultTimeoutTests {
    private static let text = """
        ---
        timeout: 30
        ---
        # Limits

        ```swift {#spin}
        var n = 0
        while true {
            n += 1
        }
        ```

        ```swift {#own timeout=0.3}
        var m = 0
        while true {
            m += 1
        }
        ```

        ```swift {#fine}
        Tensor.zeros([20000000, 0])
        ```

        ```swift {.norun}
        never()
        ```
        """

    @Test func aThaiLessonSaysItsTimeoutInThai() {
        let text = Self.text.replacingOccurrences(of: "timeout: 30", with: "timeout: 0.3\nlang: th")
        let (report, _) = run(text, defaultTimeout: 600, path: "lessons/th/01-limits.md")
        #expect(message(report, "spin") == "cell ใช้เวลาเกิน 0.3 วินาที (timeout ของบทเรียน: 0.3)")
        #expect(message(report, "own") == "cell ใช้เวลาเกิน 0.3 วินาที (timeout=0.3)")
    }

    private func run(
        _ text: String, defaultTimeout: Double?, path: String = "lessons/en/01-limits.md"
    ) -> (LessonReport, [LessonEvent]) {
        let (lesson, diagnostics) = LessonParser.parse(text, path: path)
        #expect(diagnostics.isEmpty)
        var executor = LessonExecutor(registry: .standard())
        executor.defaultTimeout = defaultTimeout
        let events = EventRecorder()
        executor.events = { events.all.append($0) }
        return (executor.run(lesson).report, events.all)
    }

    private final class EventRecorder {
        var all: [LessonEvent] = []
    }

    private func message(_ report: LessonReport, _ id: String) -> String? {
        report.cells[id]?.outputs.compactMap { if case .error(let d) = $0 { d.message } else { nil } }.first
    }

    @Test func theLessonsLimitWinsOverTheRunsAndTheCellsOverBoth() {
        let text = Self.text.replacingOccurrences(of: "timeout: 30", with: "timeout: 0.3")
        let (report, _) = run(text, defaultTimeout: 600)
        #expect(message(report, "spin") == "cell timed out after 0.3 s (the lesson's timeout: 0.3)")
        #expect(message(report, "own") == "cell timed out after 0.3 s (timeout=0.3)")
    }

    @Test func theRunsDefaultStopsACellWithoutALimit() {
        let text = Self.text.replacingOccurrences(of: "---\ntimeout: 30\n---\n", with: "")
        let (report, events) = run(text, defaultTimeout: 0.3)
        #expect(
            message(report, "spin")
                == "cell timed out after 0.3 s (the run's limit 0.3 s; set timeout= on the cell, timeout: in "
                + "the front matter or --timeout)")
        // An empty tensor shows as PyTorch shows it, not as 20 million empty rows.
        #expect(report.cells["fine"]?.outputs == [.value("tensor([], size=(20000000, 0))")])
        // The event stream: the problems first, then each cell's final report once, in order, then the end.
        guard case .problems(let problems)? = events.first else {
            Issue.record("the first event is \(String(describing: events.first))")
            return
        }
        #expect(problems.isEmpty)
        #expect(events.last == .lessonFinished)
        let reported = events.compactMap { if case .cellFinished(let cell) = $0 { cell.cellID } else { nil } }
        #expect(reported == report.lesson.cells.map(\.id))
        #expect(LessonExecutor.report(of: report.lesson, cells: report.cells) == report)
    }
}
