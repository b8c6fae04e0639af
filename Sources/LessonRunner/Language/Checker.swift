import LessonSource

/// Resolves every name, label and type of a lesson's cells against a registry without running them.
///
/// Simple static typing: each step declares its result type, so bindings get types and member calls on
/// them resolve. Unknown types (`Any`) are accepted anywhere so that one mistake reports once.
struct Checker {
    private struct Name {
        var type: CellType
        var isMutable: Bool
    }

    let registry: Registry
    private var names: [String: Name] = [:]
    /// Every problem found so far.
    private(set) var diagnostics: [LessonSource.Diagnostic] = []
    private var trial: [LessonSource.Diagnostic]?

    init(registry: Registry) {
        self.registry = registry
    }

    /// Checks one cell, after the cells before it; `.error` cells bind their names but report nothing.
    mutating func check(_ cell: Cell) {
        guard cell.attributes.runs else { return }
        let lowered = Lowering.lower(cell)
        let before = diagnostics.count
        diagnostics += lowered.diagnostics
        var declaredHere: Set<String> = []
        for statement in lowered.statements {
            check(statement, declaredHere: &declaredHere)
        }
        for name in lowered.declaredNames where names[name] == nil {
            names[name] = Name(type: .any, isMutable: true)
        }
        if cell.attributes.expectsError { diagnostics.removeSubrange(before...) }
    }

    private mutating func report(_ message: String, at location: LessonSource.SourceLocation) {
        let diagnostic = LessonSource.Diagnostic(.error, message, at: location)
        if trial != nil {
            trial?.append(diagnostic)
        } else {
            diagnostics.append(diagnostic)
        }
    }

    private mutating func check(_ statement: Statement, declaredHere: inout Set<String>) {
        switch statement {
        case .binding(let pattern, let isMutable, let declared, let value, _):
            let type = self.type(of: value, [:], expected: declared)
            if let declared, !registry.isAssignable(type, to: declared) {
                report("cannot convert \(type) to \(declared)", at: value.start)
            }
            bind(pattern, declared ?? type, isMutable: isMutable, declaredHere: &declaredHere)
        case .assignment(let target, let op, let value, let location):
            let targetType = assignableType(target)
            var valueType = type(of: value, [:], expected: targetType)
            if op != "=" {
                valueType = binaryType(String(op.dropLast()), targetType, valueType, at: location)
            }
            if !registry.isAssignable(valueType, to: targetType) {
                report("cannot assign value of type \(valueType) to type \(targetType)", at: location)
            }
        case .expression(let expr, _):
            _ = type(of: expr, [:], expected: nil)
        }
    }

    private mutating func bind(
        _ pattern: Pattern, _ type: CellType, isMutable: Bool, declaredHere: inout Set<String>
    ) {
        switch pattern {
        case .wildcard: return
        case .name(let name, let location):
            if declaredHere.contains(name) {
                report("invalid redeclaration of '\(name)' in the same cell", at: location)
            }
            declaredHere.insert(name)
            names[name] = Name(type: type, isMutable: isMutable)
        case .tuple(let patterns, let location):
            var types = [CellType](repeating: .any, count: patterns.count)
            switch type {
            case .tuple(let elements) where elements.count == patterns.count: types = elements
            case .any: break
            default:
                report(
                    "cannot destructure a value of type \(type) into \(patterns.count) names", at: location)
            }
            for (inner, elementType) in zip(patterns, types) {
                bind(inner, elementType, isMutable: isMutable, declaredHere: &declaredHere)
            }
        }
    }

