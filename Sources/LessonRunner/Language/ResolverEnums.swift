import LessonSource

/// A case of an `enum` a cell declares: equal to the same case of the same type; shown as Swift shows
/// it (`Split.train` as a value, `train` in `print` and interpolation).
struct DeclaredEnumValue: Equatable {
    let typeName: String
    let caseName: String
    /// The case's raw value, when the enum has a raw type.
    let rawValue: Value?

    static func == (lhs: DeclaredEnumValue, rhs: DeclaredEnumValue) -> Bool {
        lhs.typeName == rhs.typeName && lhs.caseName == rhs.caseName
    }
}

extension Resolver {
    /// Resolves `enum Split: String, CaseIterable { case train, valid }`: each case is a static property
    /// (so `.train` works where a `Split` is expected), with `rawValue` and `init?(rawValue:)` for a
    /// `String` or `Int` raw type (a `String` case's raw value is its name, an `Int` one's counts up from
    /// the previous), and `allCases` for `CaseIterable`.
    mutating func enumDeclaration(
        _ declaration: EnumDeclaration, declaredHere: inout Set<String>
    ) -> PlanStatement? {
        let name = declaration.name
        guard canDeclareType(name, at: declaration.location) else { return nil }
        var rawType: CellType?
        var isCaseIterable = false
        for (index, (conformance, location)) in declaration.conformances.enumerated() {
            switch conformance {
            case "String", "Int":
                if index != 0 {
                    report("raw type '\(conformance)' must appear first in the enum's list", at: location)
                }
                rawType = .named(conformance)
            case "CaseIterable": isCaseIterable = true
            case "Equatable", "Hashable", "Sendable": break
            default:
                report(
                    "'\(name)' cannot adopt '\(conformance)': an enum in a cell may have a String or Int raw "
                        + "type and adopt CaseIterable, Equatable, Hashable",
                    at: location)
            }
        }
        let owner = CellType.named(name)
        var values: [Value] = []
        var seenNames: Set<String> = []
        var seenRaw: [String: String] = [:]
        var nextInt = 0
        for enumCase in declaration.cases {
            if !seenNames.insert(enumCase.name).inserted {
                report("invalid redeclaration of '\(enumCase.name)'", at: enumCase.location)
            }
            var raw: Value?
            switch (rawType, enumCase.rawValue) {
            case (nil, let written?):
                report(
                    "enum case cannot have a raw value if the enum does not have a raw type",
                    at: written.start)
            case (.named("String")?, nil): raw = .string(enumCase.name)
            case (.named("String")?, .string(let parts, _)?) where parts.count <= 1:
                if case .text(let text)? = parts.first { raw = .string(text) } else { raw = .string("") }
            case (.named("Int")?, nil):
                raw = .int(nextInt)
            case (.named("Int")?, .int(let value, _)?):
                raw = .int(value)
            case (_, let written?):
                report(
                    "raw value for enum case must be a \(rawType?.description ?? "") literal",
                    at: written.start)
            default: break
            }
            if case .int(let value)? = raw { nextInt = value + 1 }
            if let raw {
                let key = raw.displayText
                if let earlier = seenRaw[key] {
                    report(
                        "raw value for enum case '\(enumCase.name)' is not unique: '\(earlier)' has it too",
                        at: enumCase.location)
                }
                seenRaw[key] = enumCase.name
            }
            values.append(
                .object(
                    LibraryObject(
                        type: owner,
                        payload: DeclaredEnumValue(typeName: name, caseName: enumCase.name, rawValue: raw))))
        }
        let type = DeclaredType(name: name, isClass: false, isLayer: false, cellID: cellID)
        registry.declare(type)
        let at = "@\(cellID):\(declaration.location.line):\(declaration.location.column)"
        func step(
            _ kind: StepKind, _ member: String, _ result: CellType, parameters: [StepParameter] = [],
            _ invoke: @escaping ([Value], StepContext) throws -> Value
        ) -> Step {
            Step(
                kind: kind, owner: name, name: member, parameters: parameters, resultType: result,
                signature: "\(kind == .staticProperty ? "static " : "")\(name).\(member) \(at)",
                doc: "Declared in cell '\(cellID)'.", invoke: invoke, setter: nil, declared: nil)
        }
        for (enumCase, value) in zip(declaration.cases, values) {
            registry.addDeclared(step(.staticProperty, enumCase.name, owner) { _, _ in value })
        }
        if isCaseIterable {
            registry.addDeclared(step(.staticProperty, "allCases", .array(owner)) { _, _ in .array(values) })
        }
        if let rawType {
            registry.addDeclared(
                step(.property, "rawValue", rawType) { arguments, _ in
                    guard case .object(let object)? = arguments.first,
                        let value = object.payload as? DeclaredEnumValue, let raw = value.rawValue
                    else { throw StepError("'rawValue' needs a case of '\(name)'") }
                    return raw
                })
            let parameter = StepParameter(
                label: "rawValue", name: "rawValue", type: rawType, typeText: rawType.description,
                defaultText: nil, defaultValue: nil, isVariadic: false)
            registry.addDeclared(
                step(.initializer, "init", .optional(owner), parameters: [parameter]) { arguments, _ in
                    let wanted = arguments.first ?? .none
                    for value in values {
                        if case .object(let object) = value,
                            let enumCase = object.payload as? DeclaredEnumValue,
                            let raw = enumCase.rawValue, raw.isEqual(to: wanted) == true
                        {
                            return value
                        }
                    }
                    return .none
                })
        }
        var info = NameInfo(type: .named("\(name).Type"), isMutable: false)
        info.isType = true
        let storage = declare(name, info, at: declaration.location, declaredHere: &declaredHere)
        return .bind(
            .name(name, storage, declared: nil, declaration.location), .literal(.string("enum \(name)")),
            isMutable: false, declaration.location)
    }
}
