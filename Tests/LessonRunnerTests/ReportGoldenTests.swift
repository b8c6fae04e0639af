import Foundation
import LessonSource
import Reporting
import Testing
import _TestSupport

@testable import LessonRunner

/// The sample lesson's report through the HTML writer: a golden page and manifest, stable across runs.
@Suite struct ReportGoldenTests {
    /// Runs the sample (as `lessons/en/01-sample.md`, includes read from a temporary package root).
    private func report() throws -> LessonReport {
        let installed = try SampleLesson.install()
        let root = URL(fileURLWithPath: installed).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        var executor = LessonExecutor(registry: .toys())
        executor.packageRoot = root
        var report = executor.run(SampleLesson.lesson()).report
        for id in report.cells.keys where report.cells[id]?.telemetry != nil {
            report.cells[id]?.telemetry = Telemetry(seconds: 0.25, peakBytes: 50 << 20)
        }
        return report
    }

    @Test func htmlAndManifestMatchTheirGoldens() throws {
        let report = try report()
        expectGolden(ReportRenderer.html(report), named: "sample.html")
        expectGolden(ReportRenderer.manifest(report), named: "sample.json")
    }

    @Test func aSecondRunGivesIdenticalManifestBytes() throws {
        let first = LessonExecutor(registry: .toys()).run(SampleLesson.lesson()).report
        let second = LessonExecutor(registry: .toys()).run(SampleLesson.lesson()).report
        #expect(ReportRenderer.manifest(first) == ReportRenderer.manifest(second))
    }
}
