/// `khru steps`: the registry as a reference, every step with its signature and doc, grouped by type.
public enum StepsReference {
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
        return "  \(signature)\(signature.contains("->") ? "" : result)\n      \(step.doc)"
    }
}
