import LessonSource

extension Resolver {
    /// The type whose member is being resolved.
    struct TypeContext {
        var type: DeclaredType
        /// Every member name (stored, computed, methods): bare names that are not locals mean `self.name`.
        var memberNames: Set<String>
        /// Inside an initializer, `let` properties may be set.
        var isInitializer: Bool
    }

    // MARK: - Type declarations

    /// Resolves a `struct` or `final class` a cell declares: registers the type and its members in the
    /// lesson's registry (so calls to them match labels, types and defaults as the library's do), then
    /// resolves each body with `self` in scope, and checks what Swift would: a `Module` has its
    /// `callAsFunction(_:)`, every stored property gets a value.
    mutating func typeDeclaration(
        _ declaration: TypeDeclaration, declaredHere: inout Set<String>
    ) -> PlanStatement? {
        let name = declaration.name
        guard canDeclareType(name, at: declaration.location) else { return nil }
        var isLayer = false
        for (conformance, location) in declaration.conformances {
            switch conformance {
            case "Module", "Layer":
                if declaration.isClass {
                    isLayer = true
                } else {
                    report(
                        "'\(conformance)' is a class protocol: declare 'final class \(name): \(conformance)'",
                        at: location)
                }
            case _ where registry.types[conformance] != nil:
                // A class (the cell's own or the library's): Swift would subclass it; cells do not.
                report(
                    "'\(name)' cannot inherit from '\(conformance)': cells declare no subclasses; give '\(name)' "
                        + "the properties it needs and adopt Module (or Layer)",
                    at: location)
            default:
                report(
                    "'\(name)' cannot adopt '\(conformance)': a type in a cell may adopt Module (or Layer)",
                    at: location)
            }
        }
        let type = DeclaredType(name: name, isClass: declaration.isClass, isLayer: isLayer, cellID: cellID)
        let memberNames = Set(
            declaration.properties.map(\.name) + declaration.computed.map(\.name)
                + declaration.methods.map(\.name))
        // Property defaults: resolved without `self` (Swift evaluates them before the instance exists).
        typeContexts.append(TypeContext(type: type, memberNames: [], isInitializer: false))
        var seen: Set<String> = []
        for property in declaration.properties {
            if !seen.insert(property.name).inserted {
                report("invalid redeclaration of '\(property.name)'", at: property.location)
            }
            let typed = property.defaultValue.map { resolve($0, expected: property.type) }
            if let typed, let declared = property.type, let value = property.defaultValue,
                !registry.isAssignable(typed.type, to: declared)
            {
                report("cannot convert \(typed.type) to \(declared)", at: value.start)
            }
            type.fields.append(
                DeclaredType.Field(
                    name: property.name, type: property.type ?? typed?.type ?? .any,
                    isMutable: property.isMutable,
                    defaultValue: typed?.node))
        }
        typeContexts.removeLast()
        registry.declare(type)
        registerFields(of: type)
        let owner = type.cellType
        for property in declaration.computed {
            if !seen.insert(property.name).inserted {
                report("invalid redeclaration of '\(property.name)'", at: property.location)
            }
            let member = DeclaredMember(.computed, of: type)
            registry.addDeclared(
                declaredStep(
                    .property, type, property.name, parameters: [], result: property.type, member: member,
                    at: property.location))
            typeContexts.append(TypeContext(type: type, memberNames: memberNames, isInitializer: false))
            member.plan =
                closurePlan(
                    [("self", owner)], property.body, declaredResult: property.type, isClosure: false,
                    isShorthand: false, at: property.location
                ).plan
            typeContexts.removeLast()
            if !Self.leaves(property.body) && !Self.isSingleExpression(property.body) {
                report(
                    "missing return in a computed property expected to return '\(property.type)'",
                    at: property.location)
            }
        }
        var bodies: [(FunctionDeclaration, DeclaredMember)] = []
        for method in declaration.methods {
            if seen.contains(method.name) {
                report("invalid redeclaration of '\(method.name)'", at: method.location)
            }
            let member = DeclaredMember(.method, of: type)
            let parameters = stepParameters(method, in: type)
            registry.addDeclared(
                declaredStep(
                    .method, type, method.name, parameters: parameters, result: method.result ?? .void,
                    member: member, at: method.location))
            bodies.append((method, member))
            if Self.isForwardPass(method, named: "callAsFunction") { type.forward = member }
        }
        // fastai's spelling of the forward pass, `func forward(_ x: Variable) -> Variable`, when the class has
        // no `callAsFunction`: calling the model runs it (the compiled twin adds the `callAsFunction`).
        if isLayer && type.forward == nil
            && !declaration.methods.contains(where: { $0.name == "callAsFunction" }),
            let (method, member) = bodies.first(where: { Self.isForwardPass($0.0, named: "forward") })
        {
            type.forward = member
            registry.addDeclared(
                declaredStep(
                    .method, type, "callAsFunction", parameters: stepParameters(method, in: type),
                    result: .named("Variable"), member: member, at: method.location))
        }
        // A Module without any `callAsFunction` holds parameters only (fastbook's `class T(Module)`):
        // `T().parameters` works, calling it is an error. One with another signature does not conform.
        if isLayer && type.forward == nil
            && declaration.methods.contains(where: { $0.name == "callAsFunction" })
        {
            report(
                "type '\(name)' does not conform to protocol 'Module': add "
                    + "'func callAsFunction(_ x: Variable) -> Variable', its forward pass",
                at: declaration.location)
        }
        for initializer in declaration.initializers {
            let member = DeclaredMember(.initializer, of: type)
            registry.addDeclared(
                declaredStep(
                    .initializer, type, "init", parameters: stepParameters(initializer, in: type),
                    result: owner,
                    member: member, at: initializer.location))
            bodies.append((initializer, member))
            checkInitialization(initializer, of: type, properties: declaration.properties)
        }
        if declaration.initializers.isEmpty { synthesizeInitializer(declaration, type) }
        for (function, member) in bodies {
            let isInitializer = function.name == "init"
            typeContexts.append(
                TypeContext(type: type, memberNames: memberNames, isInitializer: isInitializer))
            let result = isInitializer ? CellType.void : function.result ?? .void
            var plan = closurePlan(
                [("self", owner)] + function.parameters.map { ($0.name, $0.type) }, function.body,
                declaredResult: result, isClosure: false, isShorthand: false, at: function.location
            ).plan
            plan.type = .function([owner] + function.parameters.map(\.type), isInitializer ? owner : result)
            member.plan = plan
            typeContexts.removeLast()
            if result != .void, !Self.leaves(function.body) && !Self.isSingleExpression(function.body) {
                report(
                    "missing return in a method expected to return '\(result)'", at: function.location)
            }
            if isInitializer, let location = Self.returnWithValue(in: function.body) {
                report("an initializer returns nothing; set the properties of 'self'", at: location)
            }
        }
        var info = NameInfo(type: .named("\(name).Type"), isMutable: false)
        info.isType = true
        let storage = declare(name, info, at: declaration.location, declaredHere: &declaredHere)
        return .bind(
            .name(name, storage, declared: nil, declaration.location),
            .literal(.string("\(declaration.isClass ? "class" : "struct") \(name)")), isMutable: false,
            declaration.location)
    }

