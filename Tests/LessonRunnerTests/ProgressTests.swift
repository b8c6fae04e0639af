import Foundation
import LessonRunner
import Reporting
import Synchronization
import Testing

/// The one progress hook (`LessonExecutor.progress`) that `khru run` prints and `khru serve` sends to
/// open pages.
@Suite struct ProgressTests {
    @Test func fineTuneShowsItsFrozenAndUnfrozenEpochsAsTwoTables() throws {
        let folder = try ratingsFolder(rows: 400, users: 20, items: 17)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = """
            # Two tables

            ```swift {#fine-tune}
            let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 16)
            let learn = collabLearner(dls, nFactors: 4, yRange: 0...5.5)
            learn.fineTune(2, baseLR: 5e-2, freezeEpochs: 1)
            ```
            """
        let report = LessonExecutor(registry: .standard()).run(SampleLesson.lesson(text)).report
        let tables = (report.cells["fine-tune"]?.outputs ?? []).compactMap {
            if case .table(let t) = $0, t.kind == "epochs" { t } else { nil }
        }
        // fastai prints one table per fit: epoch 0 of the frozen model, then epochs 0 and 1 unfrozen.
        #expect(tables.map { $0.rows.map { $0.first ?? "" } } == [["0"], ["0", "1"]])
    }

    @Test func theHookReportsCellsTrainingBatchesAndTheEpochRowsTheReportShows() throws {
        let folder = try ratingsFolder(rows: 400, users: 20, items: 17)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = """
            # Progress

            ```swift {#fit}
            let dls = CollabDataLoaders.fromDF(DataFrame.readCSV(Path("\(folder.path)/r.csv")), bs: 16)
            let learn = collabLearner(dls, nFactors: 4, yRange: 0...5.5)
            learn.fitOneCycle(3, lrMax: 5e-2)
            ```

            ```swift {#after}
            1 + 1
            ```
            """
        let events = Mutex<[RunProgress]>([])
        let executor = LessonExecutor(registry: .standard()) { event in events.withLock { $0.append(event) } }
        let report = executor.run(SampleLesson.lesson(text)).report
        let seen = events.withLock { $0 }

        let starts = seen.compactMap { if case .cellStarted(let id) = $0 { id } else { nil } }
        #expect(starts == ["fit", "after"])
        let finished = seen.compactMap {
            if case .cellFinished(let id, let passed, _) = $0 { "\(id) \(passed)" } else { nil }
        }
        #expect(finished == ["fit true", "after true"])

        // Every epoch row, as it came, is the row the report's epoch table shows.
        let rows = seen.compactMap { if case .epoch("fit", _, let row) = $0 { row } else { nil } }
        let table = try #require(
            report.cells["fit"]?.outputs.compactMap {
                if case .table(let t) = $0, t.kind == "epochs" { t } else { nil }
            }
            .first)
        #expect(rows == table.rows)
        #expect(rows.count == 3)

        // Batches: every phase's last batch at least, in order, with the fit's epoch count.
        let batches = seen.compactMap { if case .batch("fit", let progress) = $0 { progress } else { nil } }
        #expect(batches.allSatisfy { $0.epochs == 3 && (1...$0.batches).contains($0.batch) })
        let lastOfPhase = batches.filter { $0.batch == $0.batches }
        #expect(lastOfPhase.map(\.epoch) == [0, 0, 1, 1, 2, 2])
        #expect(lastOfPhase.map(\.training) == [true, false, true, false, true, false])

        // Events come between the cell's start and finish; the terminal gets only the cell lines.
        let fitStart = try #require(seen.firstIndex(of: .cellStarted(cellID: "fit")))
        let fitEnd = try #require(
            seen.firstIndex { if case .cellFinished("fit", _, _) = $0 { true } else { false } })
        #expect(fitStart == 0)
        #expect(seen[fitStart...fitEnd].count == seen.count - 2)
        #expect(seen.filter(\.isForTerminal).map(\.description) == ["cell fit", "cell after"])
    }
}
