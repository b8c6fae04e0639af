import Checksums
import Foundation
import LessonSource

/// Turns a ``LessonReport`` into a self-contained HTML page and a deterministic JSON manifest.
public enum ReportRenderer {
    /// The report as one self-contained HTML page.
    ///
    /// Same report, same bytes: nothing depends on the clock or the machine except the cells'
    /// telemetry, which the report carries in.
    public static func html(_ report: LessonReport) -> String {
        var page = PageBuilder(report: report)
        return page.render()
    }

    /// The report with `preface`, already-safe HTML, at the top of the lesson (a grade's summary).
    public static func html(_ report: LessonReport, preface: String) -> String {
        var page = PageBuilder(report: report)
        page.preface = preface
        return page.render()
    }

    /// The report's words for `lang` (``Localization/Phrase`` table), for pages built around a report.
    public static func phrase(_ key: ReportPhrase, lang: String) -> String {
        let words = ReportStrings.forLanguage(lang)
        switch key {
        case .exercise: return words.exercise
        case .notDone: return words.notDone
        case .points: return words.points
        case .hiddenChecks: return words.hiddenChecks
        case .passed: return words.passed
        case .failed: return words.failed
        }
    }

    /// The manifest: everything the page shows except telemetry, as pretty-printed JSON with sorted
    /// keys and a final newline (see ``Manifest``).
    public static func manifest(_ report: LessonReport) -> [UInt8] {
        Manifest(report).encoded()
    }

    /// `output/index.html`: every lesson, grouped by slug, one column per language.
    public static func index(_ entries: [IndexEntry]) -> String {
        IndexPage.render(entries)
    }
}

/// Words of the report's phrase table that pages built around a report use.
public enum ReportPhrase: Sendable {
    case exercise, notDone, points, hiddenChecks, passed, failed
}

/// Formats telemetry without locale or floating-point surprises.
enum Format {
    /// One decimal digit, rounded half away from zero.
    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 0.001 { return "<1 ms" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 10 { return oneDecimal(seconds) + " s" }
        if seconds < 60 { return "\(Int(seconds.rounded())) s" }
        let total = Int(seconds.rounded())
        let rest = total % 60
        return "\(total / 60) min " + (rest < 10 ? "0" : "") + "\(rest) s"
    }

    static func memory(_ bytes: Int) -> String {
        let megabytes = Double(bytes) / 1_048_576
        if megabytes < 10 { return oneDecimal(megabytes) + " MB" }
        if megabytes < 1024 { return "\(Int(megabytes.rounded())) MB" }
        return oneDecimal(megabytes / 1024) + " GB"
    }

    /// A whole number without its `.0` (`60`, `2`), any other as Swift prints it (`1.5`).
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)"
    }
}

/// Text that reads as a number, so table cells can align right.
func looksNumeric(_ text: String) -> Bool {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return false }
    if Double(trimmed) != nil { return true }
    let allowed = Set("0123456789:.%-+e")
    return trimmed.first?.isNumber == true && trimmed.allSatisfy { allowed.contains($0) }
}

private func escape(_ text: String) -> String { HTMLText.escape(text) }

/// The text of some HTML, tags dropped and the five escapes undone (for `<title>`).
func plainText(fromHTML html: String) -> String {
    var text = ""
    var inTag = false
    for character in html {
        if character == "<" {
            inTag = true
        } else if character == ">" {
            inTag = false
        } else if !inTag {
            text.append(character)
        }
    }
    return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}

private struct PageBuilder {
    let report: LessonReport
    let words: ReportStrings
    var out = ""
    /// Safe HTML shown first in the lesson (``ReportRenderer/html(_:preface:)``).
    var preface = ""

    init(report: LessonReport) {
        self.report = report
        self.words = ReportStrings.forLanguage(report.lang)
    }

    /// The first block when it is a level-1 heading repeating the title (the masthead shows it).
    var droppedTitleHeading: Int? {
        guard case .heading(let heading)? = report.lesson.blocks.first, heading.level == 1,
            heading.text == plainText(fromHTML: HTMLText.inlineMarkdown(report.title))
        else { return nil }
        return 0
    }

