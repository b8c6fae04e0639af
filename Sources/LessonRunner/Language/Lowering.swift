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

    private let locate: (AbsolutePosition) -> LessonSource.SourceLocation

    private init(locate: @escaping (AbsolutePosition) -> LessonSource.SourceLocation) {
        self.locate = locate
    }

    /// A token on which swift-syntax's diagnostics generator traps instead of reporting (found by
    /// `make fuzz`: `var n \u{FFFD}= 0`): an `=` the lexer finds unevenly spaced although a space is
    /// on both sides of it (an invalid character in between), so the Fix-It it builds has no change.
    private static func fixItTrap(in tree: SourceFileSyntax) -> TokenSyntax? {
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
            result.declaredNames += Self.declaredNames(item)
            if item.hasError { continue }
            do {
                result.statements += try lowering.statements(item)
            } catch let error as LoweringError {
                result.diagnostics.append(
                    LessonSource.Diagnostic(.error, error.message, at: lowering.location(error.node)))
            } catch {
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
                if depth > maximumBracketDepth { return (line, column) }
            case "]": depth = max(depth - 1, 0)
            default: break
            }
        }
        return nil
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
    private static func declaredNames(_ item: CodeBlockItemSyntax) -> [String] {
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

    private static func names(in pattern: PatternSyntax) -> [String] {
        if let identifier = pattern.as(IdentifierPatternSyntax.self) { return [identifier.identifier.text] }
        if let tuple = pattern.as(TuplePatternSyntax.self) {
            return tuple.elements.flatMap { names(in: $0.pattern) }
        }
        return []
    }

    private func location(_ node: some SyntaxProtocol) -> LessonSource.SourceLocation {
        locate(node.positionAfterSkippingLeadingTrivia)
    }

    // MARK: - Statements

    private func statements(_ item: CodeBlockItemSyntax) throws -> [Statement] {
        switch item.item {
        case .decl(let decl):
            if let variable = decl.as(VariableDeclSyntax.self) { return try bindings(variable) }
            if let function = decl.as(FunctionDeclSyntax.self) {
                return [.function(try self.function(function))]
            }
            throw unsupported(Syntax(decl))
        case .stmt(let statement):
            return [try self.statement(statement)]
        case .expr(let expression):
            if let ifExpression = expression.as(IfExprSyntax.self) { return [try ifStatement(ifExpression)] }
            return [try statement(expression)]
        }
    }

    private func block(_ items: CodeBlockItemListSyntax) throws -> [Statement] {
        try items.flatMap { try statements($0) }
    }

    private func statement(_ syntax: StmtSyntax) throws -> Statement {
        if let expression = syntax.as(ExpressionStmtSyntax.self) {
            if let ifExpression = expression.expression.as(IfExprSyntax.self) {
                return try ifStatement(ifExpression)
            }
            throw unsupported(Syntax(expression.expression))
        }
        if let guardStatement = syntax.as(GuardStmtSyntax.self) {
            return .guardElse(
                try conditions(guardStatement.conditions),
                otherwise: try block(guardStatement.body.statements),
                location(guardStatement))
        }
        if let forStatement = syntax.as(ForStmtSyntax.self) {
            if let keyword = forStatement.tryKeyword ?? forStatement.awaitKeyword {
                throw LoweringError(
                    message: "'for \(keyword.text)' is not part of the cell language", node: Syntax(keyword))
            }
            if let clause = forStatement.whereClause {
                throw LoweringError(
                    message: "'where' in a for loop is not part of the cell language; use 'if' in the body",
                    node: Syntax(clause))
            }
            return .forIn(
                try pattern(forStatement.pattern), sequence: try expression(forStatement.sequence),
                body: try block(forStatement.body.statements), location(forStatement))
        }
        if let whileStatement = syntax.as(WhileStmtSyntax.self) {
            let conditions = try self.conditions(whileStatement.conditions)
            guard conditions.count == 1, case .bool(let condition) = conditions[0] else {
                throw LoweringError(
                    message: "a while loop in a cell takes one Bool condition", node: Syntax(whileStatement))
            }
            return .whileLoop(
                condition, body: try block(whileStatement.body.statements), location(whileStatement))
        }
        if let returnStatement = syntax.as(ReturnStmtSyntax.self) {
            return .returnValue(
                try returnStatement.expression.map { try expression($0) }, location(returnStatement))
        }
        if syntax.is(BreakStmtSyntax.self) || syntax.is(ContinueStmtSyntax.self) {
            if let label = syntax.as(BreakStmtSyntax.self)?.label ?? syntax.as(ContinueStmtSyntax.self)?.label
            {
                throw LoweringError(
                    message: "labeled jumps are not part of the cell language", node: Syntax(label))
            }
            return .loopControl(isBreak: syntax.is(BreakStmtSyntax.self), location(syntax))
        }
        throw unsupported(Syntax(syntax))
    }

    private func ifStatement(_ syntax: IfExprSyntax) throws -> Statement {
        var otherwise: [Statement]?
        switch syntax.elseBody {
        case .ifExpr(let nested): otherwise = [try ifStatement(nested)]
        case .codeBlock(let block): otherwise = try self.block(block.statements)
        case nil: otherwise = nil
        }
        return .ifElse(
            try conditions(syntax.conditions), then: try block(syntax.body.statements), otherwise: otherwise,
            location(syntax))
    }

    private func conditions(_ list: ConditionElementListSyntax) throws -> [Condition] {
        try list.map { element in
            switch element.condition {
            case .expression(let expression): return .bool(try self.expression(expression))
            case .optionalBinding(let binding):
                guard binding.bindingSpecifier.tokenKind == .keyword(.let),
                    let identifier = binding.pattern.as(IdentifierPatternSyntax.self)
                else {
                    throw LoweringError(
                        message: "optional binding in a cell reads 'if let name = value'",
                        node: Syntax(binding))
                }
                if let annotation = binding.typeAnnotation {
                    throw LoweringError(
                        message: "optional binding takes no type annotation in a cell",
                        node: Syntax(annotation))
                }
                let name = identifier.identifier.text
                let value =
                    try binding.initializer.map { try expression($0.value) }
                    ?? .name(name, location(identifier))
                return .optionalBinding(name, value, location(identifier))
            default:
                throw LoweringError(
                    message: "this condition is not part of the cell language", node: Syntax(element))
            }
        }
    }

    /// Rejects attributes (`@MainActor`) and modifiers (`private`, `static`) on a declaration.
    private func rejectAttributesAndModifiers(
        _ attributes: AttributeListSyntax, _ modifiers: DeclModifierListSyntax
    ) throws {
        if let attribute = attributes.first {
            throw LoweringError(
                message: "attributes are not part of the cell language", node: Syntax(attribute))
        }
        if let modifier = modifiers.first {
            throw LoweringError(
                message: "'\(modifier.name.text)' is not part of the cell language", node: Syntax(modifier))
        }
    }

    private func function(_ syntax: FunctionDeclSyntax) throws -> FunctionDeclaration {
        try rejectAttributesAndModifiers(syntax.attributes, syntax.modifiers)
        if let generics = syntax.genericParameterClause {
            throw LoweringError(
                message: "generic functions are not part of the cell language", node: Syntax(generics))
        }
        if let effects = syntax.signature.effectSpecifiers, effects.asyncSpecifier != nil {
            throw LoweringError(
                message: "'async' functions are not part of the cell language", node: Syntax(effects))
        }
        guard let body = syntax.body else {
            throw LoweringError(message: "a function in a cell needs a body { … }", node: Syntax(syntax))
        }
        let parameters = try syntax.signature.parameterClause.parameters.map { parameter in
            if parameter.ellipsis != nil {
                throw LoweringError(
                    message: "variadic parameters are not part of the cell language", node: Syntax(parameter))
            }
            let first = parameter.firstName.text
            return FunctionParameter(
                label: first == "_" ? nil : first, name: (parameter.secondName ?? parameter.firstName).text,
                type: CellType(parameter.type),
                defaultValue: try parameter.defaultValue.map { try expression($0.value) },
                location: location(parameter))
        }
        return FunctionDeclaration(
            name: syntax.name.text, parameters: parameters,
            result: syntax.signature.returnClause.map { CellType($0.type) }, body: try block(body.statements),
            location: location(syntax.name))
    }

    private func bindings(_ variable: VariableDeclSyntax) throws -> [Statement] {
        let isMutable = variable.bindingSpecifier.tokenKind == .keyword(.var)
        try rejectAttributesAndModifiers(variable.attributes, variable.modifiers)
        return try variable.bindings.map { binding in
            if let accessors = binding.accessorBlock {
                throw LoweringError(
                    message: "computed properties are not part of the cell language; bind a value: let x = …",
                    node: Syntax(accessors))
            }
            guard let initializer = binding.initializer else {
                throw LoweringError(
                    message: "'\(binding.pattern.trimmedDescription)' needs a value: cells bind names with "
                        + "'let name = value'",
                    node: Syntax(binding))
            }
            return .binding(
                try pattern(binding.pattern), isMutable: isMutable,
                type: binding.typeAnnotation.map { CellType($0.type) },
                value: try expression(initializer.value),
                location(binding.pattern))
        }
    }

    private func pattern(_ syntax: PatternSyntax) throws -> Pattern {
        if let identifier = syntax.as(IdentifierPatternSyntax.self) {
            return .name(identifier.identifier.text, location(identifier))
        }
        if syntax.is(WildcardPatternSyntax.self) { return .wildcard }
        if let tuple = syntax.as(TuplePatternSyntax.self) {
            return .tuple(try tuple.elements.map { try pattern($0.pattern) }, location(tuple))
        }
        throw LoweringError(
            message: "this pattern is not part of the cell language; bind a name or a tuple of names",
            node: Syntax(syntax))
    }

    private func statement(_ syntax: ExprSyntax) throws -> Statement {
        if let infix = syntax.as(InfixOperatorExprSyntax.self) {
            if infix.leftOperand.is(DiscardAssignmentExprSyntax.self),
                infix.operator.is(AssignmentExprSyntax.self)
            {
                return .expression(try expression(infix.rightOperand), discarded: true)
            }
            var op: String?
            if infix.operator.is(AssignmentExprSyntax.self) {
                op = "="
            } else if let binary = infix.operator.as(BinaryOperatorExprSyntax.self),
                Self.compoundAssignments.contains(binary.operator.text)
            {
                op = binary.operator.text
            }
            if let op {
                return .assignment(
                    target: try expression(infix.leftOperand), op: op,
                    value: try expression(infix.rightOperand),
                    location(infix.operator))
            }
        }
        return .expression(try expression(syntax), discarded: false)
    }

    private static let compoundAssignments: Set = ["+=", "-=", "*=", "/="]

    // MARK: - Expressions

    private func expression(_ syntax: ExprSyntax) throws -> Expr {
        if let literal = syntax.as(IntegerLiteralExprSyntax.self) {
            return .int(try integer(literal.literal.text, node: Syntax(literal)), location(literal))
        }
        if let literal = syntax.as(FloatLiteralExprSyntax.self) {
            guard let value = Double(literal.literal.text.replacingOccurrences(of: "_", with: "")) else {
                throw LoweringError(
                    message: "malformed number '\(literal.literal.text)'", node: Syntax(literal))
            }
            return .double(value, location(literal))
        }
        if let literal = syntax.as(BooleanLiteralExprSyntax.self) {
            return .bool(literal.literal.tokenKind == .keyword(.true), location(literal))
        }
        if syntax.is(NilLiteralExprSyntax.self) { return .nilLiteral(location(syntax)) }
        if let literal = syntax.as(StringLiteralExprSyntax.self) { return try string(literal) }
        if let array = syntax.as(ArrayExprSyntax.self) {
            return .array(try array.elements.map { try expression($0.expression) }, location(array))
        }
        if let tuple = syntax.as(TupleExprSyntax.self) {
            if tuple.elements.count == 1, let only = tuple.elements.first, only.label == nil {
                return try expression(only.expression)
            }
            if let labeled = tuple.elements.first(where: { $0.label != nil }) {
                throw LoweringError(
                    message: "labeled tuples are not part of the cell language; drop the label",
                    node: Syntax(labeled))
            }
            return .tuple(try tuple.elements.map { try expression($0.expression) }, location(tuple))
        }
        if let reference = syntax.as(DeclReferenceExprSyntax.self) {
            if reference.argumentNames != nil { throw unsupported(Syntax(reference)) }
            return .name(reference.baseName.text, location(reference))
        }
        if let member = syntax.as(MemberAccessExprSyntax.self) {
            let name = member.declName.baseName.text
            guard let base = member.base else { return .implicitMember(name, location(member.declName)) }
            return .member(try expression(base), name, location(member.declName))
        }
        if let call = syntax.as(FunctionCallExprSyntax.self) {
            return .call(
                try expression(call.calledExpression), try arguments(call), location(call.calledExpression))
        }
        if let subscriptCall = syntax.as(SubscriptCallExprSyntax.self) {
            if let closure = subscriptCall.trailingClosure { throw unsupported(Syntax(closure)) }
            return .subscriptCall(
                try expression(subscriptCall.calledExpression), try arguments(subscriptCall.arguments),
                location(subscriptCall.leftSquare))
        }
        if let closure = syntax.as(ClosureExprSyntax.self) { return try self.closure(closure) }
        if let infix = syntax.as(InfixOperatorExprSyntax.self) { return try self.infix(infix) }
        if let ternary = syntax.as(TernaryExprSyntax.self) {
            return .ternary(
                try expression(ternary.condition), try expression(ternary.thenExpression),
                try expression(ternary.elseExpression), location(ternary.questionMark))
        }
        if let unwrap = syntax.as(ForceUnwrapExprSyntax.self) {
            return .forceUnwrap(try expression(unwrap.expression), location(unwrap.exclamationMark))
        }
        if let prefix = syntax.as(PrefixOperatorExprSyntax.self) {
            let operand = try expression(prefix.expression)
            let op = prefix.operator.text
            switch (op, operand) {
            case ("-", .int(let value, _)): return .int(-value, location(prefix))
            case ("-", .double(let value, _)): return .double(-value, location(prefix))
            default: return .prefix(op, operand, location(prefix))
            }
        }
        if let tryExpression = syntax.as(TryExprSyntax.self) {
            if let mark = tryExpression.questionOrExclamationMark {
                throw LoweringError(
                    message:
                        "'try\(mark.text)' is not part of the cell language; write 'try' (a failing step "
                        + "fails the cell)",
                    node: Syntax(tryExpression))
            }
            return try expression(tryExpression.expression)
        }
        if let awaitExpression = syntax.as(AwaitExprSyntax.self) {
            return try expression(awaitExpression.expression)
        }
        if let macro = syntax.as(MacroExpansionExprSyntax.self) { return try expect(macro) }
        throw unsupported(Syntax(syntax))
    }

    private func integer(_ text: String, node: Syntax) throws -> Int {
        let digits = text.replacingOccurrences(of: "_", with: "")
        let value: Int?
        if digits.hasPrefix("0x") {
            value = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0b") {
            value = Int(digits.dropFirst(2), radix: 2)
        } else if digits.hasPrefix("0o") {
            value = Int(digits.dropFirst(2), radix: 8)
        } else {
            value = Int(digits)
        }
        guard let value else {
            throw LoweringError(message: "integer literal '\(text)' overflows Int", node: node)
        }
        return value
    }

    private func string(_ literal: StringLiteralExprSyntax) throws -> Expr {
        if literal.openingPounds != nil {
            throw LoweringError(
                message: "raw strings are not part of the cell language", node: Syntax(literal))
        }
        var parts: [StringPart] = []
        for segment in literal.segments {
            switch segment {
            case .stringSegment(let text):
                parts.append(.text(try unescape(text.content.text, node: Syntax(text))))
            case .expressionSegment(let interpolation):
                guard interpolation.expressions.count == 1, let only = interpolation.expressions.first,
                    only.label == nil
                else {
                    throw LoweringError(
                        message: "an interpolation holds one expression: \\(value)",
                        node: Syntax(interpolation))
                }
                parts.append(.interpolation(try expression(only.expression)))
            }
        }
        return .string(parts, location(literal))
    }

    private func unescape(_ text: String, node: Syntax) throws -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case "\\": result.append("\\")
            case "\"": result.append("\"")
            case "'": result.append("'")
            case "u":
                var hex = ""
                while let next = iterator.next(), next != "}" {
                    if next != "{" { hex.append(next) }
                }
                guard let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else {
                    throw LoweringError(message: "invalid unicode escape", node: node)
                }
                result.unicodeScalars.append(scalar)
            case "\n", nil: break
            case let other?: throw LoweringError(message: "invalid escape sequence '\\\(other)'", node: node)
            }
        }
        return result
    }

    private func arguments(_ call: FunctionCallExprSyntax) throws -> [Argument] {
        var result = try arguments(call.arguments)
        if let closure = call.trailingClosure {
            result.append(
                Argument(
                    label: nil, value: try self.closure(closure), location: location(closure),
                    isTrailingClosure: true))
        }
        for extra in call.additionalTrailingClosures {
            result.append(
                Argument(
                    label: extra.label.text, value: try self.closure(extra.closure),
                    location: location(extra),
                    isTrailingClosure: true))
        }
        return result
    }

    private func arguments(_ list: LabeledExprListSyntax) throws -> [Argument] {
        try list.map { argument in
            Argument(
                label: argument.label?.text, value: try expression(argument.expression),
                location: argument.label.map { location($0) } ?? location(argument.expression),
                isTrailingClosure: false)
        }
    }

    private func closure(_ syntax: ClosureExprSyntax) throws -> Expr {
        var parameters: [ClosureParameter] = []
        if let signature = syntax.signature {
            if let capture = signature.capture { throw unsupported(Syntax(capture), what: "capture lists") }
            switch signature.parameterClause {
            case .simpleInput(let names):
                parameters = names.map { ClosureParameter(name: $0.name.text, type: nil) }
            case .parameterClause(let clause):
                parameters = clause.parameters.map { parameter in
                    ClosureParameter(
                        name: (parameter.secondName ?? parameter.firstName).text,
                        type: parameter.type.map { CellType($0) })
                }
            case nil: break
            }
        }
        let body = try block(syntax.statements)
        if syntax.signature == nil {
            let count = body.map(Self.shorthandCount).max() ?? 0
            parameters = (0..<count).map { ClosureParameter(name: "$\($0)", type: nil) }
        }
        return .closure(parameters, body, location(syntax))
    }

    /// One more than the highest `$n` a statement uses outside nested closures.
    private static func shorthandCount(_ statement: Statement) -> Int {
        var highest = 0
        statement.visitExpressions { expr in
            if case .name(let name, _) = expr, name.hasPrefix("$"), let index = Int(name.dropFirst()) {
                highest = max(highest, index + 1)
            }
        }
        return highest
    }

    private func expect(_ macro: MacroExpansionExprSyntax) throws -> Expr {
        guard macro.macroName.text == "expect" else {
            throw LoweringError(
                message:
                    "'#\(macro.macroName.text)' is not part of the cell language; checks use #expect(condition)",
                node: Syntax(macro))
        }
        guard macro.arguments.count == 1, let condition = macro.arguments.first, condition.label == nil,
            macro.trailingClosure == nil
        else {
            throw LoweringError(
                message: "#expect takes one condition: #expect(accuracy > 0.9)", node: Syntax(macro))
        }
        return .expect(
            try expression(condition.expression), text: condition.expression.trimmedDescription,
            location(macro))
    }

    // MARK: - Operators

    /// The binary operators of the cell language (Swift's precedence comes from SwiftOperators).
    private static let binaryOperators: Set = [
        "||", "&&", "==", "!=", "<", "<=", ">", ">=", "===", "!==", "??", "...", "..<", "+", "-", "*", "/",
        "%",
    ]

    private func infix(_ syntax: InfixOperatorExprSyntax) throws -> Expr {
        guard let binary = syntax.operator.as(BinaryOperatorExprSyntax.self) else {
            if syntax.operator.is(AssignmentExprSyntax.self) {
                throw LoweringError(
                    message: "an assignment is a statement of its own in a cell",
                    node: Syntax(syntax.operator))
            }
            throw unsupported(Syntax(syntax.operator))
        }
        let op = binary.operator.text
        guard Self.binaryOperators.contains(op) else {
            if Self.compoundAssignments.contains(op) {
                throw LoweringError(
                    message: "an assignment is a statement of its own in a cell", node: Syntax(binary))
            }
            throw LoweringError(
                message: "operator '\(op)' is not part of the cell language", node: Syntax(binary))
        }
        return .binary(
            op, try expression(syntax.leftOperand), try expression(syntax.rightOperand), location(binary))
    }

    // MARK: - Outside the language

    private func unsupported(_ node: Syntax, what: String? = nil) -> LoweringError {
        let hint = "cells hold bindings, assignments, calls, closures, functions, if, guard and for"
        let message: String
        switch node.kind {
        case .repeatStmt: message = "'repeat' loops are not part of the cell language; use 'while'"
        case .ifExpr: message = "'if' as a value is not part of the cell language; use the ternary a ? b : c"
        case .switchExpr: message = "'switch' is not part of the cell language; \(hint)"
        case .doStmt:
            message = "'do' blocks are not part of the cell language; write 'try' before a throwing call"
        case .structDecl, .classDecl, .enumDecl, .protocolDecl, .extensionDecl, .actorDecl, .typeAliasDecl:
            message = "type declarations are not part of the cell language; they belong in the library"
        case .importDecl:
            message = "'import' is not part of the cell language; the runner provides the library"
        case .optionalChainingExpr: message = "optional chaining ('?.') is not part of the cell language"
        case .dictionaryExpr: message = "dictionary literals are not part of the cell language"
        case .keyPathExpr: message = "key paths are not part of the cell language; use a closure: { $0.name }"
        case .unresolvedAsExpr, .asExpr: message = "'as' casts are not part of the cell language"
        case .unresolvedIsExpr, .isExpr: message = "'is' checks are not part of the cell language"
        case .inOutExpr: message = "'&' (inout) is not part of the cell language"
        default:
            message = "\(what ?? "this construct") is not part of the cell language; \(hint)"
        }
        return LoweringError(message: message, node: node)
    }
}
