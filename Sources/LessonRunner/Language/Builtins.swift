import LessonSource
import TensorCore

/// The operations the cell language itself provides (as Swift's standard library does): operators
/// on numbers, strings and arrays, and the generic collection methods, whose types depend on their
/// element types (`xs.map { … }`), so the ``Resolver`` types them and the ``Interpreter`` runs them.
enum Builtin: Hashable {
    case arithmetic(String)
    case comparison(String)
    case equality(isEqual: Bool)
    case identity(isSame: Bool)
    case range(closed: Bool)
    case coalesce
    case negate
    case not
    /// A collection method or property, by its Swift name (`map`, `sorted(by:)` is `sortedBy`).
    case method(CollectionMethod)
    /// `zip(a, b)`.
    case zip
    /// `type(of: x)`: the static type when it is known, else the value's own.
    case typeOf(CellType)
    /// `dictionary[key, default: value]`.
    case dictionaryDefault
    /// A dictionary's `count`, `isEmpty`, `keys` (in insertion order) or `values`.
    case dictionaryMember(String)
    /// `todo()`: the student edition's placeholder for an exercise's solution; of the type its place
    /// expects, and running it ends the cell as "not done yet".
    case todo
    /// `Array(sequence)`: the elements of a range, an array or a dictionary (Python's `list(range(6))`).
    case arrayOf
}

/// What `todo()` throws: the cell reached a part of an exercise the student has not written yet.
struct NotDoneYet: Error {}

/// The generic collection methods of arrays and integer ranges.
enum CollectionMethod: String, CaseIterable, Hashable {
    case count, isEmpty, first, last, indices
    case map, filter, reduce, contains, containsWhere, allSatisfy, firstWhere, firstIndex
    case sorted, sortedBy, enumerated, reversed, dropLast, dropFirst, prefix, suffix, joined, min, max
    case append

    /// The Swift spelling `khru steps` shows.
    var signature: String {
        switch self {
        case .count: "Array.count: Int"
        case .isEmpty: "Array.isEmpty: Bool"
        case .first: "Array.first: Element?"
        case .last: "Array.last: Element?"
        case .indices: "Array.indices: Range<Int>"
        case .map: "Array.map(_ transform: (Element) -> T) -> [T]"
        case .filter: "Array.filter(_ isIncluded: (Element) -> Bool) -> [Element]"
        case .reduce: "Array.reduce(_ initial: T, _ combine: (T, Element) -> T) -> T"
        case .contains: "Array.contains(_ element: Element) -> Bool"
        case .containsWhere: "Array.contains(where predicate: (Element) -> Bool) -> Bool"
        case .allSatisfy: "Array.allSatisfy(_ predicate: (Element) -> Bool) -> Bool"
        case .firstWhere: "Array.first(where predicate: (Element) -> Bool) -> Element?"
        case .firstIndex: "Array.firstIndex(of element: Element) -> Int?"
        case .sorted: "Array.sorted() -> [Element]"
        case .sortedBy: "Array.sorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element]"
        case .enumerated: "Array.enumerated() -> [(Int, Element)]"
        case .reversed: "Array.reversed() -> [Element]"
        case .dropLast: "Array.dropLast(_ k: Int = 1) -> [Element]"
        case .dropFirst: "Array.dropFirst(_ k: Int = 1) -> [Element]"
        case .prefix: "Array.prefix(_ maxLength: Int) -> [Element]"
        case .suffix: "Array.suffix(_ maxLength: Int) -> [Element]"
        case .joined: "Array.joined(separator: String = \"\") -> String"
        case .min: "Array.min() -> Element?"
        case .max: "Array.max() -> Element?"
        case .append: "mutating Array.append(_ element: Element)"
        }
    }

