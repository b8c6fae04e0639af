import LessonSource

/// A function's labels, types and lowered defaults, so calls to it match labels as Swift does.
struct FunctionSignature {
    var parameters: [StepParameter]
    /// The lowered default of each parameter that has one.
    var defaults: [Node?]
}

/// What the resolver knows of a name of the namespace or of a frame.
struct NameInfo {
    var type: CellType
    var isMutable: Bool
    /// The cell that bound it (globals only).
    var cellID: String = ""
    /// For a cell's `func`: its labels and defaults.
    var signature: FunctionSignature?
    /// The cell that should have defined the name but failed; later cells using it are skipped.
    var unavailableBecause: String?
}

/// Lowered step defaults, shared by every resolver of a run (each default is lowered once).
final class DefaultCache {
    var nodes: [String: Node] = [:]
}

/// Turns lowered cells into ``CellPlan``s: the one place where names are looked up, overloads chosen,
/// defaults lowered, operators typed, and every diagnostic of the cell language is written.
///
/// Values of type `Any` (a closure parameter nothing typed, a step returning `Any`) cannot be resolved
/// ahead of time; the plan then holds a ``Node/dynamic(_:)`` node, and the interpreter calls this same
/// resolver with the values' actual types when it gets there.
struct Resolver {
    private struct FunctionContext {
        var declaredResult: CellType?
        var inferredResult: CellType?
        var isClosure: Bool
    }

    let registry: Registry
    /// The namespace as the cells resolved so far leave it.
    var globals: [String: NameInfo]
    private var scopes: [[String: NameInfo]] = []
    private var functions: [FunctionContext] = []
    private var loopDepth = 0
    private var cellID = ""
    private var inputs: Set<String> = []
    private let defaults: DefaultCache
    /// Resolving at run time: never defer again.
    private let isDynamic: Bool
    /// Every problem found so far.
    private(set) var diagnostics: [LessonSource.Diagnostic] = []
    private var trial: [LessonSource.Diagnostic]?
    /// The cell that first declares each top-level name of the lesson, so a name used before its
    /// cell gets a message that says where it comes from (see ``noteDeclarations(in:)``).
    private var declaringCells: [String: String] = [:]

    init(registry: Registry, globals: [String: NameInfo] = [:], defaults: DefaultCache = DefaultCache()) {
        self.registry = registry
        self.globals = globals
        self.defaults = defaults
        self.isDynamic = false
    }

    private init(
        registry: Registry, globals: [String: NameInfo], locals: [String: NameInfo], defaults: DefaultCache
    ) {
        self.registry = registry
        self.globals = globals
        self.defaults = defaults
        self.isDynamic = true
        self.scopes = [locals]
    }

    // MARK: - Cells

    /// Records which cell of a lesson first declares each top-level name, so that using a name before
    /// the cell that declares it says so rather than only that it is not found.
    mutating func noteDeclarations(in cells: [Cell]) {
        for cell in cells where cell.attributes.runs && cell.attributes.include == nil {
            for name in Lowering.lower(cell).declaredNames where declaringCells[name] == nil {
                declaringCells[name] = cell.id
            }
        }
    }

    /// Resolves one cell after the cells before it.
    ///
    /// A cell with problems binds its names as unavailable, so the cells that need them are skipped
    /// rather than run on a stale or missing value.
    mutating func resolve(_ cell: Cell) -> CellPlan {
        guard cell.attributes.runs else { return CellPlan() }
        let lowered = Lowering.lower(cell)
        cellID = cell.id
        inputs = []
        scopes = []
        functions = []
        loopDepth = 0
        let before = diagnostics.count
        diagnostics += lowered.diagnostics
        var declaredHere: Set<String> = []
        let statements = lowered.statements.compactMap {
            resolve($0, topLevel: true, declaredHere: &declaredHere)
        }
        let found = Array(diagnostics[before...])
        if !found.isEmpty {
            // Names keep the type they were resolved with (so later mistakes are still found) but are
            // unavailable: the cells that read them are skipped, never run on a stale or missing value.
            for name in lowered.declaredNames {
                var info =
                    globals[name].flatMap { $0.cellID == cell.id ? $0 : nil }
                    ?? NameInfo(type: .any, isMutable: true)
                info.cellID = cell.id
                info.unavailableBecause = cell.id
                globals[name] = info
            }
        }
        if cell.attributes.expectsError { diagnostics.removeSubrange(before...) }
        return CellPlan(
            statements: statements, diagnostics: found, declaredNames: lowered.declaredNames,
            inputs: inputs.sorted())
    }

    /// Resolves a deferred expression with the actual types of its operands and of the names in scope.
    static func resolveDynamic(
        _ plan: DynamicPlan, operandTypes: [CellType], locals: [String: NameInfo],
        globals: [String: NameInfo],
        registry: Registry, defaults: DefaultCache
    ) -> Result<Node, CellFailure> {
        var scope = locals
        for (index, type) in operandTypes.enumerated() {
            scope[DynamicPlan.operandName(index)] = NameInfo(type: type, isMutable: false)
        }
        var resolver = Resolver(registry: registry, globals: globals, locals: scope, defaults: defaults)
        let typed = resolver.resolve(plan.template, expected: plan.expected)
        if let first = resolver.diagnostics.first { return .failure(CellFailure(first)) }
        return .success(typed.node)
    }

    private mutating func report(_ message: String, at location: LessonSource.SourceLocation) {
        let diagnostic = LessonSource.Diagnostic(.error, message, at: location)
        if trial != nil {
            trial?.append(diagnostic)
        } else {
            diagnostics.append(diagnostic)
        }
    }

    // MARK: - Names

    private enum Found {
        case local(NameInfo)
        case global(NameInfo)
    }

    private func lookup(_ name: String) -> Found? {
        for scope in scopes.reversed() {
            if let info = scope[name] { return .local(info) }
        }
        return globals[name].map(Found.global)
    }

    /// A node reading a name of a frame or of the namespace, recording reads from earlier cells.
    private mutating func read(_ name: String, _ found: Found, at location: SourceLocation) -> Typed {
        switch found {
        case .local(let info): return Typed(.local(name), info.type)
        case .global(let info):
            if info.cellID != cellID || info.unavailableBecause != nil { inputs.insert(name) }
            if info.unavailableBecause != nil { return Typed(.unavailable(name, location), info.type) }
            return Typed(.global(name, location), info.type)
        }
    }

    private mutating func declare(
        _ name: String, _ info: NameInfo, at location: SourceLocation, declaredHere: inout Set<String>
    ) -> Storage {
        if scopes.isEmpty {
            if declaredHere.contains(name) {
                report("invalid redeclaration of '\(name)' in the same cell", at: location)
            }
            declaredHere.insert(name)
            var info = info
            info.cellID = cellID
            globals[name] = info
            return .global
        }
        if scopes[scopes.count - 1][name] != nil {
            report("invalid redeclaration of '\(name)'", at: location)
        }
        scopes[scopes.count - 1][name] = info
        return .local
    }

    private var allNames: [String] {
        scopes.flatMap(\.keys) + Array(globals.keys) + registry.globalNames
    }

