import Foundation
import LessonSource
import Reporting
import Testing
import Training

@testable import LessonRunner

/// fastai's learner spellings fastbook uses, in cells (#26's "Learner and model API").
@Suite struct FastaiSpellingTests {
    @Test func metricsAreSettableAndToFP16SaysItChangesNothing() throws {
        let folder = try ratingsFolder(rows: 60, users: 6, items: 5)
        let text = """
            # T

            ```swift {#learn}
            let ratings = DataFrame.readCSV(Path("\(folder.path)/r.csv"))
            let dls = CollabDataLoaders.fromDF(ratings, bs: 16)
            let learn = Learner(dls, DotProductBias(dls.classes["user"].count, dls.classes["item"].count, 3), lossFunc: MSELossFlat())
            learn.metrics = [rmse]
            learn.toFP16()
            learn.fit(1, lr: 1e-2)
            (learn.metrics.count, learn.recorder.values[0].count)
            ```
            """
        let report = LessonExecutor(registry: .standard()).run(
            LessonParser.parse(text, path: "lessons/en/01-t.md").0
        )
        .report
        let outputs = report.cells["learn"]?.outputs ?? []
        #expect(report.cells["learn"]?.status == .passed, "\(outputs)")
        #expect(outputs.contains(.text(AnyLearner.toFP16Note)))
        #expect(
            outputs.contains { if case .value(let text) = $0 { text == "(1, 3)" } else { false } },
            "\(outputs)")
    }
}
