import Foundation
import LessonSource
import Reporting
import Testing
import _TestSupport

@testable import LessonRunner

/// The weight fixtures of VisionModelTests (written by bench/python/weight_fixtures.py).
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("VisionModelTests/Fixtures/weights").path

private func run(_ cells: [(id: String, code: String)]) -> LessonReport {
    let text = "# T\n\n" + cells.map { "```swift {#\($0.id)}\n\($0.code)\n```\n" }.joined(separator: "\n")
    return LessonExecutor(registry: .standard()).run(SampleLesson.lesson(text)).report
}

private func shown(_ report: LessonReport, _ id: String) -> [String] {
    (report.cells[id]?.outputs ?? []).map { output in
        switch output {
        case .value(let text), .text(let text): text
        case .error(let diagnostic): "error: \(diagnostic.description)"
        case .check(let check): "check \(check.passed ? "passed" : "failed"): \(check.expression)"
        default: "\(output)"
        }
    }
}

/// `resnet34(width: 64)`, `.model()` and `loadWeights` as a lesson's cells call them.
@Suite struct WeightCellTests {
    @Test func fullSizeResNetsAndWeightFilesInCells() {
        let report = run([
            ("arch", "let arch = resnet18(width: 8)\narch"),
            ("width", "#expect(resnet34(width: 64).width == 64)\n#expect(resnet34.width == 16)"),
            (
                "load",
                """
                let model = try arch.model(nOut: 10)
                try loadWeights(into: model, from: Path("\(fixtures)/resnet18-w8.pth"))
                model.parameterNames.first!
                """
            ),
            ("evil", "try loadWeights(into: model, from: Path(\"\(fixtures)/evil-system.pth\"))"),
        ])
        #expect(shown(report, "arch") == ["resnet18(width: 8)"])
        #expect(
            shown(report, "width") == [
                "check passed: resnet34(width: 64).width == 64", "check passed: resnet34.width == 16",
            ])
        #expect(shown(report, "load") == ["\"conv1.weight\""])
        let refused = shown(report, "evil").joined()
        #expect(refused.contains("refused: its pickle calls os.system"))
    }
}
