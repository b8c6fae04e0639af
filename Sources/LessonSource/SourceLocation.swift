/// A position in a lesson file: 1-based line and column (UTF-8 bytes), printed `path:line:col`.
public struct SourceLocation: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The file as the user named it (relative paths stay relative, so reports carry no absolute paths).
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, counted in UTF-8 bytes as cmark and SwiftSyntax do.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }

    /// The location `lineOffset` lines below this one; `column` replaces the column.
    ///
    /// Cells use it to map a position inside the cell's code to the lesson file.
    public func offset(lines lineOffset: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + lineOffset, column: column)
    }
}

/// A located problem in a lesson: printed clang-style, `file:line:col: error: message`.
public struct Diagnostic: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: String, Hashable, Sendable, Codable {
        case error, warning, note
    }

    /// How bad the problem is.
    public var severity: Severity
    /// What is wrong, in one sentence without a trailing period.
    public var message: String
    /// Where it is.
    public var location: SourceLocation
    /// Further located remarks (for example "first defined here").
    public var notes: [Diagnostic]

    /// Creates a diagnostic.
    public init(
        _ severity: Severity = .error, _ message: String, at location: SourceLocation,
        notes: [Diagnostic] = []
    ) {
        self.severity = severity
        self.message = message
        self.location = location
        self.notes = notes
    }

    public var description: String {
        ([("\(location): \(severity.rawValue): \(message)")] + notes.map(\.description))
            .joined(separator: "\n")
    }
}
