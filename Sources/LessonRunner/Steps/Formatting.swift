import Foundation

/// `String(format:)` as Foundation formats, checked first: each conversion must have an argument of a
/// kind it can print (Foundation's would crash on `%s` with a Swift string, or read garbage for a
/// missing argument).
enum FormatString {
    /// Formats `arguments` into `format` (`%d %i %u %x %X %o %c`, `%f %e %g %E %G %a`, `%@`, `%%`,
    /// with flags, width and precision).
    ///
    /// - Throws: ``StepError`` naming the conversion that has no argument, the wrong kind of argument,
    ///   or is not supported, and any argument left over.
    static func format(_ format: String, _ arguments: [Value]) throws -> String {
        var output = ""
        var remaining = arguments[...]
        var index = format.startIndex
        while index < format.endIndex {
            let character = format[index]
            guard character == "%" else {
                output.append(character)
                index = format.index(after: index)
                continue
            }
            var end = format.index(after: index)
            while end < format.endIndex, "-+ #0123456789.*'".contains(format[end]) {
                guard format[end] != "*" else {
                    throw StepError(
                        "String(format:): '*' widths are not supported; write the width in the format")
                }
                end = format.index(after: end)
            }
            // Length modifiers are Swift's business (`%ld` for an Int): accept and drop them.
            var spec = String(format[index..<end])
            while end < format.endIndex, "lhqLzjt".contains(format[end]) { end = format.index(after: end) }
            guard end < format.endIndex else {
                throw StepError("String(format:): the format ends inside a conversion '\(format[index...])'")
            }
            let conversion = format[end]
            index = format.index(after: end)
            if conversion == "%" {
                output.append("%")
                continue
            }
            guard let argument = remaining.popFirst() else {
                throw StepError("String(format:): '\(spec)\(conversion)' has no argument")
            }
            switch conversion {
            case "d", "i", "u", "x", "X", "o", "c":
                guard case .int(let value) = argument else {
                    throw StepError(
                        "String(format:): '\(spec)\(conversion)' needs an Int, not \(argument.cellType)")
                }
                spec += "l" + String(conversion)
                output += String(format: spec, value)
            case "f", "F", "e", "E", "g", "G", "a", "A":
                guard let value = argument.doubleValue else {
                    throw StepError(
                        "String(format:): '\(spec)\(conversion)' needs a number, not \(argument.cellType)")
                }
                output += String(format: spec + String(conversion), value)
            case "@":
                output += String(format: spec + "@", argument.plainText as NSString)
            case "s":
                // Foundation's %s reads a C string: a Swift String there prints garbage or crashes.
                throw StepError("String(format:): '\(spec)s' reads a C string; write '\(spec)@' for a String")
            default:
                throw StepError("String(format:): '%\(conversion)' is not a conversion Khru formats")
            }
        }
        guard remaining.isEmpty else {
            throw StepError(
                "String(format:): \(remaining.count) argument\(remaining.count == 1 ? "" : "s") left over; "
                    + "the format has \(arguments.count - remaining.count) conversion"
                    + (arguments.count - remaining.count == 1 ? "" : "s"))
        }
        return output
    }
}

/// `type(of: value)`: the value's type, shown by its name (`Double`, `[Int]`, `Learner`).
public struct CellMetatype: LibraryValue, CustomStringConvertible, Hashable, Sendable {
    /// The type.
    public var type: CellType

    /// `Metatype`.
    public static var cellType: CellType { .named("Metatype") }

    /// The type's name as Swift prints a metatype (`Double`, `Array<Int>`, `Optional<String>`).
    public var description: String { Self.swiftName(type) }

    static func swiftName(_ type: CellType) -> String {
        switch type {
        case .array(let element): "Array<\(swiftName(element))>"
        case .optional(let wrapped): "Optional<\(swiftName(wrapped))>"
        case .tuple(let elements): "(\(elements.map(swiftName).joined(separator: ", ")))"
        case .labeledTuple(let labels, let elements):
            "(\(zip(labels, elements).map { ($0.map { "\($0): " } ?? "") + swiftName($1) }.joined(separator: ", ")))"
        default: type.description
        }
    }
}

extension Registry {
    /// Binds Swift's `String(format:)`, and the type of `type(of:)` (which the resolver types itself).
    mutating func bindFormatting() {
        type("Metatype", doc: "A value's type, as type(of:) gives it; shown by its name.")
        bind(
            "String(format: String, _ arguments: Any...)",
            doc: "Text with numbers formatted printf-style, as Foundation does (\"%.2f\", \"%5d\", \"%@\")."
        ) { (format: String, arguments: [Value]) in try FormatString.format(format, arguments) }
    }
}
