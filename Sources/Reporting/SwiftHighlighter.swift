import LessonSource
import SwiftParser
import SwiftSyntax

/// Swift code to highlighted HTML lines, from SwiftSyntax's tokens.
enum SwiftHighlighter {
    /// Highlights `code` as one HTML string per line (without newlines).
    ///
    /// Spans mark keywords (`kw`), literals (`lit`), numbers (`num`), strings (`str`), comments (`cm`),
    /// types (`ty`), argument labels (`lbl`) and macros (`mac`). The text round-trips exactly.
    ///
    /// Code whose `[` nest deeper than ``maximumBracketDepth`` is shown plain: the parser would take
    /// time exponential in the nesting (24 levels: minutes), and the runner refuses that code anyway.
    static func lines(_ code: String) -> [String] {
        if SwiftBrackets.firstTooDeep(in: code, limit: maximumBracketDepth) != nil { return plainLines(code) }
        var output = LineBuilder()
        let tree = Parser.parse(source: code)
        for token in tree.tokens(viewMode: .sourceAccurate) {
            trivia(token.leadingTrivia, into: &output)
            output.emit(token.text, kind: kind(of: token))
            trivia(token.trailingTrivia, into: &output)
        }
        return output.lines
    }

    /// How deeply `[` may nest in highlighted code (as in the cell language).
    static let maximumBracketDepth = 12

    /// Plain code escaped, one HTML string per line.
    static func plainLines(_ code: String) -> [String] {
        var output = LineBuilder()
        output.emit(code, kind: nil)
        return output.lines
    }

    private static func trivia(_ trivia: Trivia, into output: inout LineBuilder) {
        for piece in trivia {
            var text = ""
            piece.write(to: &text)
            switch piece {
            case .lineComment, .blockComment, .docLineComment, .docBlockComment:
                output.emit(text, kind: "cm")
            default:
                output.emit(text, kind: nil)
            }
        }
    }

    private static func kind(of token: TokenSyntax) -> String? {
        switch token.tokenKind {
        case .keyword(let keyword):
            switch keyword {
            case .true, .false, .nil: return "lit"
            case .Self, .Any: return "ty"
            default: return "kw"
            }
        case .integerLiteral, .floatLiteral: return "num"
        case .stringSegment, .stringQuote, .multilineStringQuote, .singleQuote, .rawStringPoundDelimiter:
            return "str"
        case .pound: return token.parent?.is(MacroExpansionExprSyntax.self) == true ? "mac" : nil
        case .identifier(let name):
            guard let parent = token.parent else { return nil }
            if parent.is(MacroExpansionExprSyntax.self) || parent.is(MacroExpansionDeclSyntax.self) {
                return "mac"
            }
            if parent.is(IdentifierTypeSyntax.self) || parent.is(MemberTypeSyntax.self) { return "ty" }
            if let labeled = parent.as(LabeledExprSyntax.self), labeled.label?.id == token.id { return "lbl" }
            if parent.is(DeclReferenceExprSyntax.self), let first = name.unicodeScalars.first,
                first.properties.isUppercase
            {
                return "ty"
            }
            return nil
        default: return nil
        }
    }
}

/// Accumulates escaped, classed text into lines, closing and reopening spans at line breaks.
private struct LineBuilder {
    var lines: [String] = [""]

    mutating func emit(_ text: String, kind: String?) {
        for (index, part) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { lines.append("") }
            guard !part.isEmpty else { continue }
            let escaped = HTMLText.escape(String(part.trimmingSuffix("\r")))
            if let kind {
                lines[lines.count - 1] += "<span class=\"\(kind)\">\(escaped)</span>"
            } else {
                lines[lines.count - 1] += escaped
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
