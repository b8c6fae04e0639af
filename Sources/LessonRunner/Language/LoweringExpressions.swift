import LessonSource
import SwiftDiagnostics
import SwiftOperators
import SwiftParser
import SwiftParserDiagnostics
import SwiftSyntax

extension Lowering {
    // MARK: - Expressions

    func expression(_ syntax: ExprSyntax) throws -> Expr {
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
        if let regex = syntax.as(RegexLiteralExprSyntax.self) {
            // `#/(.+)_\d+.jpg$/#` is the Regex its pattern makes (its captures read `match.1`, as in Swift).
            let at = location(regex)
            return .call(
                .name("Regex", at),
                [
                    Argument(
                        label: nil, value: .string([.text(regex.regex.text)], at), location: at,
                        isTrailingClosure: false)
                ], at)
        }
        if let array = syntax.as(ArrayExprSyntax.self) {
            return .array(try array.elements.map { try expression($0.expression) }, location(array))
        }
        if let keyPath = syntax.as(KeyPathExprSyntax.self), keyPath.root == nil {
            // `\.name` where a function is expected is the closure `{ $0.name }` (Swift's SE-0249).
            var body = Expr.name("$0", location(keyPath))
            for component in keyPath.components {
                guard case .property(let property) = component.component,
                    property.declName.argumentNames == nil, component.period != nil
                else {
                    throw LoweringError(
                        message: "a key path in a cell names properties: \\.name, \\.parent.name",
                        node: Syntax(component))
                }
                body = .member(body, property.declName.baseName.text, location(property))
            }
            guard !keyPath.components.isEmpty else {
                throw LoweringError(message: "a key path names a property: \\.name", node: Syntax(keyPath))
            }
            return .closure(
                [ClosureParameter(name: "$0", type: nil)], [.expression(body, discarded: false)],
                location(keyPath))
        }
        if let dictionary = syntax.as(DictionaryExprSyntax.self) {
            var pairs: [(key: Expr, value: Expr)] = []
            if case .elements(let elements) = dictionary.content {
                for element in elements {
                    pairs.append((try expression(element.key), try expression(element.value)))
                }
            }
            return .dictionary(pairs, location(dictionary))
        }
        if let tuple = syntax.as(TupleExprSyntax.self) {
            if tuple.elements.count == 1, let only = tuple.elements.first, only.label == nil {
                return try expression(only.expression)
            }
            if tuple.elements.contains(where: { $0.label != nil }) {
                return .labeledTuple(
                    tuple.elements.map { $0.label?.text },
                    try tuple.elements.map { try expression($0.expression) },
                    location(tuple))
            }
            return .tuple(try tuple.elements.map { try expression($0.expression) }, location(tuple))
        }
        if let reference = syntax.as(DeclReferenceExprSyntax.self) {
            if reference.argumentNames != nil { throw unsupported(Syntax(reference)) }
            let name = reference.baseName.text
            if Self.operatorFunctions.contains(name) {
                // An operator passed as a function (`xs.reduce(0, +)`, `sorted(by: >)`) is the closure
                // `{ $0 op $1 }`, as Swift reads it.
                let at = location(reference)
                return .closure(
                    [ClosureParameter(name: "$0", type: nil), ClosureParameter(name: "$1", type: nil)],
                    [.expression(.binary(name, .name("$0", at), .name("$1", at), at), discarded: false)], at)
            }
            return .name(name, location(reference))
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
        if let cast = syntax.as(AsExprSyntax.self) {
            let forced: Bool? =
                switch cast.questionOrExclamationMark?.tokenKind {
                case .exclamationMark?: true
                case .postfixQuestionMark?, .infixQuestionMark?: false
                default: nil
                }
            return .cast(
                try expression(cast.expression), CellType(cast.type), forced: forced, location(cast.asKeyword)
            )
        }
        if let postfix = syntax.as(PostfixOperatorExprSyntax.self), postfix.operator.text == "..." {
            // `2...` is Swift's PartialRangeFrom(2): a call, so it types and converts like one.
            let operand = try expression(postfix.expression)
            return .call(
                .name("PartialRangeFrom", location(postfix.operator)),
                [Argument(label: nil, value: operand, location: operand.start, isTrailingClosure: false)],
                location(postfix.operator))
        }
        if let prefix = syntax.as(PrefixOperatorExprSyntax.self) {
            let operand = try expression(prefix.expression)
            let op = prefix.operator.text
            if op == "..<" {
                // `..<5` is Swift's PartialRangeUpTo(5).
                return .call(
                    .name("PartialRangeUpTo", location(prefix)),
                    [Argument(label: nil, value: operand, location: operand.start, isTrailingClosure: false)],
                    location(prefix))
            }
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

    func integer(_ text: String, node: Syntax) throws -> Int {
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

    func string(_ literal: StringLiteralExprSyntax) throws -> Expr {
        // A raw string (`#"(.+)_\d+.jpg$"#`) keeps its backslashes; only `\#` starts an escape.
        let pounds = literal.openingPounds?.text.count ?? 0
        var parts: [StringPart] = []
        for segment in literal.segments {
            switch segment {
            case .stringSegment(let text):
                let content =
                    pounds > 0 ? Self.rawEscapes(text.content.text, pounds: pounds) : text.content.text
                parts.append(.text(try unescape(content, node: Syntax(text))))
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

    /// A raw string's text as an ordinary string's: `\#n` (with as many `#` as its delimiter) is an
    /// escape, any other backslash is itself.
    static func rawEscapes(_ text: String, pounds: Int) -> String {
        let delimiter = "\\" + String(repeating: "#", count: pounds)
        var result = ""
        var rest = Substring(text)
        while let backslash = rest.firstIndex(of: "\\") {
            result += rest[..<backslash]
            if rest[backslash...].hasPrefix(delimiter) {
                result += "\\"
                rest = rest[rest.index(backslash, offsetBy: delimiter.count)...]
            } else {
                result += "\\\\"
                rest = rest[rest.index(after: backslash)...]
            }
        }
        return result + rest
    }

    func unescape(_ text: String, node: Syntax) throws -> String {
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

    func arguments(_ call: FunctionCallExprSyntax) throws -> [Argument] {
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

    func arguments(_ list: LabeledExprListSyntax) throws -> [Argument] {
        try list.map { argument in
            Argument(
                label: argument.label?.text, value: try expression(argument.expression),
                location: argument.label.map { location($0) } ?? location(argument.expression),
                isTrailingClosure: false)
        }
    }

    func closure(_ syntax: ClosureExprSyntax) throws -> Expr {
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

    /// The binary operators a cell may pass where a function of two values is expected.
    static let operatorFunctions: Set<String> = [
        "+", "-", "*", "/", "<", ">", "<=", ">=", "==", "!=", "&&", "||",
    ]

    /// One more than the highest `$n` a statement uses outside nested closures.
    static func shorthandCount(_ statement: Statement) -> Int {
        var highest = 0
        statement.visitExpressions { expr in
            if case .name(let name, _) = expr, name.hasPrefix("$"), let index = Int(name.dropFirst()) {
                highest = max(highest, index + 1)
            }
        }
        return highest
    }

    func expect(_ macro: MacroExpansionExprSyntax) throws -> Expr {
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
    static let binaryOperators: Set = [
        "||", "&&", "==", "!=", "<", "<=", ">", ">=", "===", "!==", "??", "...", "..<", "+", "-", "*", "/",
        "%",
        // Pointwise comparisons of tensors (Swift's SIMD spelling), giving 1 or 0 per element.
        ".==", ".!=", ".<", ".<=", ".>", ".>=",
    ]

    func infix(_ syntax: InfixOperatorExprSyntax) throws -> Expr {
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

    func unsupported(_ node: Syntax, what: String? = nil) -> LoweringError {
        let hint =
            "cells hold bindings, assignments, calls, closures, functions, if, guard, for, while, switch, "
            + "struct, final class and enum"
        let message: String
        switch node.kind {
        case .repeatStmt: message = "'repeat' loops are not part of the cell language; use 'while'"
        case .ifExpr: message = "'if' as a value is not part of the cell language; use the ternary a ? b : c"
        case .switchExpr:
            message = "'switch' as a value is not part of the cell language; use it as a statement"
        case .doStmt:
            message = "'do' blocks are not part of the cell language; write 'try' before a throwing call"
        case .structDecl, .classDecl, .protocolDecl, .extensionDecl, .actorDecl, .typeAliasDecl:
            message =
                "this type declaration is not part of the cell language; cells declare 'struct', 'final class' and 'enum'"
        case .importDecl:
            message = "'import' is not part of the cell language; the runner provides the library"
        case .optionalChainingExpr: message = "optional chaining ('?.') is not part of the cell language"
        case .keyPathExpr:
            message =
                "a key path with a root type is not part of the cell language; write \\.name or { $0.name }"
        case .unresolvedAsExpr, .asExpr: message = "'as' casts are not part of the cell language"
        case .unresolvedIsExpr, .isExpr: message = "'is' checks are not part of the cell language"
        case .inOutExpr: message = "'&' (inout) is not part of the cell language"
        default:
            message = "\(what ?? "this construct") is not part of the cell language; \(hint)"
        }
        return LoweringError(message: message, node: node)
    }
}
