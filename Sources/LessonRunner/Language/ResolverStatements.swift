import LessonSource

extension Resolver {
    // MARK: - Statements

    mutating func block(_ statements: [Statement]) -> [PlanStatement] {
        scopes.append([:])
        defer { scopes.removeLast() }
        var declaredHere: Set<String> = []
        return statements.compactMap { resolve($0, topLevel: false, declaredHere: &declaredHere) }
    }

    mutating func resolve(
        _ statement: Statement, topLevel: Bool, declaredHere: inout Set<String>
    ) -> PlanStatement? {
        switch statement {
        case .binding(let pattern, let isMutable, let declared, let value, let location):
            // `let (a, b) = call(…)` prefers the overload returning a pair, as Swift's type checker does
            // (the library's `lrFind` has @_disfavoredOverload tuple forms).
            if case .tuple(let patterns, _) = pattern, declared == nil, case .call = value {
                destructuring = patterns.count
            }
            let typed = resolve(value, expected: declared)
            destructuring = nil
            if let declared, !registry.isAssignable(typed.type, to: declared) {
                report("cannot convert \(typed.type) to \(declared)", at: value.start)
            }
            var type = declared ?? typed.type
            if case .tuple(let patterns, let patternLocation) = pattern, declared == nil,
                let hint = unpackingHint(value, typed.type, count: patterns.count)
            {
                report(
                    Message.cannotDestructure(typed.type, into: patterns.count) + hint, at: patternLocation)
                type = .any
            }
            let planPattern = bind(
                pattern, type, declared: declared, isMutable: isMutable, declaredHere: &declaredHere)
            return .bind(planPattern, typed.node, isMutable: isMutable, location)
        case .declaration(let name, let isMutable, let declared, let location):
            // Swift's definite initialization, simplified: reading the name before any assignment to it
            // is an error; a `let` is assignable here, and Swift (the compiled twin) checks it is assigned
            // once on every path.
            let planPattern = bind(
                .name(name, location), declared, declared: declared, isMutable: true,
                declaredHere: &declaredHere)
            uninitialized[name] = isMutable ? "variable" : "constant"
            return .bind(planPattern, .literal(.none), isMutable: true, location)
        case .assignment(let target, let op, let value, let location):
            if case .name(let name, _) = target, op == "=" { uninitialized[name] = nil }
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
        case .typeDeclaration(let declaration):
            return typeDeclaration(declaration, declaredHere: &declaredHere)
        case .enumDeclaration(let declaration):
            return enumDeclaration(declaration, declaredHere: &declaredHere)
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
            case .dictionary(let key, let value): element = .tuple([key, value])
            case .any: element = .any
            default:
                report(
                    "for-in needs an array, a dictionary or an integer range, not \(typed.type)",
                    at: sequence.start)
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
        case .switchOn(let subject, let cases, let location):
            return switchStatement(subject, cases, at: location)
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
            if loopDepth == 0 && !(isBreak && switchDepth > 0) {
                report("'\(isBreak ? "break" : "continue")' belongs inside a loop", at: location)
                return nil
            }
            return .loopControl(isBreak: isBreak)
        }
    }

    /// How to call a function so that its result unpacks into `count` names, when the call returned
    /// something else but the function has a form that returns a tuple of that many values
    /// (`let (lrMin, lrSteep) = learn.lrFind()`: its pair form needs `suggestFuncs:`).
    func unpackingHint(_ value: Expr, _ type: CellType, count: Int) -> String? {
        guard type.tupleElements == nil, type != .any, case .call(let callee, let arguments, _) = value else {
            return nil
        }
        let name: String
        switch callee {
        case .member(_, let member, _): name = member
        case .name(let function, _): name = function
        default: return nil
        }
        guard
            let form = registry.allSteps.first(where: {
                $0.name == name && $0.resultType.tupleElements?.count == count && $0.declared == nil
            })
        else { return nil }
        let given = Set(arguments.compactMap(\.label))
        let missing = form.parameters.filter {
            $0.defaultText == nil && $0.label.map { !given.contains($0) } ?? false
        }
        guard !missing.isEmpty else { return nil }
        let labels = missing.compactMap(\.label).map { "'\($0):'" }.joined(separator: ", ")
        return "; '\(name)' gives \(count) values when given \(labels) with one entry per name"
    }

