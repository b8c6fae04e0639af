import Foundation
import LessonSource

/// `khru test --junit FILE`: a ``TestTally`` as JUnit XML, the format CI systems read (Jenkins,
/// GitLab, GitHub test reporters).
///
/// One `<testsuite>` per lesson, one `<testcase>` per run cell and per `#expect` check and, when it
/// failed, a `<failure>` whose `message` is the first `file:line:col: error: …` line and whose text
/// holds them all. Skipped cells fail, as in `khru test`. The attributes are those of Jenkins'
/// `junit-10.xsd` (a testcase has no `file`/`line` there; the position is in the message).
public enum JUnitReport {
    /// The XML document for `tally`.
    ///
    /// - Parameters:
    ///   - tally: The results.
    ///   - timestamp: When the run started (the `timestamp` of every suite).
    ///   - hostname: The machine it ran on.
    /// - Returns: The XML text, UTF-8, ending with a newline.
    public static func xml(
        for tally: TestTally, timestamp: Date = Date(), hostname: String = "localhost"
    )
        -> String
    {
        let stamp = Self.timestamp(timestamp)
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        let total = tally.suites.reduce(0) { $0 + $1.cases.count }
        let seconds = tally.suites.reduce(0) { $0 + time(of: $1) }
        lines.append(
            #"<testsuites name="khru test" tests="\#(total)" failures="\#(tally.failed)" errors="0" "#
                + #"time="\#(format(seconds))">"#)
        for (index, suite) in tally.suites.enumerated() {
            let failures = suite.cases.filter { !$0.passed }.count
            lines.append(
                #"  <testsuite name="\#(escape(suite.path))" id="\#(index)" package="khru" "#
                    + #"tests="\#(suite.cases.count)" failures="\#(failures)" errors="0" skipped="0" "#
                    + #"time="\#(format(time(of: suite)))" timestamp="\#(stamp)" "#
                    + #"hostname="\#(escape(hostname))">"#)
            for test in suite.cases {
                let attributes =
                    #"name="\#(escape(test.name))" classname="\#(escape(className(suite.path)))" "#
                    + #"time="\#(format(test.seconds))""#
                if test.passed {
                    lines.append("    <testcase \(attributes)/>")
                    continue
                }
                let messages =
                    test.failures.isEmpty
                    ? ["\(test.location): error: \(test.name) failed: an #expect check in it failed"]
                    : test.failures
                lines.append("    <testcase \(attributes)>")
                lines.append(
                    #"      <failure message="\#(escape(messages[0]))" type="error">"#
                        + escape(messages.joined(separator: "\n")) + "</failure>")
                lines.append("    </testcase>")
            }
            lines.append("  </testsuite>")
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the document for `tally` to `path` atomically (a temporary file, then a rename),
    /// creating the folder it goes in.
    ///
    /// - Throws: ``StepError`` naming the path when it cannot be written.
    public static func write(_ tally: TestTally, to path: String) throws(StepError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(xml(for: tally).utf8).write(to: url, options: .atomic)
        } catch {
            throw StepError("cannot write the JUnit report \(path): \(error.localizedDescription)")
        }
    }

    /// A suite's time: the sum of its cells' (a check shares its cell's time, so it is not added).
    private static func time(of suite: TestSuite) -> Double {
        suite.cases.filter { $0.name.hasPrefix("cell ") }.reduce(0) { $0 + $1.seconds }
    }

    /// `lessons/en/05-x.md` → `lessons.en.05-x`, the dotted class name JUnit viewers group by.
    private static func className(_ path: String) -> String {
        ((path as NSString).deletingPathExtension).split(separator: "/").filter { $0 != "." }
            .joined(separator: ".")
    }

    private static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    private static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `text` as XML attribute or element text: markup escaped as in the HTML report, line breaks and
    /// tabs as character references (so attributes keep them), and characters XML 1.0 cannot hold
    /// (control characters a cell may print) replaced by U+FFFD.
    static func escape(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let allowed =
                scalar.value >= 0x20 || scalar == "\n" || scalar == "\t" || scalar == "\r"
            let excluded = (0xFFFE...0xFFFF).contains(scalar.value)
            kept.append(allowed && !excluded ? scalar : "\u{FFFD}")
        }
        return HTMLText.escape(String(kept)).replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\t", with: "&#9;").replacingOccurrences(of: "\r", with: "&#13;")
    }
}
