import Foundation

/// What kind of API a step binds.
public enum StepKind: String, Hashable, Sendable {
    case function, initializer, method, staticMethod, property, staticProperty, constant, subscriptAccess
    case infixOperator, prefixOperator
}

/// One registered API of the library: its signature, documentation, and how to call it.
public struct Step {
    /// What it binds.
    public var kind: StepKind
    /// The type it belongs to (`Learner`), or `nil` for functions, constants and operators.
    public var owner: String?
    /// Its name (`fitOneCycle`, `init`, `subscript`, `/`).
    public var name: String
    /// Its parameters (not counting the receiver).
    public var parameters: [StepParameter]
    /// The type of its result (for properties: the property's type).
    public var resultType: CellType
    /// The declaration as the binding wrote it.
    public var signature: String
    /// A one-line description, shown by `khru steps`.
    public var doc: String
    /// Calls the step: the receiver first (for members), then one value per parameter.
    var invoke: ([Value], StepContext) throws -> Value
    /// Sets a property on a receiver (mutated in place), for settable properties.
    var setter: ((inout Value, Value, StepContext) throws -> Void)?
    /// For a member of a type a cell declares: what the interpreter runs instead of ``invoke`` (methods,
    /// initializers and computed properties are plans).
    var declared: DeclaredMember?

    /// Whether the property can be assigned.
    public var isSettable: Bool { setter != nil }

    /// The Swift spelling of the call's name with labels, `fitOneCycle(_:lrMax:wd:)`.
    public var selector: String {
        let base = name == "init" ? (owner ?? name) : name
        switch kind {
        case .property, .staticProperty, .constant: return base
        default: return "\(base)(\(parameters.map { "\($0.label ?? "_"):" }.joined()))"
        }
    }
}

/// Documentation and relationships of a registered type.
public struct TypeInfo: Sendable {
    /// The type's name.
    public var name: String
    /// A one-line description.
    public var doc: String
    /// Types (protocols, superclasses) a value of this type may be passed as.
    public var supertypes: [String]
    /// Whether a string literal may stand where this type is expected, as in Swift (`title: "loss"` for
    /// a `ChartText`): the type's `init(_ : String)` step makes the value.
    public var isExpressibleByStringLiteral = false
}

/// The steps a lesson can call: the library's real API, bound one short declaration each.
///
/// ```swift
/// registry.bind("Learner.fitOneCycle(_ nEpoch: Int, lrMax: Double = 1e-3)", doc: "Trains with 1cycle.") {
///     (learn: Learner, n: Int, lr: Double) in learn.fitOneCycle(n, lrMax: lr)
/// }
/// ```
/// The closure's parameter types (after an optional leading ``StepContext``) must match the signature's;
/// a mismatch is a programmer error caught when the registry is built.
public struct Registry {
    private(set) var steps: [Step] = []
    private var index: [String: [Int]] = [:]
    /// The registered types, by name.
    public private(set) var types: [String: TypeInfo] = [:]
    private var declaredTypeNames: Set<String> = []

    /// An empty registry.
    public init() {}

    /// Every step in registration order.
    public var allSteps: [Step] { steps }

    // MARK: - Declaring

    /// Registers a type for `khru steps`, implicit-member lookup and the types it converts to.
    ///
    /// - Precondition: no type of that name is registered yet (two library types must not share a
    ///   cell name, or values of one would silently convert to the other).
    public mutating func type(
        _ name: String, supertypes: [String] = [], expressibleByStringLiteral: Bool = false, doc: String
    ) {
        precondition(types[name] == nil, "type '\(name)' is registered twice")
        types[name] = TypeInfo(name: name, doc: doc, supertypes: supertypes)
        types[name]?.isExpressibleByStringLiteral = expressibleByStringLiteral
    }

    /// Registers a type by its Swift type.
    public mutating func type<T: CellValue>(
        _ type: T.Type, supertypes: [String] = [], expressibleByStringLiteral: Bool = false, doc: String
    ) {
        self.type(
            T.cellType.ownerName, supertypes: supertypes,
            expressibleByStringLiteral: expressibleByStringLiteral,
            doc: doc)
    }

    /// The step that makes a `type` from a string literal (its `init(_: String)`), when the type is
    /// expressible by one.
    func stringLiteralInitializer(for type: CellType) -> Step? {
        guard case .named(let name) = type, types[name]?.isExpressibleByStringLiteral == true else {
            return nil
        }
        return steps.first {
            $0.owner == name && $0.name == "init" && $0.parameters.count == 1 && $0.parameters[0].label == nil
                && $0.parameters[0].type == .string
        }
    }

