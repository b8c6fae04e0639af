/// A lesson parameter (papermill's and Quarto's `params`): a name with a typed default in the front
/// matter, read by cells as `params.NAME` and overridden for one run with `khru run -p NAME=VALUE`.
///
/// ```markdown
/// ---
/// params:
///   data: digits
///   epochs: 3
/// ---
/// ```
public struct LessonParameter: Hashable, Sendable, Codable {
    /// A parameter's value; its type is the default's.
    public enum Value: Hashable, Sendable, Codable, CustomStringConvertible {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)

        /// The value read from a front matter line: `true`/`false` is a Bool, a whole number an Int,
        /// another number a Double, anything else (or anything quoted) a String.
        public init(frontMatter text: String, quoted: Bool) {
            if quoted {
                self = .string(text)
            } else if let flag = ["true": true, "false": false][text] {
                self = .bool(flag)
            } else if let whole = Int(text) {
                self = .int(whole)
            } else if let number = Double(text), number.isFinite {
                self = .double(number)
            } else {
                self = .string(text)
            }
        }

        /// The Swift type cells see: `String`, `Int`, `Double` or `Bool`.
        public var typeName: String {
            switch self {
            case .string: "String"
            case .int: "Int"
            case .double: "Double"
            case .bool: "Bool"
            }
        }

        /// `text` read as a value of this value's type, or `nil` when it is not one (an Int parameter
        /// takes whole numbers only; a Double one any finite number; a Bool one `true` or `false`).
        public func sameType(from text: String) -> Value? {
            switch self {
            case .string: .string(text)
            case .int: Int(text).map(Value.int)
            case .double: Double(text).flatMap { $0.isFinite ? .double($0) : nil }
            case .bool: ["true": true, "false": false][text].map(Value.bool)
            }
        }

        /// The value as a Swift literal of its type.
        public var swiftLiteral: String {
            switch self {
            case .string(let text): Self.quoted(text)
            case .int(let whole): String(whole)
            case .double(let number):
                // `Double.description` is a valid Swift literal (`0.001`, `1e-05`, `3.0`).
                number.description
            case .bool(let flag): flag ? "true" : "false"
            }
        }

        /// As written in the report and by `-p`: the text, without quotes.
        public var description: String {
            switch self {
            case .string(let text): text
            case .int(let whole): String(whole)
            case .double(let number): number.description
            case .bool(let flag): flag ? "true" : "false"
            }
        }

        private static func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }

    /// The name cells read (`params.NAME`): a Swift identifier.
    public var name: String
    /// The value this run uses: the default unless `-p` overrode it.
    public var value: Value
    /// The front matter's value.
    public var defaultValue: Value
    /// Where the parameter's line is.
    public var location: SourceLocation

    /// Creates a parameter whose value is its default.
    public init(name: String, defaultValue: Value, location: SourceLocation) {
        self.name = name
        self.value = defaultValue
        self.defaultValue = defaultValue
        self.location = location
    }

    /// Whether `name` can be a parameter's name: an identifier that is no Swift keyword.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
            name.unicodeScalars.allSatisfy({
                $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
            })
        else { return false }
        return !reservedWords.contains(name)
    }

    private static let reservedWords: Set<String> = [
        "_", "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer",
        "deinit",
        "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard",
        "if",
        "import", "in", "init", "inout", "internal", "is", "let", "nil", "open", "operator", "private",
        "protocol", "public", "repeat", "rethrows", "return", "self", "Self", "static", "struct", "subscript",
        "super", "switch", "throw", "throws", "true", "try", "typealias", "var", "where", "while",
    ]
}

/// A `-p NAME=VALUE` that the lesson cannot take: an unknown name, or a value not of the parameter's type.
public struct ParameterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the lesson, the parameter and what it accepts.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension Lesson {
    /// The name cells read the parameters through.
    public static let parametersName = "params"
    /// The id of the cell that declares ``parametersName`` (no `#id` can spell it).
    public static let parametersCellID = "(params)"

    /// The lesson with `overrides` (`name → text`, from `-p name=text`) as its parameters' values.
    ///
    /// - Throws: ``ParameterError`` for a name the lesson does not declare (with the names it does) or a
    ///   text that is not of the parameter's type.
    public func settingParameters(_ overrides: [String: String]) throws(ParameterError) -> Lesson {
        var lesson = self
        for (name, text) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let index = frontMatter.params.firstIndex(where: { $0.name == name }) else {
                let declared = frontMatter.params.map(\.name)
                throw ParameterError(
                    "\(path) has no parameter '\(name)'"
                        + (declared.isEmpty
                            ? "; it declares none (front matter 'params:')"
                            : "; it declares " + declared.joined(separator: ", ")))
            }
            let parameter = frontMatter.params[index]
            guard let value = parameter.defaultValue.sameType(from: text) else {
                throw ParameterError(
                    "parameter '\(name)' of \(path) is \(parameter.defaultValue.typeName) "
                        + "(default \(parameter.defaultValue)), not '\(text)'")
            }
            lesson.frontMatter.params[index].value = value
        }
        return lesson
    }

    /// The cell that gives the lesson's cells `params`, or `nil` when the lesson declares none.
    ///
    /// It declares a struct with one typed property per parameter and `let params` holding this run's
    /// values. It is resolved and run before the lesson's first cell, starts every cell's cache key,
    /// and is never shown.
    public var parametersCell: Cell? {
        let params = frontMatter.params
        guard let first = params.first else { return nil }
        var code = "struct LessonParameters {\n"
        for parameter in params { code += "    let \(parameter.name): \(parameter.value.typeName)\n" }
        code += "}\nlet \(Self.parametersName) = LessonParameters("
        code += params.map { "\($0.name): \($0.value.swiftLiteral)" }.joined(separator: ", ") + ")"
        let location = SourceLocation(file: path, line: first.location.line - 1, column: 1)
        return Cell(
            id: Self.parametersCellID, code: code, attributes: CellAttributes(hidden: true),
            location: location,
            codeLocation: location)
    }
}