    mutating func render() -> String {
        let titleHTML = HTMLText.inlineMarkdown(report.title)
        out += "<!DOCTYPE html>\n<html lang=\"\(escape(report.lang))\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta name=\"generator\" content=\"Khru \(escape(report.version))\">\n"
        out += "<title>\(escape(plainText(fromHTML: titleHTML))) · Khru</title>\n"
        out += "<style>\n\(ReportStyle.css)</style>\n</head>\n<body>\n"
        masthead(titleHTML: titleHTML)
        out += "<div class=\"page\">\n"
        tableOfContents()
        out += "<main class=\"lesson\">\n" + preface
        let blocks = report.lesson.blocks
        for (index, block) in blocks.enumerated() where index != droppedTitleHeading {
            // An exercise's hints sit in one box, each folded until the one before it is open.
            if case .hint = block, index == 0 || !Self.isHint(blocks[index - 1]) {
                out += "<div class=\"hints\">\n"
            }
            defer {
                if case .hint = block, index == blocks.count - 1 || !Self.isHint(blocks[index + 1]) {
                    out += "</div>\n"
                }
            }
            switch block {
            case .hint(let hint):
                out += "<details class=\"hint\"><summary>\(escape(words.hint)) \(hint.number)</summary>"
                out += "<div class=\"prose\">\n\(hint.html)</div></details>\n"
            case .heading(let heading):
                let level = min(max(heading.level, 1), 6)
                out += "<h\(level) id=\"\(escape(heading.anchor))\">\(escape(heading.text))"
                out +=
                    "<a class=\"anchor\" href=\"#\(escape(heading.anchor))\" aria-hidden=\"true\">#</a></h\(level)>\n"
            case .prose(let prose):
                out += "<div class=\"prose\">\n\(prose.html)</div>\n"
            case .listing(let listing):
                listingHTML(listing)
            case .cell(let cell):
                cellHTML(cell)
            }
        }
        out += "</main>\n</div>\n"
        out += "<footer class=\"footer\">\(escape(words.generatedBy)) \(escape(report.version)) · "
        out += "<a href=\"../index.html\">\(escape(words.allLessons))</a></footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    enum Standing { case notDone, passing, failing }

    /// How exercise `id` stands in this report: not done yet when it (or a cell grading it) reached a
    /// `todo()` or was skipped for one; failing when it or a cell grading it failed; passing when they
    /// all ran; `nil` when it has not run.
    func exerciseStanding(_ id: String) -> Standing? {
        let graded = report.lesson.gradedExercise
        // A function whose body is still `todo()` has not run it yet, and is not done either.
        if let exercise = report.lesson.cells.first(where: { $0.id == id }), exercise.code.contains("todo()")
        {
            return report.cells[id] == nil ? nil : .notDone
        }
        let cells = [id] + report.lesson.cells.filter { graded[$0.id] == id }.map(\.id)
        var standing = Standing.passing
        for cellID in cells {
            switch report.cells[cellID]?.status {
            case .notDone?: return .notDone
            case .skipped(let reason)? where ReportWords.isWaitingForExercise(reason): return .notDone
            case .failed?, .unexpectedlyPassed?, .skipped?: standing = .failing
            case nil: if cellID == id { return nil }
            default: break
            }
        }
        return standing
    }

    static func isHint(_ block: Block) -> Bool {
        if case .hint = block { return true }
        return false
    }

    mutating func masthead(titleHTML: String) {
        let counts = StatusCounts(report)
        out += "<header class=\"masthead\">\n<div class=\"masthead-inner\">\n"
        out += "<p class=\"eyebrow\"><a href=\"../index.html\">Khru</a> · \(escape(words.lesson)) · "
        out += "<span class=\"path\">\(escape(report.lesson.path))</span></p>\n"
        out += "<h1>\(titleHTML)</h1>\n"
        out += "<dl class=\"meta\">"
        out +=
            "<div><dt>\(escape(words.language))</dt><dd>\(escape(words.languageName)) (\(escape(report.lang)))</dd></div>"
        out += "<div><dt>\(escape(words.seed))</dt><dd>\(report.lesson.frontMatter.seed)</dd></div>"
        let parameters = report.lesson.frontMatter.params
        if !parameters.isEmpty {
            // Each value as this run used it; one set with -p is marked, with the lesson's default.
            let shown = parameters.map { parameter in
                let value = "<code>\(escape(parameter.name)) = \(escape(parameter.value.description))</code>"
                guard parameter.value != parameter.defaultValue else { return value }
                return value + " <span class=\"param-set\">(-p; \(escape(words.defaultValue)) "
                    + "\(escape(parameter.defaultValue.description)))</span>"
            }
            out += "<div><dt>\(escape(words.parameters))</dt><dd>\(shown.joined(separator: ", "))</dd></div>"
        }
        out += "<div><dt>Khru</dt><dd>\(escape(report.version))</dd></div>"
        out += "</dl>\n<ul class=\"summary\">"
        let pills: [(String, Int, String)] = [
            ("passed", counts.passed, words.passed), ("failed", counts.failed, words.failed),
            ("skipped", counts.skipped, words.skipped), ("shown", counts.shown, words.shown),
            ("notdone", counts.notDone, words.notDone),
        ]
        for (kind, count, word) in pills where count > 0 || kind == "passed" || kind == "failed" {
            // "0 failed" is good news: shown in the neutral colour, not the alarm red.
            let style = kind == "failed" && count == 0 ? "shown" : kind
            out += "<li class=\"pill \(style)\"><b>\(count)</b> \(escape(word))</li>"
        }
        out += "</ul>\n"
        let attention = report.lesson.cells.filter { cell in
            switch report.cells[cell.id]?.status {
            case .failed?, .unexpectedlyPassed?: return true
            default: return false
            }
        }
        if !attention.isEmpty {
            out += "<p class=\"attention\">\(escape(words.failedCells)) "
            out += attention.map { "<a href=\"#\(escape($0.id))\">#\(escape($0.id))</a>" }.joined(
                separator: " ")
            out += "</p>\n"
        }
        out += "</div>\n</header>\n"
    }

    mutating func tableOfContents() {
        let headings = report.lesson.blocks.enumerated().compactMap { index, block -> Heading? in
            guard index != droppedTitleHeading, case .heading(let heading) = block, heading.level <= 3 else {
                return nil
            }
            return heading
        }
        guard !headings.isEmpty else { return }
        let top = headings.map(\.level).min() ?? 1
        out += "<nav class=\"toc\" aria-label=\"\(escape(words.contents))\">\n"
        out += "<h2>\(escape(words.contents))</h2>\n<ol>\n"
        for heading in headings {
            out += "<li class=\"toc-\(heading.level - top + 1)\"><a href=\"#\(escape(heading.anchor))\">"
            out += "\(escape(heading.text))</a></li>\n"
        }
        out += "</ol>\n</nav>\n"
    }

    mutating func listingHTML(_ listing: Listing) {
        let language = listing.info.split(separator: " ").first.map(String.init) ?? ""
        let lines =
            language == "swift"
            ? SwiftHighlighter.lines(listing.code) : SwiftHighlighter.plainLines(listing.code)
        out += "<figure class=\"listing\">"
        if !language.isEmpty { out += "<figcaption>\(escape(language))</figcaption>" }
        code(lines, firstLine: listing.location.line + 1, marked: [])
        out += "</figure>\n"
    }

    mutating func code(_ lines: [String], firstLine: Int, marked: Set<Int>) {
        out += "<pre class=\"code\"><code>"
        for (offset, line) in lines.enumerated() {
            let number = firstLine + offset
            let mark = marked.contains(number) ? " mark" : ""
            out +=
                "<span class=\"line\(mark)\"><span class=\"ln\" aria-hidden=\"true\">\(number)</span>\(line)</span>"
        }
        out += "</code></pre>\n"
    }

    mutating func cellHTML(_ cell: Cell) {
        let result = report.cells[cell.id]
        let statusClass: String
        let statusWord: String
        switch result?.status {
        case .passed?: (statusClass, statusWord) = ("passed", "✓ " + words.passed)
        case .failed?: (statusClass, statusWord) = ("failed", "✗ " + words.failed)
        case .failedAsExpected?: (statusClass, statusWord) = ("expected", "✓ " + words.failedAsExpected)
        case .unexpectedlyPassed?: (statusClass, statusWord) = ("failed", "✗ " + words.unexpectedlyPassed)
        case .skipped?: (statusClass, statusWord) = ("skipped", "↷ " + words.skipped)
        case .shown?:
            statusClass = "shown"
            statusWord =
                cell.attributes.include != nil
                ? words.source : cell.attributes.norun ? words.norun : words.shown
        case .notDone?: (statusClass, statusWord) = ("notdone", "✎ " + words.notDone)
        case nil: (statusClass, statusWord) = ("skipped", words.notRun)
        }
        out += "<section class=\"cell \(statusClass)\" id=\"\(escape(cell.id))\">\n<div class=\"cell-bar\">"
        out += "<a class=\"cell-id\" href=\"#\(escape(cell.id))\">#\(escape(cell.id))</a>"
        let attributes = cell.attributes
        // An exercise shows how it stands by the checks this report holds (not done yet, passed,
        // failed) in place of its cell's status; a graded page says it in its grade table instead.
        let standing = attributes.exercise && preface.isEmpty ? exerciseStanding(cell.id) : nil
        if attributes.exercise { out += "<span class=\"badge exercise\">\(escape(words.exercise))</span>" }
        if let standing {
            let (kind, word) =
                switch standing {
                case .notDone: ("notdone", "✎ " + words.notDone)
                case .passing: ("passed", "✓ " + words.passed)
                case .failing: ("failed", "✗ " + words.failed)
                }
            out +=
                "<span class=\"badge status exercise-status \(kind)\" data-exercise=\"\(escape(cell.id))\">"
            out += "\(escape(word))</span>"
        } else {
            out += "<span class=\"badge status\">\(escape(statusWord))</span>"
        }
        if attributes.hidden { out += "<span class=\"badge\">\(escape(words.codeHidden))</span>" }
        if attributes.expectsError { out += "<span class=\"badge\">.error</span>" }
        if attributes.hiddenCheck { out += "<span class=\"badge\">\(escape(words.hiddenCheck))</span>" }
        if let points = attributes.points {
            out += "<span class=\"badge\">\(Format.seconds(points)) \(escape(words.points))</span>"
        }
        if let timeout = attributes.timeout {
            out += "<span class=\"badge\">\(escape(words.timeout)) \(Format.seconds(timeout)) s</span>"
        }
        if let telemetry = result?.telemetry {
            out += "<span class=\"telemetry\" title=\"\(escape(words.telemetryTitle))\">"
            out += "\(Format.duration(telemetry.seconds)) · \(Format.memory(telemetry.peakBytes))"
            if telemetry.cached { out += " · <span class=\"cached\">\(escape(words.cached))</span>" }
            out += "</span>"
        }
        out += "</div>\n"
        if let include = attributes.include {
            let shown = result?.includedSource
            let path = shown?.path ?? include
            var caption = "<code>\(escape(path))</code>"
            if let symbol = shown?.symbol ?? attributes.symbol {
                caption += " · <code>\(escape(symbol))</code>"
            }
            out += "<p class=\"include\">\(caption)</p>\n"
            if let shown {
                code(SwiftHighlighter.lines(shown.code), firstLine: shown.firstLine, marked: [])
            } else if !cell.code.isEmpty {
                code(SwiftHighlighter.lines(cell.code), firstLine: cell.codeLocation.line, marked: [])
            }
        } else if !attributes.hidden {
            code(
                SwiftHighlighter.lines(cell.code), firstLine: cell.codeLocation.line,
                marked: markedLines(cell, result))
        }
        outputs(cell, result)
        out += "</section>\n"
    }

    /// Lesson lines inside the cell's code where an error or failed check points.
    func markedLines(_ cell: Cell, _ result: CellReport?) -> Set<Int> {
        let count = cell.code.split(separator: "\n", omittingEmptySubsequences: false).count
        let range = cell.codeLocation.line..<(cell.codeLocation.line + count)
        var lines = Set<Int>()
        for output in result?.outputs ?? [] {
            let location: SourceLocation
            switch output {
            case .error(let diagnostic): location = diagnostic.location
            case .check(let check) where !check.passed: location = check.location
            default: continue
            }
            if location.file == report.lesson.path, range.contains(location.line) {
                lines.insert(location.line)
            }
        }
        return lines
    }

    mutating func outputs(_ cell: Cell, _ result: CellReport?) {
        var html = ""
        switch result?.status {
        case .skipped(let reason)?:
            html += "<div class=\"callout skipped\"><p><strong>\(escape(words.skippedBecause))</strong> "
            html += "\(escape(reason))</p></div>\n"
        case .unexpectedlyPassed?:
            html += "<div class=\"callout error\" role=\"alert\"><p><strong>\(escape(words.error))</strong> "
            html += "\(escape(words.unexpectedlyPassedMessage))</p></div>\n"
        case nil where cell.attributes.runs:
            html += "<div class=\"callout skipped\"><p>\(escape(words.noResult))</p></div>\n"
        default: break
        }
        var pendingText: [String] = []
        var pendingChecks: [Check] = []
        func flush() {
            if !pendingText.isEmpty {
                html += "<pre class=\"out text\">\(escape(joinedText(pendingText)))</pre>\n"
                pendingText = []
            }
            if !pendingChecks.isEmpty {
                html += "<ul class=\"checks\">\n" + pendingChecks.map(checkHTML).joined() + "</ul>\n"
                pendingChecks = []
            }
        }
        let expected = result?.status == .failedAsExpected
        for output in result?.outputs ?? [] {
            if case .text(let text) = output {
                if !pendingChecks.isEmpty { flush() }
                pendingText.append(text)
                continue
            }
            if case .check(let check) = output {
                if !pendingText.isEmpty { flush() }
                pendingChecks.append(check)
                continue
            }
            flush()
            switch output {
            case .value(let value):
                html += "<pre class=\"out value\">\(escape(value))</pre>\n"
            case .table(let table):
                html += tableHTML(table)
            case .image(let image):
                html += "<figure class=\"out image\"><img src=\"data:image/png;base64,"
                html += Data(image.bytes).base64EncodedString()
                html += "\" width=\"\(image.width)\" height=\"\(image.height)\" alt=\"\(escape(image.alt))\">"
                if !image.alt.isEmpty { html += "<figcaption>\(escape(image.alt))</figcaption>" }
                html += "</figure>\n"
            case .error(let diagnostic):
                html += errorHTML(diagnostic, expected: expected)
            case .text, .check: break
            }
        }
        flush()
        guard !html.isEmpty else { return }
        out += "<div class=\"outputs\">\n\(html)</div>\n"
    }

    func joinedText(_ chunks: [String]) -> String {
        var text = ""
        for chunk in chunks {
            text += chunk
            if !chunk.hasSuffix("\n") { text += "\n" }
        }
        return String(text.dropLast())
    }

    func checkHTML(_ check: Check) -> String {
        let word = check.passed ? words.checkPassed : words.checkFailed
        var html = "<li class=\"check \(check.passed ? "ok" : "bad")\">"
        html += "<span class=\"mark\" title=\"\(escape(word))\">\(check.passed ? "✓" : "✗")</span>"
        html += "<code>\(escape(check.expression))</code>"
        if let detail = check.detail { html += "<span class=\"detail\">\(escape(detail))</span>" }
        html += "<span class=\"loc\">\(escape(check.location.description))</span></li>\n"
        return html
    }

    func errorHTML(_ diagnostic: Diagnostic, expected: Bool) -> String {
        let title = expected ? words.expectedError : words.error
        var html =
            "<div class=\"callout \(expected ? "expected" : "error")\"\(expected ? "" : " role=\"alert\"")>"
        html += "<p class=\"callout-title\"><strong>\(escape(title))</strong>"
        html += "<span class=\"loc\">\(escape(diagnostic.location.description))</span></p>"
        html += "<pre class=\"message\">\(escape(diagnostic.message))</pre>"
        if !diagnostic.notes.isEmpty {
            html += "<ul class=\"notes\">"
            for note in diagnostic.notes {
                html += "<li><span class=\"loc\">\(escape(note.location.description))</span> "
                html += "\(escape(note.message))</li>"
            }
            html += "</ul>"
        }
        return html + "</div>\n"
    }