    private func notFoundMessage(_ name: String) -> String {
        if let cell = declaringCells[name], cell != cellID, globals[name] == nil {
            return Message.notInScope(name) + "; it is declared later, in cell '\(cell)'"
        }
        return Message.notInScope(name) + didYouMean(name, among: allNames)
    }

    private func noMemberMessage(_ name: String, _ type: CellType) -> String {
        var members = registry.memberNames(of: type)
        if Self.isSequence(type) { members += CollectionMethod.allCases.map(\.swiftName) }
        return "value of type '\(type)' has no member '\(name)'" + didYouMean(name, among: members)
    }

    // MARK: - Statements

    private mutating func block(_ statements: [Statement]) -> [PlanStatement] {
        scopes.append([:])
        defer { scopes.removeLast() }
        var declaredHere: Set<String> = []
        return statements.compactMap { resolve($0, topLevel: false, declaredHere: &declaredHere) }
    }

    private mutating func resolve(
        _ statement: Statement, topLevel: Bool, declaredHere: inout Set<String>
    ) -> PlanStatement? {
        switch statement {
        case .binding(let pattern, let isMutable, let declared, let value, let location):
            let typed = resolve(value, expected: declared)
            if let declared, !registry.isAssignable(typed.type, to: declared) {
                report("cannot convert \(typed.type) to \(declared)", at: value.start)
            }
            let planPattern = bind(
                pattern, declared ?? typed.type, declared: declared, isMutable: isMutable,
                declaredHere: &declaredHere)
            return .bind(planPattern, typed.node, isMutable: isMutable, location)
        case .assignment(let target, let op, let value, let location):
            guard let (planTarget, targetType, current) = assignable(target) else {
                _ = resolve(value, expected: nil)
                return nil
            }
            var typed = resolve(value, expected: targetType)
            if op != "=" {
                typed = binary(String(op.dropLast()), current, typed, at: location, template: nil)
            }
            if !registry.isAssignable(typed.type, to: targetType) {
                report("cannot assign value of type \(typed.type) to type \(targetType)", at: location)
            }
            return .assign(planTarget, typed.node, location)
        case .expression(let expr, let discarded):
            if let mutation = mutatingCall(expr) { return mutation }
            let typed = resolve(expr, expected: nil)
            return .expression(typed.node, discarded: discarded, expr.start)
        case .function(let declaration):
            return function(declaration, declaredHere: &declaredHere)
        case .ifElse(let conditions, let then, let otherwise, _):
            scopes.append([:])
            let planConditions = self.conditions(conditions)
            let thenPlan = block(then)
            scopes.removeLast()
            return .ifElse(planConditions, then: thenPlan, otherwise: otherwise.map { block($0) })
        case .guardElse(let conditions, let otherwise, let location):
            if topLevel {
                report(
                    "'guard' belongs inside a function, closure or loop, where its 'else' can leave",
                    at: location)
            }
            let elsePlan = block(otherwise)
            if !Self.leaves(otherwise) {
                report(
                    "'guard' body must not fall through; end it with return, break or continue", at: location)
            }
            return .guardElse(self.conditions(conditions), otherwise: elsePlan)
        case .forIn(let pattern, let sequence, let body, let location):
            let typed = resolve(sequence, expected: nil)
            let element: CellType
            switch typed.type {
            case .array(let type): element = type
            case .range(.int, _): element = .int
            case .any: element = .any
            default:
                report("for-in needs an array or an integer range, not \(typed.type)", at: sequence.start)
                element = .any
            }
            scopes.append([:])
            var loopNames: Set<String> = []
            let planPattern = bind(
                pattern, element, declared: nil, isMutable: false, declaredHere: &loopNames)
            loopDepth += 1
            let bodyPlan = block(body)
            loopDepth -= 1
            scopes.removeLast()
            return .forIn(planPattern, sequence: typed.node, body: bodyPlan, location)
        case .whileLoop(let condition, let body, let location):
            let typed = resolve(condition, expected: .bool)
            if typed.type != .bool && typed.type != .any {
                report("a while condition must be a Bool, not \(typed.type)", at: condition.start)
            }
            loopDepth += 1
            let bodyPlan = block(body)
            loopDepth -= 1
            return .whileLoop(typed.node, body: bodyPlan, location)
        case .returnValue(let value, let location):
            guard var context = functions.last else {
                report("'return' belongs inside a function or closure", at: location)
                return nil
            }
            let expected = context.declaredResult
            let typed = value.map { resolve($0, expected: expected) }
            if let declared = context.declaredResult {
                if declared == .void, let value {
                    if !context.isClosure {
                        report("unexpected non-void return value in void function", at: value.start)
                    }
                } else if declared != .void, typed == nil {
                    report("non-void function should return a value", at: location)
                } else if let typed, !registry.isAssignable(typed.type, to: declared) {
                    report(
                        "cannot convert return expression of type \(typed.type) to \(declared)", at: location)
                }
            } else if context.inferredResult == nil {
                context.inferredResult = typed?.type ?? .void
                functions[functions.count - 1] = context
            }
            return .returnValue(typed?.node)
        case .loopControl(let isBreak, let location):
            if loopDepth == 0 {
                report("'\(isBreak ? "break" : "continue")' belongs inside a loop", at: location)
                return nil
            }
            return .loopControl(isBreak: isBreak)
        }
    }

    /// Whether a block always leaves by `return`, `break` or `continue`.
    private static func leaves(_ statements: [Statement]) -> Bool {
        guard let last = statements.last else { return false }
        switch last {
        case .returnValue, .loopControl: return true
        case .ifElse(_, let then, let otherwise?, _): return leaves(then) && leaves(otherwise)
        default: return false
        }
    }

    private mutating func conditions(_ list: [Condition]) -> [PlanCondition] {
        list.map { condition in
            switch condition {
            case .bool(let expr):
                let typed = resolve(expr, expected: .bool)
                if typed.type != .bool && typed.type != .any {
                    report("a condition must be a Bool, not \(typed.type)", at: expr.start)
                }
                return .bool(typed.node)
            case .optionalBinding(let name, let expr, _):
                let typed = resolve(expr, expected: nil)
                var wrapped = CellType.any
                switch typed.type {
                case .optional(let inner): wrapped = inner
                case .any: break
                default:
                    report(
                        "initializer for conditional binding must have Optional type, not \(typed.type)",
                        at: expr.start)
                    wrapped = typed.type
                }
                if !scopes.isEmpty {
                    scopes[scopes.count - 1][name] = NameInfo(type: wrapped, isMutable: false)
                }
                return .optionalBinding(name, typed.node)
            }
        }
    }