    /// The type of an assignment target, reporting targets that cannot be assigned.
    private mutating func assignableType(_ target: Expr) -> CellType {
        switch target {
        case .name(let name, let location):
            guard let binding = names[name] else {
                report(notFoundMessage(name, [:]), at: location)
                return .any
            }
            if !binding.isMutable {
                report("cannot assign to value: '\(name)' is a 'let' constant", at: location)
            }
            return binding.type
        case .member(let base, let name, let location):
            let baseType = type(of: base, [:], expected: nil)
            if baseType == .any { return .any }
            guard
                let property = registry.members(of: baseType, named: name).first(where: {
                    $0.kind == .property
                })
            else {
                report(noMemberMessage(name, baseType), at: location)
                return .any
            }
            if !property.isSettable {
                report("cannot assign to property: '\(name)' is a get-only property", at: location)
            }
            return property.resultType
        case .subscriptCall(let base, _, _):
            if case .array(let element) = type(of: base, [:], expected: nil) { return element }
            return .any
        default:
            report("cannot assign to this expression", at: target.start)
            return .any
        }
    }

    // MARK: - Expressions

    private mutating func type(of expr: Expr, _ locals: [String: CellType], expected: CellType?) -> CellType {
        switch expr {
        case .int:
            if let expected = expected?.unwrapped, expected == .double || expected == .float {
                return expected
            }
            return .int
        case .double:
            if expected?.unwrapped == .float { return .float }
            return .double
        case .bool: return .bool
        case .nilLiteral:
            return expected.map { if case .optional = $0 { $0 } else { .optional($0) } } ?? .optional(.any)
        case .string(let parts, _):
            for case .interpolation(let inner) in parts { _ = type(of: inner, locals, expected: nil) }
            return .string
        case .array(let elements, _):
            var elementType: CellType?
            if case .array(let type)? = expected?.unwrapped { elementType = type }
            let types = elements.map { type(of: $0, locals, expected: elementType) }
            if let elementType, types.allSatisfy({ registry.isAssignable($0, to: elementType) }) {
                return .array(elementType)
            }
            return .array(Value.commonType(types))
        case .tuple(let elements, _):
            var types: [CellType]?
            if case .tuple(let expectedTypes)? = expected?.unwrapped, expectedTypes.count == elements.count {
                types = expectedTypes
            }
            return .tuple(elements.enumerated().map { type(of: $1, locals, expected: types?[$0]) })
        case .name(let name, let location):
            if let local = locals[name] { return local }
            if let binding = names[name] { return binding.type }
            let globals = registry.globals(name)
            if let constant = globals.first(where: { $0.kind == .constant }) { return constant.resultType }
            if let function = globals.first(where: { $0.kind == .function }) {
                return .function(function.parameters.map(\.type), function.resultType)
            }
            if registry.isType(name) {
                report("type '\(name)' is not a value; call an initializer: \(name)(…)", at: location)
                return .any
            }
            report(notFoundMessage(name, locals), at: location)
            return .any
        case .implicitMember(let name, let location):
            guard let owner = expected?.unwrapped, owner != .any else {
                if expected == nil {
                    report("cannot infer the type of '.\(name)'; write the type: Type.\(name)", at: location)
                }
                return .any
            }
            guard
                let property = registry.statics(of: owner.ownerName, named: name).first(where: {
                    $0.kind == .staticProperty
                })
            else {
                report(
                    "type '\(owner)' has no member '\(name)'"
                        + didYouMean(name, among: registry.staticNames(of: owner.ownerName)), at: location)
                return .any
            }
            return property.resultType
        case .member(let base, let name, let location):
            if case .name(let typeName, _) = base, locals[typeName] == nil, names[typeName] == nil,
                registry.isType(typeName)
            {
                guard
                    let property = registry.statics(of: typeName, named: name).first(where: {
                        $0.kind == .staticProperty
                    })
                else {
                    report(
                        "type '\(typeName)' has no member '\(name)'"
                            + didYouMean(name, among: registry.staticNames(of: typeName)), at: location)
                    return .any
                }
                return property.resultType
            }
            let baseType = type(of: base, locals, expected: nil)
            if case .tuple(let elements) = baseType, let index = Int(name) {
                guard elements.indices.contains(index) else {
                    report("tuple has no element .\(index)", at: location)
                    return .any
                }
                return elements[index]
            }
            if baseType == .any { return .any }
            let members = registry.members(of: baseType, named: name)
            if let property = members.first(where: { $0.kind == .property }) { return property.resultType }
            if !members.isEmpty {
                report("'\(name)' is a method; call it: \(name)(…)", at: location)
            } else {
                report(noMemberMessage(name, baseType), at: location)
            }
            return .any
        case .call(let callee, let arguments, let location):
            return callType(callee, arguments, at: location, locals, expected: expected)
        case .subscriptCall(let base, let arguments, let location):
            let baseType = type(of: base, locals, expected: nil)
            if case .array(let element) = baseType, arguments.count == 1, arguments[0].label == nil {
                let indexType = type(of: arguments[0].value, locals, expected: nil)
                switch indexType {
                case .int: return element
                case .range(.int, _): return baseType
                case .any: return .any
                default:
                    report("cannot subscript an array with \(indexType)", at: arguments[0].location)
                    return .any
                }
            }
            if baseType == .any {
                for argument in arguments { _ = type(of: argument.value, locals, expected: nil) }
                return .any
            }
            let subscripts = registry.members(of: baseType, named: "subscript")
            guard !subscripts.isEmpty else {
                report("value of type \(baseType) has no subscripts", at: location)
                return .any
            }
            return resolve(subscripts, arguments, callee: "subscript", at: location, locals)
        case .closure(let parameters, let body, _):
            var parameterTypes = parameters.map { $0.type ?? .any }
            var expectedResult: CellType?
            if case .function(let types, let result)? = expected?.unwrapped {
                for index in parameterTypes.indices where index < types.count && parameters[index].type == nil
                {
                    parameterTypes[index] = types[index]
                }
                expectedResult = result
            }
            var inner = locals
            for (parameter, type) in zip(parameters, parameterTypes) { inner[parameter.name] = type }
            let bodyType = type(of: body, inner, expected: expectedResult)
            if let expectedResult, !registry.isAssignable(bodyType, to: expectedResult) {
                report("closure returns \(bodyType) where \(expectedResult) is expected", at: body.start)
            }
            return .function(parameterTypes, bodyType)
        case .binary(let op, let lhs, let rhs, let location):
            let left = type(of: lhs, locals, expected: nil)
            let right = type(of: rhs, locals, expected: left.isNumeric ? nil : left)
            return binaryType(op, left, right, at: location)
        case .prefix(let op, let operand, let location):
            let operandType = type(of: operand, locals, expected: nil)
            switch (op, operandType) {
            case (_, .any): return .any
            case ("-", _) where operandType.isNumeric: return operandType
            case ("!", .bool): return .bool
            default:
                if let step = registry.operators(op, arity: 1).first(where: {
                    registry.isAssignable(operandType, to: $0.parameters[0].type)
                }) {
                    return step.resultType
                }
                report(
                    "unary operator '\(op)' cannot be applied to an operand of type \(operandType)",
                    at: location)
                return .any
            }
        case .expect(let condition, _, _):
            let conditionType = type(of: condition, locals, expected: .bool)
            if conditionType != .bool && conditionType != .any {
                report("#expect needs a Bool condition, not \(conditionType)", at: condition.start)
            }
            return .void
        }
    }

