import Reporting

/// What a cell name holds: a number, string, collection, closure, or an object of the library.
///
/// Library values keep Swift's semantics: a class instance (a `Learner`) is shared, so every binding
/// sees the same object; a struct (a `Tensor`, a `DataFrame`) is copied with the value.
public indirect enum Value {
    /// An `Int`.
    case int(Int)
    /// A `Double` (float literals such as `3e-3` are doubles).
    case double(Double)
    /// A `Float` (the library's tensors hold Float32).
    case float(Float)
    /// A `String`.
    case string(String)
    /// A `Bool`.
    case bool(Bool)
    /// An array `[a, b]`.
    case array([Value])
    /// A tuple `(a, b)`.
    case tuple([Value])
    /// A tuple with labels `(lr: 0.001, epochs: 3)` (`nil` where an element has none).
    case labeledTuple(labels: [String?], elements: [Value])
    /// A dictionary `["a": 1]`.
    case dictionary(CellDictionary)
    /// A range `a...b` (closed) or `a..<b` (half-open); `1e-6...1e-4` is fastai's `slice(1e-6, 1e-4)`.
    case range(lower: Value, upper: Value, closed: Bool)
    /// A closure or a bound function.
    case function(CellFunctionValue)
    /// `nil`.
    case none
    /// A value of the library (class instances keep their identity).
    case object(LibraryObject)
    /// The result of a call that returns nothing.
    case void

    /// The value's dynamic type.
    public var cellType: CellType {
        switch self {
        case .int: .int
        case .double: .double
        case .float: .float
        case .string: .string
        case .bool: .bool
        case .array(let elements):
            .array(Self.commonType(elements.map(\.cellType)))
        case .tuple(let elements): .tuple(elements.map(\.cellType))
        case .labeledTuple(let labels, let elements):
            .labeledTuple(labels: labels, elements: elements.map(\.cellType))
        case .dictionary(let dictionary):
            .dictionary(
                Self.commonType(dictionary.entries.map(\.key.cellType)),
                Self.commonType(dictionary.entries.map(\.value.cellType)))
        case .range(let lower, let upper, let closed):
            .range(Self.commonType([lower.cellType, upper.cellType]), closed: closed)
        case .function(let function): function.type
        case .none: .optional(.any)
        case .object(let object): object.type
        case .void: .void
        }
    }

    /// The one type all of `types` share, or `Any`; `Int` and `Double` together make `Double`.
    static func commonType(_ types: [CellType]) -> CellType {
        guard let first = types.first else { return .any }
        if types.allSatisfy({ $0 == first }) { return first }
        if types.allSatisfy(\.isNumeric) { return types.contains(.double) ? .double : .float }
        return .any
    }

    /// A tuple's elements, labeled or not; `nil` for other values.
    public var tupleElements: [Value]? {
        switch self {
        case .tuple(let elements), .labeledTuple(_, let elements): elements
        default: nil
        }
    }

    /// A tuple value with `labels`, or the plain tuple when no element has one.
    public static func tuple(_ elements: [Value], labels: [String?]) -> Value {
        labels.contains { $0 != nil } && labels.count == elements.count
            ? .labeledTuple(labels: labels, elements: elements) : .tuple(elements)
    }

    /// Whether the value is `nil`.
    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// The number as a `Double`, for `Int`, `Double` and `Float` values.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .float(let value): Double(value)
        default: nil
        }
    }
}

/// A value of the library held by a cell, with the type it is registered under.
public struct LibraryObject {
    /// The registered type (`Learner`, `Tensor`).
    public var type: CellType
    /// The Swift value itself; a class instance is held by reference.
    public var payload: Any

    /// Wraps a library value.
    public init(type: CellType, payload: Any) {
        self.type = type
        self.payload = payload
    }

    /// Whether the payload is a class instance (it keeps identity; assigning a property mutates it
    /// in place).
    public var isReference: Bool { Swift.type(of: payload) is AnyClass }
}

/// A function value: a cell closure or a library function, callable with positional arguments.
public struct CellFunctionValue {
    /// The closure's type; parameters are `Any` when the cell did not annotate them.
    public var type: CellType
    /// The number of parameters, when known.
    public var arity: Int?
    /// Calls the function.
    public var call: ([Value]) throws -> Value

    /// Creates a function value.
    public init(type: CellType, arity: Int?, call: @escaping ([Value]) throws -> Value) {
        self.type = type
        self.arity = arity
        self.call = call
    }
}

/// A library type whose text in a cell (`print`, interpolation, a value inside an array) differs from
/// its `description`.
public protocol CellTextConvertible {
    /// The value as a cell shows it in text.
    var cellText: String { get }
}

