import SwiftParser
import SwiftSyntax

/// The static type of a cell expression, as far as the checker knows it.
///
/// Types print as Swift spells them (`Int`, `[String]`, `Double?`, `(Row) -> String`,
/// `ClosedRange<Double>`), so a registry signature's types and a closure's generic types compare equal.
public indirect enum CellType: Hashable, Sendable, CustomStringConvertible {
    /// A nominal type: `Int`, `Learner`, `Tensor`.
    case named(String)
    /// `[Element]`.
    case array(CellType)
    /// `Wrapped?`.
    case optional(CellType)
    /// `(A, B, …)`.
    case tuple([CellType])
    /// `(lr: Double, epochs: Int)`: a tuple with at least one label (`nil` where an element has none).
    case labeledTuple(labels: [String?], elements: [CellType])
    /// `[Key: Value]`.
    case dictionary(CellType, CellType)
    /// `(A, B) -> R`.
    case function([CellType], CellType)
    /// `ClosedRange<Bound>` (`a...b`) or `Range<Bound>` (`a..<b`).
    case range(CellType, closed: Bool)
    /// Unknown or dynamic: accepted anywhere, so one mistake does not cascade.
    case any
    /// No value (`Void`).
    case void

    /// `Int`.
    public static let int = CellType.named("Int")
    /// `Double`.
    public static let double = CellType.named("Double")
    /// `Float`.
    public static let float = CellType.named("Float")
    /// `String`.
    public static let string = CellType.named("String")
    /// `Bool`.
    public static let bool = CellType.named("Bool")
    /// The names of the language's own value types (numbers, text, truth values).
    static let builtinNames: Set<String> = [
        "Int", "Double", "Float", "String", "Bool", "Substring", "Character",
    ]

    public var description: String {
        switch self {
        case .named(let name): name
        case .array(let element): "[\(element)]"
        case .optional(let wrapped):
            if case .function = wrapped { "(\(wrapped))?" } else { "\(wrapped)?" }
        case .tuple(let elements): "(\(elements.map(\.description).joined(separator: ", ")))"
        case .labeledTuple(let labels, let elements):
            "(\(zip(labels, elements).map { ($0.map { "\($0): " } ?? "") + $1.description }.joined(separator: ", ")))"
        case .dictionary(let key, let value): "[\(key): \(value)]"
        case .function(let parameters, let result):
            "(\(parameters.map(\.description).joined(separator: ", "))) -> \(result)"
        case .range(let bound, let closed): closed ? "ClosedRange<\(bound)>" : "Range<\(bound)>"
        case .any: "Any"
        case .void: "Void"
        }
    }

    /// The name members are registered under: `Array` for arrays, `Optional`, `Tuple`, `ClosedRange`,
    /// `Range`, `Function`, or the nominal name.
    public var ownerName: String {
        switch self {
        case .named(let name): name
        case .array: "Array"
        case .optional: "Optional"
        case .tuple, .labeledTuple: "Tuple"
        case .dictionary: "Dictionary"
        case .function: "Function"
        case .range(_, let closed): closed ? "ClosedRange" : "Range"
        case .any: "Any"
        case .void: "Void"
        }
    }

    /// A tuple's element types, labeled or not; `nil` for other types.
    public var tupleElements: [CellType]? {
        switch self {
        case .tuple(let elements), .labeledTuple(_, let elements): elements
        default: nil
        }
    }

    /// A tuple type with `labels`, or the plain tuple when no element has one (as Swift treats
    /// `(Double, Int)` and `(_: Double, _: Int)` alike).
    public static func tuple(_ elements: [CellType], labels: [String?]) -> CellType {
        labels.contains { $0 != nil } && labels.count == elements.count
            ? .labeledTuple(labels: labels, elements: elements) : .tuple(elements)
    }

    /// Whether the type is numeric (`Int`, `Double`, `Float`).
    public var isNumeric: Bool { self == .int || self == .double || self == .float }

    /// Parses a type written in Swift (`[String]`, `Double?`, `(Row) -> String`, `ClosedRange<Double>`).
    public init(parsing text: String) {
        var parser = Parser(text)
        self.init(TypeSyntax.parse(from: &parser))
    }

    /// Converts a parsed Swift type.
    public init(_ syntax: TypeSyntax) {
        if let array = syntax.as(ArrayTypeSyntax.self) {
            self = .array(CellType(array.element))
        } else if let dictionary = syntax.as(DictionaryTypeSyntax.self) {
            self = .dictionary(CellType(dictionary.key), CellType(dictionary.value))
        } else if let optional = syntax.as(OptionalTypeSyntax.self) {
            self = .optional(CellType(optional.wrappedType))
        } else if let tuple = syntax.as(TupleTypeSyntax.self) {
            let elements = tuple.elements.map { CellType($0.type) }
            if elements.isEmpty {
                self = .void
            } else if elements.count == 1, let only = elements.first {
                self = only
            } else {
                // `(min: Double, max: Double)`; `_` is no label.
                let labels = tuple.elements.map { element -> String? in
                    guard let name = element.firstName, name.text != "_" else { return nil }
                    return name.text
                }
                self = .tuple(elements, labels: labels)
            }
        } else if let function = syntax.as(FunctionTypeSyntax.self) {
            self = .function(
                function.parameters.map { CellType($0.type) }, CellType(function.returnClause.type))
        } else if let attributed = syntax.as(AttributedTypeSyntax.self) {
            self = CellType(attributed.baseType)
        } else if let identifier = syntax.as(IdentifierTypeSyntax.self) {
            let name = identifier.name.text
            let arguments = identifier.genericArgumentClause?.arguments.compactMap { argument -> CellType? in
                guard case .type(let type) = argument.argument else { return nil }
                return CellType(type)
            }
            switch (name, arguments) {
            case ("Void", nil): self = .void
            case ("Any", nil): self = .any
            // A cell's strings are whole values: `split` gives Swift substrings, which cells hold as strings.
            case ("Substring", nil): self = .string
            case ("Array", .some(let arguments)) where arguments.count == 1: self = .array(arguments[0])
            case ("Dictionary", .some(let arguments)) where arguments.count == 2:
                self = .dictionary(arguments[0], arguments[1])
            case ("Optional", .some(let arguments)) where arguments.count == 1: self = .optional(arguments[0])
            case ("ClosedRange", .some(let arguments)) where arguments.count == 1:
                self = .range(arguments[0], closed: true)
            case ("Range", .some(let arguments)) where arguments.count == 1:
                self = .range(arguments[0], closed: false)
            default: self = .named(syntax.trimmedDescription)
            }
        } else {
            self = .named(syntax.trimmedDescription)
        }
    }
}
