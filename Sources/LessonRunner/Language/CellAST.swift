import LessonSource

/// A cell's code in the cell language, lowered from SwiftSyntax; every node carries its lesson position.
///
/// The resolver turns it into a typed ``CellPlan``; the interpreter runs only plans, and the Swift exporter
/// never needs it (it copies code).
indirect enum Expr {
    case int(Int, SourceLocation)
    case double(Double, SourceLocation)
    case string([StringPart], SourceLocation)
    case bool(Bool, SourceLocation)
    case nilLiteral(SourceLocation)
    case array([Expr], SourceLocation)
    /// `["a": 1]`, `[:]`.
    case dictionary([(key: Expr, value: Expr)], SourceLocation)
    case tuple([Expr], SourceLocation)
    /// `(lr: 1e-3, epochs: 3)`: a tuple with at least one label.
    case labeledTuple([String?], [Expr], SourceLocation)
    /// A name: a binding, a closure parameter (`$0`, `r`), a function, a constant or a type.
    case name(String, SourceLocation)
    /// `.resnet34`, `.mean(…)`: a static member of the type the context expects.
    case implicitMember(String, SourceLocation)
    /// `base.name`; the location is the member name's.
    case member(Expr, String, SourceLocation)
    /// `callee(arguments)`; the location is the callee's.
    case call(Expr, [Argument], SourceLocation)
    /// `base[arguments]`; the location is the opening bracket's.
    case subscriptCall(Expr, [Argument], SourceLocation)
    /// A closure; `parameters` are `$0`, `$1`… when the closure uses shorthand names. A body of one
    /// expression statement returns its value.
    case closure([ClosureParameter], [Statement], SourceLocation)
    /// `lhs op rhs`; the location is the operator's.
    case binary(String, Expr, Expr, SourceLocation)
    /// `op operand`.
    case prefix(String, Expr, SourceLocation)
    /// `#expect(condition)`; `text` is the condition's source.
    case expect(Expr, text: String, SourceLocation)
    /// `value!`; the location is the `!`'s.
    case forceUnwrap(Expr, SourceLocation)
    /// `value as! Type` (`forced`), `value as? Type` (not), `value as Type` (`nil`: an upcast); the
    /// location is the `as`'s.
    case cast(Expr, CellType, forced: Bool?, SourceLocation)
    /// `condition ? then : otherwise`; the location is the `?`'s.
    case ternary(Expr, Expr, Expr, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .int(_, let l), .double(_, let l), .string(_, let l), .bool(_, let l), .nilLiteral(let l),
            .array(_, let l), .dictionary(_, let l), .tuple(_, let l), .labeledTuple(_, _, let l),
            .name(_, let l),
            .implicitMember(_, let l),
            .member(_, _, let l),
            .call(_, _, let l), .subscriptCall(_, _, let l), .closure(_, _, let l), .binary(_, _, _, let l),
            .prefix(_, _, let l), .expect(_, _, let l), .forceUnwrap(_, let l), .ternary(_, _, _, let l),
            .cast(_, _, _, let l):
            l
        }
    }

    /// The expression's start (for a binary expression, its left operand's).
    var start: SourceLocation {
        switch self {
        case .binary(_, let lhs, _, _), .ternary(let lhs, _, _, _): lhs.start
        case .member(let base, _, _), .call(let base, _, _), .subscriptCall(let base, _, _),
            .forceUnwrap(let base, _), .cast(let base, _, _, _):
            base.start
        default: location
        }
    }
}

/// A piece of a string literal.
enum StringPart {
    case text(String)
    case interpolation(Expr)
}

/// One argument of a call or subscript.
struct Argument {
    var label: String?
    var value: Expr
    /// Where the label (or, unlabeled, the value) starts.
    var location: SourceLocation
    var isTrailingClosure: Bool
}

/// A closure parameter, with its type when the cell wrote one (`{ (r: Row) in … }`).
struct ClosureParameter {
    var name: String
    var type: CellType?
}