    /// What it does, for `khru steps`.
    var doc: String {
        switch self {
        case .count: "The number of elements."
        case .isEmpty: "Whether there are no elements."
        case .first: "The first element, or nil."
        case .last: "The last element, or nil."
        case .indices: "0..<count."
        case .map: "Each element transformed."
        case .filter: "The elements for which the closure is true."
        case .reduce: "Combines the elements, starting from initial."
        case .contains: "Whether an element equals the value."
        case .containsWhere: "Whether the closure is true for some element."
        case .allSatisfy: "Whether the closure is true for every element."
        case .firstWhere: "The first element for which the closure is true, or nil."
        case .firstIndex: "The index of the first element equal to the value, or nil."
        case .sorted: "The elements in increasing order (numbers or strings)."
        case .sortedBy: "The elements ordered by the closure (stable)."
        case .enumerated: "(index, element) pairs."
        case .reversed: "The elements in reverse order."
        case .dropLast: "All but the last k elements."
        case .dropFirst: "All but the first k elements."
        case .prefix: "The first maxLength elements."
        case .suffix: "The last maxLength elements."
        case .joined: "Strings joined with a separator."
        case .min: "The smallest element, or nil."
        case .max: "The largest element, or nil."
        case .append: "Adds an element at the end (on a var)."
        }
    }
}

/// A failure of a built-in operation; the interpreter locates it.
struct BuiltinFailure: Error {
    var message: String
}

/// The run-time half of ``Builtin``: values in, value out (the types were checked by the resolver).
enum BuiltinOperations {
    /// Applies `builtin`; `call` calls a function value (a closure argument).
    static func apply(
        _ builtin: Builtin, _ arguments: [Value], call: (Value, [Value]) throws -> Value
    ) throws -> Value {
        switch builtin {
        case .arithmetic(let op): return try arithmetic(op, arguments[0], arguments[1])
        case .comparison(let op):
            guard let ordering = compare(arguments[0], arguments[1]) else {
                throw BuiltinFailure(
                    message: "cannot compare \(arguments[0].cellType) and \(arguments[1].cellType)")
            }
            switch op {
            case "<": return .bool(ordering < 0)
            case "<=": return .bool(ordering <= 0)
            case ">": return .bool(ordering > 0)
            default: return .bool(ordering >= 0)
            }
        case .equality(let isEqual):
            guard let equal = arguments[0].isEqual(to: arguments[1]) else {
                throw BuiltinFailure(
                    message: "cannot compare \(arguments[0].cellType) and \(arguments[1].cellType) with ==")
            }
            return .bool(equal == isEqual)
        case .identity(let isSame):
            guard case .object(let a) = arguments[0], case .object(let b) = arguments[1], a.isReference,
                b.isReference
            else { throw BuiltinFailure(message: "=== compares class instances") }
            return .bool(((a.payload as AnyObject) === (b.payload as AnyObject)) == isSame)
        case .range(let closed):
            let (lower, upper) = (arguments[0], arguments[1])
            guard let ordering = compare(lower, upper) else {
                throw BuiltinFailure(
                    message: "cannot form a range of \(lower.cellType) and \(upper.cellType)")
            }
            guard ordering <= 0 else {
                throw BuiltinFailure(
                    message: "range requires lowerBound <= upperBound "
                        + "(\(lower.displayText)\(closed ? "..." : "..<")\(upper.displayText))")
            }
            return .range(lower: lower, upper: upper, closed: closed)
        case .coalesce:
            if case .none = arguments[0] { return arguments[1] }
            return arguments[0]
        case .negate:
            switch arguments[0] {
            case .int(let value):
                guard value != .min else { throw BuiltinFailure(message: "arithmetic overflow in -\(value)") }
                return .int(-value)
            case .double(let value): return .double(-value)
            case .float(let value): return .float(-value)
            default: throw BuiltinFailure(message: "cannot negate \(arguments[0].cellType)")
            }
        case .not:
            guard case .bool(let value) = arguments[0] else {
                throw BuiltinFailure(message: "'!' needs a Bool, not \(arguments[0].cellType)")
            }
            return .bool(!value)
        case .dictionaryDefault:
            guard case .dictionary(let dictionary) = arguments[0] else {
                throw BuiltinFailure(message: "\(arguments[0].cellType) is not a dictionary")
            }
            return dictionary.value(for: arguments[1]) ?? arguments[2]
        case .dictionaryMember(let name):
            guard case .dictionary(let dictionary) = arguments[0] else {
                throw BuiltinFailure(message: "\(arguments[0].cellType) is not a dictionary")
            }
            switch name {
            case "count": return .int(dictionary.count)
            case "isEmpty": return .bool(dictionary.count == 0)
            case "keys": return .array(dictionary.entries.map(\.key))
            default: return .array(dictionary.entries.map(\.value))
            }
        case .todo:
            throw NotDoneYet()
        case .arrayOf:
            return .array(try elements(of: arguments[0]))
        case .typeOf(let type):
            return CellMetatype(type: type == .any ? arguments[0].cellType : type).cellValue
        case .zip:
            let a = try elements(of: arguments[0])
            let b = try elements(of: arguments[1])
            return .array(Swift.zip(a, b).map { .tuple([$0, $1]) })
        case .method(let method):
            return try self.method(method, arguments, call: call)
        }
    }

