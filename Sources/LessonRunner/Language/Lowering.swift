import LessonSource
import SwiftDiagnostics
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
    private let locate: (AbsolutePosition) -> LessonSource.SourceLocation

    private init(locate: @escaping (AbsolutePosition) -> LessonSource.SourceLocation) {
        self.locate = locate
    }

    /// Parses and lowers a cell.
    static func lower(_ cell: Cell) -> LoweredCell {
        lower(code: cell.code) { line, column in cell.location(ofLine: line, column: column) }
    }

    /// Parses and lowers code whose (line, column) positions map to the lesson through `locate`.
    static func lower(
        code: String, locate: @escaping (Int, Int) -> LessonSource.SourceLocation
    ) -> LoweredCell {
        let tree = Parser.parse(source: code)
        let converter = SourceLocationConverter(fileName: "", tree: tree)
        let lowering = Lowering { position in
            let location = converter.location(for: position)
            return locate(location.line, location.column)
        }
        var result = LoweredCell(statements: [], diagnostics: [], declaredNames: [])
        for diagnostic in ParseDiagnosticsGenerator.diagnostics(for: tree) {
            result.diagnostics.append(
                LessonSource.Diagnostic(.error, diagnostic.message, at: lowering.locate(diagnostic.position)))
        }
        for item in tree.statements {
            if let variable = item.item.as(VariableDeclSyntax.self) {
                result.declaredNames += variable.bindings.flatMap { Self.names(in: $0.pattern) }
            }
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

    /// Lowers a default value written in a step signature.
    static func lowerDefault(_ expression: ExprSyntax, signature: String) throws -> Expr {
        let lowering = Lowering { position in
            LessonSource.SourceLocation(file: signature, line: 1, column: position.utf8Offset + 1)
        }
        return try lowering.expression(expression)
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
            guard let variable = decl.as(VariableDeclSyntax.self) else { throw unsupported(Syntax(decl)) }
            return try bindings(variable)
        case .stmt(let statement):
            if let expression = statement.as(ExpressionStmtSyntax.self) {
                throw unsupported(Syntax(expression.expression))
            }
            throw unsupported(Syntax(statement))
        case .expr(let expression):
            return [try statement(expression)]
        }
    }

    private func bindings(_ variable: VariableDeclSyntax) throws -> [Statement] {
        let isMutable = variable.bindingSpecifier.tokenKind == .keyword(.var)
        if let attribute = variable.attributes.first {
            throw LoweringError(
                message: "attributes are not part of the cell language", node: Syntax(attribute))
        }
        if let modifier = variable.modifiers.first {
            throw LoweringError(
                message: "'\(modifier.name.text)' is not part of the cell language", node: Syntax(modifier))
        }
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
        if let sequence = syntax.as(SequenceExprSyntax.self) {
            let elements = Array(sequence.elements)
            if elements.count == 3, elements[0].is(DiscardAssignmentExprSyntax.self),
                elements[1].is(AssignmentExprSyntax.self)
            {
                return .expression(try expression(elements[2]), discarded: true)
            }
            if let (target, op, value, node) = try assignment(elements) {
                return .assignment(target: target, op: op, value: value, location(node))
            }
        }
        return .expression(try expression(syntax), discarded: false)
    }

    /// Splits `target op value` at an assignment operator when it is the sequence's loosest operator.
    private func assignment(_ elements: [ExprSyntax]) throws -> (Expr, String, Expr, Syntax)? {
        guard elements.count >= 3 else { return nil }
        let operatorNode = elements[1]
        let op: String
        if operatorNode.is(AssignmentExprSyntax.self) {
            op = "="
        } else if let binary = operatorNode.as(BinaryOperatorExprSyntax.self),
            Self.compoundAssignments.contains(binary.operator.text)
        {
            op = binary.operator.text
        } else {
            return nil
        }
        let target = try expression(elements[0])
        let value = try fold(Array(elements[2...]))
        return (target, op, value, Syntax(operatorNode))
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
        if let sequence = syntax.as(SequenceExprSyntax.self) { return try fold(Array(sequence.elements)) }
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
        let statements = Array(syntax.statements)
        guard statements.count == 1, let only = statements.first else {
            throw LoweringError(
                message:
                    "closures in cells hold a single expression, like { $0 * 2 } or { r in r[\"name\"] }",
                node: Syntax(syntax))
        }
        let body: Expr
        switch only.item {
        case .expr(let expression): body = try self.expression(expression)
        case .stmt(let statement):
            if let returnStatement = statement.as(ReturnStmtSyntax.self),
                let value = returnStatement.expression
            {
                body = try expression(value)
            } else {
                throw unsupported(Syntax(statement))
            }
        case .decl(let decl): throw unsupported(Syntax(decl))
        }
        if syntax.signature == nil {
            let count = Self.shorthandCount(body)
            parameters = (0..<count).map { ClosureParameter(name: "$\($0)", type: nil) }
        }
        return .closure(parameters, body, location(syntax))
    }

    /// One more than the highest `$n` the body uses outside nested closures.
    private static func shorthandCount(_ expr: Expr) -> Int {
        switch expr {
        case .name(let name, _):
            guard name.hasPrefix("$"), let index = Int(name.dropFirst()) else { return 0 }
            return index + 1
        case .int, .double, .bool, .nilLiteral, .implicitMember, .closure: return 0
        case .string(let parts, _):
            return parts.map { part in
                if case .interpolation(let inner) = part { return shorthandCount(inner) }
                return 0
            }.max() ?? 0
        case .array(let elements, _), .tuple(let elements, _): return elements.map(shorthandCount).max() ?? 0
        case .member(let base, _, _): return shorthandCount(base)
        case .call(let callee, let arguments, _), .subscriptCall(let callee, let arguments, _):
            return ([callee] + arguments.map(\.value)).map(shorthandCount).max() ?? 0
        case .binary(_, let lhs, let rhs, _): return max(shorthandCount(lhs), shorthandCount(rhs))
        case .prefix(_, let operand, _), .expect(let operand, _, _): return shorthandCount(operand)
        }
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

    private static let precedence: [String: (level: Int, rightAssociative: Bool)] = [
        "||": (2, false), "&&": (3, false),
        "==": (4, false), "!=": (4, false), "<": (4, false), "<=": (4, false), ">": (4, false),
        ">=": (4, false),
        "===": (4, false), "!==": (4, false),
        "??": (5, true),
        "...": (6, false), "..<": (6, false),
        "+": (7, false), "-": (7, false),
        "*": (8, false), "/": (8, false), "%": (8, false),
    ]

    /// Folds `a op b op c …` by Swift's precedence (assignment is handled at statement level).
    private func fold(_ elements: [ExprSyntax]) throws -> Expr {
        var operands: [Expr] = []
        var operators: [(String, Int, LessonSource.SourceLocation)] = []
        func reduce() {
            guard let (op, _, location) = operators.popLast(), let rhs = operands.popLast(),
                let lhs = operands.popLast()
            else { return }
            operands.append(.binary(op, lhs, rhs, location))
        }
        for (position, element) in elements.enumerated() {
            if position % 2 == 0 {
                operands.append(try expression(element))
                continue
            }
            guard let binary = element.as(BinaryOperatorExprSyntax.self) else {
                if element.is(AssignmentExprSyntax.self) {
                    throw LoweringError(
                        message: "an assignment is a statement of its own in a cell", node: Syntax(element))
                }
                throw unsupported(Syntax(element))
            }
            let op = binary.operator.text
            guard let (level, rightAssociative) = Self.precedence[op] else {
                if Self.compoundAssignments.contains(op) {
                    throw LoweringError(
                        message: "an assignment is a statement of its own in a cell", node: Syntax(element))
                }
                throw LoweringError(
                    message: "operator '\(op)' is not part of the cell language", node: Syntax(element))
            }
            while let last = operators.last, last.1 > level || (last.1 == level && !rightAssociative) {
                reduce()
            }
            operators.append((op, level, location(binary)))
        }
        while !operators.isEmpty { reduce() }
        guard operands.count == 1, let result = operands.first else {
            throw LoweringError(message: "malformed expression", node: Syntax(elements[0]))
        }
        return result
    }

    // MARK: - Outside the language

    private func unsupported(_ node: Syntax, what: String? = nil) -> LoweringError {
        let hint =
            "cells are straight-line Swift: bindings, assignments, calls and single-expression closures"
        let message: String
        switch node.kind {
        case .forStmt:
            message = "'for' loops are not part of the cell language; loops live in the library's steps"
        case .whileStmt, .repeatStmt:
            message = "'while' loops are not part of the cell language; loops live in the library's steps"
        case .ifExpr: message = "'if' is not part of the cell language; \(hint)"
        case .switchExpr: message = "'switch' is not part of the cell language; \(hint)"
        case .guardStmt: message = "'guard' is not part of the cell language; \(hint)"
        case .returnStmt: message = "'return' is only allowed as a closure's single expression"
        case .doStmt:
            message = "'do' blocks are not part of the cell language; write 'try' before a throwing call"
        case .functionDecl:
            message =
                "function declarations are not part of the cell language; bind a single-expression closure: "
                + "let f = { x in … }"
        case .structDecl, .classDecl, .enumDecl, .protocolDecl, .extensionDecl, .actorDecl, .typeAliasDecl:
            message = "type declarations are not part of the cell language; they belong in the library"
        case .importDecl:
            message = "'import' is not part of the cell language; the runner provides the library"
        case .ternaryExpr, .unresolvedTernaryExpr:
            message = "the ternary operator is not part of the cell language"
        case .forceUnwrapExpr: message = "force unwrapping ('!') is not part of the cell language"
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