    /// One property step per stored property: reads and writes go straight to the instance (a class's
    /// in place; a struct's on a copy the assignment writes back).
    private mutating func registerFields(of type: DeclaredType) {
        for (index, field) in type.fields.enumerated() {
            let member = DeclaredMember(.field(index: index, isMutable: field.isMutable), of: type)
            var step = declaredStep(
                .property, type, field.name, parameters: [], result: field.type, member: member,
                at: SourceLocation(file: "", line: 0, column: 0))
            step.invoke = { arguments, _ in
                guard let (_, fields) = arguments.first?.declaredInstance, index < fields.count else {
                    throw StepError("'\(field.name)' has no value here")
                }
                return fields[index]
            }
            step.setter = { receiver, value, _ in
                guard case .object(var object) = receiver else { throw StepError("no instance") }
                if let instance = object.payload as? DeclaredObject {
                    instance.fields[index] = value
                } else if var instance = object.payload as? DeclaredValue {
                    instance.fields[index] = value
                    object.payload = instance
                    receiver = .object(object)
                }
            }
            registry.addDeclared(step)
        }
    }

    private func declaredStep(
        _ kind: StepKind, _ type: DeclaredType, _ name: String, parameters: [StepParameter], result: CellType,
        member: DeclaredMember, at location: SourceLocation
    ) -> Step {
        let list = parameters.map { "\($0.label ?? "_") \($0.name): \($0.type)" }.joined(separator: ", ")
        let signature =
            kind == .property
            ? "\(type.name).\(name): \(result)"
            : "\(type.name).\(name)(\(list))"
        return Step(
            kind: kind, owner: type.name, name: name, parameters: parameters, resultType: result,
            // The cell and position make the signature unique (defaults are cached by it).
            signature: signature + " @\(type.cellID):\(location.line):\(location.column)",
            doc: "Declared in cell '\(type.cellID)'.",
            invoke: { _, _ in throw StepError("'\(name)' of '\(type.name)' runs in the interpreter") },
            setter: nil, declared: member)
    }

