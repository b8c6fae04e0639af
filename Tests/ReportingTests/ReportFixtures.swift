import Foundation
import LessonSource
import Reporting

/// The folder of this test target's fixtures.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Reads a fixture's bytes.
func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
}

/// A hand-built report over `report-<lang>.md` covering every output kind and every status.
func sampleReport(lang: String, telemetryScale: Double = 1) throws -> LessonReport {
    let path = "lessons/\(lang)/01-digits.md"
    let text = try String(contentsOf: fixtures.appendingPathComponent("report-\(lang).md"), encoding: .utf8)
    let (lesson, problems) = LessonParser.parse(text, path: path)
    precondition(problems.isEmpty, "fixture problems: \(problems)")
    let png = try fixtureBytes("loss.png")
    func at(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }
    func telemetry(_ seconds: Double, _ megabytes: Int, cached: Bool = false) -> Telemetry {
        Telemetry(seconds: seconds * telemetryScale, peakBytes: megabytes << 20, cached: cached)
    }
    let reports: [CellReport] = [
        CellReport(
            cellID: "load", status: .passed,
            outputs: [
                .text("Extracting mnist_sample… done"),
                .value("DataLoaders(train: 6,000 items, valid: 1,000 items, bs: 64)"),
                .image(PNGImage(bytes: png, width: 240, height: 120, alt: "train and valid loss by batch")),
            ], telemetry: telemetry(0.41, 96, cached: true)),
        CellReport(
            cellID: "setup", status: .passed, outputs: [.value("[errorRate]")],
            telemetry: telemetry(0.0004, 96)),
        CellReport(
            cellID: "fit", status: .passed,
            outputs: [
                .table(
                    Table(
                        kind: "epochs", columns: ["epoch", "train_loss", "valid_loss", "error_rate", "time"],
                        rows: [
                            ["0", "0.412301", "0.210045", "0.061000", "00:04"],
                            ["1", "0.180442", "0.121872", "0.036000", "00:04"],
                            ["2", "0.091270", "0.098113", "0.029000", "00:04"],
                        ])),
                .check(Check(expression: "learn.validate()[1] < 0.05", passed: true, location: at(28, 1))),
                .table(
                    Table(
                        kind: "frame", columns: ["fname", "label"],
                        rows: [["3/7463.png", "3"], ["7/9243.png", "7"]],
                        caption: "2 rows × 2 columns")),
            ], telemetry: telemetry(12.7, 412)),
        CellReport(
            cellID: "fit-more", status: .failed,
            outputs: [
                .text("epoch 0: train_loss 0.0712\n"), .text("epoch 0: valid_loss 0.0859"),
                .check(
                    Check(
                        expression: "learn.recorder.losses.last ?? 1 < 0.01", passed: false,
                        detail: "0.0712 < 0.01", location: at(33, 1))),
            ], telemetry: telemetry(75.2, 1536)),
        CellReport(cellID: "interp", status: .skipped(reason: "it uses 'learn', and cell 'fit-more' failed")),
        CellReport(
            cellID: "bad-arg", status: .failed,
            outputs: [
                .error(
                    Diagnostic(
                        .error, "'fitOneCycle' has no argument 'lr'; did you mean 'lrMax'?", at: at(42, 22),
                        notes: [
                            Diagnostic(
                                .note, "'fitOneCycle(_:lrMax:)' is declared in Training", at: at(42, 7))
                        ]))
            ], telemetry: telemetry(0.002, 1536)),
        CellReport(
            cellID: "wrong", status: .failedAsExpected,
            outputs: [
                .error(
                    Diagnostic(
                        .error, "cannot use a String as an Int: \"three\" <not a number>", at: at(48, 14)))
            ], telemetry: telemetry(0.001, 1536)),
        CellReport(cellID: "should-fail", status: .unexpectedlyPassed, outputs: [.value("2")]),
        CellReport(cellID: "sketch", status: .shown),
        CellReport(
            cellID: "source", status: .shown,
            includedSource: IncludedSource(
                path: "Sources/Collab/DotProductBias.swift", symbol: "DotProductBias",
                code: """
                    /// Dot product of user and item embeddings plus biases, squashed into `yRange`.
                    public final class DotProductBias: Module {
                        public let userFactors: Embedding
                        public var yRange: ClosedRange<Float> = 0...5.5

                        public func callAsFunction(_ x: Tensor) -> Tensor {
                            let dot = (userFactors(x[.., 0]) * itemFactors(x[.., 1])).sum(axis: 1)
                            return sigmoidRange(dot + userBias(x[.., 0]), low: 0, high: 5.5, label: "rating")
                        }
                    }
                    """, firstLine: 12)),
    ]
    return LessonReport(
        lesson: lesson, cells: Dictionary(uniqueKeysWithValues: reports.map { ($0.cellID, $0) }), lang: lang,
        slug: "01-digits", version: "0.1.0")
}