    private mutating func bind(
        _ pattern: Pattern, _ type: CellType, declared: CellType?, isMutable: Bool,
        declaredHere: inout Set<String>
    ) -> PlanPattern {
        switch pattern {
        case .wildcard: return .wildcard
        case .name(let name, let location):
            let storage = declare(
                name, NameInfo(type: type, isMutable: isMutable), at: location, declaredHere: &declaredHere)
            return .name(name, storage, declared: declared, location)
        case .tuple(let patterns, let location):
            var types = [CellType](repeating: .any, count: patterns.count)
            switch type {
            case .tuple(let elements) where elements.count == patterns.count: types = elements
            case .any: break
            default:
                report(
                    Message.cannotDestructure(type, into: patterns.count), at: location)
            }
            var declaredTypes: [CellType]?
            if case .tuple(let elements)? = declared, elements.count == patterns.count {
                declaredTypes = elements
            }
            return .tuple(
                zip(patterns, types).enumerated().map { index, pair in
                    bind(
                        pair.0, pair.1, declared: declaredTypes?[index], isMutable: isMutable,
                        declaredHere: &declaredHere)
                }, location)
        }
    }

    private mutating func function(
        _ declaration: FunctionDeclaration, declaredHere: inout Set<String>
    ) -> PlanStatement {
        let result = declaration.result ?? .void
        var defaultNodes: [Node?] = []
        var parameters: [StepParameter] = []
        for parameter in declaration.parameters {
            let typed = parameter.defaultValue.map { resolve($0, expected: parameter.type) }
            if let typed, let value = parameter.defaultValue,
                !registry.isAssignable(typed.type, to: parameter.type)
            {
                report(
                    "default argument value of type \(typed.type) cannot be converted to \(parameter.type)",
                    at: value.start)
            }
            defaultNodes.append(typed?.node)
            parameters.append(
                StepParameter(
                    label: parameter.label, name: parameter.name, type: parameter.type,
                    // Argument matching needs to know only that a default exists; its node is below.
                    typeText: parameter.type.description, defaultText: typed == nil ? nil : "…",
                    defaultValue: nil, isVariadic: false))
        }
        let type = CellType.function(parameters.map(\.type), result)
        let signature = FunctionSignature(parameters: parameters, defaults: defaultNodes)
        let storage = declare(
            declaration.name, NameInfo(type: type, isMutable: false, signature: signature),
            at: declaration.location, declaredHere: &declaredHere)
        var plan = closurePlan(
            declaration.parameters.map { ($0.name, $0.type) }, declaration.body, declaredResult: result,
            isClosure: false, isShorthand: false, at: declaration.location)
        plan.plan.signature = signature
        if result != .void, !Self.leaves(declaration.body) && !Self.isSingleExpression(declaration.body) {
            report("missing return in a function expected to return '\(result)'", at: declaration.location)
        }
        return .bind(
            .name(declaration.name, storage, declared: nil, declaration.location), .closure(plan.plan),
            isMutable: false, declaration.location)
    }

    private static func isSingleExpression(_ body: [Statement]) -> Bool {
        if body.count == 1, case .expression(_, discarded: false) = body[0] { return true }
        return false
    }

    /// Resolves a closure's or function's body in a new frame.
    private mutating func closurePlan(
        _ parameters: [(String, CellType)], _ body: [Statement], declaredResult: CellType?, isClosure: Bool,
        isShorthand: Bool, at location: SourceLocation
    ) -> (plan: ClosurePlan, result: CellType) {
        scopes.append(
            Dictionary(parameters.map { ($0.0, NameInfo(type: $0.1, isMutable: false)) }) { a, _ in a })
        functions.append(
            FunctionContext(declaredResult: declaredResult, inferredResult: nil, isClosure: isClosure))
        let savedLoops = loopDepth
        loopDepth = 0
        var statements: [PlanStatement] = []
        var implicitReturn: Node?
        var resultType = declaredResult ?? .any
        if Self.isSingleExpression(body), case .expression(let expr, _) = body[0] {
            let expected = declaredResult == .void ? nil : declaredResult
            let typed = resolve(expr, expected: expected)
            implicitReturn = typed.node
            if declaredResult == nil || declaredResult == .any {
                resultType = typed.type
            } else if let declaredResult, declaredResult != .void,
                !registry.isAssignable(typed.type, to: declaredResult)
            {
                report(
                    isClosure
                        ? "closure returns \(typed.type) where \(declaredResult) is expected"
                        : "cannot convert return expression of type \(typed.type) to \(declaredResult)",
                    at: expr.start)
            }
        } else {
            var declaredHere: Set<String> = []
            statements = body.compactMap { resolve($0, topLevel: false, declaredHere: &declaredHere) }
            if declaredResult == nil || declaredResult == .any {
                resultType = functions.last?.inferredResult ?? .void
            }
        }
        loopDepth = savedLoops
        functions.removeLast()
        scopes.removeLast()
        let plan = ClosurePlan(
            parameters: parameters.map { (name: $0.0, type: $0.1) }, body: statements,
            implicitReturn: implicitReturn,
            type: .function(parameters.map(\.1), resultType), isShorthand: isShorthand, location: location)
        return (plan, resultType)
    }

    /// `xs.append(v)` as a statement: an assignment of the appended array back to `xs`.
    private mutating func mutatingCall(_ expr: Expr) -> PlanStatement? {
        guard case .call(.member(let base, "append", let location), let arguments, _) = expr else {
            return nil
        }
        let baseType = peekType(base)
        guard case .array(let element) = baseType else { return nil }
        guard arguments.count == 1, arguments[0].label == nil else {
            report("append takes one element: xs.append(x)", at: location)
            return nil
        }
        guard let (target, _, current) = assignable(base) else { return nil }
        let value = resolve(arguments[0].value, expected: element)
        if !registry.isAssignable(value.type, to: element) {
            report("cannot convert \(value.type) to \(element) for 'append'", at: arguments[0].value.start)
        }
        return .assign(
            target, .builtin(.method(.append), arguments: [current.node, value.node], location), location)
    }

    /// The static type of a name expression without reporting anything (for `append`'s receiver).
    private func peekType(_ expr: Expr) -> CellType? {
        guard case .name(let name, _) = expr, let found = lookup(name) else { return nil }
        switch found {
        case .local(let info), .global(let info): return info.type
        }
    }

    /// The target of an assignment, its type and its current value, reporting targets that cannot be
    /// assigned.
    private mutating func assignable(_ target: Expr) -> (Target, CellType, Typed)? {
        switch target {
        case .name(let name, let location):
            guard let found = lookup(name) else {
                report(notFoundMessage(name), at: location)
                return nil
            }
            let current = read(name, found, at: location)
            let info: NameInfo
            let storage: Storage
            switch found {
            case .local(let local): (info, storage) = (local, .local)
            case .global(let global): (info, storage) = (global, .global)
            }
            if !info.isMutable {
                report("cannot assign to value: '\(name)' is a 'let' constant", at: location)
            }
            return (.variable(name, storage, location), info.type, current)
        case .member(let base, let name, let location):
            let receiver = resolve(base, expected: nil)
            if receiver.type == .any {
                report("cannot assign to '\(name)' of a value whose type is not known here", at: location)
                return nil
            }
            guard
                let property = registry.members(of: receiver.type, named: name).first(where: {
                    $0.kind == .property
                })
            else {
                report(noMemberMessage(name, receiver.type), at: location)
                return nil
            }
            if !property.isSettable {
                report("cannot assign to property: '\(name)' is a get-only property", at: location)
                return nil
            }
            var baseTarget: Target?
            if case .name = base, let (inner, _, _) = quietAssignable(base) { baseTarget = inner }
            let current = Typed(.step(property, arguments: [receiver.node], location), property.resultType)
            return (
                .property(base: baseTarget, receiver: receiver.node, setter: property, location),
                property.resultType, current
            )
        case .subscriptCall(let base, let arguments, let location):
            let array = resolve(base, expected: nil)
            guard case .array(let element) = array.type, arguments.count == 1, arguments[0].label == nil,
                let (baseTarget, _, _) = assignable(base)
            else {
                report(Message.onlyArrayElementsAssignable, at: location)
                return nil
            }
            let index = resolve(arguments[0].value, expected: .int)
            if index.type != .int && index.type != .any {
                report("cannot subscript an array with \(index.type)", at: arguments[0].location)
            }
            let current = Typed(.index(array.node, index.node, location), element)
            return (
                .element(base: baseTarget, array: array.node, index: index.node, location), element, current
            )
        default:
            report("cannot assign to this expression", at: target.start)
            return nil
        }
    }

