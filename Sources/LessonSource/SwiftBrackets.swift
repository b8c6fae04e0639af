/// How deeply `[` nests in Swift code, found without parsing it.
///
/// swift-syntax's parser takes time exponential in the nesting of `[` (it tries each as a type): 16 levels
/// take seconds, 40 never end. Whoever parses a cell's code (the runner, the report's highlighter) asks
/// here first.
public enum SwiftBrackets {
    /// The line and column of the first `[` nested deeper than `limit`, outside string literals and
    /// comments.
    public static func firstTooDeep(in code: String, limit: Int) -> (line: Int, column: Int)? {
        var depth = 0
        var line = 1
        var column = 0
        var inString = false
        var inLineComment = false
        var blockComments = 0
        var previous: Character = " "
        for character in code {
            column += 1
            defer { previous = character }
            if character == "\n" {
                line += 1
                column = 0
                inLineComment = false
                continue
            }
            if inLineComment { continue }
            if blockComments > 0 {
                if previous == "*" && character == "/" { blockComments -= 1 }
                if previous == "/" && character == "*" { blockComments += 1 }
                continue
            }
            if inString {
                if character == "\"" && previous != "\\" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "/" where previous == "/": inLineComment = true
            case "*" where previous == "/": blockComments = 1
            case "[":
                depth += 1
                if depth > limit { return (line, column) }
            case "]": depth = max(depth - 1, 0)
            default: break
            }
        }
        return nil
    }

}
