import LessonSource
import SwiftSyntax

extension Lowering {
    // MARK: - Type declarations

    /// Lowers `struct Name { … }` or `final class Name: Module { … }`: stored properties, read-only computed
    /// properties, initializers and methods; everything else in a type (static members, nested types,
    /// subscripts, inheritance from classes) is rejected where it is written.
    func typeDeclaration(_ decl: DeclSyntax) throws -> TypeDeclaration? {
        let isClass: Bool
        let name: TokenSyntax
        let members: MemberBlockSyntax
        let inheritance: InheritanceClauseSyntax?
        if let structure = decl.as(StructDeclSyntax.self) {
            try rejectAttributesAndModifiers(structure.attributes, structure.modifiers)
            try rejectGenerics(structure.genericParameterClause, structure.genericWhereClause)
            (isClass, name, members, inheritance) = (
                false, structure.name, structure.memberBlock, structure.inheritanceClause
            )
        } else if let classDecl = decl.as(ClassDeclSyntax.self) {
            if let attribute = classDecl.attributes.first {
                throw LoweringError(
                    message: "attributes are not part of the cell language", node: Syntax(attribute))
            }
            // A plain `class` is taken as final (fastbook's `class T(Module)`): cells declare no subclasses.
            if let other = classDecl.modifiers.first(where: { $0.name.text != "final" }) {
                throw LoweringError(
                    message: "'\(other.name.text)' is not part of the cell language", node: Syntax(other))
            }
            try rejectGenerics(classDecl.genericParameterClause, classDecl.genericWhereClause)
            (isClass, name, members, inheritance) = (
                true, classDecl.name, classDecl.memberBlock, classDecl.inheritanceClause
            )
        } else {
            return nil
        }
        var declaration = TypeDeclaration(
            name: name.text, isClass: isClass,
            conformances: (inheritance?.inheritedTypes ?? []).map {
                ($0.type.trimmedDescription, location($0.type))
            },
            properties: [], computed: [], initializers: [], methods: [], location: location(name))
        for member in members.members {
            try self.member(member.decl, into: &declaration)
        }
        return declaration
    }

    /// Lowers `enum Name: String, CaseIterable { case a, b = "B" }`: cases without associated values;
    /// methods, properties and nested types in an enum are rejected where they are written.
    func enumeration(_ syntax: EnumDeclSyntax) throws -> EnumDeclaration {
        try rejectAttributesAndModifiers(syntax.attributes, syntax.modifiers)
        try rejectGenerics(syntax.genericParameterClause, syntax.genericWhereClause)
        var declaration = EnumDeclaration(
            name: syntax.name.text,
            conformances: (syntax.inheritanceClause?.inheritedTypes ?? []).map {
                ($0.type.trimmedDescription, location($0.type))
            },
            cases: [], location: location(syntax.name))
        for member in syntax.memberBlock.members {
            guard let caseDecl = member.decl.as(EnumCaseDeclSyntax.self) else {
                throw LoweringError(
                    message:
                        "an enum in a cell lists its cases ('case train, valid'); its methods, properties "
                        + "and nested types are not part of the cell language",
                    node: Syntax(member.decl))
            }
            try rejectAttributesAndModifiers(caseDecl.attributes, caseDecl.modifiers)
            for element in caseDecl.elements {
                if let parameters = element.parameterClause {
                    throw LoweringError(
                        message: "enum cases with associated values are not part of the cell language",
                        node: Syntax(parameters))
                }
                declaration.cases.append(
                    EnumDeclaration.Case(
                        name: element.name.text,
                        rawValue: try element.rawValue.map { try expression($0.value) },
                        location: location(element.name)))
            }
        }
        return declaration
    }

    private func rejectGenerics(
        _ parameters: GenericParameterClauseSyntax?, _ whereClause: GenericWhereClauseSyntax?
    ) throws {
        if let parameters {
            throw LoweringError(
                message: "generic types are not part of the cell language", node: Syntax(parameters))
        }
        if let whereClause {
            throw LoweringError(
                message: "'where' clauses are not part of the cell language", node: Syntax(whereClause))
        }
    }

    private func member(_ decl: DeclSyntax, into declaration: inout TypeDeclaration) throws {
        if let variable = decl.as(VariableDeclSyntax.self) {
            try rejectAttributesAndModifiers(variable.attributes, variable.modifiers)
            let isMutable = variable.bindingSpecifier.tokenKind == .keyword(.var)
            for binding in variable.bindings {
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self) else {
                    throw LoweringError(
                        message: "a property of a type declares one name", node: Syntax(binding.pattern))
                }
                let name = identifier.identifier.text
                if let accessors = binding.accessorBlock {
                    guard isMutable, let annotation = binding.typeAnnotation else {
                        throw LoweringError(
                            message: "a computed property reads 'var \(name): Type { … }'",
                            node: Syntax(binding))
                    }
                    let body: CodeBlockItemListSyntax
                    switch accessors.accessors {
                    case .getter(let items): body = items
                    case .accessors(let list):
                        guard list.count == 1, let getter = list.first,
                            getter.accessorSpecifier.tokenKind == .keyword(.get), let block = getter.body
                        else {
                            throw LoweringError(
                                message:
                                    "computed properties in a cell are read-only: 'var \(name): Type { … }'",
                                node: Syntax(accessors))
                        }
                        body = block.statements
                    }
                    declaration.computed.append(
                        ComputedProperty(
                            name: name, type: CellType(annotation.type), body: try block(body),
                            location: location(identifier)))
                    continue
                }
                let type = binding.typeAnnotation.map { CellType($0.type) }
                let value = try binding.initializer.map { try expression($0.value) }
                if type == nil && value == nil {
                    throw LoweringError(
                        message: "stored property '\(name)' needs a type ('let \(name): Type') or a value",
                        node: Syntax(binding))
                }
                declaration.properties.append(
                    StoredProperty(
                        name: name, isMutable: isMutable, type: type, defaultValue: value,
                        location: location(identifier)))
            }
            return
        }
        if let function = decl.as(FunctionDeclSyntax.self) {
            declaration.methods.append(try self.function(function))
            return
        }
        if let initializer = decl.as(InitializerDeclSyntax.self) {
            try rejectAttributesAndModifiers(initializer.attributes, initializer.modifiers)
            if let mark = initializer.optionalMark {
                throw LoweringError(
                    message: "failable initializers are not part of the cell language", node: Syntax(mark))
            }
            if let generics = initializer.genericParameterClause {
                throw LoweringError(
                    message: "generic initializers are not part of the cell language", node: Syntax(generics))
            }
            guard let body = initializer.body else {
                throw LoweringError(message: "an initializer needs a body { … }", node: Syntax(initializer))
            }
            declaration.initializers.append(
                FunctionDeclaration(
                    name: "init", parameters: try parameters(initializer.signature.parameterClause),
                    result: nil,
                    body: try block(body.statements), location: location(initializer.initKeyword)))
            return
        }
        let what: String
        switch decl.kind {
        case .subscriptDecl: what = "subscripts in a type"
        case .deinitializerDecl: what = "'deinit'"
        case .structDecl, .classDecl, .enumDecl: what = "nested types"
        default: what = "this declaration in a type"
        }
        throw LoweringError(
            message: "\(what) \(what.hasSuffix("s") ? "are" : "is") not part of the cell language; a type "
                + "holds stored and computed properties, initializers and methods",
            node: Syntax(decl))
    }
}
