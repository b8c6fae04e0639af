import LessonSource
import Reporting

/// The names a lesson has bound so far: one namespace per lesson run, cell after cell.
///
/// It is a value: copying it snapshots the lesson's state (a later per-cell cache stores these).
/// Library class instances inside are shared references, as in Swift.
public struct Namespace {
    /// One bound name.
    public struct Binding {
        /// The value.
        public var value: Value
        /// The type the name was declared with (assignments must keep it).
        public var type: CellType
        /// `var` rather than `let`.
        public var isMutable: Bool
        /// The cell that bound it.
        public var cellID: String
    }

    /// The bindings by name.
    public var bindings: [String: Binding] = [:]

    /// An empty namespace.
    public init() {}

    /// The value bound to `name`.
    public subscript(name: String) -> Value? { bindings[name]?.value }
}

/// A located failure while a cell runs.
struct CellFailure: Error {
    var diagnostic: LessonSource.Diagnostic

    init(_ message: String, at location: LessonSource.SourceLocation) {
        diagnostic = LessonSource.Diagnostic(.error, message, at: location)
    }
}

/// Closure parameters in scope while a closure body runs.
struct Scope {
    var locals: [String: Value] = [:]
}

/// Runs lowered cells against a registry, one namespace per lesson.
final class Interpreter {
    let registry: Registry
    var namespace: Namespace
    /// The running cell's context (outputs, seed, deadline); replaced per cell.
    var context: StepContext
    private var loweredDefaults: [String: Expr] = [:]

    init(registry: Registry, namespace: Namespace = Namespace(), context: StepContext) {
        self.registry = registry
        self.namespace = namespace
        self.context = context
    }

    // MARK: - Statements

    /// Runs one statement; returns the value to display for an expression statement.
    func execute(_ statement: Statement) throws -> Value? {
        try checkDeadline(at: statement.location)
        switch statement {
        case .binding(let pattern, let isMutable, let type, let expr, let location):
            var value = try evaluate(expr, Scope(), expected: type)
            if let type {
                value = coerceLiteral(value, to: type)
                guard registry.conforms(value, to: type) else {
                    throw CellFailure("cannot convert \(value.cellType) to \(type)", at: expr.start)
                }
            }
            try bind(pattern, to: value, declared: type, isMutable: isMutable, at: location)
            return nil
        case .assignment(let target, let op, let expr, let location):
            var value = try evaluate(expr, Scope(), expected: try? staticType(of: target))
            if op != "=" {
                value = try applyBinary(
                    String(op.dropLast()), try evaluate(target, Scope()), value, at: location)
            }
            try assign(target, value, at: location)
            return nil
        case .expression(let expr, let discarded):
            let value = try evaluate(expr, Scope())
            return discarded ? nil : value
        }
    }

    private func bind(
        _ pattern: Pattern, to value: Value, declared: CellType?, isMutable: Bool,
        at location: LessonSource.SourceLocation
    ) throws {
        switch pattern {
        case .wildcard: return
        case .name(let name, _):
            namespace.bindings[name] = Namespace.Binding(
                value: value, type: declared ?? value.cellType, isMutable: isMutable, cellID: context.cellID)
        case .tuple(let patterns, let location):
            guard case .tuple(let values) = value, values.count == patterns.count else {
                throw CellFailure(
                    "cannot destructure a value of type \(value.cellType) into \(patterns.count) names",
                    at: location)
            }
            var types: [CellType]?
            if case .tuple(let declaredTypes)? = declared { types = declaredTypes }
            for (index, (inner, element)) in zip(patterns, values).enumerated() {
                try bind(inner, to: element, declared: types?[index], isMutable: isMutable, at: location)
            }
        }
    }

    /// The declared type of an assignment target, so literals convert (`x = 3` into a `Double`).
    private func staticType(of target: Expr) throws -> CellType? {
        if case .name(let name, _) = target { return namespace.bindings[name]?.type }
        return nil
    }

