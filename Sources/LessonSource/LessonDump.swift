import Foundation

extension Lesson {
    /// A readable tree of the lesson with every position, for golden tests and `khru` debugging.
    public var treeDump: String {
        var lines = ["Lesson \(path)"]
        let front = frontMatter
        var frontLine = "├─ FrontMatter seed=\(front.seed)"
        if let title = front.title { frontLine += " title=\(quoted(title))" }
        if let lang = front.lang { frontLine += " lang=\(lang)" }
        for key in front.extra.keys.sorted() { frontLine += " \(key)=\(quoted(front.extra[key] ?? ""))" }
        lines.append(frontLine)
        for (index, block) in blocks.enumerated() {
            let branch = index == blocks.count - 1 ? "└─ " : "├─ "
            let indent = index == blocks.count - 1 ? "   " : "│  "
            switch block {
            case .heading(let heading):
                lines.append(
                    branch + "Heading h\(heading.level) @\(position(heading.location)) "
                        + "\(quoted(heading.text)) #\(heading.anchor)")
            case .prose(let prose):
                lines.append(branch + "Prose @\(position(prose.location)) \(quoted(prose.html))")
            case .listing(let listing):
                lines.append(branch + "Listing @\(position(listing.location)) info=\(quoted(listing.info))")
                lines += codeLines(listing.code, indent: indent)
            case .hint(let hint):
                lines.append(
                    branch
                        + "Hint \(hint.number) of #\(hint.exercise) @\(position(hint.location)) \(quoted(hint.html))"
                )
            case .cell(let cell):
                lines.append(
                    branch
                        + "Cell #\(cell.id) @\(position(cell.location)) code@\(position(cell.codeLocation))"
                        + describe(cell.attributes))
                lines += codeLines(cell.code, indent: indent)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func position(_ location: SourceLocation) -> String {
        location.file == path ? "\(location.line):\(location.column)" : location.description
    }

    private func describe(_ attributes: CellAttributes) -> String {
        var parts: [String] = []
        if attributes.hasExplicitID { parts.append("explicit-id") }
        for spec in CellAttributes.table {
            guard let value = spec.value(in: attributes) else { continue }
            switch spec.form {
            case .flag: parts.append(spec.spelling)
            case .number: parts.append(spec.spelling + value)
            case .text: parts.append(spec.spelling + quoted(value))
            }
        }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " ")
    }

    private func codeLines(_ code: String, indent: String) -> [String] {
        guard !code.isEmpty else { return [indent + "   (empty)"] }
        return code.split(separator: "\n", omittingEmptySubsequences: false).map { indent + " │ " + $0 }
    }

    private func quoted(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