    /// The elements of an array or an integer range.
    static func elements(of value: Value) throws -> [Value] {
        switch value {
        case .array(let elements): return elements
        case .dictionary(let dictionary): return dictionary.entries.map { .tuple([$0.key, $0.value]) }
        case .range(.int(let lower), .int(let upper), let closed):
            guard let bounds = integerBounds(lower, upper, closed: closed) else { return [] }
            let (span, overflow) = bounds.upperBound.subtractingReportingOverflow(bounds.lowerBound)
            guard !overflow, span < 100_000_000 else {
                throw BuiltinFailure(message: "the range \(value.displayText) is too long to list")
            }
            return bounds.map(Value.int)
        default: throw BuiltinFailure(message: "\(value.cellType) is not a sequence")
        }
    }

    /// The elements of a sequence value, one at a time: an integer range is walked without being
    /// listed, so `for i in 0..<n` costs no memory and a long loop ends at the cell's timeout.
    static func sequence(of value: Value) throws -> AnySequence<Value> {
        if case .range(.int(let lower), .int(let upper), let closed) = value {
            guard let bounds = integerBounds(lower, upper, closed: closed) else { return AnySequence([]) }
            return AnySequence(bounds.lazy.map(Value.int))
        }
        return AnySequence(try elements(of: value))
    }

    /// The closed bounds of an integer range, or `nil` when it is empty (never overflowing).
    private static func integerBounds(_ lower: Int, _ upper: Int, closed: Bool) -> ClosedRange<Int>? {
        if closed { return upper >= lower ? lower...upper : nil }
        return upper > lower ? lower...(upper - 1) : nil
    }