    /// Resolves a `switch`: each value is resolved where the subject's type is expected (so `.train`
    /// names a case), and the switch must be exhaustive as Swift requires: a `default`, every case of an
    /// enum, or both Bools.
    mutating func switchStatement(
        _ subject: Expr, _ cases: [SwitchCase], at location: SourceLocation
    ) -> PlanStatement {
        let typed = resolve(subject, expected: nil)
        var planCases: [(values: [Node], body: [PlanStatement])] = []
        var covered: Set<String> = []
        for switchCase in cases {
            var values: [Node] = []
            for pattern in switchCase.patterns {
                let value = resolve(pattern, expected: typed.type == .any ? nil : typed.type)
                var fits = registry.isAssignable(value.type, to: typed.type)
                if case .range(let bound, _) = value.type, registry.isAssignable(typed.type, to: bound) {
                    fits = true
                }
                if !fits {
                    report(
                        "expression pattern of type '\(value.type)' cannot match values of type '\(typed.type)'",
                        at: pattern.start)
                }
                switch pattern {
                case .implicitMember(let name, _), .member(_, let name, _): covered.insert(name)
                case .bool(let value, _): covered.insert(String(value))
                default: break
                }
                values.append(value.node)
            }
            switchDepth += 1
            planCases.append((values, block(switchCase.body)))
            switchDepth -= 1
        }
        if !cases.contains(where: { $0.patterns.isEmpty }) && typed.type != .any {
            var missing: [String]?
            if typed.type == .bool {
                missing = ["true", "false"].filter { !covered.contains($0) }
            } else if case .named(let name) = typed.type, registry.isDeclaredType(name) {
                let caseNames = registry.allSteps.filter {
                    $0.owner == name && $0.kind == .staticProperty && $0.resultType == typed.type
                }.map(\.name)
                if !caseNames.isEmpty {
                    missing = caseNames.filter { !covered.contains($0) }.map { "." + $0 }
                }
            }
            if let missing, !missing.isEmpty {
                report(
                    "switch must be exhaustive; add a case for \(missing.joined(separator: ", ")) or a default",
                    at: location)
            } else if missing == nil {
                report("switch must be exhaustive; add a default: case", at: location)
            }
        }
        return .switchOn(typed.node, planCases, location)
    }

    /// Whether a block always leaves by `return`, `break` or `continue`.
    static func leaves(_ statements: [Statement]) -> Bool {
        guard let last = statements.last else { return false }
        switch last {
        case .returnValue, .loopControl: return true
        case .switchOn(_, let cases, _):
            // The checker makes a switch exhaustive, so it leaves when every case does (a `break` in a
            // case leaves only the switch).
            return !cases.isEmpty && cases.allSatisfy { leavesSwitchCase($0.body) }
        case .ifElse(_, let then, let otherwise?, _): return leaves(then) && leaves(otherwise)
        default: return false
        }
    }

    /// Whether a switch case's body leaves the enclosing function or loop (a `break` that ends it leaves
    /// only the switch).
    static func leavesSwitchCase(_ body: [Statement]) -> Bool {
        if case .loopControl(isBreak: true, _)? = body.last { return false }
        return leaves(body)
    }