    private func assign(_ target: Expr, _ value: Value, at location: LessonSource.SourceLocation) throws {
        switch target {
        case .name(let name, let nameLocation):
            guard var binding = namespace.bindings[name] else {
                throw notFound(name, at: nameLocation, Scope())
            }
            guard binding.isMutable else {
                throw CellFailure("cannot assign to value: '\(name)' is a 'let' constant", at: nameLocation)
            }
            let converted = coerceLiteral(value, to: binding.type)
            guard registry.conforms(converted, to: binding.type) else {
                throw CellFailure(
                    "cannot assign value of type \(value.cellType) to type \(binding.type)", at: location)
            }
            binding.value = converted
            namespace.bindings[name] = binding
        case .member(let base, let name, let memberLocation):
            var receiver = try evaluate(base, Scope())
            guard
                let property = registry.members(of: receiver.cellType, named: name).first(where: {
                    $0.kind == .property
                })
            else {
                throw noMember(name, of: receiver.cellType, at: memberLocation)
            }
            guard let setter = property.setter else {
                throw CellFailure(
                    "cannot assign to property: '\(name)' is a get-only property", at: memberLocation)
            }
            let converted = coerceLiteral(value, to: property.resultType)
            guard registry.conforms(converted, to: property.resultType) else {
                throw CellFailure(
                    "cannot assign value of type \(value.cellType) to type \(property.resultType)",
                    at: location)
            }
            try callStep(at: memberLocation, name: name) { try setter(&receiver, converted, context) }
            if case .object(let object) = receiver, object.isReference { return }
            try assign(base, receiver, at: location)
        case .subscriptCall(let base, let arguments, let bracket):
            guard case .array(var elements) = try evaluate(base, Scope()), arguments.count == 1,
                arguments[0].label == nil, case .int(let index) = try evaluate(arguments[0].value, Scope())
            else {
                throw CellFailure("only array elements can be assigned through a subscript", at: bracket)
            }
            guard elements.indices.contains(index) else {
                throw CellFailure(
                    "index \(index) is out of range for an array of \(elements.count) elements", at: bracket)
            }
            elements[index] = value
            try assign(base, .array(elements), at: location)
        default:
            throw CellFailure("cannot assign to this expression", at: target.start)
        }
    }

    // MARK: - Expressions

