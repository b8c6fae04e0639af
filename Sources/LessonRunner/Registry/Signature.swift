import Foundation
import SwiftParser
import SwiftSyntax

/// One parameter of a registered step, as its signature declares it.
public struct StepParameter: Sendable {
    /// The argument label; `nil` for `_`.
    public var label: String?
    /// The parameter's name (the second name when there are two).
    public var name: String
    /// Its type.
    public var type: CellType
    /// The type as written in the signature (`LR`, `Double?`).
    public var typeText: String
    /// The default value as written (`1e-3`, `nil`, `.resnet34`), if any.
    public var defaultText: String?
    /// The parsed default, evaluated by the interpreter when the argument is left out.
    public var defaultValue: ExprSyntax?
    /// Whether the parameter is variadic (`_ items: Any...`).
    public var isVariadic: Bool

    /// The name a diagnostic uses: the label, or the name for `_` parameters.
    public var displayName: String { label ?? name }
}

/// A step signature, parsed from the one-line declaration a binding writes.
///
/// Forms (the optional `func ` prefix and `-> Result` suffix are accepted and checked; with `func `, a
/// capitalised name is a function, not an initializer):
/// - `name(_ x: Int, y: Double = 1)` — a function;
/// - `Type(_ x: Int)` or `Type.init(_ x: Int)` — an initializer;
/// - `Type.name(_ x: Int)` — a method (the closure's first parameter is the receiver);
/// - `static Type.name(_ x: Int)` — a static method, also reachable as `.name(…)` where a `Type` is expected;
/// - `Type.subscript(_ key: String)` — a subscript (`value[key]`);
/// - `/(_ lhs: Path, _ rhs: String)` — an infix operator; `-(_ x: Tensor)` — a prefix operator;
/// - `Type.name: T`, `static Type.name: T`, `name: T` — a property, a static property, a constant.
struct Signature {
    enum Form: Equatable {
        case callable
        case property
    }

    var isStatic: Bool
    var owner: String?
    var name: String
    var parameters: [StepParameter]
    var declaredResult: CellType?
    var propertyType: CellType?
    var form: Form
    var isOperator: Bool

    static let operatorCharacters = Set("/=-+!*%<>&|^~?.")

    init(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        // `func L(…)`: a function even when its name is capitalised (else `Type(…)` is an initializer).
        let isFunction = rest.hasPrefix("func ")
        if isFunction { rest = rest.dropFirst(5).drop(while: { $0 == " " }) }
        isStatic = rest.hasPrefix("static ")
        if isStatic { rest = rest.dropFirst(7).drop(while: { $0 == " " }) }
        parameters = []
        declaredResult = nil
        propertyType = nil
        let operatorPrefix = rest.prefix(while: { Self.operatorCharacters.contains($0) })
        if !operatorPrefix.isEmpty, rest.dropFirst(operatorPrefix.count).first == "(" {
            isOperator = true
            owner = nil
            name = String(operatorPrefix)
            form = .callable
            parseCallable(rest.dropFirst(operatorPrefix.count))
            return
        }
        isOperator = false
        let headEnd = rest.firstIndex(where: { $0 == "(" || $0 == ":" }) ?? rest.endIndex
        let head = rest[..<headEnd].trimmingCharacters(in: .whitespaces)
        if let dot = head.lastIndex(of: ".") {
            owner = String(head[..<dot])
            name = String(head[head.index(after: dot)...])
        } else {
            owner = nil
            name = head
        }
        if headEnd < rest.endIndex, rest[headEnd] == ":" {
            form = .property
            propertyType = CellType(parsing: String(rest[rest.index(after: headEnd)...]))
            return
        }
        form = .callable
        if owner == nil, !isFunction, let first = name.first, first.isUppercase {
            owner = name
            name = "init"
        }
        parseCallable(rest[headEnd...])
    }

    private mutating func parseCallable(_ text: Substring) {
        let source = "func f\(text)"
        let file = Parser.parse(source: source)
        guard let item = file.statements.first, let function = item.item.as(FunctionDeclSyntax.self) else {
            preconditionFailure("step signature '\(text)' does not parse")
        }
        precondition(!file.hasError, "step signature '\(name)\(text)' has a syntax error")
        declaredResult = function.signature.returnClause.map { CellType($0.type) }
        parameters = function.signature.parameterClause.parameters.map { parameter in
            let first = parameter.firstName.text
            let second = parameter.secondName?.text
            let isVariadic = parameter.ellipsis != nil
            let elementType = CellType(parameter.type)
            return StepParameter(
                label: first == "_" ? nil : first, name: second ?? first,
                type: isVariadic ? .array(elementType) : elementType,
                typeText: parameter.type.trimmedDescription + (isVariadic ? "..." : ""),
                defaultText: parameter.defaultValue?.value.trimmedDescription,
                defaultValue: parameter.defaultValue?.value, isVariadic: isVariadic)
        }
    }
}