    /// Binds a function, initializer, method, static method, subscript or operator whose body returns
    /// a value; see ``Signature`` forms in the type's documentation.
    public mutating func bind<each A: CellValue, R: CellValue>(
        _ signature: String, doc: String, _ body: @escaping (repeat each A) throws -> R
    ) {
        var types: [CellType] = []
        for type in repeat (each A).self {
            if !(type is StepContext.Type) { types.append(type.cellType) }
        }
        add(signature, doc: doc, closureTypes: types, result: R.cellType) { arguments, context in
            var iterator = arguments.makeIterator()
            func next<T: CellValue>(_: T.Type) throws -> T {
                if T.self is StepContext.Type, let context = context as? T { return context }
                guard let value = iterator.next() else { throw StepError("missing argument") }
                return try T.from(value)
            }
            return try body(repeat try next((each A).self)).cellValue
        }
    }

    /// Binds an API that returns nothing.
    public mutating func bind<each A: CellValue>(
        _ signature: String, doc: String, _ body: @escaping (repeat each A) throws -> Void
    ) {
        var types: [CellType] = []
        for type in repeat (each A).self {
            if !(type is StepContext.Type) { types.append(type.cellType) }
        }
        add(signature, doc: doc, closureTypes: types, result: .void) { arguments, context in
            var iterator = arguments.makeIterator()
            func next<T: CellValue>(_: T.Type) throws -> T {
                if T.self is StepContext.Type, let context = context as? T { return context }
                guard let value = iterator.next() else { throw StepError("missing argument") }
                return try T.from(value)
            }
            try body(repeat try next((each A).self))
            return .void
        }
    }

    /// Binds a read-only property `Type.name: T` (or a static property / constant without a receiver).
    public mutating func property<Owner: CellValue, T: CellValue>(
        _ signature: String, doc: String, get: @escaping (Owner) throws -> T
    ) {
        addProperty(signature, doc: doc, owner: Owner.cellType, type: T.cellType, get: get, set: nil)
    }

    /// Binds a settable property `Type.name: T`; `set` mutates the receiver (structs are written back
    /// to the cell's `var`, class instances change in place).
    public mutating func property<Owner: CellValue, T: CellValue>(
        _ signature: String, doc: String, get: @escaping (Owner) throws -> T,
        set: @escaping (inout Owner, T) throws -> Void
    ) {
        addProperty(signature, doc: doc, owner: Owner.cellType, type: T.cellType, get: get) {
            receiver, newValue, _ in
            var owner = try Owner.from(receiver)
            try set(&owner, try T.from(newValue))
            receiver = owner.cellValue
        }
    }

    /// Binds a constant `name: T` or a static property `Type.name: T` (reachable as `.name` where a
    /// `Type` is expected).
    public mutating func constant<T: CellValue>(
        _ signature: String, doc: String, _ value: @escaping () throws -> T
    ) {
        let parsed = Signature(parsing: signature)
        precondition(parsed.form == .property, "constant '\(signature)' must read 'name: Type'")
        checkType(parsed.propertyType, T.cellType, in: signature)
        append(
            Step(
                kind: parsed.owner == nil ? .constant : .staticProperty, owner: parsed.owner,
                name: parsed.name,
                parameters: [], resultType: T.cellType, signature: signature, doc: doc,
                invoke: { _, _ in try value().cellValue }, setter: nil))
    }

    private mutating func addProperty<Owner: CellValue, T: CellValue>(
        _ signature: String, doc: String, owner: CellType, type: CellType, get: @escaping (Owner) throws -> T,
        set: ((inout Value, Value, StepContext) throws -> Void)?
    ) {
        let parsed = Signature(parsing: signature)
        precondition(
            parsed.form == .property && !parsed.isStatic, "property '\(signature)' must read 'Type.name: T'")
        precondition(parsed.owner == owner.ownerName, "property '\(signature)' is bound on \(owner)")
        checkType(parsed.propertyType, type, in: signature)
        append(
            Step(
                kind: .property, owner: parsed.owner, name: parsed.name, parameters: [], resultType: type,
                signature: signature, doc: doc,
                invoke: { arguments, _ in
                    guard let receiver = arguments.first else { throw StepError("missing receiver") }
                    return try get(try Owner.from(receiver)).cellValue
                }, setter: set))
    }

