import Foundation
import Testing

/// Compares `actual` with the golden file `__Snapshots__/<TestFile>/<name>` beside the test file.
///
/// A missing golden is recorded and the test fails (so a recording is never a pass); set
/// `RECORD_SNAPSHOTS=1` to re-record every golden the run touches. Goldens are byte-exact.
///
/// - Parameters:
///   - actual: The bytes produced by the code under test.
///   - name: The golden's file name, with its extension (`lr-find.png`, `sample.html`).
///   - filePath: The test file; its folder holds `__Snapshots__`.
///   - sourceLocation: Where to report a mismatch.
public func expectGolden(
    _ actual: [UInt8], named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let testFile = URL(fileURLWithPath: filePath)
    let folder = testFile.deletingLastPathComponent()
        .appendingPathComponent("__Snapshots__")
        .appendingPathComponent(testFile.deletingPathExtension().lastPathComponent)
    let golden = folder.appendingPathComponent(name)
    let recording = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"].map { !$0.isEmpty } ?? false
    let existing = try? Data(contentsOf: golden)
    if let existing, !recording {
        if [UInt8](existing) != actual {
            let failed = golden.deletingPathExtension().path + ".actual." + golden.pathExtension
            try? Data(actual).write(to: URL(fileURLWithPath: failed))
            let message =
                "\(name) differs from its golden (\(existing.count) vs \(actual.count) bytes); new output at "
                + "\(failed). Re-record with RECORD_SNAPSHOTS=1 if the change is intended."
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
        return
    }
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(actual).write(to: golden, options: .atomic)
    } catch {
        Issue.record("could not record \(golden.path): \(error)", sourceLocation: sourceLocation)
        return
    }
    Issue.record(
        "recorded \(golden.path); rerun without RECORD_SNAPSHOTS to compare",
        sourceLocation: sourceLocation)
}

/// Compares text with a golden file; see ``expectGolden(_:named:filePath:sourceLocation:)``.
public func expectGolden(
    _ actual: String, named name: String, filePath: String = #filePath,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectGolden(Array(actual.utf8), named: name, filePath: filePath, sourceLocation: sourceLocation)
}
