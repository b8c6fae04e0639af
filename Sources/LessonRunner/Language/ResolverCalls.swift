import LessonSource

extension Resolver {
    // MARK: - Calls

    mutating func call(
        _ callee: Expr, _ arguments: [Argument], at location: SourceLocation, expected: CellType?
    ) -> Typed {
        switch callee {
        case .name(let name, let nameLocation):
            if let rewritten = implicitSelf(name, at: nameLocation) {
                return call(rewritten, arguments, at: location, expected: expected)
            }
            if name == "Array", arguments.count == 1, arguments[0].label == nil {
                // `Array(0..<6)`, as Python's `list(range(6))`.
                let typed = resolve(arguments[0].value, expected: nil)
                guard let element = Self.elementType(typed.type) else {
                    report(
                        "Array(_:) needs a range, an array or a dictionary, not \(typed.type)", at: location)
                    return Self.unknown
                }
                return Typed(.builtin(.arrayOf, arguments: [typed.node], location), .array(element))
            }
            if case .global(let info)? = lookup(name), info.isType {
                if isUnavailable(read(name, .global(info), at: nameLocation).node) {
                    resolveAlone(arguments)
                    return Typed(.unavailable(name, nameLocation), .named(name))
                }
                return overload(
                    registry.initializers(of: name), receiver: nil, arguments, callee: name, at: location)
            }
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
            if name == "todo", arguments.isEmpty {
                // The student edition's placeholder: it has the type its place expects
                // (`let lr: Double = todo()`), and ends the cell as "not done yet" when it runs.
                return Typed(.builtin(.todo, arguments: [], location), expected ?? .void)
            }
            if name == "type", arguments.count == 1, arguments[0].label == "of" {
                // `type(of:)` shows the static type where it is known (`Optional<Int>` for an `Int?`).
                let typed = resolve(arguments[0].value, expected: nil)
                return Typed(
                    .builtin(.typeOf(typed.type), arguments: [typed.node], location), CellMetatype.cellType)
            }
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
            if let typeName = typeName(base) {
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
                if let failed = memberOfFailedType(receiver.type, at: memberLocation) {
                    resolveAlone(arguments)
                    return failed
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

    mutating func staticCall(
        _ typeName: String, _ name: String, _ arguments: [Argument], at location: SourceLocation
    ) -> Typed {
        let candidates =
            name == "init"
            ? registry.initializers(of: typeName)
            : registry.statics(of: typeName, named: name).filter { $0.kind == .staticMethod }
        // `DataFrame.Column(…)`: a nested type's initializer.
        let nested = registry.initializers(of: "\(typeName).\(name)")
        if candidates.isEmpty, !nested.isEmpty {
            return overload(nested, receiver: nil, arguments, callee: name, at: location)
        }
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
    mutating func callValue(
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
            let name = value.type.ownerName
            // A cell's Module without a forward pass: Layer's callAsFunction would run the missing forward.
            if registry.isDeclaredType(name), registry.types[name]?.supertypes.contains("Layer") == true,
                !callables.contains(where: { $0.owner == name })
            {
                report(Message.noForward(name), at: location)
                resolveAlone(arguments)
                return Self.unknown
            }
            guard !callables.isEmpty else {
                if let failed = memberOfFailedType(value.type, at: location) {
                    resolveAlone(arguments)
                    return failed
                }
                report("cannot call a value of type \(value.type)", at: location)
                resolveAlone(arguments)
                return Self.unknown
            }
            return overload(
                callables, receiver: value.node, arguments, callee: "callAsFunction", at: location)
        }
    }

    /// Calls a cell's `func` with Swift's label rules and its defaults.
    mutating func userFunction(
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
                            conversionMessage(typed.type, to: parameter.type, for: parameter.displayName),
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

    mutating func resolveAlone(_ arguments: [Argument]) {
        for argument in arguments { _ = resolve(argument.value, expected: .any) }
    }

    /// Picks the overload whose labels and types fit, reporting the closest one's problem if none does.
    mutating func overload(
        _ candidates: [Step], receiver: Node?, _ arguments: [Argument], callee: String,
        at location: SourceLocation
    ) -> Typed {
        var candidates = candidates
        if let count = destructuring {
            destructuring = nil
            // Swift prefers the overload whose result the pattern can destructure.
            func fits(_ step: Step) -> Bool {
                if let elements = step.resultType.tupleElements { return elements.count == count }
                return false
            }
            candidates = candidates.filter(fits) + candidates.filter { !fits($0) }
        }
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
        // A failed call still has the type every candidate returns, so later uses of its value are checked.
        let results = candidates.map(\.resultType)
        guard let result = results.first, results.allSatisfy({ $0 == result }) else { return Self.unknown }
        return Typed(.unavailable(callee, location), result)
    }

    mutating func argument(
        _ argument: Argument, _ parameter: StepParameter, expected: CellType
    ) -> Node {
        let typed = resolve(argument.value, expected: expected)
        if !registry.isAssignable(typed.type, to: expected) {
            report(
                conversionMessage(typed.type, to: expected, for: parameter.displayName),
                at: argument.value.start)
        }
        return typed.node
    }

    /// "cannot convert String to ChartText? for 'title'", with how to convert a String value to a type a
    /// string literal stands for (as in Swift, only a literal converts by itself).
    func conversionMessage(_ type: CellType, to expected: CellType, for name: String) -> String {
        var message = "cannot convert \(type) to \(expected) for '\(name)'"
        if type == .string, let initializer = registry.stringLiteralInitializer(for: expected.unwrapped) {
            message += "; a string literal converts, a String value needs \(initializer.owner ?? "")(…)"
        }
        // PyTorch's `targets == 1` is elementwise; Swift's `==` compares whole values.
        if type == .bool, expected.unwrapped == .named("Tensor") {
            message += "; '==' compares whole tensors (a Bool), '.==' compares each element (a Tensor)"
        }
        // fastai takes one transform where it takes a list (`item_tfms=Resize(460)`); Swift wants the list.
        if case .array(let element) = expected.unwrapped, registry.isAssignable(type, to: element) {
            message += "; a list of one is written [\(type)(…)]"
        }
        return message
    }

    /// A step parameter's default, lowered and resolved once per step.
    mutating func defaultNode(
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
        // A dictionary is a sequence of (key, value) pairs, in the order they were added.
        case .dictionary(let key, let value): .tuple([key, value])
        default: nil
        }
    }

    static func propertyType(_ method: CollectionMethod, element: CellType) -> CellType? {
        switch method {
        case .count: .int
        case .isEmpty: .bool
        case .first, .last: .optional(element)
        case .indices: .range(.int, closed: false)
        default: nil
        }
    }

    mutating func collectionMethod(
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
            // `xs.reduce(0, +)` over Doubles starts from 0.0, as Swift infers the literal's type.
            var initialType = CellType.any
            if case .int? = arguments.first?.value, element == .double || element == .float {
                initialType = element
            }
            let initial = take(0, initialType, "initial")
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

    mutating func zipCall(_ arguments: [Argument], at location: SourceLocation) -> Typed {
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
