import Foundation

/// Parses a lesson's Markdown into a ``Lesson`` with located diagnostics.
public enum LessonParser {
    /// Parses `text`, the contents of the lesson at `path`.
    ///
    /// Parsing never fails: problems come back as diagnostics (sorted by position) next to the best
    /// lesson that could be read. Errors mean the lesson must not run; warnings are advice.
    ///
    /// - Parameters:
    ///   - text: The Markdown.
    ///   - path: The file as the user named it; every location carries it.
    /// - Returns: The lesson and its diagnostics.
    public static func parse(_ text: String, path: String) -> (Lesson, [Diagnostic]) {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let front = FrontMatterParser.parse(normalized, path: path)
        var diagnostics = front.diagnostics
        let lines = front.body.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        var blocks: [Block] = []
        var headings: [(index: Int, level: Int, text: String, location: SourceLocation)] = []
        var cellNumber = 0
        var idDefinitions: [String: SourceLocation] = [:]

        let keepsHTML = front.frontMatter.rawHTML
        for block in CommonMark.blocks(front.body, rawHTML: keepsHTML) {
            let location = SourceLocation(file: path, line: block.line, column: block.column)
            for html in block.rawHTML where !keepsHTML {
                let at =
                    html.line > 0
                    ? SourceLocation(file: path, line: html.line, column: html.column) : location
                diagnostics.append(Diagnostic(.warning, "raw HTML is left out of the report", at: at))
            }
            switch block.kind {
            case .heading(let level, let text):
                headings.append((blocks.count, level, text, location))
                blocks.append(.heading(Heading(level: level, text: text, anchor: "", location: location)))
            case .other(let html):
                for nested in block.nestedCode where looksLikeCell(nested.info) {
                    diagnostics.append(
                        Diagnostic(
                            .warning,
                            "a cell inside a list or quote is shown, not run; move it to the top level",
                            at: SourceLocation(file: path, line: nested.line, column: nested.column)))
                }
                if let hint = Self.hint(block, lines: lines, after: blocks, location: location) {
                    switch hint {
                    case .success(let hint): blocks.append(.hint(hint))
                    case .failure(let problem):
                        diagnostics.append(problem)
                        blocks.append(.prose(Prose(html: html, location: location)))
                    }
                    continue
                }
                blocks.append(.prose(Prose(html: html, location: location)))
            case .code(let info, let literal):
                let code = literal.hasSuffix("\n") ? String(literal.dropLast()) : literal
                let lineBytes = block.line - 1 < lines.count ? lines[block.line - 1] : []
                let fenceIndex = block.column - 1
                let isFenced =
                    fenceIndex < lineBytes.count
                    && (lineBytes[fenceIndex] == 0x60 || lineBytes[fenceIndex] == 0x7E)
                guard isFenced else {
                    blocks.append(.listing(Listing(info: info, code: code, location: location)))
                    continue
                }
                switch CellAttributeParser.parse(
                    line: lineBytes, fenceColumn: block.column, location: location)
                {
                case .listing(let warnings):
                    diagnostics += warnings
                    blocks.append(.listing(Listing(info: info, code: code, location: location)))
                case .cell(let cellInfo):
                    cellNumber += 1
                    if !Self.isClosed(
                        fence: lineBytes, at: fenceIndex, line: block.line, by: block.endLine, lines)
                    {
                        diagnostics.append(
                            Diagnostic(
                                .error,
                                "the cell's fence is never closed, so the rest of the lesson is its code; "
                                    + "end the cell with a line '\(String(decoding: Self.fence(lineBytes, at: fenceIndex), as: UTF8.self))'",
                                at: location))
                    }
                    if let inner = Self.openingFence(in: code) {
                        // The next cell's fence inside this cell's code: this fence was never closed.
                        let fence = String(decoding: Self.fence(lineBytes, at: fenceIndex), as: UTF8.self)
                        diagnostics.append(
                            Diagnostic(
                                .error,
                                "the cell opened on line \(location.line) is never closed: line "
                                    + "\(location.line + 1 + inner.line) opens another cell inside it, so the prose "
                                    + "and that cell are read as this one's code; end this cell with a line '\(fence)' "
                                    + "before it",
                                at: location.offset(lines: 1 + inner.line, column: inner.column)))
                    }
                    diagnostics += cellInfo.diagnostics
                    let id = cellInfo.id ?? "cell-\(cellNumber)"
                    let idLocation = cellInfo.idLocation ?? location
                    if let first = idDefinitions[id] {
                        diagnostics.append(
                            Diagnostic(
                                .error, "duplicate cell id '\(id)'", at: idLocation,
                                notes: [Diagnostic(.note, "'\(id)' is first used here", at: first)]))
                    } else {
                        idDefinitions[id] = idLocation
                    }
                    if cellInfo.attributes.include != nil, !code.isEmpty {
                        diagnostics.append(
                            Diagnostic(
                                .warning, "an include cell shows its file; the code in the fence is ignored",
                                at: location.offset(lines: 1, column: block.column)))
                    }
                    let cell = Cell(
                        id: id, code: code, attributes: cellInfo.attributes, location: location,
                        codeLocation: location.offset(lines: 1, column: block.column))
                    blocks.append(.cell(cell))
                }
            }
        }

        let anchors = Anchors.unique(headings.map(\.text), reserved: Set(idDefinitions.keys))
        for (heading, anchor) in zip(headings, anchors) {
            blocks[heading.index] = .heading(
                Heading(level: heading.level, text: heading.text, anchor: anchor, location: heading.location))
        }
        let lesson = Lesson(path: path, frontMatter: front.frontMatter, blocks: blocks)
        diagnostics += lesson.exerciseProblems()
        let sorted = diagnostics.enumerated().sorted { lhs, rhs in
            (lhs.element.location.line, lhs.element.location.column, lhs.offset)
                < (rhs.element.location.line, rhs.element.location.column, rhs.offset)
        }
        return (lesson, sorted.map(\.element))
    }