    func tableHTML(_ table: Table) -> String {
        var html = "<div class=\"out table-wrap\"><table class=\"kind-\(escape(table.kind))\">\n<thead><tr>"
        let numeric = table.columns.indices.map { column in
            let values = table.rows.compactMap { column < $0.count ? $0[column] : nil }
            return !values.isEmpty && values.allSatisfy(looksNumeric)
        }
        for (index, column) in table.columns.enumerated() {
            html += "<th\(numeric[index] ? " class=\"n\"" : "")>\(escape(column))</th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for (index, value) in row.enumerated() {
                let isNumeric = index < numeric.count && numeric[index]
                html += "<td\(isNumeric ? " class=\"n\"" : "")>\(escape(value))</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody></table>"
        if let caption = table.caption { html += "<p class=\"caption\">\(escape(caption))</p>" }
        if let shape = table.shape {
            let caption = words.tableShape(rows: shape.rows, columns: shape.columns)
            html += "<p class=\"caption\">\(escape(caption))</p>"
        }
        return html + "</div>\n"
    }
}

private enum IndexPage {
    static func render(_ entries: [IndexEntry]) -> String {
        let langs = Array(Set(entries.map(\.lang))).sorted()
        let slugs = Array(Set(entries.map(\.slug))).sorted()
        var bySlug: [String: [String: IndexEntry]] = [:]
        for entry in entries { bySlug[entry.slug, default: [:]][entry.lang] = entry }
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out +=
            "<title>Khru · Lessons · บทเรียน</title>\n<style>\n\(ReportStyle.css)</style>\n</head>\n<body>\n"
        out +=
            "<header class=\"masthead\">\n<div class=\"masthead-inner\">\n<p class=\"eyebrow\">Khru · <span lang=\"th\">ครู</span></p>\n"
        out += "<h1>Lessons <span class=\"alt\" lang=\"th\">บทเรียน</span></h1>\n</div>\n</header>\n"
        out += "<main class=\"index\">\n<table class=\"lessons\">\n<thead><tr><th></th>"
        for lang in langs {
            out += "<th lang=\"\(escape(lang))\">\(escape(ReportStrings.forLanguage(lang).languageName))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for slug in slugs {
            out += "<tr><th class=\"slug\">\(escape(slug))</th>"
            for lang in langs {
                guard let entry = bySlug[slug]?[lang] else {
                    out += "<td class=\"missing\">–</td>"
                    continue
                }
                let words = ReportStrings.forLanguage(lang)
                out += "<td lang=\"\(escape(lang))\"><a href=\"\(escape(entry.href))\">"
                out += "\(HTMLText.inlineMarkdown(entry.title))</a><ul class=\"summary small\">"
                let counts = entry.counts
                let pills: [(String, Int, String)] = [
                    ("passed", counts.passed, words.passed), ("failed", counts.failed, words.failed),
                    ("skipped", counts.skipped, words.skipped), ("shown", counts.shown, words.shown),
                    ("notdone", counts.notDone, words.notDone),
                ]
                for (kind, count, word) in pills where count > 0 {
                    out += "<li class=\"pill \(kind)\"><b>\(count)</b> \(escape(word))</li>"
                }
                out += "</ul></td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n</main>\n</body>\n</html>\n"
        return out
    }
}
