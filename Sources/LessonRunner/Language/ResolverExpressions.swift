import LessonSource

extension Resolver {
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

    static var unknown: Typed { Typed(.literal(.void), .any) }

    /// Defers `template` to run time, after `operands` (named `⟨0⟩`… in it) have values.
    func deferred(_ operands: [Node], _ template: Expr, expected: CellType?) -> Typed {
        Typed(
            .dynamic(
                DynamicPlan(
                    operands: operands, template: template, expected: expected, location: template.location)),
            .any)
    }

    /// An integer literal among doubles is a double, as in Swift (`[1, 2.5]` is `[1.0, 2.5]`).
    static func literal(_ node: Node, as type: CellType) -> Node {
        guard case .literal(.int(let value)) = node else { return node }
        switch type {
        case .double: return .literal(.double(Double(value)))
        case .float: return .literal(.float(Float(value)))
        default: return node
        }
    }

    static func operand(_ index: Int, at location: SourceLocation) -> Expr {
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
        case .string(let parts, let location):
            var planParts: [InterpolationPart] = []
            for part in parts {
                switch part {
                case .text(let text): planParts.append(.text(text))
                case .interpolation(let inner): planParts.append(.value(resolve(inner, expected: nil).node))
                }
            }
            let string: Node
            if planParts.count <= 1, case .text(let text)? = planParts.first ?? .text("") {
                string = .literal(.string(text))
            } else {
                string = .interpolation(planParts)
            }
            // As in Swift, a literal stands for a type expressible by one (`title: "loss"`, a ChartText).
            if let expected = expected?.unwrapped, expected != .string,
                let initializer = registry.stringLiteralInitializer(for: expected)
            {
                return Typed(.step(initializer, arguments: [string], location), initializer.resultType)
            }
            return Typed(string, .string)
        case .array(let elements, _):
            var elementType: CellType?
            if case .array(let type)? = expected?.unwrapped { elementType = type }
            var early = [Typed?](repeating: nil, count: elements.count)
            func isImplicit(_ element: Expr) -> Bool {
                switch element {
                case .implicitMember, .call(.implicitMember, _, _): true
                default: false
                }
            }
            if elementType == nil, elements.contains(where: isImplicit) {
                // `[Mode.fast, .slow]`: an implicit member takes the type of the other elements, as in Swift.
                for (index, element) in elements.enumerated() where !isImplicit(element) {
                    early[index] = resolve(element, expected: nil)
                }
                let known = early.compactMap { $0?.type }
                if let first = known.first, first != .any, known.allSatisfy({ $0 == first }) {
                    elementType = first
                }
            }
            let typed = elements.enumerated().map { early[$0] ?? resolve($1, expected: elementType) }
            if let elementType, typed.allSatisfy({ registry.isAssignable($0.type, to: elementType) }) {
                return Typed(.array(typed.map(\.node)), .array(elementType))
            }
            let common = Value.commonType(typed.map(\.type))
            return Typed(.array(typed.map { Self.literal($0.node, as: common) }), .array(common))
        case .dictionary(let pairs, let location):
            var keyType: CellType?
            var valueType: CellType?
            if case .dictionary(let key, let value)? = expected?.unwrapped {
                (keyType, valueType) = (key, value)
            }
            let keys = pairs.map { resolve($0.key, expected: keyType) }
            let values = pairs.map { resolve($0.value, expected: valueType) }
            let key = keyType ?? (pairs.isEmpty ? .any : Value.commonType(keys.map(\.type)))
            let value = valueType ?? (pairs.isEmpty ? .any : Value.commonType(values.map(\.type)))
            for typed in keys where !registry.isAssignable(typed.type, to: key) {
                report("cannot convert \(typed.type) to \(key) for a key of [\(key): \(value)]", at: location)
            }
            for (typed, pair) in zip(values, pairs) where !registry.isAssignable(typed.type, to: value) {
                report(
                    "cannot convert \(typed.type) to \(value) for a value of [\(key): \(value)]",
                    at: pair.value.start)
            }
            if ![CellType.string, .int, .double, .float, .bool, .any].contains(key) {
                report("a dictionary's keys are strings, numbers or booleans, not \(key)", at: location)
            }
            return Typed(
                .dictionary(
                    zip(keys, values).map {
                        (Self.literal($0.node, as: key), Self.literal($1.node, as: value))
                    }),
                .dictionary(key, value))
        case .tuple(let elements, _):
            var types: [CellType]?
            if let expectedTypes = expected?.unwrapped.tupleElements, expectedTypes.count == elements.count {
                types = expectedTypes
            }
            let typed = elements.enumerated().map { resolve($1, expected: types?[$0]) }
            // `(lo, hi)` where `(min: Double, max: Double)` is expected takes its labels, as in Swift.
            if case .labeledTuple(let labels, _)? = expected?.unwrapped, labels.count == elements.count {
                return Typed(
                    .labeledTuple(labels, typed.map(\.node)), .tuple(typed.map(\.type), labels: labels))
            }
            return Typed(.tuple(typed.map(\.node)), .tuple(typed.map(\.type)))
        case .labeledTuple(let labels, let elements, let location):
            var types: [CellType]?
            if let expectedTypes = expected?.unwrapped.tupleElements, expectedTypes.count == elements.count {
                types = expectedTypes
            }
            var seen: Set<String> = []
            for label in labels.compactMap({ $0 }) where !seen.insert(label).inserted {
                report("cannot create a tuple with a duplicate element label '\(label)'", at: location)
            }
            let typed = elements.enumerated().map { resolve($1, expected: types?[$0]) }
            return Typed(.labeledTuple(labels, typed.map(\.node)), .tuple(typed.map(\.type), labels: labels))
        case .name(let name, let location):
            return resolveName(name, at: location, expected: expected)
        case .implicitMember(let name, let location):
            guard let owner = expected?.unwrapped, owner != .any else {
                if expected == nil {
                    report("cannot infer the type of '.\(name)'; write the type: Type.\(name)", at: location)
                }
                return Self.unknown
            }
            return staticProperty(owner.ownerName, name, at: location)
        case .member(let base, let name, let location):
            if let typeName = typeName(base) {
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
            // `zip(a, b).map { "\($0) → \($1)" }`: a closure of two parameters where one pair is passed
            // takes the pair apart, as Swift allows.
            if case .function(let types, let result)? = expected?.unwrapped, types.count == 1,
                let elements = types[0].tupleElements, elements.count > 1, parameters.count == elements.count
            {
                for index in parameterTypes.indices where parameters[index].type == nil {
                    parameterTypes[index] = elements[index]
                }
                let isShorthand = parameters.allSatisfy { $0.name.hasPrefix("$") }
                var (plan, resultType) = closurePlan(
                    Array(zip(parameters.map(\.name), parameterTypes)), body,
                    declaredResult: result == .any ? nil : result, isClosure: true, isShorthand: isShorthand,
                    at: location)
                plan.splatsTuple = true
                plan.type = .function([.tuple(parameterTypes)], resultType)
                return Typed(.closure(plan), plan.type)
            }
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
            // `a && b && c` is checked part by part (stopping at the first that fails, as `&&` does), so a
            // failure can show the values of each part evaluated.
            let parts = Self.conjuncts(of: condition).map { expectPart($0) }
            return Typed(.expect(ExpectPlan(parts: parts, text: text, location: location)), .void)
        case .cast(let base, let type, let forced, let location):
            let typed = resolve(base, expected: nil)
            if case .named(let name) = type.unwrapped, !registry.isType(name),
                !CellType.builtinNames.contains(name)
            {
                report("cannot find type '\(name)' in scope", at: location)
                return Self.unknown
            }
            guard let forced else {
                // `as` converts only what always converts (Swift checks it at compile time).
                if !registry.isAssignable(typed.type, to: type) {
                    report(
                        "'\(typed.type)' is not convertible to '\(type)'; did you mean to use 'as!' to force downcast?",
                        at: location)
                }
                return Typed(.cast(typed.node, type, forced: true, location), type)
            }
            return Typed(.cast(typed.node, type, forced: forced, location), forced ? type : .optional(type))
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

    /// The operands of a chain of `&&` (`a && b && c` → `[a, b, c]`); `[condition]` for anything else.
    static func conjuncts(of condition: Expr) -> [Expr] {
        if case .binary("&&", let lhs, let rhs, _) = condition {
            return conjuncts(of: lhs) + conjuncts(of: rhs)
        }
        return [condition]
    }

    /// One part of an `#expect`: a comparison keeps its two sides, to show them when it fails.
    private mutating func expectPart(_ condition: Expr) -> ExpectPart {
        var comparison: ExpectPart.Comparison?
        let conditionNode: Node
        let conditionType: CellType
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
            comparison = ExpectPart.Comparison(lhs: left.node, rhs: right.node, apply: applied.node, op: op)
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
        return ExpectPart(condition: conditionNode, comparison: comparison)
    }

    mutating func resolveName(_ name: String, at location: SourceLocation, expected: CellType? = nil) -> Typed
    {
        if name == "..." {
            return Typed(.literal(UnboundedRangeMarker().cellValue), UnboundedRangeMarker.cellType)
        }
        if let rewritten = implicitSelf(name, at: location) { return resolve(rewritten, expected: nil) }
        if case .global(let info)? = lookup(name), info.isType {
            report("type '\(name)' is not a value; call an initializer: \(name)(…)", at: location)
            return Self.unknown
        }
        if let found = lookup(name) {
            let value = read(name, found, at: location)
            switch found {
            case .local(let info), .global(let info):
                if let signature = info.signature,
                    let adapted = adaptedCellFunction(
                        value, signature, name, expected: expected, at: location)
                {
                    return adapted
                }
            }
            return value
        }
        let globals = registry.globals(name)
        if let constant = globals.first(where: { $0.kind == .constant }) {
            return Typed(.step(constant, arguments: [], location), constant.resultType)
        }
        let functions = globals.filter { $0.kind == .function }
        // Passed where a function of fewer parameters is expected (`getItems: getImageFiles`), a library
        // function whose other parameters have defaults is that function with its defaults (the compiled
        // twin writes the closure Swift needs, see `adaptedFunctions`).
        if case .function(let wanted, _)? = expected?.unwrapped,
            let function = functions.first(where: { step in
                step.parameters.count > wanted.count
                    && step.parameters.dropFirst(wanted.count).allSatisfy { $0.defaultValue != nil }
                    && zip(wanted, step.parameters).allSatisfy { registry.isAssignable($0, to: $1.type) }
            }), !functions.contains(where: { $0.parameters.count == wanted.count })
        {
            let kept = Array(function.parameters.prefix(wanted.count))
            noteAdaptation(at: location, labels: kept.map(\.label))
            let parameters = kept.enumerated().map { (name: "⟨p\($0.offset)⟩", type: $0.element.type) }
            let filled = function.parameters.dropFirst(wanted.count).map {
                defaultNode(of: $0, in: function, at: location)
            }
            let plan = ClosurePlan(
                parameters: parameters, body: [],
                implicitReturn: .step(
                    function, arguments: parameters.map { .local($0.name) } + filled, location),
                type: .function(parameters.map(\.type), function.resultType), isShorthand: false,
                location: location)
            return Typed(.closure(plan), plan.type)
        }
        if let function = functions.first {
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

    /// A cell's function passed where a function of fewer parameters is expected, its other parameters
    /// all defaulted: a closure calling it with those defaults (Swift needs the closure written out; the
    /// compiled twin writes it, see ``adaptedFunctions``).
    mutating func adaptedCellFunction(
        _ function: Typed, _ signature: FunctionSignature, _ name: String, expected: CellType?,
        at location: SourceLocation
    ) -> Typed? {
        guard case .function(let wanted, _)? = expected?.unwrapped,
            case .function(_, let result) = function.type,
            signature.parameters.count > wanted.count,
            signature.parameters.dropFirst(wanted.count).allSatisfy({ $0.defaultText != nil }),
            zip(wanted, signature.parameters).allSatisfy({ registry.isAssignable($0, to: $1.type) })
        else { return nil }
        let kept = Array(signature.parameters.prefix(wanted.count))
        noteAdaptation(at: location, labels: kept.map(\.label))
        let parameters = kept.enumerated().map { (name: "⟨p\($0.offset)⟩", type: $0.element.type) }
        let filled = signature.defaults.dropFirst(wanted.count).map { $0 ?? .literal(.none) }
        let plan = ClosurePlan(
            parameters: parameters, body: [],
            implicitReturn: .callFunction(
                function.node, parameters.map { .local($0.name) } + filled, name: name, location),
            type: .function(parameters.map(\.type), result), isShorthand: false, location: location)
        return Typed(.closure(plan), plan.type)
    }

    mutating func noteAdaptation(at location: SourceLocation, labels: [String?]) {
        adaptedFunctions[location] = labels
    }

    /// A library function passed as a value (`getItems: getImageFiles`): a closure calling the step.
    static func stepClosure(_ step: Step, at location: SourceLocation) -> ClosurePlan {
        let parameters = step.parameters.enumerated().map { (name: "⟨p\($0.offset)⟩", type: $0.element.type) }
        return ClosurePlan(
            parameters: parameters, body: [],
            implicitReturn: .step(step, arguments: parameters.map { .local($0.name) }, location),
            type: .function(parameters.map(\.type), step.resultType), isShorthand: false, location: location)
    }

    mutating func staticProperty(
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

    mutating func member(
        _ receiver: Typed, _ name: String, at location: SourceLocation, template: Expr
    ) -> Typed {
        if let elements = receiver.type.tupleElements, let index = Int(name) {
            guard elements.indices.contains(index) else {
                report(Message.noTupleElement(index), at: location)
                return Self.unknown
            }
            return Typed(.tupleElement(receiver.node, index, location), elements[index])
        }
        if case .labeledTuple(let labels, let elements) = receiver.type {
            guard let index = labels.firstIndex(of: name) else {
                report(
                    "value of tuple type '\(receiver.type)' has no member '\(name)'"
                        + didYouMean(name, among: labels.compactMap { $0 }), at: location)
                return Self.unknown
            }
            return Typed(.tupleElement(receiver.node, index, location), elements[index])
        }
        if receiver.type == .any {
            if isDynamic || isUnavailable(receiver.node) { return Self.unknown }
            return deferred([receiver.node], template, expected: nil)
        }
        if case .dictionary(let key, let value) = receiver.type {
            let types: [String: CellType] = [
                "count": .int, "isEmpty": .bool, "keys": .array(key), "values": .array(value),
            ]
            if let type = types[name] {
                return Typed(.builtin(.dictionaryMember(name), arguments: [receiver.node], location), type)
            }
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
        } else if let failed = memberOfFailedType(receiver.type, at: location) {
            return failed
        } else {
            report(noMemberMessage(name, receiver.type), at: location)
        }
        return Self.unknown
    }

    func isUnavailable(_ node: Node) -> Bool {
        if case .unavailable = node { return true }
        return false
    }

    /// `dictionary[key]` (an optional) or `dictionary[key, default: value]`: the key and the element;
    /// `nil` when the arguments are neither form.
    mutating func dictionaryElement(
        _ dictionary: Typed, _ arguments: [Argument], at location: SourceLocation
    ) -> (key: Node, value: Typed)? {
        guard case .dictionary(let keyType, let valueType) = dictionary.type, let first = arguments.first,
            first.label == nil,
            arguments.count == 1 || arguments.count == 2 && arguments[1].label == "default"
        else { return nil }
        let key = resolve(first.value, expected: keyType)
        if !registry.isAssignable(key.type, to: keyType) {
            report("cannot convert \(key.type) to \(keyType) for a key", at: first.location)
        }
        guard arguments.count == 2 else {
            return (key.node, Typed(.index(dictionary.node, key.node, location), .optional(valueType)))
        }
        let fallback = resolve(arguments[1].value, expected: valueType)
        return (
            key.node,
            Typed(
                .builtin(
                    .dictionaryDefault, arguments: [dictionary.node, key.node, fallback.node], location),
                valueType)
        )
    }

    mutating func subscriptCall(
        _ receiver: Typed, _ arguments: [Argument], at location: SourceLocation, expected: CellType?,
        baseStart: SourceLocation
    ) -> Typed {
        if case .dictionary = receiver.type {
            guard let (_, value) = dictionaryElement(receiver, arguments, at: location) else {
                report("a dictionary's subscript takes a key, and optionally default:", at: location)
                return Self.unknown
            }
            return value
        }
        if case .array(let element) = receiver.type, arguments.count == 1, arguments[0].label == nil {
            let index = resolve(arguments[0].value, expected: nil)
            switch index.type {
            case .int: return Typed(.index(receiver.node, index.node, location), element)
            case .range(.int, _), PartialRangeUpTo<Int>.cellType, PartialRangeFrom<Int>.cellType:
                return Typed(.index(receiver.node, index.node, location), receiver.type)
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

    mutating func binary(
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

    func registeredOperator(_ op: String, _ left: CellType, _ right: CellType) -> Step? {
        registry.operators(op, arity: 2).first {
            registry.isAssignable(left, to: $0.parameters[0].type)
                && registry.isAssignable(right, to: $0.parameters[1].type)
        }
    }
}