    /// The parameters of a method or initializer, with their defaults resolved and cached under the
    /// step's signature (where ``defaultNode(of:in:at:)`` finds them).
    private mutating func stepParameters(
        _ function: FunctionDeclaration, in type: DeclaredType
    ) -> [StepParameter] {
        var parameters: [StepParameter] = []
        var defaultNodes: [String: Node] = [:]
        typeContexts.append(TypeContext(type: type, memberNames: [], isInitializer: false))
        for parameter in function.parameters {
            let typed = resolvedDefault(of: parameter)
            if let typed { defaultNodes[parameter.name] = typed.node }
            parameters.append(
                StepParameter(
                    label: parameter.label, name: parameter.name, type: parameter.type,
                    typeText: parameter.type.description, defaultText: typed == nil ? nil : "…",
                    defaultValue: nil,
                    isVariadic: false))
        }
        typeContexts.removeLast()
        let kind: StepKind = function.name == "init" ? .initializer : .method
        let step = declaredStep(
            kind, type, function.name, parameters: parameters, result: .void,
            member: DeclaredMember(.method, of: type), at: function.location)
        for (name, node) in defaultNodes { defaults.nodes["\(step.signature)#\(name)"] = node }
        return parameters
    }

    /// Swift's synthesized initializer: a struct's memberwise `init` (a `let` with a value is not a
    /// parameter; a `var` with one is an optional argument), or a class's `init()` when every property has
    /// a value.
    private mutating func synthesizeInitializer(_ declaration: TypeDeclaration, _ type: DeclaredType) {
        if declaration.isClass {
            if let missing = declaration.properties.first(where: { $0.defaultValue == nil }) {
                report(
                    "class '\(type.name)' has no initializers: stored property '\(missing.name)' has no value; "
                        + "give it one or write an init",
                    at: missing.location)
                return
            }
            registry.addDeclared(
                declaredStep(
                    .initializer, type, "init", parameters: [], result: type.cellType,
                    member: DeclaredMember(.memberwise(fields: []), of: type), at: declaration.location))
            return
        }
        var parameters: [StepParameter] = []
        var fields: [Int] = []
        for (index, property) in declaration.properties.enumerated()
        where property.isMutable || property.defaultValue == nil {
            parameters.append(
                StepParameter(
                    label: property.name, name: property.name, type: type.fields[index].type,
                    typeText: type.fields[index].type.description,
                    defaultText: property.defaultValue == nil ? nil : "…", defaultValue: nil,
                    isVariadic: false))
            fields.append(index)
        }
        let step = declaredStep(
            .initializer, type, "init", parameters: parameters, result: type.cellType,
            member: DeclaredMember(.memberwise(fields: fields), of: type), at: declaration.location)
        for index in fields {
            if let node = type.fields[index].defaultValue {
                defaults.nodes["\(step.signature)#\(type.fields[index].name)"] = node
            }
        }
        registry.addDeclared(step)
    }

