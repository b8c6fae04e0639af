import Localization

/// Exercises: cells whose solution the student edition replaces, the checks that grade them, and hints.
///
/// ````markdown
/// ```swift {#lr .exercise}
/// let learn = cnnLearner(dls, resnet18)
/// // BEGIN SOLUTION
/// let lr = 3e-3
/// // END SOLUTION
/// ```
///
/// > [!HINT]
/// > Look at the steepest part of the lr_find curve.
///
/// ```swift {#lr-check .hidden-check points=2}
/// #expect(lr > 1e-4 && lr < 1e-2)
/// ```
/// ````
public enum Exercises {
    /// The line that opens a solution part.
    public static let beginSolution = "// BEGIN SOLUTION"
    /// The line that closes it.
    public static let endSolution = "// END SOLUTION"
    /// What the student edition writes in place of a solution part, in the lesson's language.
    public static let yourCode = Phrase("// YOUR CODE HERE", th: "// เขียนโค้ดของคุณตรงนี้")
    /// The line a hint quote starts with.
    public static let hintMarker = "[!HINT]"

    /// A line that is `marker`, give or take surrounding spaces.
    static func isMarker(_ line: Substring, _ marker: String) -> Bool {
        line.trimmingCharacters(in: " \t") == marker
    }
}

/// An exercise cell's code split at its solution parts: the fixed pieces the student is given, and
/// between each two of them a solution.
public struct ExerciseParts: Hashable, Sendable {
    /// The lines outside the solution parts, one piece before each solution part and one after the last
    /// (markers not included).
    public var fixed: [[Substring]]
    /// The solution parts' lines, in order (markers not included); one part holding every line when the
    /// cell has no markers.
    public var solutions: [[Substring]]
    /// The 0-based line in the cell's code where each solution part starts.
    public var solutionStarts: [Int]
    /// The indentation of each part's `// BEGIN SOLUTION` (empty without markers).
    public var indents: [String]
}

extension Cell {
    /// The cell's code split at its solution parts, or `nil` when it is not an `.exercise` or its
    /// markers do not pair up (the parser reports that).
    public var exerciseParts: ExerciseParts? {
        guard attributes.exercise else { return nil }
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        var fixed: [[Substring]] = [[]]
        var solutions: [[Substring]] = []
        var starts: [Int] = []
        var indents: [String] = []
        var inside = false
        for (index, line) in lines.enumerated() {
            if Exercises.isMarker(line, Exercises.beginSolution) {
                guard !inside else { return nil }
                inside = true
                solutions.append([])
                starts.append(index + 1)
                indents.append(String(line.prefix { $0 == " " || $0 == "\t" }))
            } else if Exercises.isMarker(line, Exercises.endSolution) {
                guard inside else { return nil }
                inside = false
                fixed.append([])
            } else if inside {
                solutions[solutions.count - 1].append(line)
            } else {
                fixed[fixed.count - 1].append(line)
            }
        }
        guard !inside else { return nil }
        if solutions.isEmpty {
            return ExerciseParts(fixed: [[], []], solutions: [lines], solutionStarts: [0], indents: [""])
        }
        return ExerciseParts(fixed: fixed, solutions: solutions, solutionStarts: starts, indents: indents)
    }

    /// Problems with the cell's solution markers: unpaired, nested, or in a cell that is no exercise.
    func solutionMarkerProblems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var open: Int?
        for (index, line) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let begins = Exercises.isMarker(line, Exercises.beginSolution)
            let ends = Exercises.isMarker(line, Exercises.endSolution)
            guard begins || ends else { continue }
            let at = location(ofLine: index + 1, column: 1)
            if !attributes.exercise {
                problems.append(
                    Diagnostic(
                        .warning,
                        "solution markers belong in an .exercise cell; here they are ordinary comments",
                        at: at))
                return problems
            }
            if begins, let open {
                problems.append(
                    Diagnostic(
                        .error, "'\(Exercises.beginSolution)' inside another solution part", at: at,
                        notes: [
                            Diagnostic(.note, "the part opened here", at: location(ofLine: open, column: 1))
                        ]))
            } else if begins {
                open = index + 1
            } else if open == nil {
                problems.append(
                    Diagnostic(
                        .error, "'\(Exercises.endSolution)' without a '\(Exercises.beginSolution)' above it",
                        at: at))
            } else {
                open = nil
            }
        }
        if let open {
            problems.append(
                Diagnostic(
                    .error,
                    "'\(Exercises.beginSolution)' is never closed; end the part with '\(Exercises.endSolution)'",
                    at: location(ofLine: open, column: 1)))
        }
        return problems
    }
}

extension Lesson {
    /// The exercise cells, in order.
    public var exercises: [Cell] { cells.filter(\.attributes.exercise) }

    /// The id of the exercise each cell's checks grade: its `for=`, else the nearest exercise above it.
    ///
    /// Cells before the first exercise (and exercise cells themselves) grade none.
    public var gradedExercise: [String: String] {
        var result: [String: String] = [:]
        var current: String?
        for cell in cells {
            if cell.attributes.exercise {
                current = cell.id
                continue
            }
            if let named = cell.attributes.grades {
                result[cell.id] = named
            } else if let current {
                result[cell.id] = current
            }
        }
        return result
    }

    /// The hints of exercise `id`, in order.
    public func hints(for id: String) -> [Hint] {
        blocks.compactMap { if case .hint(let hint) = $0, hint.exercise == id { hint } else { nil } }
    }

    /// Problems of the lesson's exercises: `for=` naming no exercise, `.exercise` and `.hidden-check` on
    /// one cell, a hidden check before any exercise.
    func exerciseProblems() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let ids = Set(exercises.map(\.id))
        var seenExercise = false
        for cell in cells {
            problems += cell.solutionMarkerProblems()
            let attributes = cell.attributes
            if attributes.exercise {
                seenExercise = true
                if attributes.hiddenCheck {
                    problems.append(
                        Diagnostic(
                            .error, "a cell is an .exercise or a .hidden-check, not both", at: cell.location))
                }
            }
            if let named = attributes.grades, !ids.contains(named) {
                problems.append(
                    Diagnostic(
                        .error,
                        "for=\(named) names no exercise of this lesson"
                            + (ids.isEmpty
                                ? "; it has no .exercise cell"
                                : "; its exercises: " + ids.sorted().joined(separator: ", ")),
                        at: cell.location))
            } else if attributes.hiddenCheck && attributes.grades == nil && !seenExercise {
                problems.append(
                    Diagnostic(
                        .error, "a .hidden-check grades the exercise above it, and there is none; add for=ID",
                        at: cell.location))
            }
            if (attributes.points != nil || attributes.grades != nil) && !attributes.hiddenCheck
                && !cell.code.contains("#expect")
            {
                problems.append(
                    Diagnostic(
                        .warning, "points= and for= count this cell's #expect checks, and it has none",
                        at: cell.location))
            }
        }
        return problems
    }
}
