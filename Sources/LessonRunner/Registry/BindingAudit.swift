import Foundation
import SwiftParser
import SwiftSyntax

/// Checks every binding of a registry against the library's own declarations, so a binding can never
/// drift from the function it points at: its labels must be the library's (a binding may leave out
/// parameters the library defaults), and every default it declares must be the library's default,
/// written the same way.
///
/// The library is read as source (SwiftParser), the way a reader sees it: `Sources/<Module>/**.swift`.
public struct BindingAudit {
    /// A library declaration: its owner (`Learner`, or `""` at top level), name and parameters.
    struct Declaration {
        var owner: String
        var name: String
        var parameters: [(label: String?, type: String, defaultText: String?)]
    }

    private var declarations: [String: [Declaration]] = [:]
    /// What each library class inherits from, by base name (`Learner` → `AnyLearner`).
    private var inherited: [String: [String]] = [:]

    /// Reads the library's declarations from the Swift files under `modules`, such as `Sources/Training`.
    ///
    /// - Throws: when a file cannot be read.
    public init(sourceFolders modules: [String]) throws {
        for folder in modules {
            guard let files = FileManager.default.enumerator(atPath: folder) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(
                    contentsOfFile: (folder as NSString).appendingPathComponent(file), encoding: .utf8)
                let collector = Collector(viewMode: .sourceAccurate)
                collector.walk(Parser.parse(source: text))
                for declaration in collector.found {
                    declarations[Self.key(declaration.owner, declaration.name), default: []].append(
                        declaration)
                }
                inherited.merge(collector.inherited) { $0 + $1 }
            }
        }
    }

    /// The problems found: a binding whose labels no library declaration has, or whose default differs.
    ///
    /// - Parameters:
    ///   - registry: The bindings to check.
    ///   - exempt: Selectors (`print(_:)`, `String.split(separator:)`) of bindings that bind Swift's
    ///     standard library, with no declaration in the library's sources.
    /// - Returns: One line per problem, naming the binding's selector.
    public func problems(in registry: Registry, exempt: Set<String>) -> [String] {
        var problems: [String] = []
        for step in registry.allSteps {
            switch step.kind {
            case .function, .initializer, .method, .staticMethod, .subscriptAccess: break
            default: continue
            }
            let owner = step.owner ?? ""
            let qualified = (owner.isEmpty || step.kind == .initializer ? "" : owner + ".") + step.selector
            if exempt.contains(qualified) { continue }
            let name = step.kind == .initializer ? "init" : step.name
            // Overloads with the same labels (`Learner(_:_:…)` for DataLoaders and for CollabDataLoaders)
            // are told apart by their parameter types.
            // A method of a protocol extension counts for the types that declare the protocol a supertype.
            // So does a method a library class inherits (`Learner`'s fits are `AnyLearner`'s).
            let owners = [owner] + (registry.types[owner]?.supertypes ?? []) + libraryAncestors(of: owner)
            let candidates = owners.flatMap { declarations[Self.key($0, name)] ?? [] }.filter {
                fits(step, $0)
            }
            .sorted { score(step, $0) > score(step, $1) }
            guard let declaration = candidates.first else {
                problems.append("\(qualified): no library declaration has these labels (\(step.signature))")
                continue
            }
            for parameter in step.parameters {
                guard let defaultText = parameter.defaultText else { continue }
                let library = declaration.parameters.first { $0.label == parameter.label }?.defaultText
                if Self.normalized(defaultText) != library.map(Self.normalized) {
                    problems.append(
                        "\(qualified): '\(parameter.displayName)' defaults to \(defaultText) in the binding, "
                            + "\(library ?? "nothing") in the library")
                }
            }
        }
        return problems
    }

    /// The binding's labels are the library's, in order, with only defaulted library parameters left out.
    private func fits(_ step: Step, _ declaration: Declaration) -> Bool {
        var remaining = declaration.parameters[...]
        for parameter in step.parameters {
            while let next = remaining.first, next.label != parameter.label {
                guard next.defaultText != nil else { return false }
                remaining = remaining.dropFirst()
            }
            guard !remaining.isEmpty else { return false }
            remaining = remaining.dropFirst()
        }
        return remaining.allSatisfy { $0.defaultText != nil }
    }

    /// How many of the binding's parameter types name the declaration's (by base name).
    private func score(_ step: Step, _ declaration: Declaration) -> Int {
        step.parameters.filter { parameter in
            declaration.parameters.contains {
                $0.label == parameter.label && $0.type == Self.baseName(parameter.typeText)
            }
        }.count
    }

    /// A type's name without `any`, optionality, module prefix or generic arguments: `Training.Learner?` → `Learner`.
    static func baseName(_ type: String) -> String {
        var text = type.replacingOccurrences(of: "any ", with: "").replacingOccurrences(of: "...", with: "")
            .filter { !"()[]?! ".contains($0) }
        if let generic = text.firstIndex(of: "<") { text = String(text[..<generic]) }
        return String(text.split(separator: ".").last ?? Substring(text))
    }

    /// The classes and protocols a library type inherits, transitively, as its declaration names them.
    private func libraryAncestors(of owner: String) -> [String] {
        var chain: [String] = []
        var pending = inherited[owner] ?? []
        while let next = pending.popLast() {
            guard !chain.contains(next), next != owner else { continue }
            chain.append(next)
            pending += inherited[next] ?? []
        }
        return chain
    }

    private static func key(_ owner: String, _ name: String) -> String { "\(owner)|\(name)" }

    private static func normalized(_ text: String) -> String {
        text.filter { !$0.isWhitespace }.replacingOccurrences(of: "_", with: "")
    }

    /// Collects functions, initializers and subscripts with the type (or extension) that declares them.
    private final class Collector: SyntaxVisitor {
        var found: [Declaration] = []
        /// Each class's inheritance clause, by base name.
        var inherited: [String: [String]] = [:]
        private var owners: [String] = []

        override func visit(_ node: StructDeclSyntax) -> SyntaxVisitorContinueKind { push(node.name.text) }
        override func visitPost(_ node: StructDeclSyntax) { owners.removeLast() }
        override func visit(_ node: ClassDeclSyntax) -> SyntaxVisitorContinueKind {
            inherited[node.name.text, default: []] += (node.inheritanceClause?.inheritedTypes ?? []).map {
                BindingAudit.baseName($0.type.trimmedDescription)
            }
            return push(node.name.text)
        }
        override func visitPost(_ node: ClassDeclSyntax) { owners.removeLast() }
        override func visit(_ node: EnumDeclSyntax) -> SyntaxVisitorContinueKind { push(node.name.text) }
        override func visitPost(_ node: EnumDeclSyntax) { owners.removeLast() }
        override func visit(_ node: ProtocolDeclSyntax) -> SyntaxVisitorContinueKind { push(node.name.text) }
        override func visitPost(_ node: ProtocolDeclSyntax) { owners.removeLast() }
        override func visit(_ node: ExtensionDeclSyntax) -> SyntaxVisitorContinueKind {
            push(node.extendedType.trimmedDescription)
        }
        override func visitPost(_ node: ExtensionDeclSyntax) { owners.removeLast() }

        override func visit(_ node: FunctionDeclSyntax) -> SyntaxVisitorContinueKind {
            // `where` is declared as `` `where` `` (a keyword as a name).
            record(node.name.text.trimmingCharacters(in: ["`"]), node.signature.parameterClause.parameters)
            return .skipChildren
        }
        override func visit(_ node: InitializerDeclSyntax) -> SyntaxVisitorContinueKind {
            record("init", node.signature.parameterClause.parameters)
            return .skipChildren
        }
        override func visit(_ node: SubscriptDeclSyntax) -> SyntaxVisitorContinueKind {
            record("subscript", node.parameterClause.parameters)
            return .skipChildren
        }

        private func push(_ owner: String) -> SyntaxVisitorContinueKind {
            owners.append(owner)
            return .visitChildren
        }

        private func record(_ name: String, _ parameters: FunctionParameterListSyntax) {
            // A nested type is known by its own name and by its path (`Row`, `DataFrame.Row`).
            for owner in Set([owners.last ?? "", owners.joined(separator: ".")]) {
                found.append(declaration(owner: owner, name, parameters))
            }
        }

        private func declaration(
            owner: String, _ name: String, _ parameters: FunctionParameterListSyntax
        )
            -> Declaration
        {
            Declaration(
                owner: owner, name: name,
                parameters: parameters.map { parameter in
                    let first = parameter.firstName.text
                    let isSubscript = name == "subscript" && parameter.secondName == nil
                    return (
                        label: first == "_" || isSubscript ? nil : first,
                        type: BindingAudit.baseName(parameter.type.trimmedDescription),
                        defaultText: parameter.defaultValue?.value.trimmedDescription
                    )
                })
        }
    }
}
