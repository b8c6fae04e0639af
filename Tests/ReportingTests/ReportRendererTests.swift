import Foundation
import LessonSource
import Testing
import _TestSupport

@testable import Reporting

@Suite struct ReportRendererTests {
    @Test func englishHTMLMatchesGolden() throws {
        expectGolden(ReportRenderer.html(try sampleReport(lang: "en")), named: "report-en.html")
    }

    @Test func thaiHTMLMatchesGolden() throws {
        expectGolden(ReportRenderer.html(try sampleReport(lang: "th")), named: "report-th.html")
    }

    @Test func manifestMatchesGolden() throws {
        expectGolden(ReportRenderer.manifest(try sampleReport(lang: "en")), named: "report-en.json")
    }

    @Test func indexMatchesGolden() throws {
        let entries = [try sampleReport(lang: "th"), try sampleReport(lang: "en")].map(IndexEntry.init)
        expectGolden(ReportRenderer.index(entries), named: "index.html")
    }

    @Test func twoRendersAreByteIdentical() throws {
        let first = try sampleReport(lang: "th")
        let second = try sampleReport(lang: "th")
        #expect(Array(ReportRenderer.html(first).utf8) == Array(ReportRenderer.html(second).utf8))
        #expect(ReportRenderer.manifest(first) == ReportRenderer.manifest(second))
    }

    @Test func telemetryChangesTheHTMLButNotTheManifest() throws {
        let slow = try sampleReport(lang: "en", telemetryScale: 3)
        let fast = try sampleReport(lang: "en")
        #expect(ReportRenderer.manifest(slow) == ReportRenderer.manifest(fast))
        let slowHTML = ReportRenderer.html(slow)
        let fastHTML = ReportRenderer.html(fast)
        #expect(slowHTML != fastHTML)
        #expect(withoutTelemetry(slowHTML) == withoutTelemetry(fastHTML))
        var cachedless = fast
        cachedless.cells["load"]?.telemetry?.cached = false
        #expect(ReportRenderer.manifest(cachedless) == ReportRenderer.manifest(fast))
    }

    @Test func manifestHashesTheRealPNGBytes() throws {
        let manifest = String(decoding: ReportRenderer.manifest(try sampleReport(lang: "en")), as: UTF8.self)
        // sha256sum Tests/ReportingTests/Fixtures/loss.png
        #expect(
            manifest.contains(
                "\"sha256\" : \"c1943921181249ab0c1cd9ed96aa682b6b822e3816696cd59dba6a38e5b14193\""))
        #expect(manifest.contains("\"bytes\" : 723"))
        let object = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any]
        let cells = try #require(object?["cells"] as? [[String: Any]])
        #expect(
            cells.map { $0["status"] as? String ?? "" } == [
                "passed", "passed", "passed", "failed", "skipped", "failed", "failedAsExpected",
                "unexpectedlyPassed",
                "notRun", "shown", "shown",
            ])
        #expect(!manifest.contains("seconds") && !manifest.contains("cached") && !manifest.contains("peak"))
    }

    @Test func htmlEmbedsTheImageAndEscapesOutputs() throws {
        let report = try sampleReport(lang: "en")
        let html = ReportRenderer.html(report)
        let png = try fixtureBytes("loss.png")
        #expect(html.contains("src=\"data:image/png;base64,\(Data(png).base64EncodedString())\""))
        #expect(html.contains("cannot use a String as an Int: &quot;three&quot; &lt;not a number&gt;"))
        #expect(!html.contains("<not a number>"))
        #expect(!html.contains("/work/") && !html.contains("http://") && !html.contains("https://"))
    }

    @Test func hiddenCellsShowOutputsWithoutCode() throws {
        let html = ReportRenderer.html(try sampleReport(lang: "en"))
        #expect(!html.contains("<span class=\"kw\">let</span> metrics"))
        #expect(html.contains("[errorRate]"))
        #expect(html.contains("<span class=\"kw\">let</span> learn"))
    }

    @Test func errorLinesAreMarkedInTheCode() throws {
        let html = ReportRenderer.html(try sampleReport(lang: "en"))
        #expect(html.contains("<span class=\"line mark\"><span class=\"ln\" aria-hidden=\"true\">42</span>"))
        #expect(html.contains("<span class=\"line mark\"><span class=\"ln\" aria-hidden=\"true\">33</span>"))
        // A .error cell that failed as expected marks its line too (styled calmly by `.cell.expected`).
        #expect(html.contains("<section class=\"cell expected\" id=\"wrong\">"))
        #expect(html.contains("<span class=\"line mark\"><span class=\"ln\" aria-hidden=\"true\">48</span>"))
        #expect(!html.contains("<span class=\"line mark\"><span class=\"ln\" aria-hidden=\"true\">26</span>"))
    }

    @Test func summaryCounts() throws {
        let counts = StatusCounts(try sampleReport(lang: "en"))
        #expect(counts == StatusCounts(passed: 4, failed: 3, skipped: 2, shown: 2))
    }

    @Test func uiStringsAreLocalized() throws {
        let thai = ReportRenderer.html(try sampleReport(lang: "th"))
        for word in ["สารบัญ", "ผ่าน", "ข้ามไป", "ไม่ผ่าน", "ซีด", "ภาษาไทย (th)"] { #expect(thai.contains(word)) }
        #expect(thai.contains("<html lang=\"th\">"))
        let english = ReportRenderer.html(try sampleReport(lang: "en"))
        #expect(english.contains("<h2>Contents</h2>") && !english.contains("สารบัญ"))
    }

    /// The HTML with every telemetry span emptied.
    private func withoutTelemetry(_ html: String) -> String {
        var result = ""
        var rest = Substring(html)
        while let start = rest.range(of: "<span class=\"telemetry\"") {
            result += rest[..<start.lowerBound]
            rest = rest[start.upperBound...]
            guard let end = rest.range(of: "</span></div>") ?? rest.range(of: "</span>") else { break }
            rest = rest[end.upperBound...]
        }
        return result + rest
    }
}