    private mutating func add(
        _ signature: String, doc: String, closureTypes: [CellType], result: CellType,
        invoke: @escaping ([Value], StepContext) throws -> Value
    ) {
        let parsed = Signature(parsing: signature)
        precondition(parsed.form == .callable, "'\(signature)' is a property; use property(_:doc:get:)")
        let kind: StepKind
        var parameterTypes = closureTypes
        if parsed.isOperator {
            kind = parsed.parameters.count == 1 ? .prefixOperator : .infixOperator
        } else if parsed.isStatic {
            kind = .staticMethod
        } else if parsed.name == "init" {
            kind = .initializer
            checkType(.named(parsed.owner ?? ""), result.unwrapped, in: signature, what: "result")
        } else if let owner = parsed.owner {
            kind = parsed.name == "subscript" ? .subscriptAccess : .method
            precondition(
                parameterTypes.first?.ownerName == owner,
                "'\(signature)': the closure's first parameter must be the \(owner) receiver")
            parameterTypes.removeFirst()
        } else {
            kind = .function
        }
        precondition(
            parameterTypes.count == parsed.parameters.count,
            "'\(signature)' declares \(parsed.parameters.count) parameters; the closure takes \(parameterTypes.count)"
        )
        for (parameter, type) in zip(parsed.parameters, parameterTypes) {
            checkType(parameter.type, type, in: signature, what: "parameter '\(parameter.name)'")
        }
        if let declared = parsed.declaredResult { checkType(declared, result, in: signature, what: "result") }
        append(
            Step(
                kind: kind, owner: parsed.owner, name: parsed.name, parameters: parsed.parameters,
                resultType: result, signature: signature, doc: doc, invoke: invoke, setter: nil))
    }

    private func checkType(
        _ declared: CellType?, _ actual: CellType, in signature: String, what: String = "type"
    ) {
        guard let declared else { return }
        precondition(
            declared == actual || Self.sameName(declared, actual),
            "'\(signature)': \(what) is declared \(declared) but the closure uses \(actual)")
    }

    /// A generic library type prints with its module prefix or arguments in some spellings; compare names.
    private static func sameName(_ a: CellType, _ b: CellType) -> Bool {
        guard case .named(let x) = a, case .named(let y) = b else { return false }
        return x.split(separator: ".").last == y.split(separator: ".").last
    }

    private mutating func append(_ step: Step) {
        precondition(!step.doc.isEmpty, "'\(step.signature)' needs a one-line doc")
        index[Self.key(step.kind, step.owner, step.name), default: []].append(steps.count)
        steps.append(step)
    }

    private static func key(_ kind: StepKind, _ owner: String?, _ name: String) -> String {
        let group: String
        switch kind {
        case .function, .constant: group = "global"
        case .initializer: group = "init"
        case .method, .property, .subscriptAccess: group = "member"
        case .staticMethod, .staticProperty: group = "static"
        case .infixOperator: group = "infix"
        case .prefixOperator: group = "prefix"
        }
        return "\(group)|\(owner ?? "")|\(name)"
    }

    // MARK: - Types declared in cells

    /// Registers a type a cell declares, replacing an earlier cell's type of that name and its members,
    /// or shadowing the library's (a lesson may write its own `DotProductBias`).
    mutating func declare(_ type: DeclaredType) {
        removeDeclared(type.name)
        types[type.name] = TypeInfo(
            name: type.name, doc: "A \(type.isClass ? "class" : "struct") declared in cell '\(type.cellID)'.",
            supertypes: type.isLayer ? ["Layer"] : [])
        declaredTypeNames.insert(type.name)
    }

    /// Adds a member of a type a cell declares.
    mutating func addDeclared(_ step: Step) { append(step) }

    /// Whether `name` is a type a cell declared (rather than one of the library).
    func isDeclaredType(_ name: String) -> Bool { declaredTypeNames.contains(name) }

    private mutating func removeDeclared(_ name: String) {
        let kept = steps.filter { $0.owner != name }
        steps = []
        index = [:]
        for step in kept {
            index[Self.key(step.kind, step.owner, step.name), default: []].append(steps.count)
            steps.append(step)
        }
        types[name] = nil
    }

    // MARK: - Looking up

    /// Global functions and constants named `name`.
    func globals(_ name: String) -> [Step] { lookup("global||\(name)") }

    /// Initializers of `type`.
    func initializers(of type: String) -> [Step] { lookup("init|\(type)|init") }

    /// Members (methods, properties, subscripts) named `name` of `type` and its supertypes.
    func members(of type: CellType, named name: String) -> [Step] {
        ownerChain(type).flatMap { lookup("member|\($0)|\(name)") }
    }

    /// Static methods and properties named `name` of `type`.
    func statics(of type: String, named name: String) -> [Step] { lookup("static|\(type)|\(name)") }

    /// Infix (`arity == 2`) or prefix operators named `name`.
    func operators(_ name: String, arity: Int) -> [Step] {
        lookup("\(arity == 2 ? "infix" : "prefix")||\(name)")
    }