    /// The first line of `code` (0-based, with its 1-based column) that opens a tagged Swift cell
    /// (```` ```swift {…} ````): the tell of a cell whose own fence was never closed.
    static func openingFence(in code: String) -> (line: Int, column: Int)? {
        for (index, line) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            guard indent <= 3, rest.hasPrefix("```") || rest.hasPrefix("~~~") else { continue }
            let info = rest.drop { $0 == "`" || $0 == "~" }.drop { $0 == " " }
            if info.hasPrefix("swift") { return (index, indent + 1) }
        }
        return nil
    }

    /// Reads and parses the lesson at `path`, every problem as a diagnostic: the lesson is `nil` when
    /// one of them is an error (the file cannot be read, is not UTF-8, or does not parse).
    public static func parseCollectingErrors(fileAt path: String) -> (Lesson?, [Diagnostic]) {
        do {
            let (lesson, diagnostics) = try parse(fileAt: path)
            return (diagnostics.contains { $0.severity == .error } ? nil : lesson, diagnostics)
        } catch let diagnostic as Diagnostic {
            return (nil, [diagnostic])
        } catch {
            return (nil, [Diagnostic(.error, "\(error)", at: SourceLocation(file: path, line: 1, column: 1))])
        }
    }

    /// Reads and parses the lesson at `path`.
    ///
    /// - Returns: The lesson and its diagnostics.
    /// - Throws: A ``Diagnostic`` located at `path:1:1` when the file cannot be read or is not UTF-8.
    public static func parse(fileAt path: String) throws -> (Lesson, [Diagnostic]) {
        let start = SourceLocation(file: path, line: 1, column: 1)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "the file is missing or unreadable"
            throw Diagnostic(.error, "cannot read lesson: \(reason)", at: start)
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Diagnostic(.error, "cannot read lesson: the file is not valid UTF-8", at: start)
        }
        return parse(text, path: path)
    }

    /// The opening fence (three or more backticks or tildes) that starts at `index` of `line`.
    private static func fence(_ line: [UInt8], at index: Int) -> ArraySlice<UInt8> {
        let character = line[index]
        return line[index...].prefix { $0 == character }
    }

    /// Whether the fenced block opened on line `start` by the fence at `index` of `opening` ends with a
    /// closing fence on line `end` (cmark runs an unclosed fence to the end of the document).
    private static func isClosed(
        fence opening: [UInt8], at index: Int, line start: Int, by end: Int, _ lines: [[UInt8]]
    ) -> Bool {
        guard end > start, end - 1 < lines.count else { return false }
        let open = fence(opening, at: index)
        let closing = lines[end - 1].drop { $0 == 0x20 }
        let marks = closing.prefix { $0 == open.first }
        return marks.count >= open.count
            && closing.dropFirst(marks.count).allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// Whether a nested fence's info string would make a cell at the top level.
    private static func looksLikeCell(_ info: String) -> Bool {
        info.hasPrefix("swift") && info.contains("{")
    }

    /// A quote whose first line is `[!HINT]`: the hint of the exercise cell above it (with only its other
    /// hints between), or a problem when there is no such cell; `nil` for any other block.
    static func hint(
        _ block: MarkdownBlock, lines: [[UInt8]], after blocks: [Block], location: SourceLocation
    ) -> Result<Hint, Diagnostic>? {
        guard block.line >= 1, block.endLine >= block.line, block.endLine <= lines.count else { return nil }
        let quoted = lines[(block.line - 1)..<block.endLine].map { bytes -> Substring in
            let line = Substring(String(decoding: bytes, as: UTF8.self))
            let trimmed = line.drop { $0 == " " }
            guard trimmed.first == ">" else { return line }
            let inner = trimmed.dropFirst()
            return inner.first == " " ? inner.dropFirst() : inner
        }
        guard let first = quoted.first,
            first.trimmingCharacters(in: " \t").uppercased().hasPrefix(Exercises.hintMarker)
        else { return nil }
        var number = 1
        var exercise: String?
        for previous in blocks.reversed() {
            if case .hint(let hint) = previous {
                number += 1
                exercise = hint.exercise
                continue
            }
            if case .cell(let cell) = previous, cell.attributes.exercise { exercise = exercise ?? cell.id }
            break
        }
        guard let exercise else {
            return .failure(
                Diagnostic(
                    .warning,
                    "a [!HINT] quote belongs right after an .exercise cell (or its other hints); "
                        + "here it is shown as a quote", at: location))
        }
        let afterMarker = first.trimmingCharacters(in: " \t").dropFirst(Exercises.hintMarker.count)
        let text = ([Substring(afterMarker)] + quoted.dropFirst()).joined(separator: "\n")
        return .success(
            Hint(exercise: exercise, number: number, html: CommonMark.html(String(text)), location: location))
    }
}
