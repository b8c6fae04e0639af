import Localization

/// Checks that the two language versions of a lesson keep the same cells.
public enum LessonPair {
    /// Cells whose ids, code or attributes differ between `a` and `b` (say, English and Thai).
    ///
    /// Cells are aligned by id (longest common subsequence), so one inserted cell is reported once.
    /// Each diagnostic is located in `b` with a note at the matching place in `a`.
    public static func compareCells(_ a: Lesson, _ b: Lesson) -> [Diagnostic] {
        let left = a.cells
        let right = b.cells
        var diagnostics: [Diagnostic] = compareParameters(a, b)
        var i = 0
        var j = 0
        for (li, ri) in alignment(left.map(\.id), right.map(\.id)) + [(left.count, right.count)] {
            while i < li {
                diagnostics.append(
                    Diagnostic(
                        .error, "cell '\(left[i].id)' of \(a.path) is missing here",
                        at: nearest(right, j, in: b)))
                diagnostics[diagnostics.count - 1].notes = [
                    Diagnostic(.note, "defined here", at: left[i].location)
                ]
                i += 1
            }
            while j < ri {
                diagnostics.append(
                    Diagnostic(
                        .error, "cell '\(right[j].id)' is not in \(a.path)", at: right[j].location,
                        notes: [
                            Diagnostic(.note, "\(a.path) has its cells here", at: nearest(left, i, in: a))
                        ]))
                j += 1
            }
            guard li < left.count, ri < right.count else { break }
            diagnostics += compare(left[li], right[ri], aPath: a.path)
            i = li + 1
            j = ri + 1
        }
        return diagnostics
    }

    /// A parameter that one version declares and the other does not, or with another default: the two
    /// versions would run different lessons under one `-p`.
    static func compareParameters(_ a: Lesson, _ b: Lesson) -> [Diagnostic] {
        let left = a.frontMatter.params
        let right = b.frontMatter.params
        guard left.map(\.name) != right.map(\.name) || left.map(\.defaultValue) != right.map(\.defaultValue)
        else { return [] }
        func listed(_ parameters: [LessonParameter]) -> String {
            parameters.isEmpty
                ? "none" : parameters.map { "\($0.name): \($0.defaultValue)" }.joined(separator: ", ")
        }
        let at = right.first?.location ?? SourceLocation(file: b.path, line: 1, column: 1)
        let note = left.first?.location ?? SourceLocation(file: a.path, line: 1, column: 1)
        return [
            Diagnostic(
                .error, "params differ from \(a.path)'s: \(listed(right)) here, \(listed(left)) there",
                at: at,
                notes: [Diagnostic(.note, "declared here", at: note)])
        ]
    }

    private static func compare(_ x: Cell, _ y: Cell, aPath: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let differences = attributeDifferences(x.attributes, y.attributes)
        if !differences.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error,
                    "cell '\(y.id)' has other attributes than in \(aPath): "
                        + differences.joined(separator: ", "), at: y.location,
                    notes: [Diagnostic(.note, "the cell in \(aPath)", at: x.location)]))
        }
        // A student edition's placeholder comment is written in each lesson's language.
        func lines(_ code: String) -> [Substring] {
            code.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let words = line.trimmingCharacters(in: " \t")
                return Language.allCases.contains { Exercises.yourCode.text(in: $0) == words }
                    ? Substring(Exercises.yourCode.en) : line
            }
        }
        if x.code != y.code && lines(x.code) != lines(y.code) {
            let xLines = lines(x.code)
            let yLines = lines(y.code)
            let line = zip(xLines, yLines).prefix { $0 == $1 }.count
            diagnostics.append(
                Diagnostic(
                    .error,
                    "the code of cell '\(y.id)' differs from \(aPath) from line \(line + 1) of the cell on",
                    at: y.location(ofLine: line + 1, column: 1),
                    notes: [
                        Diagnostic(.note, "the cell in \(aPath)", at: x.location(ofLine: line + 1, column: 1))
                    ]))
        }
        return diagnostics
    }

    private static func attributeDifferences(_ x: CellAttributes, _ y: CellAttributes) -> [String] {
        y.differences(from: x).map { spec in
            let (mine, theirs) = (spec.value(in: y), spec.value(in: x))
            switch spec.form {
            case .flag: return "\(spec.spelling) \(mine != nil ? "added" : "missing")"
            case .number: return "\(spec.name) \(mine ?? "none") vs \(theirs ?? "none")"
            case .text:
                func show(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "none" }
                return "\(spec.name) \(show(mine)) vs \(show(theirs))"
            }
        }
    }

    /// The location of `cells[index]`, or the lesson's end when there is none.
    private static func nearest(_ cells: [Cell], _ index: Int, in lesson: Lesson) -> SourceLocation {
        if index < cells.count { return cells[index].location }
        return cells.last?.location ?? SourceLocation(file: lesson.path, line: 1, column: 1)
    }

    /// Index pairs of a longest common subsequence of `x` and `y`, in order.
    private static func alignment(_ x: [String], _ y: [String]) -> [(Int, Int)] {
        var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                table[i][j] = x[i] == y[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var pairs: [(Int, Int)] = []
        var i = 0
        var j = 0
        while i < x.count, j < y.count {
            if x[i] == y[j] {
                pairs.append((i, j))
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return pairs
    }
}