    /// A variable target for writing a value-type receiver back, without diagnostics (a `let` struct
    /// receiver is reported by the assignment itself).
    private mutating func quietAssignable(_ base: Expr) -> (Target, CellType, Typed)? {
        guard case .name(let name, let location) = base, let found = lookup(name) else { return nil }
        switch found {
        case .local(let info):
            return (.variable(name, .local, location), info.type, Typed(.local(name), info.type))
        case .global(let info):
            return (.variable(name, .global, location), info.type, Typed(.global(name, location), info.type))
        }
    }

    // MARK: - Expressions

    /// A resolved expression with its static type.
    struct Typed {
        var node: Node
        var type: CellType
        init(_ node: Node, _ type: CellType) {
            self.node = node
            self.type = type
        }
    }

    private static var unknown: Typed { Typed(.literal(.void), .any) }

    /// Defers `template` to run time, after `operands` (named `⟨0⟩`… in it) have values.
    private func deferred(_ operands: [Node], _ template: Expr, expected: CellType?) -> Typed {
        Typed(
            .dynamic(
                DynamicPlan(
                    operands: operands, template: template, expected: expected, location: template.location)),
            .any)
    }

    private static func operand(_ index: Int, at location: SourceLocation) -> Expr {
        .name(DynamicPlan.operandName(index), location)
    }

    mutating func resolve(_ expr: Expr, expected: CellType?) -> Typed {
        switch expr {
        case .int(let value, _):
            switch expected?.unwrapped {
            case .double?: return Typed(.literal(.double(Double(value))), .double)
            case .float?: return Typed(.literal(.float(Float(value))), .float)
            default: return Typed(.literal(.int(value)), .int)
            }
        case .double(let value, _):
            if expected?.unwrapped == .float { return Typed(.literal(.float(Float(value))), .float) }
            return Typed(.literal(.double(value)), .double)
        case .bool(let value, _): return Typed(.literal(.bool(value)), .bool)
        case .nilLiteral:
            let type: CellType =
                expected.map { if case .optional = $0 { $0 } else { CellType.optional($0) } }
                ?? .optional(.any)
            return Typed(.literal(.none), type)
        case .string(let parts, _):
            var planParts: [InterpolationPart] = []
            for part in parts {
                switch part {
                case .text(let text): planParts.append(.text(text))
                case .interpolation(let inner): planParts.append(.value(resolve(inner, expected: nil).node))
                }
            }
            if planParts.count <= 1, case .text(let text)? = planParts.first ?? .text("") {
                return Typed(.literal(.string(text)), .string)
            }
            return Typed(.interpolation(planParts), .string)
        case .array(let elements, _):
            var elementType: CellType?
            if case .array(let type)? = expected?.unwrapped { elementType = type }
            let typed = elements.map { resolve($0, expected: elementType) }
            if let elementType, typed.allSatisfy({ registry.isAssignable($0.type, to: elementType) }) {
                return Typed(.array(typed.map(\.node)), .array(elementType))
            }
            return Typed(.array(typed.map(\.node)), .array(Value.commonType(typed.map(\.type))))
        case .tuple(let elements, _):
            var types: [CellType]?
            if case .tuple(let expectedTypes)? = expected?.unwrapped, expectedTypes.count == elements.count {
                types = expectedTypes
            }
            let typed = elements.enumerated().map { resolve($1, expected: types?[$0]) }
            return Typed(.tuple(typed.map(\.node)), .tuple(typed.map(\.type)))
        case .name(let name, let location):
            return resolveName(name, at: location)
        case .implicitMember(let name, let location):
            guard let owner = expected?.unwrapped, owner != .any else {
                if expected == nil {
                    report("cannot infer the type of '.\(name)'; write the type: Type.\(name)", at: location)
                }
                return Self.unknown
            }
            return staticProperty(owner.ownerName, name, at: location)
        case .member(let base, let name, let location):
            if case .name(let typeName, _) = base, lookup(typeName) == nil, registry.isType(typeName) {
                return staticProperty(typeName, name, at: location)
            }
            let receiver = resolve(base, expected: nil)
            return member(
                receiver, name, at: location,
                template: .member(Self.operand(0, at: base.start), name, location))
        case .call(let callee, let arguments, let location):
            return call(callee, arguments, at: location, expected: expected)
        case .subscriptCall(let base, let arguments, let location):
            let receiver = resolve(base, expected: nil)
            return subscriptCall(receiver, arguments, at: location, expected: expected, baseStart: base.start)
        case .closure(let parameters, let body, let location):
            var parameterTypes = parameters.map { $0.type ?? .any }
            var expectedResult: CellType?
            if case .function(let types, let result)? = expected?.unwrapped {
                for index in parameterTypes.indices where index < types.count && parameters[index].type == nil
                {
                    parameterTypes[index] = types[index]
                }
                expectedResult = result
            }
            let isShorthand = !parameters.isEmpty && parameters.allSatisfy { $0.name.hasPrefix("$") }
            let (plan, _) = closurePlan(
                Array(zip(parameters.map(\.name), parameterTypes)), body,
                declaredResult: expectedResult == .any ? nil : expectedResult, isClosure: true,
                isShorthand: isShorthand || parameters.isEmpty, at: location)
            return Typed(.closure(plan), plan.type)
        case .binary(let op, let lhs, let rhs, let location):
            let left = resolve(lhs, expected: nil)
            if op == "&&" || op == "||" {
                let right = resolve(rhs, expected: .bool)
                for (side, typed) in [(lhs, left), (rhs, right)]
                where typed.type != .bool && typed.type != .any {
                    report(Message.needsBoolOperands(op, not: typed.type), at: side.start)
                }
                return Typed(.logical(isAnd: op == "&&", left.node, right.node, location), .bool)
            }
            let right = resolve(rhs, expected: left.type.isNumeric || left.type == .any ? nil : left.type)
            return binary(
                op, left, right, at: location,
                template: .binary(
                    op, Self.operand(0, at: lhs.start), Self.operand(1, at: rhs.start), location))
        case .prefix(let op, let operand, let location):
            let typed = resolve(operand, expected: nil)
            switch (op, typed.type) {
            case (_, .any):
                if isDynamic { break }
                return deferred(
                    [typed.node], .prefix(op, Self.operand(0, at: operand.start), location), expected: nil)
            case ("-", _) where typed.type.isNumeric:
                return Typed(.builtin(.negate, arguments: [typed.node], location), typed.type)
            case ("!", .bool): return Typed(.builtin(.not, arguments: [typed.node], location), .bool)
            default: break
            }
            if let step = registry.operators(op, arity: 1).first(where: {
                registry.isAssignable(typed.type, to: $0.parameters[0].type)
            }) {
                return Typed(.step(step, arguments: [typed.node], location), step.resultType)
            }
            report(
                "unary operator '\(op)' cannot be applied to an operand of type \(typed.type)", at: location)
            return Self.unknown
        case .expect(let condition, let text, let location):
            var comparison: (lhs: Node, rhs: Node, apply: Node, op: String)?
            var conditionNode: Node
            var conditionType: CellType
            if case .binary(let op, let lhs, let rhs, let opLocation) = condition,
                ["==", "!=", "<", "<=", ">", ">="].contains(op)
            {
                let left = resolve(lhs, expected: nil)
                let right = resolve(rhs, expected: left.type.isNumeric || left.type == .any ? nil : left.type)
                let names = (DynamicPlan.operandName(0), DynamicPlan.operandName(1))
                // The comparison reads its sides from a frame (so each runs once and both can be shown).
                scopes.append([
                    names.0: NameInfo(type: left.type, isMutable: false),
                    names.1: NameInfo(type: right.type, isMutable: false),
                ])
                let applied = binary(
                    op, Typed(.local(names.0), left.type), Typed(.local(names.1), right.type), at: opLocation,
                    template: .binary(
                        op, Self.operand(0, at: lhs.start), Self.operand(1, at: rhs.start), opLocation))
                scopes.removeLast()
                comparison = (left.node, right.node, applied.node, op)
                conditionNode = applied.node
                conditionType = applied.type
            } else {
                let typed = resolve(condition, expected: .bool)
                conditionNode = typed.node
                conditionType = typed.type
            }
            if conditionType != .bool && conditionType != .any {
                report(Message.expectNeedsBool(not: conditionType), at: condition.start)
            }
            return Typed(
                .expect(
                    ExpectPlan(
                        condition: conditionNode, comparison: comparison, text: text, location: location)),
                .void)
        case .forceUnwrap(let base, let location):
            let typed = resolve(base, expected: expected.map { .optional($0) })
            switch typed.type {
            case .optional(let wrapped): return Typed(.forceUnwrap(typed.node, location), wrapped)
            case .any: return Typed(.forceUnwrap(typed.node, location), .any)
            default:
                report("cannot force unwrap value of non-optional type \(typed.type)", at: location)
                return typed
            }
        case .ternary(let condition, let then, let otherwise, let location):
            let test = resolve(condition, expected: .bool)
            if test.type != .bool && test.type != .any {
                report("a condition must be a Bool, not \(test.type)", at: condition.start)
            }
            let a = resolve(then, expected: expected)
            let b = resolve(otherwise, expected: expected ?? (a.type == .any ? nil : a.type))
            let type =
                registry.isAssignable(b.type, to: a.type) ? a.type : Value.commonType([a.type, b.type])
            if type == .any, a.type != .any, b.type != .any, a.type != b.type {
                report(
                    "result values in '? :' expression have mismatching types \(a.type) and \(b.type)",
                    at: location)
            }
            return Typed(.ternary(test.node, a.node, b.node), type)
        }
    }

