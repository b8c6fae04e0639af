import Foundation
import LessonSource
import SwiftParser
import SwiftSyntax

/// The student edition of a lesson, generated from the teacher's (`khru student`).
///
/// Every exercise's solution parts are replaced by `// YOUR CODE HERE` and placeholders that keep the
/// solution's types (`let lr: Double = todo()`), and the `.hidden-check` cells are left out. Prose,
/// hints, public checks and every other cell stay as written.
public enum StudentEdition {
    /// The student edition of `lesson`, whose Markdown is `text`.
    ///
    /// The types come from resolving the teacher's lesson against `registry`: a binding without a
    /// written type gets the type its solution has.
    ///
    /// - Throws: A ``LessonSource/Diagnostic`` for a solution binding whose type cannot be told (annotate
    ///   it in the solution) or markers that do not pair up.
    public static func make(_ lesson: Lesson, text: String, registry: Registry) throws -> String {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
        let types = solutionTypes(lesson, registry: registry)
        // Edits from the bottom up, so earlier line numbers stay right.
        var edits: [(first: Int, count: Int, replacement: [String])] = []
        for cell in lesson.cells {
            let codeLineCount = cell.code.split(separator: "\n", omittingEmptySubsequences: false).count
            let firstCodeLine = cell.codeLocation.line - 1
            if cell.attributes.hiddenCheck {
                // The fence lines, the code, and one blank line after it.
                var count = codeLineCount + 2
                if cell.code.isEmpty { count = 2 }
                let end = cell.location.line - 1 + count
                if end < lines.count, lines[end].trimmingCharacters(in: .whitespaces).isEmpty { count += 1 }
                edits.append((cell.location.line - 1, count, []))
                continue
            }
            guard cell.attributes.exercise else { continue }
            guard let parts = cell.exerciseParts else {
                throw Diagnostic(
                    .error, "the solution markers of exercise '\(cell.id)' do not pair up", at: cell.location)
            }
            var code: [String] = []
            for (index, fixed) in parts.fixed.enumerated() {
                code += fixed.map(String.init)
                guard index < parts.solutions.count else { continue }
                code += try placeholder(
                    for: parts.solutions[index], indent: parts.indents[index], in: cell,
                    yourCode: Exercises.yourCode.text(in: lesson.language.words),
                    startLine: parts.solutionStarts[index], types: types[cell.id] ?? [:])
            }
            edits.append((firstCodeLine, codeLineCount, code))
        }
        for edit in edits.sorted(by: { $0.first > $1.first }) where edit.first + edit.count <= lines.count {
            lines.replaceSubrange(edit.first..<(edit.first + edit.count), with: edit.replacement)
        }
        return lines.joined(separator: "\n")
    }

    /// The problems `khru check` finds in the student edition of `lesson` (read from `path`): none when
    /// it resolves with every `todo()` typed, as `khru test` requires of a lesson with exercises.
    public static func problems(of lesson: Lesson, path: String, registry: Registry) -> [Diagnostic] {
        let text: String
        do {
            text = try make(lesson, text: String(contentsOfFile: path, encoding: .utf8), registry: registry)
        } catch let diagnostic as Diagnostic {
            return [diagnostic]
        } catch {
            let start = SourceLocation(file: path, line: 1, column: 1)
            return [Diagnostic(.error, "cannot read the lesson: \(error)", at: start)]
        }
        let (edition, parseProblems) = LessonParser.parse(text, path: path)
        let errors = parseProblems.filter { $0.severity == .error }
        return errors + LessonChecks.check([edition], registry: registry)
    }

    /// For each exercise cell, the types of the names its cell binds, as the resolver sees them after
    /// the cell.
    static func solutionTypes(_ lesson: Lesson, registry: Registry) -> [String: [String: CellType]] {
        var resolver = Resolver(registry: registry)
        resolver.noteDeclarations(in: lesson.resolvedCells)
        var result: [String: [String: CellType]] = [:]
        for cell in lesson.resolvedCells where cell.attributes.include == nil {
            let plan = resolver.resolve(cell)
            guard cell.attributes.exercise else { continue }
            var types: [String: CellType] = [:]
            for name in plan.declaredNames {
                if let info = resolver.globals[name] { types[name] = info.type }
            }
            result[cell.id] = types
        }
        return result
    }

    /// `// YOUR CODE HERE` and what stands in for `solution`: a typed `todo()` per binding, a function
    /// with `todo()` for its body, `return todo()` for a return, and a plain `todo()` when the part only
    /// does something (trains, assigns).
    static func placeholder(
        for solution: [Substring], indent: String, in cell: Cell, yourCode: String, startLine: Int,
        types: [String: CellType]
    ) throws -> [String] {
        let source = solution.joined(separator: "\n")
        let tree = Parser.parse(source: source)
        var out = [indent + yourCode]
        var needsTodo = true
        for item in tree.statements {
            if let variable = item.item.as(VariableDeclSyntax.self) {
                let keyword = variable.bindingSpecifier.text
                for binding in variable.bindings {
                    let pattern = binding.pattern.trimmedDescription
                    let type: String
                    if let written = binding.typeAnnotation?.type.trimmedDescription {
                        type = written
                    } else if let spelled = spelling(of: binding.pattern, types: types) {
                        type = spelled
                    } else {
                        throw Diagnostic(
                            .error,
                            "cannot tell the type of '\(pattern)' in exercise '\(cell.id)'; write it in the "
                                + "solution (let \(pattern): Type = …)",
                            at: cell.location(ofLine: startLine + 1, column: 1))
                    }
                    out.append("\(indent)\(keyword) \(pattern): \(type) = todo()")
                    needsTodo = false
                }
            } else if let function = item.item.as(FunctionDeclSyntax.self) {
                var signature = function
                signature.body = nil
                let head = signature.trimmedDescription
                out.append("\(indent)\(head) {")
                let returns =
                    function.signature.returnClause.map { $0.type.trimmedDescription != "Void" } ?? false
                out.append("\(indent)    \(returns ? "return " : "")todo()")
                out.append("\(indent)}")
                needsTodo = false
            } else if item.item.as(ReturnStmtSyntax.self) != nil {
                out.append("\(indent)return todo()")
                needsTodo = false
            }
        }
        if needsTodo { out.append("\(indent)todo()") }
        return out
    }

    /// The Swift spelling of the type bound to `pattern` (a name or a tuple of names).
    static func spelling(of pattern: PatternSyntax, types: [String: CellType]) -> String? {
        if let identifier = pattern.as(IdentifierPatternSyntax.self) {
            guard let type = types[identifier.identifier.text], type != .any else { return nil }
            return type.description
        }
        if let tuple = pattern.as(TuplePatternSyntax.self) {
            let elements = tuple.elements.map { spelling(of: $0.pattern, types: types) }
            guard elements.allSatisfy({ $0 != nil }) else { return nil }
            return "(" + elements.compactMap { $0 }.joined(separator: ", ") + ")"
        }
        return nil
    }
}