/// A binding pattern: `x`, `_`, `(a, b)`.
indirect enum Pattern {
    case name(String, SourceLocation)
    case wildcard
    case tuple([Pattern], SourceLocation)

    /// The names the pattern binds, in order.
    var names: [String] {
        switch self {
        case .name(let name, _): [name]
        case .wildcard: []
        case .tuple(let elements, _): elements.flatMap(\.names)
        }
    }
}

/// One condition of an `if` or `guard`: a Bool, or `let name = optional` (also `let name`).
enum Condition {
    case bool(Expr)
    case optionalBinding(String, Expr, SourceLocation)
}

/// A parameter of a `func` a cell declares.
struct FunctionParameter {
    /// The argument label; `nil` for `_`.
    var label: String?
    /// The name inside the body.
    var name: String
    var type: CellType
    var defaultValue: Expr?
    var location: SourceLocation
}

/// `func name(parameters) -> Result { body }`.
struct FunctionDeclaration {
    var name: String
    var parameters: [FunctionParameter]
    /// `nil` for `Void`.
    var result: CellType?
    var body: [Statement]
    var location: SourceLocation
}

/// A stored property of a type a cell declares: `let name: Type = value`.
struct StoredProperty {
    var name: String
    var isMutable: Bool
    /// `nil` when only the default says the type.
    var type: CellType?
    var defaultValue: Expr?
    var location: SourceLocation
}

/// A read-only computed property: `var name: Type { body }`.
struct ComputedProperty {
    var name: String
    var type: CellType
    var body: [Statement]
    var location: SourceLocation
}

/// `struct Name: Conformances { … }` or `final class Name: Conformances { … }`.
struct TypeDeclaration {
    var name: String
    var isClass: Bool
    /// The protocols it adopts (`Module`, `Layer`), with where each is written.
    var conformances: [(name: String, location: SourceLocation)]
    var properties: [StoredProperty]
    var computed: [ComputedProperty]
    /// `init(…) { … }`s, as functions named `init`.
    var initializers: [FunctionDeclaration]
    var methods: [FunctionDeclaration]
    /// The type name's position.
    var location: SourceLocation
}

/// `enum Name: String, CaseIterable { case a, b = "B" }`: cases without associated values, with raw
/// values when the enum declares a `String` or `Int` raw type.
struct EnumDeclaration {
    struct Case {
        var name: String
        /// The raw value the case writes (`= "B"`), if any.
        var rawValue: Expr?
        var location: SourceLocation
    }

    var name: String
    /// The protocols and raw type it adopts, with where each is written.
    var conformances: [(name: String, location: SourceLocation)]
    var cases: [Case]
    /// The type name's position.
    var location: SourceLocation
}

/// One `case …:` (or `default:`) of a `switch`.
struct SwitchCase {
    /// The values it matches (`case .train, .valid:`); empty for `default`.
    var patterns: [Expr]
    var body: [Statement]
    var location: SourceLocation
}

/// A statement of a cell.
indirect enum Statement {
    /// `let`/`var pattern[: Type] = value`.
    case binding(Pattern, isMutable: Bool, type: CellType?, value: Expr, SourceLocation)
    /// `let name: Type` without a value: the name is assigned later (`if … { name = a } else { name = b }`).
    case declaration(String, isMutable: Bool, type: CellType, SourceLocation)
    /// `target = value`, or a compound assignment (`op` is `+=` …).
    case assignment(target: Expr, op: String, value: Expr, SourceLocation)
    /// An expression; `discarded` for `_ = expr` (never displayed).
    case expression(Expr, discarded: Bool)
    /// A `func` declaration.
    case function(FunctionDeclaration)
    /// A `struct` or `final class` declaration.
    case typeDeclaration(TypeDeclaration)
    /// An `enum` declaration.
    case enumDeclaration(EnumDeclaration)
    /// `if conditions { … } else { … }` (`else if` is an `else` holding one `if`).
    case ifElse([Condition], then: [Statement], otherwise: [Statement]?, SourceLocation)
    /// `guard conditions else { … }`; the `else` block must leave the function (or cell).
    case guardElse([Condition], otherwise: [Statement], SourceLocation)
    /// `for pattern in sequence { … }`.
    case forIn(Pattern, sequence: Expr, body: [Statement], SourceLocation)
    /// `while condition { … }`.
    case whileLoop(Expr, body: [Statement], SourceLocation)
    /// `switch subject { case a, b: … default: … }` matching values (no bindings).
    case switchOn(Expr, [SwitchCase], SourceLocation)
    /// `return value`.
    case returnValue(Expr?, SourceLocation)
    /// `break` / `continue`.
    case loopControl(isBreak: Bool, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .binding(_, _, _, _, let l), .declaration(_, _, _, let l), .assignment(_, _, _, let l),
            .ifElse(_, _, _, let l),
            .guardElse(_, _, let l), .forIn(_, _, _, let l), .whileLoop(_, _, let l), .switchOn(_, _, let l),
            .returnValue(_, let l),
            .loopControl(_, let l):
            l
        case .function(let declaration): declaration.location
        case .typeDeclaration(let declaration): declaration.location
        case .enumDeclaration(let declaration): declaration.location
        case .expression(let expr, _): expr.start
        }
    }
}