/// A library type that shows itself as a rich output when it is a cell's last expression.
///
/// Bindings conform library types: a `DataFrame` shows a table, an image a PNG, a `Tensor` its shape
/// and a summary of its values.
public protocol CellDisplayable {
    /// The output that shows the value.
    var cellOutput: CellOutput { get }
}

extension Value {
    /// The output a cell shows when this value is its last expression, as Jupyter shows it.
    public var displayOutput: CellOutput? {
        switch self {
        case .void: return nil
        case .object(let object):
            if let displayable = object.payload as? any CellDisplayable { return displayable.cellOutput }
            return .value(displayText)
        default: return .value(displayText)
        }
    }

    /// The value as text: numbers in their shortest exact form, strings quoted inside collections.
    public var displayText: String { text(quoted: true) }

    /// The value as `print` and string interpolation show it (strings unquoted at the top).
    public var plainText: String { text(quoted: false) }

    private func text(quoted: Bool) -> String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return Self.format(value)
        case .float(let value): return value.description
        case .string(let value): return quoted ? "\"\(value)\"" : value
        case .bool(let value): return String(value)
        case .array(let elements):
            let limit = 20
            var parts = elements.prefix(limit).map(\.displayText)
            if elements.count > limit { parts.append("… (\(elements.count) items)") }
            return "[\(parts.joined(separator: ", "))]"
        case .tuple(let elements): return "(\(elements.map(\.displayText).joined(separator: ", ")))"
        case .labeledTuple(let labels, let elements):
            // As Swift prints one: `(lr: 0.001, epochs: 3)`.
            let parts = zip(labels, elements).map { ($0.map { "\($0): " } ?? "") + $1.displayText }
            return "(\(parts.joined(separator: ", ")))"
        case .dictionary(let dictionary):
            guard dictionary.count > 0 else { return "[:]" }
            let limit = 20
            var parts = dictionary.sortedEntries.prefix(limit).map {
                "\($0.key.displayText): \($0.value.displayText)"
            }
            if dictionary.count > limit { parts.append("… (\(dictionary.count) entries)") }
            return "[\(parts.joined(separator: ", "))]"
        case .range(let lower, let upper, let closed):
            return "\(lower.displayText)\(closed ? "..." : "..<")\(upper.displayText)"
        case .function(let function): return "(function \(function.type))"
        case .none: return "nil"
        case .void: return "()"
        case .object(let object):
            if let enumCase = object.payload as? DeclaredEnumValue {
                // As Swift shows a case: `Split.train` as a value, `train` when printed.
                return quoted ? "\(enumCase.typeName).\(enumCase.caseName)" : enumCase.caseName
            }
            if let convertible = object.payload as? any CellTextConvertible { return convertible.cellText }
            if let convertible = object.payload as? any CustomStringConvertible {
                return convertible.description
            }
            return "\(object.type)"
        }
    }

    /// Formats a Double as Swift prints it (`0.001`, `3e-05`, `2.0`), which round-trips exactly.
    static func format(_ value: Double) -> String { value.description }

    /// Structural equality for `==`, or `nil` when the values do not compare.
    ///
    /// Numbers compare by value, collections element-wise, library values when their type is
    /// `Equatable`, class instances by identity otherwise.
    public func isEqual(to other: Value) -> Bool? {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.none, .none): return true
        case (.none, _), (_, .none): return false
        case (.array(let a), .array(let b)), (.tuple(let a), .tuple(let b)),
            (.labeledTuple(_, let a), .labeledTuple(_, let b)), (.tuple(let a), .labeledTuple(_, let b)),
            (.labeledTuple(_, let a), .tuple(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) {
                guard let equal = x.isEqual(to: y) else { return nil }
                if !equal { return false }
            }
            return true
        case (.dictionary(let a), .dictionary(let b)): return a.isEqual(to: b)
        case (.range(let al, let au, let ac), .range(let bl, let bu, let bc)):
            guard ac == bc, let lower = al.isEqual(to: bl), let upper = au.isEqual(to: bu) else { return nil }
            return lower && upper
        case (.object(let a), .object(let b)):
            if let equal = Self.equalPayloads(a.payload, b.payload) { return equal }
            if a.isReference && b.isReference { return (a.payload as AnyObject) === (b.payload as AnyObject) }
            return nil
        default:
            if let a = doubleValue, let b = other.doubleValue { return a == b }
            return nil
        }
    }

    private static func equalPayloads(_ a: Any, _ b: Any) -> Bool? {
        guard let a = a as? any Equatable else { return nil }
        return a.isEqual(toAny: b)
    }
}

extension Equatable {
    fileprivate func isEqual(toAny other: Any) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}