    private static func method(
        _ method: CollectionMethod, _ arguments: [Value], call: (Value, [Value]) throws -> Value
    ) throws -> Value {
        let elements = try self.elements(of: arguments[0])
        func predicate(_ element: Value) throws -> Bool {
            guard case .bool(let result) = try call(arguments[1], [element]) else {
                throw BuiltinFailure(message: "the closure must return a Bool")
            }
            return result
        }
        func count(_ index: Int) throws -> Int {
            guard case .int(let k) = arguments[index], k >= 0 else {
                throw BuiltinFailure(message: "\(method.rawValue) needs a count ≥ 0")
            }
            return k
        }
        switch method {
        case .count: return .int(elements.count)
        case .isEmpty: return .bool(elements.isEmpty)
        case .first: return elements.first ?? .none
        case .last: return elements.last ?? .none
        case .indices: return .range(lower: .int(0), upper: .int(elements.count), closed: false)
        case .map: return .array(try elements.map { try call(arguments[1], [$0]) })
        case .filter: return .array(try elements.filter(predicate))
        case .reduce: return try elements.reduce(arguments[1]) { try call(arguments[2], [$0, $1]) }
        case .contains: return .bool(elements.contains { $0.isEqual(to: arguments[1]) == true })
        case .containsWhere: return .bool(try elements.contains(where: predicate))
        case .allSatisfy: return .bool(try elements.allSatisfy(predicate))
        case .firstWhere: return try elements.first(where: predicate) ?? .none
        case .firstIndex:
            return elements.firstIndex { $0.isEqual(to: arguments[1]) == true }.map(Value.int) ?? .none
        case .sorted, .min, .max:
            var failure: BuiltinFailure?
            let sorted = elements.sorted { a, b in
                guard let ordering = compare(a, b) else {
                    failure = BuiltinFailure(message: "cannot order \(a.cellType) values; use sorted(by:)")
                    return false
                }
                return ordering < 0
            }
            if let failure { throw failure }
            if method == .min { return sorted.first ?? .none }
            if method == .max { return sorted.last ?? .none }
            return .array(sorted)
        case .sortedBy:
            var failure: Error?
            let indexed = Array(elements.enumerated())
            let sorted = indexed.sorted { a, b in
                guard failure == nil else { return false }
                do {
                    guard case .bool(let before) = try call(arguments[1], [a.element, b.element]) else {
                        throw BuiltinFailure(message: "sorted(by:) needs a closure returning Bool")
                    }
                    if before { return true }
                    guard case .bool(let after) = try call(arguments[1], [b.element, a.element]) else {
                        return false
                    }
                    return !after && a.offset < b.offset
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .array(sorted.map(\.element))
        case .enumerated: return .array(elements.enumerated().map { .tuple([.int($0.offset), $0.element]) })
        case .reversed: return .array(elements.reversed())
        case .dropLast: return .array(Array(elements.dropLast(try count(1))))
        case .dropFirst: return .array(Array(elements.dropFirst(try count(1))))
        case .prefix: return .array(Array(elements.prefix(try count(1))))
        case .suffix: return .array(Array(elements.suffix(try count(1))))
        case .joined:
            guard case .string(let separator) = arguments[1] else {
                throw BuiltinFailure(message: "joined(separator:) takes a String")
            }
            return .string(elements.map(\.plainText).joined(separator: separator))
        case .append:
            try checkBudget(
                (elements.count + 1) * MemoryLayout<Value>.stride, "an array of \(elements.count + 1) values")
            return .array(elements + [arguments[1]])
        }
    }

    /// Throws when a string or array a cell grows would take more than the ``MemoryBudget``
    /// (`s = s + s` in a loop doubles until the machine runs out long before a timeout).
    static func checkBudget(_ bytes: Int, _ what: String) throws {
        guard bytes > MemoryBudget.bytes else { return }
        throw BuiltinFailure(message: MemoryBudget.exceeded(what, size: MemoryBudget.format(bytes: bytes)))
    }

    /// `+ - * / %` on numbers, `+` on strings and arrays.
    static func arithmetic(_ op: String, _ lhs: Value, _ rhs: Value) throws -> Value {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            let (result, overflow): (Int, Bool)
            switch op {
            case "+": (result, overflow) = a.addingReportingOverflow(b)
            case "-": (result, overflow) = a.subtractingReportingOverflow(b)
            case "*": (result, overflow) = a.multipliedReportingOverflow(by: b)
            default:
                guard b != 0 else { throw BuiltinFailure(message: "division by zero") }
                (result, overflow) =
                    op == "/"
                    ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
            }
            guard !overflow else { throw BuiltinFailure(message: "arithmetic overflow in \(a) \(op) \(b)") }
            return .int(result)
        case (.string(let a), .string(let b)) where op == "+":
            try checkBudget(a.utf8.count + b.utf8.count, "a string")
            return .string(a + b)
        case (.array(let a), .array(let b)) where op == "+":
            try checkBudget(
                (a.count + b.count) * MemoryLayout<Value>.stride, "an array of \(a.count + b.count) values")
            return .array(a + b)
        default: break
        }
        guard let a = lhs.doubleValue, let b = rhs.doubleValue else {
            throw BuiltinFailure(
                message:
                    "binary operator '\(op)' cannot be applied to operands of type \(lhs.cellType) and \(rhs.cellType)"
            )
        }
        let result: Double
        switch op {
        case "+": result = a + b
        case "-": result = a - b
        case "*": result = a * b
        case "/": result = a / b
        default: result = a.truncatingRemainder(dividingBy: b)
        }
        switch (lhs, rhs) {
        case (.double, _), (_, .double): return .double(result)
        default: return .float(Float(result))
        }
    }

    /// -1, 0, 1 for numbers and strings; `nil` when they do not compare.
    static func compare(_ lhs: Value, _ rhs: Value) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.object(let a), .object(let b)):
            // Library values that are Comparable in Swift (`Path`) sort as Swift sorts them.
            guard let left = a.payload as? any Comparable else { return nil }
            return order(left, b.payload)
        default:
            guard let a = lhs.doubleValue, let b = rhs.doubleValue, !a.isNaN, !b.isNaN else { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        }
    }

    /// -1, 0 or 1 as `lhs` is before, equal to or after `rhs`; nil when `rhs` is another type.
    private static func order<T: Comparable>(_ lhs: T, _ rhs: Any) -> Int? {
        guard let rhs = rhs as? T else { return nil }
        return lhs < rhs ? -1 : (lhs == rhs ? 0 : 1)
    }
}