    private mutating func binaryType(
        _ op: String, _ left: CellType, _ right: CellType, at location: LessonSource.SourceLocation
    ) -> CellType {
        if case .named = left, !left.isNumeric, left != .string, left != .bool,
            let result = registeredOperator(op, left, right)
        {
            return result
        }
        if case .named = right, !right.isNumeric, right != .string, right != .bool,
            let result = registeredOperator(op, left, right)
        {
            return result
        }
        let anyOperand = left == .any || right == .any
        switch op {
        case "&&", "||":
            if (left == .bool || left == .any) && (right == .bool || right == .any) { return .bool }
        case "+", "-", "*", "/", "%":
            if anyOperand { return .any }
            if left == .int && right == .int { return .int }
            if left.isNumeric && right.isNumeric {
                return left == .double || right == .double ? .double : .float
            }
            if op == "+", left == .string, right == .string { return .string }
            if op == "+", case .array = left, registry.isAssignable(right, to: left) { return left }
        case "<", "<=", ">", ">=":
            if anyOperand || (left.isNumeric && right.isNumeric) || (left == .string && right == .string) {
                return .bool
            }
        case "==", "!=", "===", "!==":
            return .bool
        case "...", "..<":
            if anyOperand || (left.isNumeric && right.isNumeric) || (left == .string && right == .string) {
                return .range(Value.commonType([left, right]), closed: op == "...")
            }
        case "??":
            if case .optional(let wrapped) = left { return wrapped == .any ? right : wrapped }
            return left
        default: break
        }
        if anyOperand { return .any }
        if let result = registeredOperator(op, left, right) { return result }
        report(
            "binary operator '\(op)' cannot be applied to operands of type \(left) and \(right)", at: location
        )
        return .any
    }

