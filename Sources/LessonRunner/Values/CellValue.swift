/// A Swift type a cell value converts to and from: what a binding's closure parameters and result are.
///
/// Numbers, strings, booleans, arrays, optionals, ranges and ``Value`` itself conform here; library
/// types conform through ``LibraryValue`` (one empty extension each, in the step bindings).
public protocol CellValue {
    /// The type the checker sees.
    static var cellType: CellType { get }
    /// Converts a cell value, or throws ``ConversionError``.
    static func from(_ value: Value) throws -> Self
    /// The value as a cell holds it.
    var cellValue: Value { get }
}

/// A value did not have the type a step needs.
public struct ConversionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The type the step wants.
    public var expected: CellType
    /// The type the value has.
    public var actual: CellType

    /// Creates a conversion error.
    public init(expected: CellType, actual: CellType) {
        self.expected = expected
        self.actual = actual
    }

    public var description: String { "cannot convert \(actual) to \(expected)" }
}

/// A library type held by cells as an object: class instances keep their identity, structs are copied.
///
/// Conform with an empty extension: `extension Learner: LibraryValue {}`.
public protocol LibraryValue: CellValue {}

extension LibraryValue {
    /// The Swift type's name (`Learner`, `Tensor`).
    public static var cellType: CellType { .named(String(describing: Self.self)) }

    /// Unwraps the object, or throws.
    public static func from(_ value: Value) throws -> Self {
        if case .object(let object) = value, let payload = object.payload as? Self { return payload }
        throw ConversionError(expected: cellType, actual: value.cellType)
    }

    /// Wraps the value as an object.
    public var cellValue: Value { .object(LibraryObject(type: Self.cellType, payload: self)) }
}

extension Value: CellValue {
    /// Any value.
    public static var cellType: CellType { .any }
    /// The value itself.
    public static func from(_ value: Value) throws -> Value { value }
    /// The value itself.
    public var cellValue: Value { self }
}

extension Int: CellValue {
    /// `Int`.
    public static var cellType: CellType { .int }
    /// An `Int`; doubles do not convert silently.
    public static func from(_ value: Value) throws -> Int {
        if case .int(let int) = value { return int }
        throw ConversionError(expected: .int, actual: value.cellType)
    }
    /// `.int`.
    public var cellValue: Value { .int(self) }
}

extension Double: CellValue {
    /// `Double`.
    public static var cellType: CellType { .double }
    /// Any number (an `Int` literal such as `3` is a valid `Double`, as in Swift).
    public static func from(_ value: Value) throws -> Double {
        if let double = value.doubleValue { return double }
        throw ConversionError(expected: .double, actual: value.cellType)
    }
    /// `.double`.
    public var cellValue: Value { .double(self) }
}

extension Float: CellValue {
    /// `Float`.
    public static var cellType: CellType { .float }
    /// Any number, rounded to Float32.
    public static func from(_ value: Value) throws -> Float {
        if case .float(let float) = value { return float }
        if let double = value.doubleValue { return Float(double) }
        throw ConversionError(expected: .float, actual: value.cellType)
    }
    /// `.float`.
    public var cellValue: Value { .float(self) }
}

extension String: CellValue {
    /// `String`.
    public static var cellType: CellType { .string }
    /// A string.
    public static func from(_ value: Value) throws -> String {
        if case .string(let string) = value { return string }
        throw ConversionError(expected: .string, actual: value.cellType)
    }
    /// `.string`.
    public var cellValue: Value { .string(self) }
}

extension Substring: CellValue {
    /// `String`: cells do not distinguish substrings.
    public static var cellType: CellType { .string }
    /// A string.
    public static func from(_ value: Value) throws -> Substring { Substring(try String.from(value)) }
    /// `.string`.
    public var cellValue: Value { .string(String(self)) }
}

extension Bool: CellValue {
    /// `Bool`.
    public static var cellType: CellType { .bool }
    /// A Boolean.
    public static func from(_ value: Value) throws -> Bool {
        if case .bool(let bool) = value { return bool }
        throw ConversionError(expected: .bool, actual: value.cellType)
    }
    /// `.bool`.
    public var cellValue: Value { .bool(self) }
}

