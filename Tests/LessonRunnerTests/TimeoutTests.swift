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