    /// Evaluates an expression; `expected` is the type the context wants (for `.member` and literals).
    func evaluate(_ expr: Expr, _ scope: Scope, expected: CellType? = nil) throws -> Value {
        switch expr {
        case .int(let value, _):
            return coerceLiteral(.int(value), to: expected ?? .int)
        case .double(let value, _):
            return coerceLiteral(.double(value), to: expected ?? .double)
        case .bool(let value, _): return .bool(value)
        case .nilLiteral: return .none
        case .string(let parts, _):
            var text = ""
            for part in parts {
                switch part {
                case .text(let literal): text += literal
                case .interpolation(let inner): text += try evaluate(inner, scope).plainText
                }
            }
            return .string(text)
        case .array(let elements, _):
            var elementType: CellType?
            if case .array(let type)? = expected?.unwrapped { elementType = type }
            return .array(try elements.map { try evaluate($0, scope, expected: elementType) })
        case .tuple(let elements, _):
            var types: [CellType]?
            if case .tuple(let expectedTypes)? = expected?.unwrapped, expectedTypes.count == elements.count {
                types = expectedTypes
            }
            return .tuple(
                try elements.enumerated().map { index, element in
                    try evaluate(element, scope, expected: types?[index])
                })
        case .name(let name, let location):
            return try value(named: name, at: location, scope)
        case .implicitMember(let name, let location):
            guard let owner = expected?.unwrapped, owner != .any else {
                throw CellFailure(
                    "cannot infer the type of '.\(name)'; write the type: Type.\(name)", at: location)
            }
            guard
                let property = registry.statics(of: owner.ownerName, named: name).first(where: {
                    $0.kind == .staticProperty
                })
            else {
                throw CellFailure(
                    "type '\(owner)' has no member '\(name)'"
                        + didYouMean(name, among: registry.staticNames(of: owner.ownerName)), at: location)
            }
            return try invoke(property, [], at: location)
        case .member(let base, let name, let location):
            if case .name(let typeName, _) = base, lookupVariable(typeName, scope) == nil,
                registry.isType(typeName)
            {
                guard
                    let property = registry.statics(of: typeName, named: name).first(where: {
                        $0.kind == .staticProperty
                    })
                else {
                    throw CellFailure(
                        "type '\(typeName)' has no member '\(name)'"
                            + didYouMean(name, among: registry.staticNames(of: typeName)), at: location)
                }
                return try invoke(property, [], at: location)
            }
            let receiver = try evaluate(base, scope)
            if case .tuple(let elements) = receiver, let index = Int(name) {
                guard elements.indices.contains(index) else {
                    throw CellFailure("tuple has no element .\(index)", at: location)
                }
                return elements[index]
            }
            let members = registry.members(of: receiver.cellType, named: name)
            if let property = members.first(where: { $0.kind == .property }) {
                return try invoke(property, [receiver], at: location)
            }
            if !members.isEmpty {
                throw CellFailure("'\(name)' is a method; call it: \(name)(…)", at: location)
            }
            throw noMember(name, of: receiver.cellType, at: location)
        case .call(let callee, let arguments, let location):
            return try call(callee, arguments, at: location, scope, expected: expected)
        case .subscriptCall(let base, let arguments, let location):
            let receiver = try evaluate(base, scope)
            if case .array(let elements) = receiver, arguments.count == 1, arguments[0].label == nil {
                let index = try evaluate(arguments[0].value, scope)
                switch index {
                case .int(let position):
                    guard elements.indices.contains(position) else {
                        throw CellFailure(
                            "index \(position) is out of range for an array of \(elements.count) elements",
                            at: location)
                    }
                    return elements[position]
                case .range(.int(let lower), .int(let upper), let closed):
                    let end = closed ? upper + 1 : upper
                    guard lower >= 0, end <= elements.count, lower <= end else {
                        throw CellFailure(
                            "range \(index.displayText) is out of bounds for an array of \(elements.count) elements",
                            at: location)
                    }
                    return .array(Array(elements[lower..<end]))
                default:
                    throw CellFailure(
                        "cannot subscript an array with \(index.cellType)", at: arguments[0].location)
                }
            }
            let subscripts = registry.members(of: receiver.cellType, named: "subscript")
            guard !subscripts.isEmpty else {
                throw CellFailure("value of type \(receiver.cellType) has no subscripts", at: location)
            }
            return try callSteps(
                subscripts, receiver: receiver, arguments, callee: "subscript", at: location, scope)
        case .closure(let parameters, let body, _):
            return .function(makeClosure(parameters, body, scope))
        case .binary(let op, let lhs, let rhs, let location):
            let left = try evaluate(lhs, scope)
            if op == "&&" || op == "||" {
                guard case .bool(let value) = left else {
                    throw CellFailure("'\(op)' needs Bool operands, not \(left.cellType)", at: lhs.start)
                }
                if (op == "&&" && !value) || (op == "||" && value) { return .bool(value) }
                let right = try evaluate(rhs, scope)
                guard case .bool = right else {
                    throw CellFailure("'\(op)' needs Bool operands, not \(right.cellType)", at: rhs.start)
                }
                return right
            }
            let right = try evaluate(rhs, scope, expected: left.cellType.isNumeric ? nil : left.cellType)
            return try applyBinary(op, left, right, at: location)
        case .prefix(let op, let operand, let location):
            return try applyPrefix(op, try evaluate(operand, scope), at: location)
        case .expect(let condition, let text, let location):
            try expect(condition, text: text, at: location, scope)
            return .void
        }
    }

    /// Converts a numeric literal to the `Double` or `Float` the context expects, as Swift does.
    private func coerceLiteral(_ value: Value, to type: CellType) -> Value {
        switch (value, type.unwrapped) {
        case (.int(let int), .double): .double(Double(int))
        case (.int(let int), .float): .float(Float(int))
        case (.double(let double), .float): .float(Float(double))
        case (.array(let elements), .array(let element)):
            .array(elements.map { coerceLiteral($0, to: element) })
        case (.range(let lower, let upper, let closed), .range(let bound, _)):
            .range(
                lower: coerceLiteral(lower, to: bound), upper: coerceLiteral(upper, to: bound), closed: closed
            )
        default: value
        }
    }

    private func lookupVariable(_ name: String, _ scope: Scope) -> Value? {
        scope.locals[name] ?? namespace.bindings[name]?.value
    }

    private func value(
        named name: String, at location: LessonSource.SourceLocation, _ scope: Scope
    ) throws -> Value {
        if let value = lookupVariable(name, scope) { return value }
        let globals = registry.globals(name)
        if let constant = globals.first(where: { $0.kind == .constant }) {
            return try invoke(constant, [], at: location)
        }
        if let function = globals.first(where: { $0.kind == .function }) {
            return .function(
                CellFunctionValue(
                    type: .function(function.parameters.map(\.type), function.resultType),
                    arity: function.parameters.count
                ) { [weak self] arguments in
                    guard let self else { throw StepError("the lesson has ended") }
                    return try self.invoke(function, arguments, at: location)
                })
        }
        if registry.isType(name) {
            throw CellFailure("type '\(name)' is not a value; call an initializer: \(name)(…)", at: location)
        }
        throw notFound(name, at: location, scope)
    }