    private func registeredOperator(_ op: String, _ left: CellType, _ right: CellType) -> CellType? {
        registry.operators(op, arity: 2).first {
            registry.isAssignable(left, to: $0.parameters[0].type)
                && registry.isAssignable(right, to: $0.parameters[1].type)
        }?.resultType
    }

    // MARK: - Calls

    private mutating func callType(
        _ callee: Expr, _ arguments: [Argument], at location: LessonSource.SourceLocation,
        _ locals: [String: CellType],
        expected: CellType?
    ) -> CellType {
        switch callee {
        case .name(let name, let nameLocation) where locals[name] == nil && names[name] == nil:
            if registry.isType(name) {
                let initializers = registry.initializers(of: name)
                guard !initializers.isEmpty else {
                    report("type '\(name)' has no initializer", at: nameLocation)
                    return .any
                }
                return resolve(initializers, arguments, callee: name, at: location, locals)
            }
            let functions = registry.globals(name).filter { $0.kind == .function }
            if functions.isEmpty {
                if let constant = registry.globals(name).first(where: { $0.kind == .constant }) {
                    return callValueType(constant.resultType, arguments, at: location, locals)
                }
                report(notFoundMessage(name, locals), at: nameLocation)
                checkArgumentsAlone(arguments, locals)
                return .any
            }
            return resolve(functions, arguments, callee: name, at: location, locals)
        case .member(let base, let name, let memberLocation):
            if case .name(let typeName, _) = base, locals[typeName] == nil, names[typeName] == nil,
                registry.isType(typeName)
            {
                return staticCall(typeName, name, arguments, at: memberLocation, locals)
            }
            let baseType = type(of: base, locals, expected: nil)
            if baseType == .any {
                checkArgumentsAlone(arguments, locals)
                return .any
            }
            let members = registry.members(of: baseType, named: name)
            let methods = members.filter { $0.kind == .method }
            if methods.isEmpty {
                if let property = members.first(where: { $0.kind == .property }) {
                    return callValueType(property.resultType, arguments, at: memberLocation, locals)
                }
                report(noMemberMessage(name, baseType), at: memberLocation)
                checkArgumentsAlone(arguments, locals)
                return .any
            }
            return resolve(methods, arguments, callee: name, at: memberLocation, locals)
        case .implicitMember(let name, let memberLocation):
            guard let owner = expected?.unwrapped, owner != .any else {
                if expected == nil {
                    report(
                        "cannot infer the type of '.\(name)(…)'; write the type: Type.\(name)(…)",
                        at: memberLocation)
                }
                checkArgumentsAlone(arguments, locals)
                return .any
            }
            return staticCall(owner.ownerName, name, arguments, at: memberLocation, locals)
        default:
            return callValueType(type(of: callee, locals, expected: nil), arguments, at: location, locals)
        }
    }