    private mutating func resolveName(_ name: String, at location: SourceLocation) -> Typed {
        if let found = lookup(name) { return read(name, found, at: location) }
        let globals = registry.globals(name)
        if let constant = globals.first(where: { $0.kind == .constant }) {
            return Typed(.step(constant, arguments: [], location), constant.resultType)
        }
        if let function = globals.first(where: { $0.kind == .function }) {
            return Typed(
                .closure(Self.stepClosure(function, at: location)),
                .function(function.parameters.map(\.type), function.resultType))
        }
        if registry.isType(name) {
            report("type '\(name)' is not a value; call an initializer: \(name)(…)", at: location)
            return Self.unknown
        }
        report(notFoundMessage(name), at: location)
        return Self.unknown
    }

    /// A library function passed as a value (`getItems: getImageFiles`): a closure calling the step.
    private static func stepClosure(_ step: Step, at location: SourceLocation) -> ClosurePlan {
        let parameters = step.parameters.enumerated().map { (name: "⟨p\($0.offset)⟩", type: $0.element.type) }
        return ClosurePlan(
            parameters: parameters, body: [],
            implicitReturn: .step(step, arguments: parameters.map { .local($0.name) }, location),
            type: .function(parameters.map(\.type), step.resultType), isShorthand: false, location: location)
    }

    private mutating func staticProperty(
        _ typeName: String, _ name: String, at location: SourceLocation
    ) -> Typed {
        guard
            let property = registry.statics(of: typeName, named: name).first(where: {
                $0.kind == .staticProperty
            })
        else {
            report(
                "type '\(typeName)' has no member '\(name)'"
                    + didYouMean(name, among: registry.staticNames(of: typeName)), at: location)
            return Self.unknown
        }
        return Typed(.step(property, arguments: [], location), property.resultType)
    }

    private mutating func member(
        _ receiver: Typed, _ name: String, at location: SourceLocation, template: Expr
    ) -> Typed {
        if case .tuple(let elements) = receiver.type, let index = Int(name) {
            guard elements.indices.contains(index) else {
                report(Message.noTupleElement(index), at: location)
                return Self.unknown
            }
            return Typed(.tupleElement(receiver.node, index, location), elements[index])
        }
        if receiver.type == .any {
            if isDynamic || isUnavailable(receiver.node) { return Self.unknown }
            return deferred([receiver.node], template, expected: nil)
        }
        if let method = CollectionMethod(swiftName: name, arguments: nil), Self.isSequence(receiver.type),
            let element = Self.elementType(receiver.type)
        {
            if let type = Self.propertyType(method, element: element) {
                return Typed(.builtin(.method(method), arguments: [receiver.node], location), type)
            }
        }
        let members = registry.members(of: receiver.type, named: name)
        if let property = members.first(where: { $0.kind == .property }) {
            return Typed(.step(property, arguments: [receiver.node], location), property.resultType)
        }
        if !members.isEmpty
            || (CollectionMethod(swiftName: name, arguments: []) != nil && Self.isSequence(receiver.type))
        {
            report("'\(name)' is a method; call it: \(name)(…)", at: location)
        } else {
            report(noMemberMessage(name, receiver.type), at: location)
        }
        return Self.unknown
    }

    private func isUnavailable(_ node: Node) -> Bool {
        if case .unavailable = node { return true }
        return false
    }