    private func notFound(
        _ name: String, at location: LessonSource.SourceLocation, _ scope: Scope
    ) -> CellFailure {
        let candidates = Array(scope.locals.keys) + Array(namespace.bindings.keys) + registry.globalNames
        return CellFailure(
            "cannot find '\(name)' in scope\(didYouMean(name, among: candidates))", at: location)
    }

    private func noMember(
        _ name: String, of type: CellType, at location: LessonSource.SourceLocation
    ) -> CellFailure {
        CellFailure(
            "value of type '\(type)' has no member '\(name)'"
                + didYouMean(name, among: registry.memberNames(of: type)), at: location)
    }

    private func makeClosure(
        _ parameters: [ClosureParameter], _ body: Expr, _ captured: Scope
    ) -> CellFunctionValue {
        let isShorthand = parameters.allSatisfy { $0.name.hasPrefix("$") }
        return CellFunctionValue(
            type: .function(parameters.map { $0.type ?? .any }, .any),
            arity: isShorthand ? nil : parameters.count
        ) { [weak self] arguments in
            guard let self else { throw StepError("the lesson has ended") }
            guard arguments.count >= parameters.count else {
                throw CellFailure(
                    "closure expects \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), "
                        + "got \(arguments.count)", at: body.start)
            }
            var scope = captured
            for (parameter, argument) in zip(parameters, arguments) {
                if let type = parameter.type, !self.registry.conforms(argument, to: type) {
                    throw CellFailure(
                        "closure parameter '\(parameter.name)' expects \(type), got \(argument.cellType)",
                        at: body.start)
                }
                scope.locals[parameter.name] = argument
            }
            try self.checkDeadline(at: body.start)
            return try self.evaluate(body, scope)
        }
    }

    // MARK: - Calls

    private func call(
        _ callee: Expr, _ arguments: [Argument], at location: LessonSource.SourceLocation, _ scope: Scope,
        expected: CellType?
    ) throws -> Value {
        switch callee {
        case .name(let name, let nameLocation):
            if let value = lookupVariable(name, scope) {
                return try callFunction(value, arguments, name: name, at: location, scope)
            }
            if registry.isType(name) {
                let initializers = registry.initializers(of: name)
                guard !initializers.isEmpty else {
                    throw CellFailure("type '\(name)' has no initializer", at: nameLocation)
                }
                return try callSteps(
                    initializers, receiver: nil, arguments, callee: name, at: location, scope)
            }
            let functions = registry.globals(name).filter { $0.kind == .function }
            guard !functions.isEmpty else {
                if registry.globals(name).contains(where: { $0.kind == .constant }) {
                    return try callFunction(
                        try value(named: name, at: nameLocation, scope), arguments, name: name, at: location,
                        scope)
                }
                throw notFound(name, at: nameLocation, scope)
            }
            return try callSteps(functions, receiver: nil, arguments, callee: name, at: location, scope)
        case .member(let base, let name, let memberLocation):
            if case .name(let typeName, _) = base, lookupVariable(typeName, scope) == nil,
                registry.isType(typeName)
            {
                let candidates =
                    name == "init"
                    ? registry.initializers(of: typeName)
                    : registry.statics(of: typeName, named: name).filter { $0.kind == .staticMethod }
                guard !candidates.isEmpty else {
                    throw CellFailure(
                        "type '\(typeName)' has no member '\(name)'"
                            + didYouMean(name, among: registry.staticNames(of: typeName)), at: memberLocation)
                }
                return try callSteps(
                    candidates, receiver: nil, arguments, callee: name, at: memberLocation, scope)
            }
            let receiver = try evaluate(base, scope)
            let members = registry.members(of: receiver.cellType, named: name)
            let methods = members.filter { $0.kind == .method }
            if methods.isEmpty {
                if let property = members.first(where: { $0.kind == .property }) {
                    let function = try invoke(property, [receiver], at: memberLocation)
                    return try callFunction(function, arguments, name: name, at: memberLocation, scope)
                }
                throw noMember(name, of: receiver.cellType, at: memberLocation)
            }
            return try callSteps(
                methods, receiver: receiver, arguments, callee: name, at: memberLocation, scope)
        case .implicitMember(let name, let memberLocation):
            guard let owner = expected?.unwrapped, owner != .any else {
                throw CellFailure(
                    "cannot infer the type of '.\(name)(…)'; write the type: Type.\(name)(…)",
                    at: memberLocation)
            }
            let candidates =
                name == "init"
                ? registry.initializers(of: owner.ownerName)
                : registry.statics(of: owner.ownerName, named: name).filter { $0.kind == .staticMethod }
            guard !candidates.isEmpty else {
                throw CellFailure(
                    "type '\(owner)' has no member '\(name)'"
                        + didYouMean(name, among: registry.staticNames(of: owner.ownerName)),
                    at: memberLocation)
            }
            return try callSteps(
                candidates, receiver: nil, arguments, callee: name, at: memberLocation, scope)
        default:
            return try callFunction(
                try evaluate(callee, scope), arguments, name: "closure", at: location, scope)
        }
    }