@Suite struct FormatTests {
    @Test func durations() {
        #expect(Format.duration(0.0004) == "<1 ms")
        #expect(Format.duration(0.4149) == "415 ms")
        #expect(Format.duration(4.25) == "4.3 s")
        #expect(Format.duration(12.7) == "13 s")
        #expect(Format.duration(125.4) == "2 min 05 s")
        #expect(Format.duration(.nan) == "–")
    }

    @Test func memory() {
        #expect(Format.memory(96 << 20) == "96 MB")
        #expect(Format.memory(3 << 19) == "1.5 MB")
        #expect(Format.memory(1536 << 20) == "1.5 GB")
    }

    @Test func numericCells() {
        #expect(
            looksNumeric("0.412301") && looksNumeric("00:04") && looksNumeric("-3e-3") && looksNumeric("97%"))
        #expect(!looksNumeric("3/7463.png") && !looksNumeric("") && !looksNumeric("nan-ish"))
    }
}

@Suite struct ManifestTests {
    @Test func roundTripsAndKeepsTextReadable() throws {
        let report = try sampleReport(lang: "th")
        let bytes = ReportRenderer.manifest(report)
        #expect(try Manifest.decode(Data(bytes)) == Manifest(report))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        // Thai stays as it is; quotes, backslashes and control characters are escaped.
        var manifest = Manifest(report)
        manifest.title = "ครู \"q\" \\ \n\u{1}"
        #expect(
            String(decoding: manifest.encoded(), as: UTF8.self).contains(
                #""title" : "ครู \"q\" \\ \n\u0001""#))
    }
}

@Suite struct HighlighterTests {
    /// swift-syntax takes time exponential in the nesting of `[`: code nested past the cell language's
    /// limit is shown plain, at once, and still round-trips.
    @Test func bracketsNestedTooDeepAreShownPlainAtOnce() {
        let code = "let deep = " + String(repeating: "[", count: 24) + "1" + String(repeating: "]", count: 24)
        let start = ContinuousClock.now
        let lines = SwiftHighlighter.lines(code)
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(lines == [code])
        let twelve = "let ok = " + String(repeating: "[", count: 12) + "1" + String(repeating: "]", count: 12)
        #expect(SwiftHighlighter.lines(twelve).first?.contains("<span class=\"kw\">let</span>") == true)
    }

    @Test func tokensGetClasses() {
        let lines = SwiftHighlighter.lines(
            "let learn = cnnLearner(dls, metrics: errorRate) // fit\n#expect(x == nil && \"a\\(b)\".count > 3e-3)"
        )
        #expect(
            lines == [
                "<span class=\"kw\">let</span> learn = cnnLearner(dls, <span class=\"lbl\">metrics</span>: errorRate) "
                    + "<span class=\"cm\">// fit</span>",
                "<span class=\"mac\">#</span><span class=\"mac\">expect</span>(x == <span class=\"lit\">nil</span> "
                    + "&amp;&amp; <span class=\"str\">&quot;</span><span class=\"str\">a</span>\\(b)"
                    + "<span class=\"str\">&quot;</span>.count &gt; <span class=\"num\">3e-3</span>)",
            ])
        let types = SwiftHighlighter.lines("let t: Tensor = Tensor.zeros([2])")
        #expect(
            types == [
                "<span class=\"kw\">let</span> t: <span class=\"ty\">Tensor</span> = <span class=\"ty\">Tensor</span>.zeros([<span class=\"num\">2</span>])"
            ])
    }

    @Test func highlightingRoundTripsTheSource() {
        let code = "/* block\n comment */ let s = \"\"\"\n  multi ครู\n  \"\"\"\n\nfunc f() {}\n"
        let text = SwiftHighlighter.lines(code).map { plainText(fromHTML: $0) }.joined(separator: "\n")
        #expect(text == code)
        let broken = "let = = (((\n\"unterminated"
        #expect(
            SwiftHighlighter.lines(broken).map { plainText(fromHTML: $0) }.joined(separator: "\n") == broken)
    }
}

@Suite struct ReportWriterTests {
    @Test func writesAtomicallyAndReadsTheIndexBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let english = try sampleReport(lang: "en")
        let thai = try sampleReport(lang: "th")
        let written = try ReportWriter.write(english, under: folder.path)
        try ReportWriter.write(thai, under: folder.path)
        #expect(written.html == folder.path + "/en/01-digits.html")
        #expect(written.manifest == folder.path + "/en/01-digits.json")
        let html = try String(contentsOfFile: written.html, encoding: .utf8)
        #expect(html == ReportRenderer.html(english))
        #expect(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: written.manifest)))
                == ReportRenderer.manifest(english))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/en")
        #expect(leftovers.sorted() == ["01-digits.html", "01-digits.json"])

        let entries = ReportWriter.indexEntries(under: folder.path)
        #expect(entries == [IndexEntry(english), IndexEntry(thai)])
        let index = try ReportWriter.writeIndex(entries, under: folder.path)
        #expect(try String(contentsOfFile: index, encoding: .utf8) == ReportRenderer.index(entries))
        #expect(ReportRenderer.index(entries).contains("href=\"th/01-digits.html\""))
    }

    @Test func unwritableFolderIsAnError() throws {
        let report = try sampleReport(lang: "en")
        #expect(throws: ReportWriteError.self) { try ReportWriter.write(report, under: "/proc/khru-no-such") }
    }
}
