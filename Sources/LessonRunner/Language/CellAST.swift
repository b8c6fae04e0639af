import LessonSource

/// A cell's code in the cell language, lowered from SwiftSyntax; every node carries its lesson position.
///
/// The interpreter runs it, the checker types it, and the Swift exporter never needs it (it copies code).
indirect enum Expr {
    case int(Int, SourceLocation)
    case double(Double, SourceLocation)
    case string([StringPart], SourceLocation)
    case bool(Bool, SourceLocation)
    case nilLiteral(SourceLocation)
    case array([Expr], SourceLocation)
    case tuple([Expr], SourceLocation)
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
    /// A single-expression closure; `parameters` are `$0`, `$1`… when the closure uses shorthand names.
    case closure([ClosureParameter], Expr, SourceLocation)
    /// `lhs op rhs`; the location is the operator's.
    case binary(String, Expr, Expr, SourceLocation)
    /// `op operand`.
    case prefix(String, Expr, SourceLocation)
    /// `#expect(condition)`; `text` is the condition's source.
    case expect(Expr, text: String, SourceLocation)

    var location: SourceLocation {
        switch self {
        case .int(_, let l), .double(_, let l), .string(_, let l), .bool(_, let l), .nilLiteral(let l),
            .array(_, let l), .tuple(_, let l), .name(_, let l), .implicitMember(_, let l),
            .member(_, _, let l),
            .call(_, _, let l), .subscriptCall(_, _, let l), .closure(_, _, let l), .binary(_, _, _, let l),
            .prefix(_, _, let l), .expect(_, _, let l):
            l
        }
    }

    /// The expression's start (for a binary expression, its left operand's).
    var start: SourceLocation {
        switch self {
        case .binary(_, let lhs, _, _): lhs.start
        case .member(let base, _, _), .call(let base, _, _), .subscriptCall(let base, _, _): base.start
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

/// A statement of a cell.
enum Statement {
    /// `let`/`var pattern[: Type] = value`.
    case binding(Pattern, isMutable: Bool, type: CellType?, value: Expr, SourceLocation)
    /// `target = value`, or a compound assignment (`op` is `+=` …).
    case assignment(target: Expr, op: String, value: Expr, SourceLocation)
    /// An expression; `discarded` for `_ = expr` (never displayed).
    case expression(Expr, discarded: Bool)

    var location: SourceLocation {
        switch self {
        case .binding(_, _, _, _, let l), .assignment(_, _, _, let l): l
        case .expression(let expr, _): expr.start
        }
    }
}