    private func callFunction(
        _ value: Value, _ arguments: [Argument], name: String, at location: LessonSource.SourceLocation,
        _ scope: Scope
    ) throws -> Value {
        guard case .function(let function) = value else {
            let callables = registry.members(of: value.cellType, named: "callAsFunction").filter {
                $0.kind == .method
            }
            guard !callables.isEmpty else {
                throw CellFailure("cannot call a value of type \(value.cellType)", at: location)
            }
            return try callSteps(callables, receiver: value, arguments, callee: name, at: location, scope)
        }
        if let labeled = arguments.first(where: { $0.label != nil && !$0.isTrailingClosure }) {
            throw CellFailure(
                "closures take no argument labels; remove '\(labeled.label ?? ""):'", at: labeled.location)
        }
        var parameterTypes: [CellType] = []
        if case .function(let types, _) = function.type { parameterTypes = types }
        let values = try arguments.enumerated().map { index, argument in
            try evaluate(
                argument.value, scope, expected: index < parameterTypes.count ? parameterTypes[index] : nil)
        }
        if let arity = function.arity, arity != values.count {
            throw CellFailure(
                "'\(name)' takes \(arity) argument\(arity == 1 ? "" : "s"), got \(values.count)", at: location
            )
        }
        return try callStep(at: location, name: name) { try function.call(values) }
    }

    /// Picks the overload whose labels and types fit, evaluates the arguments once, and calls it.
    private func callSteps(
        _ candidates: [Step], receiver: Value?, _ arguments: [Argument], callee: String,
        at location: LessonSource.SourceLocation, _ scope: Scope
    ) throws -> Value {
        var evaluated: [Int: Value] = [:]
        var labelFailure: MatchFailure?
        var typeFailure: CellFailure?
        func argument(_ index: Int, as type: CellType) throws -> Value {
            if let value = evaluated[index] { return value }
            let expr = arguments[index].value
            let value = try evaluate(expr, scope, expected: type)
            if !expr.dependsOnContext { evaluated[index] = value }
            return value
        }
        candidates: for step in candidates {
            let slots: [ArgumentSlot]
            switch matchArguments(arguments, to: step.parameters, callee: callee, at: location) {
            case .failure(let failure):
                if labelFailure.map({ failure.progress > $0.progress }) ?? true { labelFailure = failure }
                continue candidates
            case .success(let matched): slots = matched
            }
            var values: [Value] = receiver.map { [$0] } ?? []
            for (parameter, slot) in zip(step.parameters, slots) {
                var value: Value
                var position = location
                do {
                    switch slot {
                    case .argument(let index):
                        position = arguments[index].value.start
                        value = try argument(index, as: parameter.type)
                    case .defaulted:
                        value = try defaultValue(of: parameter, in: step, at: location)
                    case .variadic(let indices):
                        var elementType = CellType.any
                        if case .array(let element) = parameter.type { elementType = element }
                        value = .array(try indices.map { try argument($0, as: elementType) })
                    }
                } catch let failure as CellFailure where candidates.count > 1 {
                    typeFailure = typeFailure ?? failure
                    continue candidates
                }
                value = coerceLiteral(value, to: parameter.type)
                guard registry.conforms(value, to: parameter.type) else {
                    typeFailure =
                        typeFailure
                        ?? CellFailure(
                            "cannot convert \(value.cellType) to \(parameter.type) for '\(parameter.displayName)'",
                            at: position)
                    continue candidates
                }
                values.append(value)
            }
            return try invoke(step, values, at: location)
        }
        if let typeFailure { throw typeFailure }
        if let labelFailure { throw CellFailure(labelFailure.message, at: labelFailure.location) }
        throw CellFailure("no overload of '\(callee)' fits these arguments", at: location)
    }

