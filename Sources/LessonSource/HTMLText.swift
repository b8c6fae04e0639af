/// Safe HTML from plain text or inline Markdown, for titles and other short report strings.
public enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and quoted attributes.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// Inline Markdown (`*emphasis*`, `` `code` ``, links) rendered by cmark without a `<p>` wrapper;
    /// raw HTML and unsafe links are dropped.
    public static func inlineMarkdown(_ markdown: String) -> String {
        CommonMark.inlineHTML(markdown).trimmingTrailingWhitespace.description
    }
}