    mutating func conditions(_ list: [Condition]) -> [PlanCondition] {
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

    mutating func bind(
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
            case _ where type.tupleElements?.count == patterns.count: types = type.tupleElements ?? types
            case .any: break
            default:
                report(
                    Message.cannotDestructure(type, into: patterns.count), at: location)
            }
            var declaredTypes: [CellType]?
            if let elements = declared?.tupleElements, elements.count == patterns.count {
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

    /// A parameter's default value resolved against its type, with a located error when it does not
    /// convert (functions of cells and methods of declared types alike).
    mutating func resolvedDefault(of parameter: FunctionParameter) -> Typed? {
        guard let value = parameter.defaultValue else { return nil }
        let typed = resolve(value, expected: parameter.type)
        if !registry.isAssignable(typed.type, to: parameter.type) {
            report(
                "default argument value of type \(typed.type) cannot be converted to \(parameter.type)",
                at: value.start)
        }
        return typed
    }

    mutating func function(
        _ declaration: FunctionDeclaration, declaredHere: inout Set<String>
    ) -> PlanStatement {
        let result = declaration.result ?? .void
        var defaultNodes: [Node?] = []
        var parameters: [StepParameter] = []
        for parameter in declaration.parameters {
            let typed = resolvedDefault(of: parameter)
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
        let outerCaptures = capturedGlobals
        let isTopLevel = storage == .global
        if isTopLevel { capturedGlobals = [] }
        var plan = closurePlan(
            declaration.parameters.map { ($0.name, $0.type) }, declaration.body, declaredResult: result,
            isClosure: false, isShorthand: false, at: declaration.location)
        plan.plan.signature = signature
        if isTopLevel, var info = globals[declaration.name] {
            // Whether the function reads the cells' names decides whether a type may call it.
            info.captures = capturedGlobals?.first { $0 != declaration.name }
            info.plan = plan.plan
            globals[declaration.name] = info
        }
        capturedGlobals = outerCaptures
        if result != .void, !Self.leaves(declaration.body) && !Self.isSingleExpression(declaration.body) {
            report("missing return in a function expected to return '\(result)'", at: declaration.location)
        }
        return .bind(
            .name(declaration.name, storage, declared: nil, declaration.location), .closure(plan.plan),
            isMutable: false, declaration.location)
    }

    static func isSingleExpression(_ body: [Statement]) -> Bool {
        if body.count == 1, case .expression(_, discarded: false) = body[0] { return true }
        return false
    }

    /// Resolves a closure's or function's body in a new frame.
    mutating func closurePlan(
        _ parameters: [(String, CellType)], _ body: [Statement], declaredResult: CellType?, isClosure: Bool,
        isShorthand: Bool, at location: SourceLocation
    ) -> (plan: ClosurePlan, result: CellType) {
        scopes.append(
            Dictionary(parameters.map { ($0.0, NameInfo(type: $0.1, isMutable: false)) }) { a, _ in a })
        // The body is a scope of its own, so a local may shadow a parameter, as in Swift
        // (`let inputs = inputs.sigmoid()`); at run time it takes the parameter's slot after reading it.
        scopes.append([:])
        functions.append(
            FunctionContext(declaredResult: declaredResult, inferredResult: nil, isClosure: isClosure))
        let savedLoops = (loopDepth, switchDepth)
        loopDepth = 0
        switchDepth = 0
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
        (loopDepth, switchDepth) = savedLoops
        functions.removeLast()
        scopes.removeLast(2)
        let plan = ClosurePlan(
            parameters: parameters.map { (name: $0.0, type: $0.1) }, body: statements,
            implicitReturn: implicitReturn,
            type: .function(parameters.map(\.1), resultType), isShorthand: isShorthand, location: location)
        return (plan, resultType)
    }

    /// `xs.append(v)` as a statement: an assignment of the appended array back to `xs`.
    mutating func mutatingCall(_ expr: Expr) -> PlanStatement? {
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
    func peekType(_ expr: Expr) -> CellType? {
        guard case .name(let name, _) = expr, let found = lookup(name) else { return nil }
        switch found {
        case .local(let info), .global(let info): return info.type
        }
    }

    /// The target of an assignment, its type and its current value, reporting targets that cannot be
    /// assigned.
    mutating func assignable(_ target: Expr) -> (Target, CellType, Typed)? {
        switch target {
        case .name(let name, let location):
            if let rewritten = implicitSelf(name, at: location) { return assignable(rewritten) }
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
            if let elements = peekType(base)?.tupleElements {
                // `t.lr = 0.01`, `t.0 = 1` on a `var` tuple: the tuple is rebuilt and assigned back.
                var labels: [String?] = []
                if case .labeledTuple(let names, _)? = peekType(base) { labels = names }
                guard let index = Int(name) ?? labels.firstIndex(of: name), elements.indices.contains(index)
                else {
                    report(
                        "value of tuple type '\(peekType(base) ?? .any)' has no member '\(name)'",
                        at: location)
                    return nil
                }
                guard let (baseTarget, _, current) = assignable(base) else { return nil }
                return (
                    .element(base: baseTarget, array: current.node, index: .literal(.int(index)), location),
                    elements[index], Typed(.tupleElement(current.node, index, location), elements[index])
                )
            }
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
                if memberOfFailedType(receiver.type, at: location) == nil {
                    report(noMemberMessage(name, receiver.type), at: location)
                }
                return nil
            }
            if !property.isSettable {
                report("cannot assign to property: '\(name)' is a get-only property", at: location)
                return nil
            }
            if let member = property.declared, case .field(_, let isMutable) = member.kind {
                let context = typeContexts.last
                let inOwnInitializer =
                    context?.isInitializer == true && context?.type === member.type && Self.isSelf(base)
                if !isMutable && !inOwnInitializer {
                    report("cannot assign to property: '\(name)' is a 'let' constant", at: location)
                    return nil
                }
                if let context, !context.type.isClass, !context.isInitializer, Self.isSelf(base) {
                    report(
                        "cannot assign to property: 'self' is immutable in a method of a struct; make "
                            + "'\(context.type.name)' a final class to change it in place",
                        at: location)
                    return nil
                }
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
            // `d[key] = value` (nil removes it); `d[key, default: 0] += 1` counts.
            if case .dictionary = array.type, let (baseTarget, _, _) = assignable(base),
                let (key, current) = dictionaryElement(array, arguments, at: location)
            {
                return (
                    .element(base: baseTarget, array: array.node, index: key, location), current.type, current
                )
            }
            // `df["c"] = column`: a library value whose subscript has a setter (`subscriptSet`).
            if case .named = array.type, arguments.count == 1, arguments[0].label == nil,
                let setter = registry.members(of: array.type, named: "subscriptSet").first,
                setter.parameters.count == 2, let (baseTarget, _, _) = assignable(base)
            {
                let key = resolve(arguments[0].value, expected: setter.parameters[0].type)
                let current = resolve(target, expected: nil)
                return (
                    .librarySubscript(
                        base: baseTarget, receiver: array.node, key: key.node, setter: setter, location),
                    setter.parameters[1].type, current
                )
            }
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

    static func isSelf(_ expr: Expr) -> Bool {
        if case .name("self", _) = expr { return true }
        return false
    }

    /// A variable target for writing a value-type receiver back, without diagnostics (a `let` struct
    /// receiver is reported by the assignment itself).
    mutating func quietAssignable(_ base: Expr) -> (Target, CellType, Typed)? {
        guard case .name(let name, let location) = base, let found = lookup(name) else { return nil }
        switch found {
        case .local(let info):
            return (.variable(name, .local, location), info.type, Typed(.local(name), info.type))
        case .global(let info):
            return (.variable(name, .global, location), info.type, Typed(.global(name, location), info.type))
        }
    }
}