    private func defaultValue(
        of parameter: StepParameter, in step: Step, at location: LessonSource.SourceLocation
    ) throws -> Value {
        let key = "\(step.signature)#\(parameter.name)"
        let expr: Expr
        if let cached = loweredDefaults[key] {
            expr = cached
        } else {
            guard let syntax = parameter.defaultValue else {
                throw CellFailure("'\(parameter.displayName)' has no default", at: location)
            }
            do {
                expr = try Lowering.lowerDefault(syntax, signature: step.signature)
            } catch let error as LoweringError {
                throw CellFailure(
                    "the default of '\(parameter.displayName)' is invalid: \(error.message)", at: location)
            }
            loweredDefaults[key] = expr
        }
        return coerceLiteral(try evaluate(expr, Scope(), expected: parameter.type), to: parameter.type)
    }

    /// Calls a step, turning what it throws into a failure at `location`.
    func invoke(_ step: Step, _ arguments: [Value], at location: LessonSource.SourceLocation) throws -> Value
    {
        try callStep(at: location, name: step.name) { try step.invoke(arguments, context) }
    }

    private func callStep<T>(
        at location: LessonSource.SourceLocation, name: String, _ body: () throws -> T
    ) throws -> T {
        try checkDeadline(at: location)
        do {
            return try body()
        } catch let failure as CellFailure {
            throw failure
        } catch let error as StepError {
            throw CellFailure(error.message, at: location)
        } catch let error as CellTimeout {
            throw CellFailure(error.description, at: location)
        } catch let error as ConversionError {
            throw CellFailure("'\(name)': \(error)", at: location)
        } catch {
            throw CellFailure("'\(name)' failed: \(error)", at: location)
        }
    }

    private func checkDeadline(at location: LessonSource.SourceLocation) throws {
        do {
            try context.checkDeadline()
        } catch let timeout as CellTimeout {
            throw CellFailure(timeout.description, at: location)
        }
    }

    // MARK: - Operators

    func applyBinary(
        _ op: String, _ lhs: Value, _ rhs: Value, at location: LessonSource.SourceLocation
    ) throws -> Value {
        if case .object = lhs, let result = try applyRegisteredOperator(op, [lhs, rhs], at: location) {
            return result
        }
        if case .object = rhs, let result = try applyRegisteredOperator(op, [lhs, rhs], at: location) {
            return result
        }
        switch op {
        case "+", "-", "*", "/", "%":
            if let result = try arithmetic(op, lhs, rhs, at: location) { return result }
        case "<", "<=", ">", ">=":
            if let ordering = compare(lhs, rhs) {
                switch op {
                case "<": return .bool(ordering < 0)
                case "<=": return .bool(ordering <= 0)
                case ">": return .bool(ordering > 0)
                default: return .bool(ordering >= 0)
                }
            }
        case "==", "!=":
            if let equal = lhs.isEqual(to: rhs) { return .bool(op == "==" ? equal : !equal) }
        case "===", "!==":
            if case .object(let a) = lhs, case .object(let b) = rhs, a.isReference, b.isReference {
                let same = (a.payload as AnyObject) === (b.payload as AnyObject)
                return .bool(op == "===" ? same : !same)
            }
        case "...", "..<":
            if let ordering = compare(lhs, rhs) {
                guard ordering <= 0 else {
                    throw CellFailure(
                        "range requires lowerBound <= upperBound (\(lhs.displayText)\(op)\(rhs.displayText))",
                        at: location)
                }
                return .range(lower: lhs, upper: rhs, closed: op == "...")
            }
        case "??":
            if case .none = lhs { return rhs }
            return lhs
        default: break
        }
        if let result = try applyRegisteredOperator(op, [lhs, rhs], at: location) { return result }
        throw CellFailure(
            "binary operator '\(op)' cannot be applied to operands of type \(lhs.cellType) and \(rhs.cellType)",
            at: location)
    }

