import Foundation

/// `khru steps`: the registry as a reference, every step with its signature and doc, grouped by type.
public enum StepsReference {
    /// A name that names no type and no step.
    public struct UnknownName: Error, CustomStringConvertible {
        /// The name asked for.
        public var name: String
        /// The closest type or step name, if one is close.
        public var suggestion: String?

        public var description: String {
            "no type or step is named '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        }
    }

    /// The steps `name` selects: the members of the type `name` (`Learner`), else every step called
    /// `name` (`fitOneCycle`, whatever its type); every step without a name.
    ///
    /// - Throws: ``UnknownName`` when nothing is called `name`.
    public static func steps(
        _ registry: Registry, named name: String?
    ) throws -> (types: [String], steps: [Step]) {
        guard let name else { return (registry.types.keys.sorted(), registry.allSteps) }
        let owners = Set(registry.allSteps.compactMap(\.owner)).union(registry.types.keys)
        if owners.contains(name) {
            return ([name], registry.allSteps.filter { $0.owner == name })
        }
        let named = registry.allSteps.filter { $0.name == name || ($0.name == "init" && $0.owner == name) }
        if !named.isEmpty { return (Array(Set(named.compactMap(\.owner))).sorted(), named) }
        let candidates = Array(owners) + registry.allSteps.map(\.name)
        throw UnknownName(name: name, suggestion: closest(to: name, among: candidates))
    }

    /// The reference as JSON for editors: `{"types": [{name, doc, supertypes}], "steps": [{owner, name,
    /// kind, signature, result, doc, settable}]}`, limited to what `name` selects.
    public static func json(_ registry: Registry, named name: String? = nil) throws -> String {
        struct TypeEntry: Encodable {
            var name: String
            var doc: String
            var supertypes: [String]
        }
        struct StepEntry: Encodable {
            var owner: String?
            var name: String
            var kind: String
            var signature: String
            var result: String
            var doc: String
            var settable: Bool
        }
        struct Reference: Encodable {
            var types: [TypeEntry]
            var steps: [StepEntry]
        }
        let (types, steps) = try Self.steps(registry, named: name)
        let reference = Reference(
            types: types.compactMap { registry.types[$0] }.map {
                TypeEntry(name: $0.name, doc: $0.doc, supertypes: $0.supertypes)
            },
            steps: steps.map {
                StepEntry(
                    owner: $0.owner, name: $0.name, kind: $0.kind.rawValue, signature: $0.signature,
                    result: $0.resultType.description, doc: $0.doc, settable: $0.isSettable)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(reference), as: UTF8.self) + "\n"
    }

    /// The reference text: global functions and constants first, then each type alphabetically;
    /// only what `name` selects when it is given (see ``steps(_:named:)``).
    ///
    /// - Throws: ``UnknownName`` when nothing is called `name`.
    public static func text(_ registry: Registry, named name: String?) throws -> String {
        guard name != nil else { return text(registry) }
        let (types, steps) = try Self.steps(registry, named: name)
        var lines: [String] = []
        let globals = steps.filter { $0.owner == nil }
        if !globals.isEmpty { lines.append("Functions, constants and operators") }
        lines += globals.map(line)
        for owner in types {
            if !lines.isEmpty { lines.append("") }
            lines.append(registry.types[owner].map { "\(owner) — \($0.doc)" } ?? owner)
            lines += steps.filter { $0.owner == owner }.map(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The reference text: global functions and constants first, then each type alphabetically.
    public static func text(_ registry: Registry) -> String {
        var groups: [String: [Step]] = [:]
        for step in registry.allSteps { groups[step.owner ?? "", default: []].append(step) }
        var owners = Set(groups.keys).union(registry.types.keys)
        owners.remove("")
        var lines: [String] = []
        if let globals = groups[""] {
            lines.append("Functions, constants and operators")
            lines += globals.map(line)
            lines.append(
                "  zip(_ a: [A], _ b: [B]) -> [(A, B)]\n      Pairs of elements, as long as the shorter sequence."
            )
            lines.append("  type(of value: T) -> Metatype\n      The value's type, shown as Swift prints it.")
        }
        for owner in owners.sorted() {
            if !lines.isEmpty { lines.append("") }
            lines.append(registry.types[owner].map { "\(owner) — \($0.doc)" } ?? owner)
            if let supertypes = registry.types[owner]?.supertypes, !supertypes.isEmpty {
                lines.append("  (usable as \(supertypes.joined(separator: ", ")))")
            }
            lines += (groups[owner] ?? []).map(line)
            if owner == "Array" {
                // The cell language's own generic methods (also on integer ranges), typed by the resolver.
                lines += CollectionMethod.allCases.map { "  \($0.signature)\n      \($0.doc)" }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ step: Step) -> String {
        let result: String
        switch step.kind {
        case .property, .staticProperty, .constant:
            result = step.isSettable ? " { get set }" : ""
        default:
            result = step.resultType == .void ? "" : " -> \(step.resultType)"
        }
        var signature = step.signature
        if case .infixOperator = step.kind { signature = "func " + signature }
        if case .prefixOperator = step.kind { signature = "prefix func " + signature }
        return "  \(signature)\(hasResultClause(signature) ? "" : result)\n      \(step.doc)"
    }

    /// Whether `signature` declares its result (`-> T` after its parameter list, not inside it as in
    /// `plotFunction(_ f: (Double) -> Double)`).
    static func hasResultClause(_ signature: String) -> Bool {
        guard let open = signature.firstIndex(of: "(") else { return signature.contains("->") }
        var depth = 0
        for index in signature[open...].indices {
            switch signature[index] {
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 { return signature[signature.index(after: index)...].contains("->") }
            default: break
            }
        }
        return false
    }
}
