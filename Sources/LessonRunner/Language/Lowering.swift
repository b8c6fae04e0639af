import LessonSource
import SwiftDiagnostics
import SwiftOperators
import SwiftParser
import SwiftParserDiagnostics
import SwiftSyntax

/// A cell parsed and lowered to the cell language, with every problem found on the way.
struct LoweredCell {
    /// The statements that lowered cleanly, in order.
    var statements: [Statement]
    /// Syntax errors and constructs outside the cell language, located in the lesson.
    var diagnostics: [LessonSource.Diagnostic]
    /// Every name a `let`/`var` of the cell declares (also those of statements that did not lower).
    var declaredNames: [String]
    /// The names of the statements that did not lower: their problem is reported once, and later uses
    /// of the names are not reported again.
    var failedNames: [String] = []
}

/// A construct outside the cell language, or a malformed literal.
struct LoweringError: Error {
    var message: String
    var node: Syntax
}

/// Lowers SwiftSyntax to the cell language (``Expr``, ``Statement``), rejecting everything else with a
/// message that says what to write instead.
struct Lowering {
    /// Swift's standard operators and precedence groups, built once (building them parses their
    /// declarations).
    static let operators = OperatorTable.standardOperators

    let locate: (AbsolutePosition) -> LessonSource.SourceLocation

    private init(locate: @escaping (AbsolutePosition) -> LessonSource.SourceLocation) {
        self.locate = locate
    }

    /// A token on which swift-syntax's diagnostics generator traps instead of reporting (found by
    /// `make fuzz`: `var n \u{FFFD}= 0`): an `=` the lexer finds unevenly spaced although a space is
    /// on both sides of it (an invalid character in between), so the Fix-It it builds has no change.
    static func fixItTrap(in tree: SourceFileSyntax) -> TokenSyntax? {
        tree.tokens(viewMode: .all).first { token in
            guard token.tokenDiagnostic?.kind == .equalMustHaveConsistentWhitespaceOnBothSides else {
                return false
            }
            let spaceBefore =
                token.previousToken(viewMode: .all)?.trailingTrivia.contains { $0.isSpaceOrTab } ?? false
            return spaceBefore && token.trailingTrivia.contains { $0.isSpaceOrTab }
        }
    }

    /// Parses and lowers a cell.
    static func lower(_ cell: Cell) -> LoweredCell {
        lower(code: cell.code) { line, column in cell.location(ofLine: line, column: column) }
    }

    /// Parses and lowers code whose (line, column) positions map to the lesson through `locate`.
    static func lower(
        code: String, locate: @escaping (Int, Int) -> LessonSource.SourceLocation
    ) -> LoweredCell {
        if let (line, column) = tooDeepBrackets(in: code) {
            // swift-syntax's parser takes time exponential in the nesting of `[` (it tries each as a
            // type): 16 levels take seconds, 40 never end. Refuse before parsing, so a check cannot hang.
            return LoweredCell(
                statements: [],
                diagnostics: [
                    LessonSource.Diagnostic(
                        .error,
                        "brackets nest more than \(maximumBracketDepth) levels deep here; the cell language "
                            + "allows \(maximumBracketDepth)",
                        at: locate(line, column))
                ], declaredNames: [])
        }
        let parsed = Parser.parse(source: code)
        // Swift's own precedence rules (SwiftOperators), not a hand-written table.
        let tree =
            Lowering.operators.foldAll(parsed) { _ in }.as(SourceFileSyntax.self) ?? parsed
        let converter = SourceLocationConverter(fileName: "", tree: tree)
        let lowering = Lowering { position in
            let location = converter.location(for: position)
            return locate(location.line, location.column)
        }
        var result = LoweredCell(statements: [], diagnostics: [], declaredNames: [])
        if let token = fixItTrap(in: parsed) {
            result.diagnostics.append(
                LessonSource.Diagnostic(
                    .error, "'=' must have consistent whitespace on both sides",
                    at: lowering.locate(token.positionAfterSkippingLeadingTrivia)))
            return result
        }
        for diagnostic in ParseDiagnosticsGenerator.diagnostics(for: parsed) {
            result.diagnostics.append(
                LessonSource.Diagnostic(.error, diagnostic.message, at: lowering.locate(diagnostic.position)))
        }
        for item in tree.statements {
            let names = Self.declaredNames(item)
            result.declaredNames += names
            if item.hasError {
                result.failedNames += names
                continue
            }
            do {
                result.statements += try lowering.statements(item)
            } catch let error as LoweringError {
                result.failedNames += names
                result.diagnostics.append(
                    LessonSource.Diagnostic(.error, error.message, at: lowering.location(error.node)))
            } catch {
                result.failedNames += names
                result.diagnostics.append(
                    LessonSource.Diagnostic(.error, "\(error)", at: lowering.location(item)))
            }
        }
        return result
    }

    /// How deeply `[` may nest in a cell (array literals, subscripts, array types).
    static let maximumBracketDepth = 12

    /// The line and column of the first `[` nested deeper than ``maximumBracketDepth``, outside string
    /// literals and comments.
    static func tooDeepBrackets(in code: String) -> (line: Int, column: Int)? {
        SwiftBrackets.firstTooDeep(in: code, limit: maximumBracketDepth)
    }

    /// Lowers a default value written in a step signature.
    static func lowerDefault(_ expression: ExprSyntax, signature: String) throws -> Expr {
        let lowering = Lowering { position in
            LessonSource.SourceLocation(file: signature, line: 1, column: position.utf8Offset + 1)
        }
        let folded =
            Lowering.operators.foldAll(expression) { _ in }.as(ExprSyntax.self) ?? expression
        return try lowering.expression(folded)
    }

    /// The names a top-level item declares: variables, functions, and types (which the cell language
    /// rejects, but whose names must not silently resolve to the library's afterwards).
    static func declaredNames(_ item: CodeBlockItemSyntax) -> [String] {
        guard case .decl(let decl) = item.item else { return [] }
        if let variable = decl.as(VariableDeclSyntax.self) {
            return variable.bindings.flatMap { names(in: $0.pattern) }
        }
        if let function = decl.as(FunctionDeclSyntax.self) { return [function.name.text] }
        for name in [
            decl.as(StructDeclSyntax.self)?.name, decl.as(ClassDeclSyntax.self)?.name,
            decl.as(EnumDeclSyntax.self)?.name, decl.as(ActorDeclSyntax.self)?.name,
            decl.as(ProtocolDeclSyntax.self)?.name, decl.as(TypeAliasDeclSyntax.self)?.name,
        ] {
            if let name { return [name.text] }
        }
        return []
    }

    static func names(in pattern: PatternSyntax) -> [String] {
        if let identifier = pattern.as(IdentifierPatternSyntax.self) { return [identifier.identifier.text] }
        if let tuple = pattern.as(TuplePatternSyntax.self) {
            return tuple.elements.flatMap { names(in: $0.pattern) }
        }
        return []
    }

    func location(_ node: some SyntaxProtocol) -> LessonSource.SourceLocation {
        locate(node.positionAfterSkippingLeadingTrivia)
    }

}