    private func arithmetic(
        _ op: String, _ lhs: Value, _ rhs: Value, at location: LessonSource.SourceLocation
    ) throws -> Value? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            let (result, overflow): (Int, Bool)
            switch op {
            case "+": (result, overflow) = a.addingReportingOverflow(b)
            case "-": (result, overflow) = a.subtractingReportingOverflow(b)
            case "*": (result, overflow) = a.multipliedReportingOverflow(by: b)
            default:
                guard b != 0 else { throw CellFailure("division by zero", at: location) }
                (result, overflow) =
                    op == "/"
                    ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
            }
            guard !overflow else { throw CellFailure("arithmetic overflow in \(a) \(op) \(b)", at: location) }
            return .int(result)
        case (.string(let a), .string(let b)) where op == "+": return .string(a + b)
        case (.array(let a), .array(let b)) where op == "+": return .array(a + b)
        default: break
        }
        guard let a = lhs.doubleValue, let b = rhs.doubleValue else { return nil }
        let result: Double
        switch op {
        case "+": result = a + b
        case "-": result = a - b
        case "*": result = a * b
        case "/": result = a / b
        default: result = a.truncatingRemainder(dividingBy: b)
        }
        let isFloat: Bool
        switch (lhs, rhs) {
        case (.double, _), (_, .double): isFloat = false
        default: isFloat = true
        }
        return isFloat ? .float(Float(result)) : .double(result)
    }

    /// -1, 0, 1 for numbers and strings; `nil` when they do not compare.
    private func compare(_ lhs: Value, _ rhs: Value) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        default:
            guard let a = lhs.doubleValue, let b = rhs.doubleValue, !a.isNaN, !b.isNaN else { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        }
    }

    private func applyPrefix(
        _ op: String, _ operand: Value, at location: LessonSource.SourceLocation
    ) throws -> Value {
        switch (op, operand) {
        case ("-", .int(let value)): return .int(-value)
        case ("-", .double(let value)): return .double(-value)
        case ("-", .float(let value)): return .float(-value)
        case ("!", .bool(let value)): return .bool(!value)
        default:
            if let result = try applyRegisteredOperator(op, [operand], at: location) { return result }
            throw CellFailure(
                "unary operator '\(op)' cannot be applied to an operand of type \(operand.cellType)",
                at: location)
        }
    }

    private func applyRegisteredOperator(
        _ op: String, _ operands: [Value], at location: LessonSource.SourceLocation
    ) throws -> Value? {
        for step in registry.operators(op, arity: operands.count)
        where zip(step.parameters, operands).allSatisfy({ registry.conforms($1, to: $0.type) }) {
            let converted = zip(step.parameters, operands).map { coerceLiteral($1, to: $0.type) }
            return try invoke(step, converted, at: location)
        }
        return nil
    }

    // MARK: - Checks

    private func expect(
        _ condition: Expr, text: String, at location: LessonSource.SourceLocation, _ scope: Scope
    ) throws {
        let result: Value
        var detail: String?
        if case .binary(let op, let lhs, let rhs, let opLocation) = condition,
            ["==", "!=", "<", "<=", ">", ">="].contains(op)
        {
            let left = try evaluate(lhs, scope)
            let right = try evaluate(rhs, scope, expected: left.cellType.isNumeric ? nil : left.cellType)
            result = try applyBinary(op, left, right, at: opLocation)
            detail = "\(left.displayText) \(op) \(right.displayText)"
        } else {
            result = try evaluate(condition, scope)
        }
        guard case .bool(let passed) = result else {
            throw CellFailure("#expect needs a Bool condition, not \(result.cellType)", at: condition.start)
        }
        context.emit(
            .check(Check(expression: text, passed: passed, detail: passed ? nil : detail, location: location))
        )
    }
}

extension Expr {
    /// Whether the value depends on the expected type (implicit members, untyped literals), so an
    /// overload must evaluate it again.
    var dependsOnContext: Bool {
        switch self {
        case .implicitMember, .int, .double, .nilLiteral: true
        case .call(let callee, _, _): callee.dependsOnContext
        case .array(let elements, _), .tuple(let elements, _): elements.contains { $0.dependsOnContext }
        case .binary(_, let lhs, let rhs, _): lhs.dependsOnContext || rhs.dependsOnContext
        default: false
        }
    }
}

extension CellType {
    /// The type without optional wrapping.
    var unwrapped: CellType {
        if case .optional(let wrapped) = self { return wrapped.unwrapped }
        return self
    }
}