extension Statement {
    /// Calls `visit` on every expression of the statement and its nested statements, outermost first;
    /// closures are visited but not entered.
    func visitExpressions(_ visit: (Expr) -> Void) {
        func expression(_ expr: Expr) {
            visit(expr)
            switch expr {
            case .int, .double, .bool, .nilLiteral, .name, .implicitMember, .closure: break
            case .string(let parts, _):
                for case .interpolation(let inner) in parts { expression(inner) }
            case .array(let elements, _), .tuple(let elements, _), .labeledTuple(_, let elements, _):
                elements.forEach(expression)
            case .dictionary(let pairs, _):
                for (key, value) in pairs {
                    expression(key)
                    expression(value)
                }
            case .member(let base, _, _), .forceUnwrap(let base, _), .cast(let base, _, _, _):
                expression(base)
            case .call(let callee, let arguments, _), .subscriptCall(let callee, let arguments, _):
                expression(callee)
                for argument in arguments { expression(argument.value) }
            case .binary(_, let lhs, let rhs, _):
                expression(lhs)
                expression(rhs)
            case .ternary(let condition, let then, let otherwise, _):
                expression(condition)
                expression(then)
                expression(otherwise)
            case .prefix(_, let operand, _), .expect(let operand, _, _): expression(operand)
            }
        }
        func conditions(_ list: [Condition]) {
            for condition in list {
                switch condition {
                case .bool(let expr), .optionalBinding(_, let expr, _): expression(expr)
                }
            }
        }
        func statements(_ list: [Statement]) { for statement in list { statement.visitExpressions(visit) } }
        switch self {
        case .binding(_, _, _, let value, _): expression(value)
        case .declaration: break
        case .assignment(let target, _, let value, _):
            expression(target)
            expression(value)
        case .expression(let expr, _): expression(expr)
        case .function(let declaration):
            for parameter in declaration.parameters { parameter.defaultValue.map(expression) }
            statements(declaration.body)
        case .typeDeclaration(let declaration):
            for property in declaration.properties { property.defaultValue.map(expression) }
            for function in declaration.initializers + declaration.methods {
                for parameter in function.parameters { parameter.defaultValue.map(expression) }
                statements(function.body)
            }
            for property in declaration.computed { statements(property.body) }
        case .enumDeclaration(let declaration):
            for enumCase in declaration.cases { enumCase.rawValue.map(expression) }
        case .ifElse(let list, let then, let otherwise, _):
            conditions(list)
            statements(then)
            statements(otherwise ?? [])
        case .guardElse(let list, let otherwise, _):
            conditions(list)
            statements(otherwise)
        case .forIn(_, let sequence, let body, _):
            expression(sequence)
            statements(body)
        case .whileLoop(let condition, let body, _):
            expression(condition)
            statements(body)
        case .switchOn(let subject, let cases, _):
            expression(subject)
            for switchCase in cases {
                switchCase.patterns.forEach(expression)
                statements(switchCase.body)
            }
        case .returnValue(let value, _): value.map(expression)
        case .loopControl: break
        }
    }
}
