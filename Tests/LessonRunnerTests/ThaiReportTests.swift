import Foundation
import LessonSource
import Localization
import Reporting
import Testing

@testable import LessonRunner

/// A Thai report carries no English of Khru's own: every phrase of Khru's tables of words
/// (``KhruPhrases/all``) whose English differs from its Thai is looked for in the parts of the page
/// Khru writes itself — not the lesson's prose, code, values, tables or error messages, which are the
/// author's and the library's (fastai's column names stay as the lessons teach them).
@Suite struct ThaiReportTests {
    /// The repository, where the lessons are.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The English phrases found in what Khru wrote on `html`.
    static func englishLeft(in html: String) -> [String] {
        var text = html
        // The author's and the library's content: the table of contents (headings), cell ids, paths and
        // positions, prose, code, values, data tables, errors, scripts.
        for pattern in [
            #"<nav class="toc"[\s\S]*?</nav>"#, #"<a class="cell-id"[^>]*>[\s\S]*?</a>"#,
            #"<span class="(path|loc)">[\s\S]*?</span>"#,
            #"<div class="prose">[\s\S]*?</div>"#, #"<pre[\s\S]*?</pre>"#, #"<code[\s\S]*?</code>"#,
            #"<table[\s\S]*?</table>"#, #"<p class="message">[\s\S]*?</p>"#, #"<script[\s\S]*?</script>"#,
            #"<style[\s\S]*?</style>"#, #"<h[1-6][^>]*>[\s\S]*?</h[1-6]>"#, #"<title>[\s\S]*?</title>"#,
            #"<img [^>]*>"#, #"<a class="anchor"[^>]*>"#, #"<[^>]+>"#,
        ] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        func contains(_ phrase: String, in text: String) -> Bool {
            let escaped = NSRegularExpression.escapedPattern(for: phrase)
            return text.range(
                of: #"(?<![A-Za-z_])"# + escaped + #"(?![A-Za-z_])"#, options: .regularExpression)
                != nil
        }
        // The Thai words keep some English terms on purpose (ค่า loss, ชุด train, ผลของ lr_find): those
        // cannot tell a Thai page from an English one.
        let thai = KhruPhrases.all.map(\.th)
        let phrases = Set(KhruPhrases.all.filter { $0.en != $0.th }.map(\.en))
            .filter { phrase in !thai.contains { contains(phrase, in: $0) } }
        return phrases.sorted().filter { contains($0, in: text) }
    }

    @Test func theScanFindsKhruEnglishAndSparesTheAuthors() {
        let english =
            "<p class=\"summary\">3 passed · 1 failed</p><p class=\"caption\">3 rows × 2 columns</p>"
        #expect(Self.englishLeft(in: english) == ["columns", "failed", "passed", "rows"])
        let authors = "<div class=\"prose\"><p>the loss passed</p></div><pre>let passed = 1</pre>"
        #expect(Self.englishLeft(in: authors).isEmpty)
    }

    @Test func theWelcomeLessonInThaiSpeaksThai() throws {
        let path = Self.repository.appendingPathComponent("lessons/th/00-welcome.md").path
        let (lesson, _) = try LessonParser.parse(fileAt: path)
        let report = LessonExecutor(registry: .standard()).run(lesson).report
        #expect(report.lang == "th")
        #expect(Self.englishLeft(in: ReportRenderer.html(report)) == [])
    }

    /// Every Thai report of a run, when `KHRU_THAI_REPORTS` names its output folder (`make test` runs
    /// the lessons, then this test over their reports).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KHRU_THAI_REPORTS"] != nil))
    func everyThaiReportOfTheRunSpeaksThai() throws {
        let folder = URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["KHRU_THAI_REPORTS"] ?? "output")
        let thai = folder.appendingPathComponent("th")
        let pages = try FileManager.default.contentsOfDirectory(atPath: thai.path)
            .filter { $0.hasSuffix(".html") }.sorted()
        #expect(pages.count >= 6)
        for page in pages {
            let html = try String(contentsOf: thai.appendingPathComponent(page), encoding: .utf8)
            #expect(Self.englishLeft(in: html) == [], "\(page)")
        }
    }
}
