import LessonSource
import SwiftDiagnostics
import SwiftOperators
import SwiftParser
import SwiftParserDiagnostics
import SwiftSyntax

extension Lowering {
    // MARK: - Statements

    func statements(_ item: CodeBlockItemSyntax) throws -> [Statement] {
        switch item.item {
        case .decl(let decl):
            if let variable = decl.as(VariableDeclSyntax.self) { return try bindings(variable) }
            if let function = decl.as(FunctionDeclSyntax.self) {
                return [.function(try self.function(function))]
            }
            if let type = try typeDeclaration(decl) { return [.typeDeclaration(type)] }
            if let enumeration = decl.as(EnumDeclSyntax.self) {
                return [.enumDeclaration(try self.enumeration(enumeration))]
            }
            throw unsupported(Syntax(decl))
        case .stmt(let statement):
            return [try self.statement(statement)]
        case .expr(let expression):
            if let ifExpression = expression.as(IfExprSyntax.self) { return [try ifStatement(ifExpression)] }
            if let switchExpression = expression.as(SwitchExprSyntax.self) {
                return [try switchStatement(switchExpression)]
            }
            return [try statement(expression)]
        }
    }

    func block(_ items: CodeBlockItemListSyntax) throws -> [Statement] {
        try items.flatMap { try statements($0) }
    }

    func statement(_ syntax: StmtSyntax) throws -> Statement {
        if let expression = syntax.as(ExpressionStmtSyntax.self) {
            if let ifExpression = expression.expression.as(IfExprSyntax.self) {
                return try ifStatement(ifExpression)
            }
            if let switchExpression = expression.expression.as(SwitchExprSyntax.self) {
                return try switchStatement(switchExpression)
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

    /// `switch value { case a, b: … default: … }`: cases match values by `==` (or a range by containment);
    /// `let` bindings and `where` in a case are rejected where they are written.
    func switchStatement(_ syntax: SwitchExprSyntax) throws -> Statement {
        var cases: [SwitchCase] = []
        var sawDefault = false
        for element in syntax.cases {
            guard case .switchCase(let switchCase) = element else {
                throw LoweringError(
                    message: "'#if' in a switch is not part of the cell language", node: Syntax(element))
            }
            if sawDefault {
                throw LoweringError(
                    message: "additional 'case' blocks cannot appear after the 'default' block of a 'switch'",
                    node: Syntax(switchCase.label))
            }
            var patterns: [Expr] = []
            switch switchCase.label {
            case .default: sawDefault = true
            case .case(let label):
                for item in label.caseItems {
                    if let clause = item.whereClause {
                        throw LoweringError(
                            message: "'where' in a switch case is not part of the cell language; use 'if' in "
                                + "its body",
                            node: Syntax(clause))
                    }
                    guard let pattern = item.pattern.as(ExpressionPatternSyntax.self) else {
                        throw LoweringError(
                            message:
                                "a switch case in a cell matches values ('case .train, .valid:'); binding "
                                + "patterns are not part of the cell language",
                            node: Syntax(item.pattern))
                    }
                    patterns.append(try expression(pattern.expression))
                }
            }
            if let fallthroughStatement = switchCase.statements.first(where: {
                $0.item.as(FallThroughStmtSyntax.self) != nil
            }) {
                throw LoweringError(
                    message: "'fallthrough' is not part of the cell language; list the values in one case",
                    node: Syntax(fallthroughStatement))
            }
            guard !switchCase.statements.isEmpty else {
                throw LoweringError(
                    message:
                        "'\(sawDefault ? "default" : "case")' label in a 'switch' must have at least one "
                        + "executable statement",
                    node: Syntax(switchCase.label))
            }
            cases.append(
                SwitchCase(
                    patterns: patterns, body: try block(switchCase.statements), location: location(switchCase)
                ))
        }
        return .switchOn(try expression(syntax.subject), cases, location(syntax))
    }

    func ifStatement(_ syntax: IfExprSyntax) throws -> Statement {
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

    func conditions(_ list: ConditionElementListSyntax) throws -> [Condition] {
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
    func rejectAttributesAndModifiers(
        _ attributes: AttributeListSyntax, _ modifiers: DeclModifierListSyntax
    ) throws {
        if let attribute = attributes.first {
            throw LoweringError(
                message: "attributes are not part of the cell language", node: Syntax(attribute))
        }
        if let modifier = modifiers.first {
            let why =
                switch modifier.name.text {
                case "mutating":
                    ": a struct's methods cannot change it in a cell; make it a 'final class' (whose methods "
                        + "may set its 'var' properties) or return a changed copy"
                case "override": ": cells declare no subclasses, so there is nothing to override"
                default: ""
                }
            throw LoweringError(
                message: "'\(modifier.name.text)' is not part of the cell language" + why,
                node: Syntax(modifier))
        }
    }

    func function(_ syntax: FunctionDeclSyntax) throws -> FunctionDeclaration {
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
        let parameters = try self.parameters(syntax.signature.parameterClause)
        return FunctionDeclaration(
            name: syntax.name.text, parameters: parameters,
            result: syntax.signature.returnClause.map { CellType($0.type) }, body: try block(body.statements),
            location: location(syntax.name))
    }

    func parameters(_ clause: FunctionParameterClauseSyntax) throws -> [FunctionParameter] {
        try clause.parameters.map { parameter in
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
    }

    func bindings(_ variable: VariableDeclSyntax) throws -> [Statement] {
        let isMutable = variable.bindingSpecifier.tokenKind == .keyword(.var)
        try rejectAttributesAndModifiers(variable.attributes, variable.modifiers)
        return try variable.bindings.map { binding in
            if let accessors = binding.accessorBlock {
                throw LoweringError(
                    message: "computed properties are not part of the cell language; bind a value: let x = …",
                    node: Syntax(accessors))
            }
            guard let initializer = binding.initializer else {
                if let type = binding.typeAnnotation?.type,
                    let identifier = binding.pattern.as(IdentifierPatternSyntax.self)
                {
                    return .declaration(
                        identifier.identifier.text, isMutable: isMutable, type: CellType(type),
                        location(identifier))
                }
                throw LoweringError(
                    message:
                        "'\(binding.pattern.trimmedDescription)' needs a value or a type: cells bind names "
                        + "with 'let name = value', or declare 'let name: Type' and assign it before use",
                    node: Syntax(binding))
            }
            return .binding(
                try pattern(binding.pattern), isMutable: isMutable,
                type: binding.typeAnnotation.map { CellType($0.type) },
                value: try expression(initializer.value),
                location(binding.pattern))
        }
    }

    func pattern(_ syntax: PatternSyntax) throws -> Pattern {
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

    func statement(_ syntax: ExprSyntax) throws -> Statement {
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

    static let compoundAssignments: Set = ["+=", "-=", "*=", "/="]
}