    private mutating func subscriptCall(
        _ receiver: Typed, _ arguments: [Argument], at location: SourceLocation, expected: CellType?,
        baseStart: SourceLocation
    ) -> Typed {
        if case .array(let element) = receiver.type, arguments.count == 1, arguments[0].label == nil {
            let index = resolve(arguments[0].value, expected: nil)
            switch index.type {
            case .int: return Typed(.index(receiver.node, index.node, location), element)
            case .range(.int, _): return Typed(.index(receiver.node, index.node, location), receiver.type)
            case .any: return Typed(.index(receiver.node, index.node, location), .any)
            default:
                report("cannot subscript an array with \(index.type)", at: arguments[0].location)
                return Self.unknown
            }
        }
        if receiver.type == .any {
            if isDynamic || isUnavailable(receiver.node) {
                for argument in arguments { _ = resolve(argument.value, expected: nil) }
                return Self.unknown
            }
            return deferred(
                [receiver.node], .subscriptCall(Self.operand(0, at: baseStart), arguments, location),
                expected: expected)
        }
        let subscripts = registry.members(of: receiver.type, named: "subscript")
        guard !subscripts.isEmpty else {
            report("value of type \(receiver.type) has no subscripts", at: location)
            return Self.unknown
        }
        return overload(subscripts, receiver: receiver.node, arguments, callee: "subscript", at: location)
    }

    // MARK: - Operators

    private mutating func binary(
        _ op: String, _ left: Typed, _ right: Typed, at location: SourceLocation, template: Expr?
    ) -> Typed {
        let (l, r) = (left.type, right.type)
        if l == .any || r == .any, !isDynamic, let template, !isUnavailable(left.node),
            !isUnavailable(right.node)
        {
            if op == "??", case .optional = l {
            } else {
                return deferred([left.node, right.node], template, expected: nil)
            }
        }
        func builtin(_ builtin: Builtin, _ type: CellType) -> Typed {
            Typed(.builtin(builtin, arguments: [left.node, right.node], location), type)
        }
        for side in [l, r] {
            if case .named = side, !side.isNumeric, side != .string, side != .bool,
                let step = registeredOperator(op, l, r)
            {
                return Typed(.step(step, arguments: [left.node, right.node], location), step.resultType)
            }
        }
        let anyOperand = l == .any || r == .any
        switch op {
        case "+", "-", "*", "/", "%":
            if anyOperand { return builtin(.arithmetic(op), .any) }
            if l == .int && r == .int { return builtin(.arithmetic(op), .int) }
            if l.isNumeric && r.isNumeric {
                return builtin(.arithmetic(op), l == .double || r == .double ? .double : .float)
            }
            if op == "+", l == .string, r == .string { return builtin(.arithmetic(op), .string) }
            if op == "+", case .array = l, registry.isAssignable(r, to: l) {
                return builtin(.arithmetic(op), l)
            }
        case "<", "<=", ">", ">=":
            if anyOperand || (l.isNumeric && r.isNumeric) || (l == .string && r == .string) {
                return builtin(.comparison(op), .bool)
            }
        case "==", "!=":
            return builtin(.equality(isEqual: op == "=="), .bool)
        case "===", "!==":
            return builtin(.identity(isSame: op == "==="), .bool)
        case "...", "..<":
            if anyOperand || (l.isNumeric && r.isNumeric) || (l == .string && r == .string) {
                return builtin(
                    .range(closed: op == "..."), .range(Value.commonType([l, r]), closed: op == "..."))
            }
        case "??":
            if case .optional(let wrapped) = l { return builtin(.coalesce, wrapped == .any ? r : wrapped) }
            return builtin(.coalesce, l)
        default: break
        }
        if anyOperand { return builtin(.arithmetic(op), .any) }
        if let step = registeredOperator(op, l, r) {
            return Typed(.step(step, arguments: [left.node, right.node], location), step.resultType)
        }
        report("binary operator '\(op)' cannot be applied to operands of type \(l) and \(r)", at: location)
        return Self.unknown
    }

    private func registeredOperator(_ op: String, _ left: CellType, _ right: CellType) -> Step? {
        registry.operators(op, arity: 2).first {
            registry.isAssignable(left, to: $0.parameters[0].type)
                && registry.isAssignable(right, to: $0.parameters[1].type)
        }
    }

    // MARK: - Calls

    private mutating func call(
        _ callee: Expr, _ arguments: [Argument], at location: SourceLocation, expected: CellType?
    ) -> Typed {
        switch callee {
        case .name(let name, let nameLocation):
            if let found = lookup(name) {
                let value = read(name, found, at: nameLocation)
                let signature: FunctionSignature?
                switch found {
                case .local(let info), .global(let info): signature = info.signature
                }
                if let signature {
                    return userFunction(
                        value.node, signature, value.type, arguments, callee: name, at: location)
                }
                return callValue(value, arguments, name: name, at: location, calleeStart: nameLocation)
            }
            if registry.isType(name) {
                let initializers = registry.initializers(of: name)
                guard !initializers.isEmpty else {
                    report("type '\(name)' has no initializer", at: nameLocation)
                    return Self.unknown
                }
                return overload(initializers, receiver: nil, arguments, callee: name, at: location)
            }
            if name == "zip" { return zipCall(arguments, at: location) }
            let functions = registry.globals(name).filter { $0.kind == .function }
            if functions.isEmpty {
                if let constant = registry.globals(name).first(where: { $0.kind == .constant }) {
                    return callValue(
                        Typed(.step(constant, arguments: [], nameLocation), constant.resultType), arguments,
                        name: name,
                        at: location, calleeStart: nameLocation)
                }
                report(notFoundMessage(name), at: nameLocation)
                resolveAlone(arguments)
                return Self.unknown
            }
            return overload(functions, receiver: nil, arguments, callee: name, at: location)
        case .member(let base, let name, let memberLocation):
            if case .name(let typeName, _) = base, lookup(typeName) == nil, registry.isType(typeName) {
                return staticCall(typeName, name, arguments, at: memberLocation)
            }
            let receiver = resolve(base, expected: nil)
            if receiver.type == .any {
                if isDynamic || isUnavailable(receiver.node) {
                    resolveAlone(arguments)
                    return Self.unknown
                }
                return deferred(
                    [receiver.node],
                    .call(
                        .member(Self.operand(0, at: base.start), name, memberLocation), arguments, location),
                    expected: expected)
            }
            if let method = CollectionMethod(swiftName: name, arguments: arguments),
                Self.isSequence(receiver.type)
            {
                if method == .append {
                    report(
                        "append changes its array; call it as a statement on a var: xs.append(x)",
                        at: memberLocation)
                    return Self.unknown
                }
                return collectionMethod(method, receiver, arguments, at: memberLocation)
            }
            let members = registry.members(of: receiver.type, named: name)
            let methods = members.filter { $0.kind == .method }
            if methods.isEmpty {
                if let property = members.first(where: { $0.kind == .property }) {
                    return callValue(
                        Typed(
                            .step(property, arguments: [receiver.node], memberLocation), property.resultType),
                        arguments, name: name, at: memberLocation, calleeStart: memberLocation)
                }
                report(noMemberMessage(name, receiver.type), at: memberLocation)
                resolveAlone(arguments)
                return Self.unknown
            }
            return overload(methods, receiver: receiver.node, arguments, callee: name, at: memberLocation)
        case .implicitMember(let name, let memberLocation):
            guard let owner = expected?.unwrapped, owner != .any else {
                if expected == nil {
                    report(
                        "cannot infer the type of '.\(name)(…)'; write the type: Type.\(name)(…)",
                        at: memberLocation)
                }
                resolveAlone(arguments)
                return Self.unknown
            }
            return staticCall(owner.ownerName, name, arguments, at: memberLocation)
        default:
            let value = resolve(callee, expected: nil)
            return callValue(value, arguments, name: "closure", at: location, calleeStart: callee.start)
        }
    }

