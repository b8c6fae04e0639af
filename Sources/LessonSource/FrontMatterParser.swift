/// Reads the optional `---` block of `key: value` lines at the very top of a lesson.
enum FrontMatterParser {
    /// The front matter, the text with the block blanked out (so line numbers stay right), and problems.
    struct Result {
        var frontMatter = FrontMatter()
        var body: String
        var diagnostics: [Diagnostic] = []
    }

    static func parse(_ text: String, path: String) -> Result {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingTrailingWhitespace == "---" else {
            return Result(body: text)
        }
        guard let end = lines.indices.dropFirst().first(where: { isClosing(lines[$0]) }) else {
            let error = Diagnostic(
                .error, "front matter is never closed; end it with a line '---'",
                at: SourceLocation(file: path, line: 1, column: 1))
            return Result(body: text, diagnostics: [error])
        }
        var result = Result(
            body: String(repeating: "\n", count: end + 1) + lines[(end + 1)...].joined(separator: "\n"))
        var seen: [String: SourceLocation] = [:]
        var inParameters = false
        for index in 1..<end {
            let line = lines[index]
            let indented = line.first == " " || line.first == "\t"
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if inParameters && (indented || blank) {
                readParameter(line, line: index + 1, path: path, into: &result)
                continue
            }
            inParameters = read(line, line: index + 1, path: path, seen: &seen, into: &result)
        }
        return result
    }

    private static func isClosing(_ line: Substring) -> Bool {
        let trimmed = line.trimmingTrailingWhitespace
        return trimmed == "---" || trimmed == "..."
    }

    /// Reads one `key: value` line; whether it opened the `params:` block.
    private static func read(
        _ line: Substring, line number: Int, path: String, seen: inout [String: SourceLocation],
        into result: inout Result
    ) -> Bool {
        let bytes = Array(line.utf8)
        let indent = bytes.prefix { $0 == 0x20 || $0 == 0x09 }.count
        let content = line.trimmingTrailingWhitespace.drop { $0 == " " || $0 == "\t" }
        if content.isEmpty || content.hasPrefix("#") { return false }
        let here = SourceLocation(file: path, line: number, column: indent + 1)
        guard let colon = content.firstIndex(of: ":") else {
            result.diagnostics.append(Diagnostic(.error, "expected 'key: value' in front matter", at: here))
            return false
        }
        let key = String(content[..<colon]).trimmingCharacters(in: " \t")
        guard !key.isEmpty else {
            result.diagnostics.append(Diagnostic(.error, "missing key before ':' in front matter", at: here))
            return false
        }
        let afterColon = content[content.index(after: colon)...]
        let rawValue = afterColon.drop { $0 == " " || $0 == "\t" }
        let valueColumn =
            indent + 1 + content.utf8.distance(from: content.startIndex, to: rawValue.startIndex)
        let valueLocation = SourceLocation(file: path, line: number, column: valueColumn)
        let value = unquoted(String(rawValue))
        if let first = seen[key] {
            result.diagnostics.append(
                Diagnostic(
                    .error, "front matter key '\(key)' is given twice", at: here,
                    notes: [Diagnostic(.note, "first given here", at: first)]))
            return false
        }
        seen[key] = here
        switch key {
        case "title": result.frontMatter.title = value.isEmpty ? nil : value
        case "lang":
            guard value.isEmpty || LessonLanguage(tag: value) != nil else {
                result.diagnostics.append(
                    Diagnostic(
                        .error,
                        "unknown language '\(value)'; Khru writes lessons' reports in "
                            + LessonLanguage.accepted, at: valueLocation))
                return false
            }
            result.frontMatter.lang = value.isEmpty ? nil : value
        case "seed":
            guard let seed = UInt64(value) else {
                result.diagnostics.append(
                    Diagnostic(
                        .error, "seed must be a whole number from 0 to \(UInt64.max), not '\(value)'",
                        at: valueLocation))
                return false
            }
            result.frontMatter.seed = seed
        case "raw-html":
            guard let opted = ["true": true, "false": false][value] else {
                result.diagnostics.append(
                    Diagnostic(.error, "raw-html must be true or false, not '\(value)'", at: valueLocation))
                return false
            }
            result.frontMatter.rawHTML = opted
        case "timeout":
            guard let seconds = Double(value), seconds.isFinite, seconds > 0 else {
                result.diagnostics.append(
                    Diagnostic(
                        .error, "timeout must be a positive number of seconds, not '\(value)'",
                        at: valueLocation))
                return false
            }
            result.frontMatter.timeout = seconds
        case "params":
            guard rawValue.isEmpty else {
                result.diagnostics.append(
                    Diagnostic(
                        .error,
                        "params takes one parameter per indented line below it ('  epochs: 3'), not a value "
                            + "on its own line", at: valueLocation))
                return false
            }
            return true
        default: result.frontMatter.extra[key] = value
        }
        return false
    }

