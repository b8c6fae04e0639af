import Foundation
import LessonSource
import Testing
import _TestSupport

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Fixtures")

/// Parses `text` as `t.md` and returns the diagnostics, printed.
private func diagnostics(_ text: String) -> [String] {
    LessonParser.parse(text, path: "t.md").1.map(\.description)
}

/// Parses `text` as `t.md` and returns its cells.
private func cells(_ text: String) -> [Cell] {
    LessonParser.parse(text, path: "t.md").0.cells
}

@Suite struct KitchenSinkTests {
    let lesson: Lesson
    let problems: [Diagnostic]

    init() throws {
        let path = fixtures.appendingPathComponent("kitchen-sink.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        (lesson, problems) = LessonParser.parse(text, path: "kitchen-sink.md")
    }

    @Test func treeDumpMatchesGolden() {
        expectGolden(lesson.treeDump, named: "kitchen-sink.txt")
    }

    @Test func frontMatter() {
        #expect(lesson.frontMatter.title == "Kitchen *sink* lesson")
        #expect(lesson.frontMatter.seed == 7)
        #expect(lesson.frontMatter.lang == "th")
        #expect(lesson.frontMatter.extra == ["author": "Khru Team"])
    }

    @Test func onlyTheRawHTMLIsReported() {
        #expect(problems.map(\.severity) == [.warning])
        #expect(problems.first?.message == "raw HTML is left out of the report")
        #expect(problems.first?.location.line == 55)
    }

    @Test func cellsAndDefaultIDs() {
        #expect(
            lesson.cells.map(\.id) == [
                "load-data", "cell-2", "show-only", "must-fail", "model-source", "cell-6", "indented",
            ])
        let attributes = lesson.cells.map(\.attributes)
        #expect(attributes[1] == CellAttributes(hidden: true, timeout: 30))
        #expect(attributes[2] == CellAttributes(hasExplicitID: true, norun: true))
        #expect(attributes[3] == CellAttributes(hasExplicitID: true, expectsError: true, timeout: 2.5))
        #expect(
            attributes[4]
                == CellAttributes(
                    hasExplicitID: true, include: "Sources/Collab/DotProductBias.swift",
                    symbol: "DotProductBias"))
        #expect(attributes[5] == CellAttributes(include: "Sources/Training/Learner.swift"))
        #expect(lesson.cells.map(\.attributes.runs) == [true, true, false, true, false, false, true])
    }

    @Test func codeLocationsMapIntoTheFile() throws {
        let first = try #require(lesson.cells.first)
        #expect(first.location.description == "kitchen-sink.md:16:1")
        #expect(first.codeLocation.description == "kitchen-sink.md:17:1")
        #expect(first.location(ofLine: 2, column: 5).description == "kitchen-sink.md:18:5")
        let indented = try #require(lesson.cells.last)
        #expect(indented.code == "let z = 2\n  // more indented")
        #expect(indented.codeLocation.description == "kitchen-sink.md:58:3")
        #expect(indented.location(ofLine: 1, column: 5).description == "kitchen-sink.md:58:7")
        #expect(indented.location(ofLine: 2, column: 3).description == "kitchen-sink.md:59:3")
    }

    @Test func headingAnchorsAreUniqueAndKeepThai() {
        let headings = lesson.blocks.compactMap { block -> Heading? in
            if case .heading(let heading) = block { return heading }
            return nil
        }
        #expect(
            headings.map(\.anchor) == [
                "บทนำ-การเรียนรู้เชิงลึก", "getting-started", "getting-started-1", "ผลลัพธ์ของโมเดล-results",
            ])
    }

    @Test func proseIsSafeHTML() {
        let html = lesson.blocks.compactMap { block -> String? in
            if case .prose(let prose) = block { return prose.html }
            return nil
        }
        #expect(
            html.contains(
                "<p>A paragraph with <strong>bold</strong>, <code>code</code> and a <a href=\"https://example.com\">link</a>.</p>\n"
            ))
        #expect(html.contains("<!-- raw HTML omitted -->\n"))
        #expect(!html.joined().contains("<div>"))
    }
}

@Suite struct FrontMatterTests {
    @Test func linesStayRightAfterTheFrontMatter() {
        let (lesson, problems) = LessonParser.parse("---\nseed: 3\n---\n```swift {}\nx\n```\n", path: "t.md")
        #expect(problems.isEmpty)
        #expect(lesson.frontMatter.seed == 3)
        #expect(lesson.cells.first?.location.description == "t.md:4:1")
    }

    @Test func defaultsWithoutFrontMatter() {
        let (lesson, problems) = LessonParser.parse("# Title\n", path: "t.md")
        #expect(problems.isEmpty)
        #expect(lesson.frontMatter == FrontMatter())
        #expect(lesson.frontMatter.seed == 42)
    }