    private mutating func staticCall(
        _ typeName: String, _ name: String, _ arguments: [Argument], at location: SourceLocation
    ) -> Typed {
        let candidates =
            name == "init"
            ? registry.initializers(of: typeName)
            : registry.statics(of: typeName, named: name).filter { $0.kind == .staticMethod }
        guard !candidates.isEmpty else {
            report(
                "type '\(typeName)' has no member '\(name)'"
                    + didYouMean(name, among: registry.staticNames(of: typeName)),
                at: location)
            resolveAlone(arguments)
            return Self.unknown
        }
        return overload(candidates, receiver: nil, arguments, callee: name, at: location)
    }

    /// Calls a function value: a closure (positional arguments) or a value with `callAsFunction`.
    private mutating func callValue(
        _ value: Typed, _ arguments: [Argument], name: String, at location: SourceLocation,
        calleeStart: SourceLocation
    ) -> Typed {
        switch value.type {
        case .function(let parameters, let result):
            if let labeled = arguments.first(where: { $0.label != nil && !$0.isTrailingClosure }) {
                report(
                    "closures take no argument labels; remove '\(labeled.label ?? ""):'", at: labeled.location
                )
            }
            if parameters.count != arguments.count {
                report(
                    Message.argumentCount(name, takes: parameters.count, got: arguments.count),
                    at: location)
            }
            var nodes: [Node] = []
            for (index, argument) in arguments.enumerated() {
                let expected = index < parameters.count ? parameters[index] : CellType.any
                let typed = resolve(argument.value, expected: expected)
                if !registry.isAssignable(typed.type, to: expected) {
                    report("cannot convert \(typed.type) to \(expected)", at: argument.value.start)
                }
                nodes.append(typed.node)
            }
            return Typed(.callFunction(value.node, nodes, name: name, location), result)
        case .any:
            if isDynamic || isUnavailable(value.node) {
                resolveAlone(arguments)
                return Self.unknown
            }
            return deferred(
                [value.node], .call(Self.operand(0, at: calleeStart), arguments, location), expected: nil)
        default:
            let callables = registry.members(of: value.type, named: "callAsFunction").filter {
                $0.kind == .method
            }
            guard !callables.isEmpty else {
                report("cannot call a value of type \(value.type)", at: location)
                resolveAlone(arguments)
                return Self.unknown
            }
            return overload(
                callables, receiver: value.node, arguments, callee: "callAsFunction", at: location)
        }
    }

    /// Calls a cell's `func` with Swift's label rules and its defaults.
    private mutating func userFunction(
        _ function: Node, _ signature: FunctionSignature, _ type: CellType, _ arguments: [Argument],
        callee: String,
        at location: SourceLocation
    ) -> Typed {
        guard case .function(_, let result) = type else { return Self.unknown }
        switch matchArguments(arguments, to: signature.parameters, callee: callee, at: location) {
        case .failure(let failure):
            report(failure.message, at: failure.location)
            resolveAlone(arguments)
            return Typed(.unavailable(callee, location), result)
        case .success(let slots):
            var nodes: [Node] = []
            for (index, (parameter, slot)) in zip(signature.parameters, slots).enumerated() {
                switch slot {
                case .argument(let position):
                    let argument = arguments[position]
                    let typed = resolve(argument.value, expected: parameter.type)
                    if !registry.isAssignable(typed.type, to: parameter.type) {
                        report(
                            "cannot convert \(typed.type) to \(parameter.type) for '\(parameter.displayName)'",
                            at: argument.value.start)
                    }
                    nodes.append(typed.node)
                case .defaulted: nodes.append(signature.defaults[index] ?? .literal(.none))
                case .variadic: nodes.append(.literal(.array([])))
                }
            }
            return Typed(.callFunction(function, nodes, name: callee, location), result)
        }
    }

    private mutating func resolveAlone(_ arguments: [Argument]) {
        for argument in arguments { _ = resolve(argument.value, expected: .any) }
    }

    /// Picks the overload whose labels and types fit, reporting the closest one's problem if none does.
    private mutating func overload(
        _ candidates: [Step], receiver: Node?, _ arguments: [Argument], callee: String,
        at location: SourceLocation
    ) -> Typed {
        var labelFailure: MatchFailure?
        var typeFailures: [LessonSource.Diagnostic]?
        for step in candidates {
            let slots: [ArgumentSlot]
            switch matchArguments(arguments, to: step.parameters, callee: callee, at: location) {
            case .failure(let failure):
                if labelFailure.map({ failure.progress > $0.progress }) ?? true { labelFailure = failure }
                continue
            case .success(let matched): slots = matched
            }
            let outer = trial
            trial = []
            var nodes: [Node] = receiver.map { [$0] } ?? []
            for (parameter, slot) in zip(step.parameters, slots) {
                switch slot {
                case .argument(let index):
                    nodes.append(argument(arguments[index], parameter, expected: parameter.type))
                case .variadic(let collected):
                    var element = parameter.type
                    if case .array(let inner) = parameter.type { element = inner }
                    nodes.append(
                        .array(collected.map { argument(arguments[$0], parameter, expected: element) }))
                case .defaulted:
                    nodes.append(defaultNode(of: parameter, in: step, at: location))
                }
            }
            let found = trial ?? []
            trial = outer
            if found.isEmpty || candidates.count == 1 {
                for diagnostic in found { report(diagnostic.message, at: diagnostic.location) }
                return Typed(.step(step, arguments: nodes, location), step.resultType)
            }
            if typeFailures == nil { typeFailures = found }
        }
        if let typeFailures {
            for diagnostic in typeFailures { report(diagnostic.message, at: diagnostic.location) }
        } else if let labelFailure {
            report(labelFailure.message, at: labelFailure.location)
            resolveAlone(arguments)
        }
        return candidates.count == 1
            ? Typed(.unavailable(callee, location), candidates[0].resultType) : Self.unknown
    }

    private mutating func argument(
        _ argument: Argument, _ parameter: StepParameter, expected: CellType
    ) -> Node {
        let typed = resolve(argument.value, expected: expected)
        if !registry.isAssignable(typed.type, to: expected) {
            report(
                "cannot convert \(typed.type) to \(expected) for '\(parameter.displayName)'",
                at: argument.value.start)
        }
        return typed.node
    }