extension Array: CellValue where Element: CellValue {
    /// `[Element]`.
    public static var cellType: CellType { .array(Element.cellType) }
    /// An array whose every element converts.
    public static func from(_ value: Value) throws -> [Element] {
        guard case .array(let elements) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        do {
            return try elements.map(Element.from)
        } catch is ConversionError {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
    }
    /// `.array`.
    public var cellValue: Value { .array(map(\.cellValue)) }
}

extension Dictionary: CellValue where Key: CellValue, Value: CellValue {
    /// `[Key: Value]`.
    public static var cellType: CellType { .dictionary(Key.cellType, Value.cellType) }
    /// A dictionary whose every key and value converts.
    public static func from(_ value: LessonRunner.Value) throws -> [Key: Value] {
        guard case .dictionary(let dictionary) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        do {
            var result: [Key: Value] = [:]
            for (key, value) in dictionary.entries { result[try Key.from(key)] = try Value.from(value) }
            return result
        } catch is ConversionError {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
    }
    /// `.dictionary`, its entries in key order (a Swift dictionary has no order of its own).
    public var cellValue: LessonRunner.Value {
        let pairs = map { (key: $0.key.cellValue, value: $0.value.cellValue) }
        let dictionary = (try? CellDictionary(pairs)) ?? CellDictionary()
        return .dictionary(CellDictionary(sorting: dictionary))
    }
}

extension Optional: CellValue where Wrapped: CellValue {
    /// `Wrapped?`.
    public static var cellType: CellType { .optional(Wrapped.cellType) }
    /// `nil`, or a value that converts to `Wrapped`.
    public static func from(_ value: Value) throws -> Wrapped? {
        if case .none = value { return nil }
        return try Wrapped.from(value)
    }
    /// `.none` or the wrapped value.
    public var cellValue: Value { map(\.cellValue) ?? .none }
}

extension ClosedRange: CellValue where Bound: CellValue {
    /// `ClosedRange<Bound>`.
    public static var cellType: CellType { .range(Bound.cellType, closed: true) }
    /// A closed range `a...b` whose bounds convert (and are ordered).
    public static func from(_ value: Value) throws -> ClosedRange<Bound> {
        guard case .range(let lower, let upper, true) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        let (low, high) = (try Bound.from(lower), try Bound.from(upper))
        guard low <= high else { throw StepError("range requires lowerBound <= upperBound") }
        return low...high
    }
    /// `.range`.
    public var cellValue: Value {
        .range(lower: lowerBound.cellValue, upper: upperBound.cellValue, closed: true)
    }
}

extension Range: CellValue where Bound: CellValue {
    /// `Range<Bound>`.
    public static var cellType: CellType { .range(Bound.cellType, closed: false) }
    /// A half-open range `a..<b` whose bounds convert (and are ordered).
    public static func from(_ value: Value) throws -> Range<Bound> {
        guard case .range(let lower, let upper, false) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        let (low, high) = (try Bound.from(lower), try Bound.from(upper))
        guard low <= high else { throw StepError("range requires lowerBound <= upperBound") }
        return low..<high
    }
    /// `.range`.
    public var cellValue: Value {
        .range(lower: lowerBound.cellValue, upper: upperBound.cellValue, closed: false)
    }
}

extension PartialRangeUpTo: CellValue, LibraryValue where Bound == Int {
    /// `PartialRangeUpTo`: `..<5`, rows before 5.
    public static var cellType: CellType { .named("PartialRangeUpTo") }
}

extension PartialRangeFrom: CellValue, LibraryValue where Bound == Int {
    /// `PartialRangeFrom`: `2...`, rows from 2 on.
    public static var cellType: CellType { .named("PartialRangeFrom") }
}

/// A cell closure as a typed Swift function: `CellFunction<Row, String>` is a `(Row) throws -> String`.
///
/// Bindings take it where the library takes a closure (`getY`, `splitter`) and call it like a
/// function; each call runs the cell's closure in the interpreter.
public struct CellFunction<each A: CellValue, R: CellValue>: CellValue {
    /// The underlying function value.
    public var function: CellFunctionValue

    /// `(A…) -> R`.
    public static var cellType: CellType {
        var parameters: [CellType] = []
        for type in repeat (each A).self { parameters.append(type.cellType) }
        return .function(parameters, R.cellType)
    }

    /// A closure or function value.
    public static func from(_ value: Value) throws -> Self {
        guard case .function(let function) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return Self(function: function)
    }

    /// `.function`.
    public var cellValue: Value { .function(function) }

    /// Calls the closure with Swift values and converts its result.
    public func callAsFunction(_ arguments: repeat each A) throws -> R {
        var values: [Value] = []
        for argument in repeat each arguments { values.append(argument.cellValue) }
        let result = try function.call(values)
        do {
            return try R.from(result)
        } catch let error as ConversionError {
            throw StepError("closure returned \(error.actual) where \(error.expected) was expected")
        }
    }
}

/// A tuple a step returns: `CellTuple(lrMin, lrSteep)` is a `(Double, Double)` the cell can destructure.
public struct CellTuple<each T: CellValue>: CellValue {
    /// The elements.
    public var elements: (repeat each T)

    /// Creates a tuple.
    public init(_ elements: repeat each T) { self.elements = (repeat each elements) }

    /// `(T…)`.
    public static var cellType: CellType {
        var types: [CellType] = []
        for type in repeat (each T).self { types.append(type.cellType) }
        return .tuple(types)
    }

    /// A tuple with as many convertible elements.
    public static func from(_ value: Value) throws -> Self {
        guard let values = value.tupleElements else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        var iterator = values.makeIterator()
        func next<E: CellValue>(_: E.Type) throws -> E {
            guard let value = iterator.next() else {
                throw ConversionError(expected: cellType, actual: .tuple(values.map(\.cellType)))
            }
            return try E.from(value)
        }
        return Self(repeat try next((each T).self))
    }

    /// `.tuple`.
    public var cellValue: Value {
        var values: [Value] = []
        for element in repeat each elements { values.append(element.cellValue) }
        return .tuple(values)
    }
}

/// An error a step throws for the cell to show: its message is printed at the call's position.
public struct StepError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