    @Test func timeoutIsSecondsAndABadOneIsLocatedAtTheValue() {
        let (lesson, problems) = LessonParser.parse("---\ntimeout: 2.5\n---\n# T\n", path: "t.md")
        #expect(problems.isEmpty)
        #expect(lesson.frontMatter.timeout == 2.5)
        #expect(LessonParser.parse("# T\n", path: "t.md").0.frontMatter.timeout == nil)
        #expect(
            diagnostics("---\ntimeout: soon\n---\n") == [
                "t.md:2:10: error: timeout must be a positive number of seconds, not 'soon'"
            ])
        #expect(
            diagnostics("---\ntimeout: 0\n---\n") == [
                "t.md:2:10: error: timeout must be a positive number of seconds, not '0'"
            ])
    }

    @Test func badSeedIsLocatedAtTheValue() {
        #expect(
            diagnostics("---\ntitle: x\nseed:  forty-two\n---\n") == [
                "t.md:3:8: error: seed must be a whole number from 0 to 18446744073709551615, not 'forty-two'"
            ])
        #expect(
            diagnostics("---\nseed: -1\n---\n") == [
                "t.md:2:7: error: seed must be a whole number from 0 to 18446744073709551615, not '-1'"
            ])
    }

    @Test func languageTagsAreValidatedAndGiveOneLanguage() {
        #expect(
            diagnostics("---\nlang: fr\n---\n") == [
                "t.md:2:7: error: unknown language 'fr'; Khru writes lessons' reports in en or th "
                    + "(a region such as th-TH or en-GB is fine)"
            ])
        for (tag, words) in [("th", LessonLanguage.Words.th), ("th-TH", .th), ("en-GB", .en), ("EN", .en)] {
            let (lesson, problems) = LessonParser.parse("---\nlang: \(tag)\n---\n", path: "t.md")
            #expect(problems.isEmpty)
            #expect(lesson.language.words == words && lesson.language.tag == tag)
        }
        // Without front matter, a folder named for a language says it; any other folder means English.
        #expect(LessonParser.parse("# T\n", path: "lessons/th/01-x.md").0.language.words == .th)
        #expect(LessonParser.parse("# T\n", path: "tmp/t1/01-x.md").0.language == .english)
        #expect(LessonLanguage(tag: "th-") == nil && LessonLanguage(tag: "thai") == nil)
    }

    @Test func theAttributeTableDecidesTheCacheKeyAndTheDifferences() {
        let hidden = CellAttributes(hidden: true)
        #expect(hidden.resultKey == CellAttributes().resultKey)
        #expect(CellAttributes(norun: true).resultKey != CellAttributes().resultKey)
        #expect(CellAttributes(timeout: 5).resultKey != CellAttributes(timeout: 6).resultKey)
        #expect(hidden.differences(from: CellAttributes()).map(\.spelling) == [".hidden"])
        // Every attribute in the table round-trips through the parser.
        for spec in CellAttributes.table {
            let written =
                switch spec.form {
                case .flag: spec.spelling
                case .number: spec.spelling + "2.5"
                case .text: spec.spelling + "\"x\""
                }
            let extra = spec.name == "symbol" ? " include=\"x\"" : ""
            // Checks grade an exercise: `for=x` names one, and a hidden check needs one above it.
            let exercise =
                ["for", "hidden-check"].contains(spec.name) ? "```swift {#x .exercise}\n1\n```\n" : ""
            let (lesson, problems) = LessonParser.parse(
                exercise + "```swift {#a \(written)\(extra)}\n#expect(true)\n```\n", path: "t.md")
            #expect(problems.allSatisfy { $0.severity != .error }, "\(spec.name): \(problems)")
            #expect(spec.value(in: lesson.cells.last?.attributes ?? CellAttributes()) != nil, "\(spec.name)")
        }
    }

    @Test func malformedFrontMatter() {
        #expect(
            diagnostics("---\ntitle: x\n") == [
                "t.md:1:1: error: front matter is never closed; end it with a line '---'"
            ])
        #expect(
            diagnostics("---\n  just words\n---\n") == [
                "t.md:2:3: error: expected 'key: value' in front matter"
            ])
        #expect(
            diagnostics("---\nlang: en\nlang: th\n---\n") == [
                "t.md:3:1: error: front matter key 'lang' is given twice\nt.md:2:1: note: first given here"
            ])
    }

    @Test func crlfAndQuotes() {
        let (lesson, problems) = LessonParser.parse("---\r\ntitle: 'ครู'\r\n---\r\n# H\r\n", path: "t.md")
        #expect(problems.isEmpty)
        #expect(lesson.frontMatter.title == "ครู")
    }
}

