import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// What a cell shows from the clock is marked as such, and so is what reads it: a compiled run cannot show
/// the same seconds, so ``CompiledLesson/compare(with:)`` leaves those cells out.
@Suite struct FromTheClockTests {
    @Test func aTimingAndWhatReadsItAreMarkedAndNothingElse() {
        let text = """
            # Clock

            ```swift {#timed}
            let cost = resnet18.profile(batchSize: 2, inputSize: 32, inChannels: 1, nOut: 2, steps: 1)
            ```

            ```swift {#reads}
            cost.parameterCount > 0
            ```

            ```swift {#other}
            1 + 1
            ```
            """
        let (lesson, diagnostics) = LessonParser.parse(text, path: "lessons/en/01-clock.md")
        #expect(diagnostics.isEmpty)
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        #expect(
            report.cells.values.allSatisfy { $0.status == .passed }, "\(report.cells.values.map(\.outputs))")
        #expect(report.cells["timed"]?.telemetry?.fromTheClock == true)
        #expect(report.cells["reads"]?.telemetry?.fromTheClock == true)
        #expect(report.cells["other"]?.telemetry?.fromTheClock == nil)
    }
}
