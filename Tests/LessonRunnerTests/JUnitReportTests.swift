import Foundation
import LessonSource
import Testing

@testable import LessonRunner

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct JUnitReportTests {
    @Test func messagesWithMarkupAndControlCharactersStayWellFormed() throws {
        var tally = TestTally()
        let printed = "x.md:2:1: error: cell printed <b>\u{1}\u{7}</b> & \"quotes\"\n\tand more"
        tally.add(
            unreadable: "x.md",
            diagnostics: [Diagnostic(.error, printed, at: SourceLocation(file: "x.md", line: 2, column: 1))])
        let xml = JUnitReport.xml(for: tally, timestamp: Date(timeIntervalSince1970: 0))
        #expect(xml.contains(#"timestamp="1970-01-01T00:00:00""#))
        #expect(!xml.contains("\u{1}"))
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))\n\(xml)")
        #expect(JUnitReport.escape("a<b>&\u{0}\"'\u{FFFE}") == "a&lt;b&gt;&amp;\u{FFFD}&quot;&#39;\u{FFFD}")
    }
}