@Suite struct AttributeErrorTests {
    @Test func duplicateIDsPointAtBothDefinitions() {
        let text = "```swift {#a}\n1\n```\n\n```swift {.hidden #a}\n2\n```\n"
        #expect(
            diagnostics(text) == [
                "t.md:5:19: error: duplicate cell id 'a'\nt.md:1:11: note: 'a' is first used here"
            ])
    }

    @Test func explicitIDCollidingWithADefault() {
        let text = "```swift {#cell-2}\n1\n```\n\n```swift {}\n2\n```\n"
        #expect(
            diagnostics(text) == [
                "t.md:5:1: error: duplicate cell id 'cell-2'\nt.md:1:11: note: 'cell-2' is first used here"
            ])
    }

    @Test func unknownAttributesSuggestTheNearest() {
        #expect(
            diagnostics("```swift {#a .hiden}\n```\n") == [
                "t.md:1:14: error: unknown cell attribute '.hiden'; did you mean '.hidden'?"
            ])
        #expect(
            diagnostics("```swift {timout=3}\n```\n") == [
                "t.md:1:11: error: unknown cell attribute 'timout'; did you mean 'timeout'?"
            ])
        #expect(
            diagnostics("```swift {norun}\n```\n") == [
                "t.md:1:11: error: unknown cell attribute 'norun'; did you mean '.norun'?"
            ])
        #expect(
            diagnostics("```swift {id=fit}\n```\n") == [
                "t.md:1:11: error: unknown cell attribute 'id'; did you mean '#fit'?"
            ])
        #expect(
            diagnostics("```swift {.verbose}\n```\n") == [
                "t.md:1:11: error: unknown cell attribute '.verbose'; known: #id, .hidden, .norun, .error, "
                    + ".exercise, .hidden-check, timeout=, include=, symbol=, for=, points="
            ])
    }

    @Test func malformedBraces() {
        #expect(
            diagnostics("```swift {#a .hidden\n```\n") == [
                "t.md:1:10: error: unclosed '{' in cell attributes; add '}'"
            ])
        #expect(
            diagnostics("```swift {#a} extra\n```\n") == [
                "t.md:1:15: error: unexpected text 'extra' after '}' in cell attributes"
            ])
        #expect(
            diagnostics("```swift run {#a}\n```\n") == [
                "t.md:1:10: error: unexpected text 'run' before '{' in cell attributes"
            ])
        #expect(
            diagnostics("```swift {#a, .hidden}\n```\n") == [
                "t.md:1:13: error: unexpected ',' in cell attributes; separate attributes with spaces"
            ])
        #expect(
            diagnostics("```swift {include=\"a.swift}\n```\n") == [
                "t.md:1:19: error: unclosed quote in the value of 'include'"
            ])
        #expect(
            diagnostics("```swift #a .hidden\n```\n") == [
                "t.md:1:10: warning: cell attributes must be in braces, as in '```swift {#id}'; shown, not run"
            ])
    }

    @Test func badTimeoutIsLocatedAtTheValue() {
        #expect(
            diagnostics("```swift {#a timeout=soon}\n```\n") == [
                "t.md:1:22: error: timeout must be a positive number of seconds, not 'soon'"
            ])
        #expect(
            diagnostics("```swift {timeout=-1}\n```\n") == [
                "t.md:1:19: error: timeout must be a positive number of seconds, not '-1'"
            ])
        #expect(
            diagnostics("```swift {timeout=}\n```\n") == ["t.md:1:19: error: missing value for 'timeout'"])
    }

    @Test func symbolNeedsInclude() {
        #expect(
            diagnostics("```swift {#a symbol=\"Learner\"}\n```\n") == [
                "t.md:1:14: error: 'symbol' needs 'include' to name the file it comes from"
            ])
    }

    @Test func badIDs() {
        #expect(diagnostics("```swift {#}\n```\n") == ["t.md:1:11: error: missing cell id after '#'"])
        #expect(
            diagnostics("```swift {#ครู}\n```\n") == [
                "t.md:1:11: error: cell id 'ครู' may only contain ASCII letters, digits, '-' and '_'"
            ])
        #expect(
            diagnostics("```swift {#a #b}\n```\n") == [
                "t.md:1:14: error: a cell has one id; '#b' is the second\nt.md:1:11: note: first id here"
            ])
        #expect(
            diagnostics("```swift {#a timeout=1 timeout=2}\n```\n") == [
                "t.md:1:24: error: 'timeout' is given twice\nt.md:1:14: note: first given here"
            ])
    }

    @Test func columnsCountUTF8BytesAfterThai() {
        // "- ครู" is 2 + 9 bytes; the nested fence starts at byte column 3 of its line.
        let text = "ก่อน\n\n- ครู\n\n  ```swift {#x}\n  1\n  ```\n"
        #expect(
            diagnostics(text) == [
                "t.md:5:3: warning: a cell inside a list or quote is shown, not run; move it to the top level"
            ])
        #expect(
            diagnostics("```swift {#a} ครู\n```\n") == [
                "t.md:1:15: error: unexpected text 'ครู' after '}' in cell attributes"
            ])
        #expect(
            diagnostics("```swift {#a .ครู .hiden}\n```\n").last
                == "t.md:1:25: error: unknown cell attribute '.hiden'; did you mean '.hidden'?")
    }

    @Test func includeCellCodeIsIgnoredWithAWarning() {
        #expect(
            diagnostics("```swift {include=\"A.swift\"}\nlet a = 1\n```\n") == [
                "t.md:2:1: warning: an include cell shows its file; the code in the fence is ignored"
            ])
    }

    @Test func infoStringsThatAreNotCells() {
        let lesson = LessonParser.parse(
            "```swift\na\n```\n\n```swiftui {#x}\nb\n```\n\n~~~\nc\n~~~\n", path: "t.md"
        ).0
        #expect(lesson.cells.isEmpty)
        let infos = lesson.blocks.compactMap { block -> String? in
            if case .listing(let listing) = block { return listing.info }
            return nil
        }
        #expect(infos == ["swift", "swiftui {#x}", ""])
    }

    @Test func tildeFencesAndEscapedQuotes() {
        let cell = cells("~~~swift {include=\"a \\\"b\\\".swift\"}\n~~~\n").first
        #expect(cell?.attributes.include == "a \"b\".swift")
    }

    @Test func unreadableFileIsALocatedError() {
        #expect(throws: Diagnostic.self) { try LessonParser.parse(fileAt: "/nonexistent/lesson.md") }
        do {
            _ = try LessonParser.parse(fileAt: "/nonexistent/lesson.md")
        } catch let error as Diagnostic {
            #expect(error.location.description == "/nonexistent/lesson.md:1:1")
            #expect(error.message.hasPrefix("cannot read lesson"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct AnchorAndTextTests {
    @Test func slugs() {
        #expect(Anchors.slug("Hello, World!") == "hello-world")
        #expect(Anchors.slug("  The  1cycle -- policy ") == "the-1cycle-policy")
        #expect(
            Anchors.slug("การเรียนรู้แบบถ่ายโอน (Transfer learning)") == "การเรียนรู้แบบถ่ายโอน-transfer-learning")
        #expect(Anchors.slug("?!") == "section")
        #expect(Anchors.unique(["A", "A", "a", "B"], reserved: ["b"]) == ["a", "a-1", "a-2", "b-1"])
    }

    @Test func escapingAndInlineMarkdown() {
        #expect(
            HTMLText.escape("<a href=\"x\">'&'</a>")
                == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(
            HTMLText.inlineMarkdown("Kitchen *sink* `x<y`") == "Kitchen <em>sink</em> <code>x&lt;y</code>")
        #expect(
            HTMLText.inlineMarkdown("a <script>alert(1)</script>")
                == "a <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted -->")
        #expect(HTMLText.inlineMarkdown("[x](javascript:alert(1))") == "<a href=\"\">x</a>")
        #expect(HTMLText.inlineMarkdown("ครู") == "ครู")
    }
}