    /// Reads one indented `name: default` line of the `params:` block.
    private static func readParameter(
        _ line: Substring, line number: Int, path: String, into result: inout Result
    ) {
        let bytes = Array(line.utf8)
        let indent = bytes.prefix { $0 == 0x20 || $0 == 0x09 }.count
        let content = line.trimmingTrailingWhitespace.drop { $0 == " " || $0 == "\t" }
        if content.isEmpty || content.hasPrefix("#") { return }
        let here = SourceLocation(file: path, line: number, column: indent + 1)
        guard let colon = content.firstIndex(of: ":") else {
            result.diagnostics.append(Diagnostic(.error, "expected 'name: default' in params", at: here))
            return
        }
        let name = String(content[..<colon]).trimmingCharacters(in: " \t")
        guard LessonParameter.isValidName(name) else {
            result.diagnostics.append(
                Diagnostic(
                    .error,
                    "parameter name '\(name)' is not a Swift identifier; cells read it as params.NAME",
                    at: here))
            return
        }
        let rawValue = content[content.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        let valueColumn =
            indent + 1 + content.utf8.distance(from: content.startIndex, to: rawValue.startIndex)
        let text = String(rawValue)
        guard !text.isEmpty else {
            result.diagnostics.append(
                Diagnostic(
                    .error, "parameter '\(name)' needs a default value; its type is the default's",
                    at: SourceLocation(file: path, line: number, column: valueColumn)))
            return
        }
        if let first = result.frontMatter.params.first(where: { $0.name == name }) {
            result.diagnostics.append(
                Diagnostic(
                    .error, "parameter '\(name)' is given twice", at: here,
                    notes: [Diagnostic(.note, "first given here", at: first.location)]))
            return
        }
        let quoted =
            text.count >= 2
            && (text.hasPrefix("\"") && text.hasSuffix("\"") || text.hasPrefix("'") && text.hasSuffix("'"))
        let value =
            quoted && text.hasPrefix("\"") ? unescaped(String(text.dropFirst().dropLast())) : unquoted(text)
        result.frontMatter.params.append(
            LessonParameter(
                name: name, defaultValue: .init(frontMatter: value, quoted: quoted), location: here))
    }

    /// The text of a double-quoted YAML scalar: `\"`, `\\`, `\n` and `\t` are escapes.
    private static func unescaped(_ text: String) -> String {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                out.append(["n": "\n", "t": "\t"][character] ?? character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return escaping ? out + "\\" : out
    }

    private static func unquoted(_ value: String) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        return value
    }
}

extension StringProtocol {
    /// The text without trailing spaces, tabs and carriage returns.
    var trimmingTrailingWhitespace: SubSequence {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard self[before] == " " || self[before] == "\t" || self[before] == "\r" else { break }
            end = before
        }
        return self[startIndex..<end]
    }

    /// The text without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
