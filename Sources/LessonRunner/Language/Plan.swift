import LessonSource

/// A cell resolved against the registry.
///
/// Every name is bound to its definition, every call to one registry entry, every default lowered,
/// every operator typed. The ``Resolver`` makes plans; the ``Interpreter`` runs nothing else.
struct CellPlan {
    /// The cell's statements, resolved (empty when the cell does not run).
    var statements: [PlanStatement] = []
    /// Every problem resolution found in the cell; a cell with any does not run.
    var diagnostics: [LessonSource.Diagnostic] = []
    /// Every name the cell's top level declares (also those of statements that did not resolve).
    var declaredNames: [String] = []
    /// The names the cell reads from earlier cells, sorted.
    var inputs: [String] = []
}

/// Where a name lives: the lesson's namespace (a cell's top level) or a frame of locals (function
/// bodies, closures, blocks).
enum Storage {
    case global
    case local
}

/// A resolved expression.
indirect enum Node {
    /// A constant value, already of the type its context expects (`3` where a `Double` is wanted is 3.0).
    case literal(Value)
    /// A string with interpolations.
    case interpolation([InterpolationPart])
    case array([Node])
    /// A dictionary literal's keys and values, in order.
    case dictionary([(key: Node, value: Node)])
    case tuple([Node])
    /// `(lr: 1e-3, epochs: 3)`.
    case labeledTuple([String?], [Node])
    /// A name of a frame (parameters, locals).
    case local(String)
    /// A name of the lesson's namespace.
    case global(String, SourceLocation)
    /// A registered step; `arguments` hold the receiver first (for members), then one node per
    /// parameter (variadic ones as an array, left-out ones as their lowered default).
    case step(Step, arguments: [Node], SourceLocation)
    /// A call of a function value (a closure or a cell's `func`) with positional arguments.
    case callFunction(Node, [Node], name: String, SourceLocation)
    /// A closure or a cell's `func`.
    case closure(ClosurePlan)
    /// `tuple.0`.
    case tupleElement(Node, Int, SourceLocation)
    /// `array[i]` or `array[a..<b]`.
    case index(Node, Node, SourceLocation)
    /// A built-in operation of the language (numbers, strings, arrays).
    case builtin(Builtin, arguments: [Node], SourceLocation)
    /// `a && b`, `a || b` (the right side runs only when needed).
    case logical(isAnd: Bool, Node, Node, SourceLocation)
    /// `value!`.
    case forceUnwrap(Node, SourceLocation)
    /// `value as! Type` (`forced`: a failure stops the cell) or `value as? Type` (`nil` when it fails).
    case cast(Node, CellType, forced: Bool, SourceLocation)
    /// `c ? a : b`.
    case ternary(Node, Node, Node)
    /// `#expect(condition)`.
    case expect(ExpectPlan)
    /// An expression whose operands' types are only known at run time (a value of type `Any`): the
    /// operands run, then the same ``Resolver`` resolves `template` with their actual types.
    case dynamic(DynamicPlan)
    /// A name whose defining cell failed: the cell is skipped before this can run.
    case unavailable(String, SourceLocation)
}

/// A piece of a string literal.
enum InterpolationPart {
    case text(String)
    case value(Node)
}

/// A closure or function: its parameters, body and how it returns.
struct ClosurePlan {
    /// Parameter names in order, with the type each must have (`Any` accepts anything).
    var parameters: [(name: String, type: CellType)]
    var body: [PlanStatement]
    /// A single-expression body returns its value.
    var implicitReturn: Node?
    var type: CellType
    /// Shorthand closures (`{ $0 * 2 }`) accept extra arguments, as Swift's do.
    var isShorthand: Bool
    var location: SourceLocation
    /// For a cell's `func`: its labels and defaults (kept with the binding for run-time resolution).
    var signature: FunctionSignature?
    /// Whether the closure is called with one tuple whose elements are its parameters
    /// (`zip(a, b).map { $0 + $1 }`).
    var splatsTuple = false
}

/// `#expect`: its condition in parts (the operands of a chain of `&&`, or the one condition), each
/// with its two sides when it is a comparison (shown when the check fails).
struct ExpectPlan {
    var parts: [ExpectPart]
    var text: String
    var location: SourceLocation
}

/// One operand of an `#expect`'s `&&` chain.
struct ExpectPart {
    /// The two sides of a comparison, and the comparison applied to them (read from a frame).
    struct Comparison {
        var lhs: Node
        var rhs: Node
        var apply: Node
        var op: String
    }

    var condition: Node
    var comparison: Comparison?
}

/// A resolution deferred to run time.
final class DynamicPlan {
    /// Evaluated first; the template names them `⟨0⟩`, `⟨1⟩`, ….
    let operands: [Node]
    let template: Expr
    let expected: CellType?
    let location: SourceLocation
    /// Resolved templates by the operand types they were resolved for.
    var resolved: [[CellType]: Node] = [:]

    init(operands: [Node], template: Expr, expected: CellType?, location: SourceLocation) {
        self.operands = operands
        self.template = template
        self.expected = expected
        self.location = location
    }

    /// The name of operand `index` inside the template.
    static func operandName(_ index: Int) -> String { "⟨\(index)⟩" }
}

/// A binding pattern with where each name lives.
indirect enum PlanPattern {
    case name(String, Storage, declared: CellType?, SourceLocation)
    case wildcard
    case tuple([PlanPattern], SourceLocation)
}

/// Something a value can be assigned to.
indirect enum Target {
    case variable(String, Storage, SourceLocation)
    /// `base.name = value` through a settable property; the base is written back for value types.
    case property(base: Target?, receiver: Node, setter: Step, SourceLocation)
    /// `array[index] = value`.
    case element(base: Target, array: Node, index: Node, SourceLocation)
    /// `frame[key] = value` through a library value's subscript setter (a `subscriptSet` step that
    /// returns the changed receiver, which is written back to `base`).
    case librarySubscript(base: Target, receiver: Node, key: Node, setter: Step, SourceLocation)
}

/// One condition of an `if`, `guard` or `while`.
enum PlanCondition {
    case bool(Node)
    case optionalBinding(String, Node)
}

/// A resolved statement.
indirect enum PlanStatement {
    case bind(PlanPattern, Node, isMutable: Bool, SourceLocation)
    case assign(Target, Node, SourceLocation)
    case expression(Node, discarded: Bool, SourceLocation)
    case ifElse([PlanCondition], then: [PlanStatement], otherwise: [PlanStatement]?)
    case guardElse([PlanCondition], otherwise: [PlanStatement])
    case forIn(PlanPattern, sequence: Node, body: [PlanStatement], SourceLocation)
    case whileLoop(Node, body: [PlanStatement], SourceLocation)
    /// `switch`: the subject runs once; the first case one of whose values equals it (or whose range
    /// holds it) runs; an empty list of values is `default`.
    case switchOn(Node, [(values: [Node], body: [PlanStatement])], SourceLocation)
    case returnValue(Node?)
    case loopControl(isBreak: Bool)

    var location: SourceLocation? {
        switch self {
        case .bind(_, _, _, let l), .assign(_, _, let l), .expression(_, _, let l), .forIn(_, _, _, let l),
            .whileLoop(_, _, let l), .switchOn(_, _, let l):
            l
        default: nil
        }
    }
}