    /// Reports a stored property without a value that an initializer never sets.
    private mutating func checkInitialization(
        _ initializer: FunctionDeclaration, of type: DeclaredType, properties: [StoredProperty]
    ) {
        let parameterNames = Set(initializer.parameters.map(\.name))
        var assigned: Set<String> = []
        func visit(_ statements: [Statement]) {
            for statement in statements {
                switch statement {
                case .assignment(.member(.name("self", _), let name, _), "=", _, _): assigned.insert(name)
                case .assignment(.name(let name, _), "=", _, _) where !parameterNames.contains(name):
                    assigned.insert(name)
                case .ifElse(_, let then, let otherwise, _):
                    visit(then)
                    visit(otherwise ?? [])
                default: break
                }
            }
        }
        visit(initializer.body)
        for property in properties where property.defaultValue == nil && !assigned.contains(property.name) {
            report(
                "initializer does not set stored property '\(property.name)' of '\(type.name)'; set "
                    + "'self.\(property.name)' or give it a value where it is declared",
                at: initializer.location)
        }
    }

    /// Where a `return value` is in a body (an initializer's is a mistake), outside nested closures.
    private static func returnWithValue(in statements: [Statement]) -> SourceLocation? {
        for statement in statements {
            switch statement {
            case .returnValue(.some, let location): return location
            case .ifElse(_, let then, let otherwise, _):
                if let found = returnWithValue(in: then + (otherwise ?? [])) { return found }
            case .forIn(_, _, let body, _), .whileLoop(_, let body, _):
                if let found = returnWithValue(in: body) { return found }
            default: break
            }
        }
        return nil
    }

    /// `self.name` for a bare name inside a member body that is no local but a member of the type.
    func implicitSelf(_ name: String, at location: SourceLocation) -> Expr? {
        guard let context = typeContexts.last, context.memberNames.contains(name) else { return nil }
        for scope in scopes.reversed() where scope[name] != nil { return nil }
        return .member(.name("self", location), name, location)
    }

    /// The declared or library type a name expression means, when it is one.
    mutating func typeName(_ expr: Expr) -> String? {
        guard case .name(let name, let location) = expr else { return nil }
        switch lookup(name) {
        case .global(let info)? where info.isType:
            _ = read(name, .global(info), at: location)
            return name
        case nil: return registry.isType(name) ? name : nil
        default: return nil
        }
    }
}

extension Resolver {
    /// Whether `method` is a layer's forward pass named `name`: one unlabelled `Variable` in, a `Variable` out.
    static func isForwardPass(_ method: FunctionDeclaration, named name: String) -> Bool {
        method.name == name && method.parameters.count == 1 && method.parameters[0].label == nil
            && method.parameters[0].type == .named("Variable") && method.result == .named("Variable")
    }
}

extension Resolver {
    /// Whether a cell may declare a type called `name` here: at the top level of a cell, and not one of
    /// the types the library's API is written in (each refusal is reported).
    mutating func canDeclareType(_ name: String, at location: SourceLocation) -> Bool {
        guard scopes.isEmpty else {
            report("types are declared at the top level of a cell", at: location)
            return false
        }
        if ["Layer", "Module", "Variable", "Tensor", "Parameter", "Learner"].contains(name) {
            report(
                "'\(name)' is a type the library's API is written in; give yours another name", at: location)
            return false
        }
        return true
    }
}