    private mutating func staticCall(
        _ typeName: String, _ name: String, _ arguments: [Argument], at location: LessonSource.SourceLocation,
        _ locals: [String: CellType]
    ) -> CellType {
        let candidates =
            name == "init"
            ? registry.initializers(of: typeName)
            : registry.statics(of: typeName, named: name).filter { $0.kind == .staticMethod }
        guard !candidates.isEmpty else {
            report(
                "type '\(typeName)' has no member '\(name)'"
                    + didYouMean(name, among: registry.staticNames(of: typeName)), at: location)
            checkArgumentsAlone(arguments, locals)
            return .any
        }
        return resolve(candidates, arguments, callee: name, at: location, locals)
    }

    private mutating func callValueType(
        _ type: CellType, _ arguments: [Argument], at location: LessonSource.SourceLocation,
        _ locals: [String: CellType]
    ) -> CellType {
        switch type {
        case .function(let parameters, let result):
            if parameters.count != arguments.count {
                report("closure takes \(parameters.count) arguments, got \(arguments.count)", at: location)
            }
            for (index, argument) in arguments.enumerated() {
                let expected = index < parameters.count ? parameters[index] : CellType.any
                let argumentType = self.type(of: argument.value, locals, expected: expected)
                if !registry.isAssignable(argumentType, to: expected) {
                    report("cannot convert \(argumentType) to \(expected)", at: argument.value.start)
                }
            }
            return result
        case .any:
            checkArgumentsAlone(arguments, locals)
            return .any
        default:
            let callables = registry.members(of: type, named: "callAsFunction").filter { $0.kind == .method }
            guard !callables.isEmpty else {
                report("cannot call a value of type \(type)", at: location)
                return .any
            }
            return resolve(callables, arguments, callee: "callAsFunction", at: location, locals)
        }
    }

    private mutating func checkArgumentsAlone(_ arguments: [Argument], _ locals: [String: CellType]) {
        for argument in arguments { _ = type(of: argument.value, locals, expected: .any) }
    }

    /// Picks the overload whose labels and types fit, reporting the closest one's problem if none does.
    private mutating func resolve(
        _ candidates: [Step], _ arguments: [Argument], callee: String,
        at location: LessonSource.SourceLocation,
        _ locals: [String: CellType]
    ) -> CellType {
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
            for (parameter, slot) in zip(step.parameters, slots) {
                var indices: [Int] = []
                var expected = parameter.type
                switch slot {
                case .argument(let index): indices = [index]
                case .variadic(let collected):
                    indices = collected
                    if case .array(let element) = parameter.type { expected = element }
                case .defaulted: continue
                }
                for index in indices {
                    let argument = arguments[index]
                    let argumentType = type(of: argument.value, locals, expected: expected)
                    if !registry.isAssignable(argumentType, to: expected) {
                        report(
                            "cannot convert \(argumentType) to \(expected) for '\(parameter.displayName)'",
                            at: argument.value.start)
                    }
                }
            }
            let found = trial ?? []
            trial = outer
            if found.isEmpty || candidates.count == 1 {
                for diagnostic in found { report(diagnostic.message, at: diagnostic.location) }
                return step.resultType
            }
            if typeFailures == nil { typeFailures = found }
        }
        if let typeFailures {
            for diagnostic in typeFailures { report(diagnostic.message, at: diagnostic.location) }
        } else if let labelFailure {
            report(labelFailure.message, at: labelFailure.location)
            checkArgumentsAlone(arguments, locals)
        }
        return candidates.count == 1 ? candidates[0].resultType : .any
    }

    private func notFoundMessage(_ name: String, _ locals: [String: CellType]) -> String {
        let candidates = Array(locals.keys) + Array(names.keys) + registry.globalNames
        return "cannot find '\(name)' in scope\(didYouMean(name, among: candidates))"
    }

    private func noMemberMessage(_ name: String, _ type: CellType) -> String {
        "value of type '\(type)' has no member '\(name)'"
            + didYouMean(name, among: registry.memberNames(of: type))
    }
}