@Suite struct LessonPairTests {
    let english = """
        # Lesson

        ```swift {#a}
        let x = 1
        ```

        ```swift {#b .hidden}
        let y = 2
        print(y)
        ```

        ```swift {#c}
        x
        ```

        """

    @Test func identicalCellsAgree() {
        let thai = english.replacingOccurrences(of: "# Lesson", with: "# บทเรียน\n\nย่อหน้า")
        let a = LessonParser.parse(english, path: "en/l.md").0
        let b = LessonParser.parse(thai, path: "th/l.md").0
        #expect(LessonPair.compareCells(a, b).isEmpty)
    }

    @Test func driftIsReportedInBothFiles() {
        let thai = """
            # บทเรียน

            ```swift {#a .norun}
            let x = 1
            ```

            ```swift {#b .hidden}
            let y = 2
            print(y + 1)
            ```

            ```swift {#d}
            x
            ```

            """
        let a = LessonParser.parse(english, path: "en/l.md").0
        let b = LessonParser.parse(thai, path: "th/l.md").0
        #expect(
            LessonPair.compareCells(a, b).map(\.description) == [
                "th/l.md:3:1: error: cell 'a' has other attributes than in en/l.md: .norun added\n"
                    + "en/l.md:3:1: note: the cell in en/l.md",
                "th/l.md:9:1: error: the code of cell 'b' differs from en/l.md from line 2 of the cell on\n"
                    + "en/l.md:9:1: note: the cell in en/l.md",
                "th/l.md:12:1: error: cell 'c' of en/l.md is missing here\nen/l.md:12:1: note: defined here",
                "th/l.md:12:1: error: cell 'd' is not in en/l.md\nen/l.md:12:1: note: en/l.md has its cells here",
            ])
    }
}