    /// A step parameter's default, lowered and resolved once per step.
    private mutating func defaultNode(
        of parameter: StepParameter, in step: Step, at location: SourceLocation
    ) -> Node {
        let key = "\(step.signature)#\(parameter.name)"
        if let cached = defaults.nodes[key] { return cached }
        guard let syntax = parameter.defaultValue else {
            report("'\(parameter.displayName)' has no default", at: location)
            return .literal(.none)
        }
        do {
            let expr = try Lowering.lowerDefault(syntax, signature: step.signature)
            var inner = Resolver(registry: registry, defaults: defaults)
            let typed = inner.resolve(expr, expected: parameter.type)
            if let problem = inner.diagnostics.first {
                report(
                    "the default of '\(parameter.displayName)' is invalid: \(problem.message)", at: location)
                return .literal(.none)
            }
            defaults.nodes[key] = typed.node
            return typed.node
        } catch let error as LoweringError {
            report("the default of '\(parameter.displayName)' is invalid: \(error.message)", at: location)
        } catch {
            report("the default of '\(parameter.displayName)' is invalid: \(error)", at: location)
        }
        return .literal(.none)
    }

    // MARK: - Collections

    static func isSequence(_ type: CellType) -> Bool { elementType(type) != nil }

    static func elementType(_ type: CellType) -> CellType? {
        switch type {
        case .array(let element): element
        case .range(.int, _): .int
        default: nil
        }
    }

    private static func propertyType(_ method: CollectionMethod, element: CellType) -> CellType? {
        switch method {
        case .count: .int
        case .isEmpty: .bool
        case .first, .last: .optional(element)
        case .indices: .range(.int, closed: false)
        default: nil
        }
    }

    private mutating func collectionMethod(
        _ method: CollectionMethod, _ receiver: Typed, _ arguments: [Argument], at location: SourceLocation
    ) -> Typed {
        let element = Self.elementType(receiver.type) ?? .any
        let asArray = CellType.array(element)
        var nodes = [receiver.node]
        func take(_ index: Int, _ expected: CellType, _ label: String) -> CellType {
            guard index < arguments.count else {
                report(
                    "missing argument for parameter '\(label)' in call to '\(method.swiftName)'", at: location
                )
                return .any
            }
            let typed = resolve(arguments[index].value, expected: expected)
            if !registry.isAssignable(typed.type, to: expected) {
                report(
                    "cannot convert \(typed.type) to \(expected) for '\(label)'",
                    at: arguments[index].value.start)
            }
            nodes.append(typed.node)
            return typed.type
        }
        func closureResult(_ type: CellType) -> CellType {
            if case .function(_, let result) = type { return result }
            return .any
        }
        let expectedCount = method.argumentCount
        if arguments.count > expectedCount.max {
            report(
                "extra argument in call to '\(method.swiftName)'", at: arguments[expectedCount.max].location)
            return Self.unknown
        }
        let type: CellType
        switch method {
        case .count, .isEmpty, .first, .last, .indices:
            report("'\(method.swiftName)' is a property; write it without (…)", at: location)
            return Self.unknown
        case .map:
            type = .array(closureResult(take(0, .function([element], .any), "transform")))
        case .filter:
            _ = take(0, .function([element], .bool), "isIncluded")
            type = asArray
        case .reduce:
            let initial = take(0, .any, "initial")
            _ = take(1, .function([initial, element], initial), "combine")
            type = initial
        case .contains, .firstIndex:
            _ = take(0, element, "element")
            type = method == .contains ? .bool : .optional(.int)
        case .containsWhere, .allSatisfy:
            _ = take(0, .function([element], .bool), "predicate")
            type = .bool
        case .firstWhere:
            _ = take(0, .function([element], .bool), "predicate")
            type = .optional(element)
        case .sortedBy:
            _ = take(0, .function([element, element], .bool), "areInIncreasingOrder")
            type = asArray
        case .sorted, .reversed:
            type = asArray
        case .min, .max:
            type = .optional(element)
        case .enumerated:
            type = .array(.tuple([.int, element]))
        case .dropLast, .dropFirst:
            if arguments.isEmpty { nodes.append(.literal(.int(1))) } else { _ = take(0, .int, "k") }
            type = asArray
        case .prefix, .suffix:
            _ = take(0, .int, "maxLength")
            type = asArray
        case .joined:
            if element != .string && element != .any {
                report("joined(separator:) needs an array of String, not \(receiver.type)", at: location)
            }
            if arguments.isEmpty {
                nodes.append(.literal(.string("")))
            } else {
                _ = take(0, .string, "separator")
            }
            type = .string
        case .append:
            type = .void
        }
        return Typed(.builtin(.method(method), arguments: nodes, location), type)
    }

    private mutating func zipCall(_ arguments: [Argument], at location: SourceLocation) -> Typed {
        guard arguments.count == 2, arguments.allSatisfy({ $0.label == nil }) else {
            report("zip takes two sequences: zip(a, b)", at: location)
            resolveAlone(arguments)
            return Self.unknown
        }
        let a = resolve(arguments[0].value, expected: nil)
        let b = resolve(arguments[1].value, expected: nil)
        var types: [CellType] = []
        for (typed, argument) in [(a, arguments[0]), (b, arguments[1])] {
            if typed.type == .any {
                types.append(.any)
            } else if let element = Self.elementType(typed.type) {
                types.append(element)
            } else {
                report("zip needs arrays or integer ranges, not \(typed.type)", at: argument.value.start)
                types.append(.any)
            }
        }
        return Typed(.builtin(.zip, arguments: [a.node, b.node], location), .array(.tuple(types)))
    }
}

extension CollectionMethod {
    /// The method a call's name and arguments mean (`contains(where:)` and `contains { … }` are
    /// ``containsWhere``); `arguments` is `nil` for a property access.
    init?(swiftName name: String, arguments: [Argument]?) {
        guard let arguments else {
            guard let method = CollectionMethod(rawValue: name),
                [.count, .isEmpty, .first, .last, .indices].contains(method)
            else { return nil }
            self = method
            return
        }
        let first = arguments.first
        let predicate = first?.label == nil && first?.isTrailingClosure == true
        switch (name, first?.label) {
        case ("contains", "where"): self = .containsWhere
        case ("contains", nil) where predicate: self = .containsWhere
        case ("first", "where"): self = .firstWhere
        case ("first", nil) where predicate: self = .firstWhere
        case ("sorted", "by"): self = .sortedBy
        case ("sorted", nil) where predicate: self = .sortedBy
        case ("firstIndex", "of"): self = .firstIndex
        case ("joined", "separator"): self = .joined
        case (_, nil):
            guard let method = CollectionMethod(rawValue: name),
                ![.containsWhere, .firstWhere, .sortedBy, .firstIndex].contains(method)
            else { return nil }
            self = method
        default: return nil
        }
    }

    /// The name as Swift spells it.
    var swiftName: String {
        switch self {
        case .containsWhere: "contains"
        case .firstWhere: "first"
        case .sortedBy: "sorted"
        default: rawValue
        }
    }

    /// How many arguments it takes at most.
    var argumentCount: (min: Int, max: Int) {
        switch self {
        case .count, .isEmpty, .first, .last, .indices, .sorted, .reversed, .enumerated, .min, .max: (0, 0)
        case .dropLast, .dropFirst, .joined: (0, 1)
        case .reduce: (2, 2)
        default: (1, 1)
        }
    }
}