    /// Whether `name` is a registered type (or has initializers or statics).
    func isType(_ name: String) -> Bool {
        types[name] != nil || !initializers(of: name).isEmpty
            || steps.contains { $0.owner == name && ($0.kind == .staticMethod || $0.kind == .staticProperty) }
    }

    /// Every name a cell could mean at the top level: functions, constants, types.
    var globalNames: [String] {
        var names = Set(types.keys)
        for step in steps {
            switch step.kind {
            case .function, .constant: names.insert(step.name)
            case .initializer: if let owner = step.owner { names.insert(owner) }
            default: break
            }
        }
        return names.sorted()
    }

    /// Every member name of `type`.
    func memberNames(of type: CellType) -> [String] {
        let owners = Set(ownerChain(type))
        return Set(steps.filter { step in step.owner.map(owners.contains) ?? false }.map(\.name)).sorted()
    }

    /// Every static member name of `type`.
    func staticNames(of type: String) -> [String] {
        steps.filter { $0.owner == type && ($0.kind == .staticMethod || $0.kind == .staticProperty) }.map(
            \.name)
    }

    private func lookup(_ key: String) -> [Step] { (index[key] ?? []).map { steps[$0] } }

    /// The type's owner name followed by its supertypes (transitively).
    func ownerChain(_ type: CellType) -> [String] {
        var chain = [type.ownerName]
        var position = 0
        while position < chain.count {
            for supertype in types[chain[position]]?.supertypes ?? [] where !chain.contains(supertype) {
                chain.append(supertype)
            }
            position += 1
        }
        return chain
    }

    // MARK: - Types

    /// Whether a value of static type `source` may be passed where `target` is expected.
    ///
    /// Lenient where Swift's literals are: any number converts to `Double` or `Float`.
    public func isAssignable(_ source: CellType, to target: CellType) -> Bool {
        switch (source, target) {
        case (.any, _), (_, .any): return true
        case _ where source == target: return true
        case (.optional(let inner), .optional(let wrapped)): return isAssignable(inner, to: wrapped)
        case (_, .optional(let wrapped)): return isAssignable(source, to: wrapped)
        case (.array(let a), .array(let b)): return isAssignable(a, to: b)
        case (.labeledTuple(let la, let a), .labeledTuple(let lb, let b)):
            // Swift converts between labeled tuples only when their labels agree.
            return la == lb && a.count == b.count && zip(a, b).allSatisfy { isAssignable($0, to: $1) }
        case (.tuple(let a), .tuple(let b)), (.labeledTuple(_, let a), .tuple(let b)),
            (.tuple(let a), .labeledTuple(_, let b)):
            return a.count == b.count && zip(a, b).allSatisfy { isAssignable($0, to: $1) }
        case (.range(let a, let ac), .range(let b, let bc)): return ac == bc && isAssignable(a, to: b)
        case (.function(let ap, let ar), .function(let bp, let br)):
            return ap.count == bp.count && (ar == .any || isAssignable(ar, to: br))
        case (.named, .named):
            if source.isNumeric && (target == .double || target == .float) { return true }
            return ownerChain(source).contains(target.ownerName)
        default: return false
        }
    }

    /// Whether a run-time value can be passed where `type` is expected.
    public func conforms(_ value: Value, to type: CellType) -> Bool {
        switch (value, type) {
        case (_, .any): return true
        case (.none, .optional): return true
        case (_, .optional(let wrapped)): return conforms(value, to: wrapped)
        case (.array(let elements), .array(let element)):
            return elements.allSatisfy { conforms($0, to: element) }
        case (.tuple(let elements), .tuple(let types)), (.labeledTuple(_, let elements), .tuple(let types)),
            (.tuple(let elements), .labeledTuple(_, let types)),
            (.labeledTuple(_, let elements), .labeledTuple(_, let types)):
            return elements.count == types.count && zip(elements, types).allSatisfy { conforms($0, to: $1) }
        case (.range(let lower, let upper, let closed), .range(let bound, let wantClosed)):
            return closed == wantClosed && conforms(lower, to: bound) && conforms(upper, to: bound)
        case (.function(let function), .function(let parameters, _)):
            return function.arity.map { $0 == parameters.count } ?? true
        case (.void, .void): return true
        case (.object(let object), .named):
            return ownerChain(object.type).contains(type.ownerName) || object.type == type
        case (.int, .named), (.double, .named), (.float, .named), (.string, .named), (.bool, .named):
            return isAssignable(value.cellType, to: type)
        default: return false
        }
    }
}
