import Foundation
import LessonSource
import Reporting

/// Grading a student's lesson against the teacher's (`khru grade`): the key's hidden checks are put into
/// the student's lesson where they stand in the key, the lesson runs, and each exercise's checks give its
/// points.
public enum Grading {
    /// The student's lesson with the key's `.hidden-check` cells inserted after the cell each follows in
    /// the key, and one note per cell that differs from the key outside the exercises' solution parts.
    public static func merge(student: Lesson, key: Lesson) -> (lesson: Lesson, notes: [String]) {
        var notes: [String] = []
        let studentCells = Dictionary(
            student.cells.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let keyIDs = Set(key.cells.map(\.id))
        for cell in key.cells where !cell.attributes.hiddenCheck {
            guard let submitted = studentCells[cell.id] else {
                notes.append("cell '\(cell.id)' of the key is missing from the submission")
                continue
            }
            if cell.attributes.exercise {
                if let parts = cell.exerciseParts, !keepsFixedParts(submitted.code, parts) {
                    notes.append(
                        "exercise '\(cell.id)' was changed outside its solution part (the code around "
                            + "// YOUR CODE HERE)")
                }
            } else if normalized(submitted.code) != normalized(cell.code) {
                notes.append("cell '\(cell.id)' differs from the key's")
            }
        }
        for cell in student.cells where !keyIDs.contains(cell.id) {
            notes.append("cell '\(cell.id)' is not in the key")
        }
        // Each hidden check goes after the cell it follows in the key (and that cell's hints).
        var blocks = student.blocks
        var anchor: String?
        var pending: [(after: String?, cell: Cell)] = []
        for cell in key.cells {
            if cell.attributes.hiddenCheck {
                pending.append((anchor, cell))
            } else {
                anchor = cell.id
            }
        }
        for (after, cell) in pending.reversed() {
            let position: Int
            if let after, let index = blocks.firstIndex(where: { Self.cellID($0) == after }) {
                var next = index + 1
                while next < blocks.count, case .hint = blocks[next] { next += 1 }
                position = next
            } else if after == nil {
                position = blocks.firstIndex { Self.cellID($0) != nil } ?? blocks.count
            } else {
                notes.append(
                    "a hidden check runs at the end of the lesson: the cell '\(after ?? "")' it follows is missing"
                )
                position = blocks.count
            }
            blocks.insert(.cell(cell), at: position)
        }
        // Several checks after one cell keep the key's order: they were inserted in reverse.
        var merged = student
        merged.blocks = blocks
        return (merged, notes)
    }

    private static func cellID(_ block: Block) -> String? {
        if case .cell(let cell) = block { return cell.id }
        return nil
    }

    private static func normalized(_ code: String) -> [Substring] {
        code.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingTrailingBlanks }
            .reversed().drop { $0.isEmpty }.reversed()
    }

    /// Whether `code` holds the exercise's fixed pieces in order, the first at the start and the last at
    /// the end (whatever the student wrote between them).
    static func keepsFixedParts(_ code: String, _ parts: ExerciseParts) -> Bool {
        let lines = normalized(code)
        let fixed = parts.fixed.map { $0.map(\.trimmingTrailingBlanks) }
        guard let first = fixed.first, let last = fixed.last else { return true }
        guard lines.starts(with: first), lines.count >= first.count + last.count,
            Array(lines.suffix(last.count)) == last
        else { return false }
        var position = first.count
        let end = lines.count - last.count
        for piece in fixed.dropFirst().dropLast() where !piece.isEmpty {
            var found = false
            while position + piece.count <= end {
                if Array(lines[position..<(position + piece.count)]) == piece {
                    position += piece.count
                    found = true
                    break
                }
                position += 1
            }
            if !found { return false }
        }
        return true
    }

    /// The grade of a run of a merged lesson (``merge(student:key:)``).
    public static func grade(_ report: LessonReport, key: Lesson, notes: [String]) -> Grade {
        let lesson = report.lesson
        let graded = lesson.gradedExercise
        var exercises: [Grade.Exercise] = []
        for exercise in key.exercises {
            var entry = Grade.Exercise(id: exercise.id)
            let exerciseStatus = report.cells[exercise.id]?.status
            var notDone = exerciseStatus == .notDone || report.cells[exercise.id] == nil
            var allPassed = exerciseStatus == .passed
            for cell in lesson.cells where graded[cell.id] == exercise.id {
                let result = report.cells[cell.id]
                let checks = (result?.outputs ?? []).compactMap { output -> Bool? in
                    if case .check(let check) = output { return check.passed }
                    return nil
                }
                let ran = result?.status == .passed || result?.status == .failed
                let total = ran ? checks.count : Self.expectCount(cell.code)
                let passed = ran ? checks.filter { $0 }.count : 0
                if result?.status == .notDone { notDone = true }
                if case .skipped(let reason)? = result?.status, ReportWords.isWaitingForExercise(reason) {
                    notDone = true
                }
                let cellPassed = result?.status == .passed && passed == total
                allPassed = allPassed && cellPassed
                if cell.attributes.hiddenCheck {
                    entry.hiddenTotal += total
                    entry.hiddenPassed += passed
                } else {
                    entry.publicTotal += total
                    entry.publicPassed += passed
                }
                if let points = cell.attributes.points {
                    entry.outOf += points
                    entry.points += cellPassed ? points : 0
                } else {
                    entry.outOf += Double(total)
                    entry.points += Double(passed)
                }
            }
            entry.status = notDone ? .notDone : allPassed ? .passing : .failing
            if notDone { entry.points = 0 }
            exercises.append(entry)
        }
        return Grade(
            lesson: key.path, submission: report.lesson.path, points: exercises.map(\.points).reduce(0, +),
            outOf: exercises.map(\.outOf).reduce(0, +), exercises: exercises, notes: notes)
    }

    /// How many `#expect(` a cell's code holds (the checks of a cell that did not run).
    static func expectCount(_ code: String) -> Int {
        code.components(separatedBy: "#expect(").count - 1
    }

    /// What the student may see of a graded run: the report without the hidden checks' cells (their
    /// code, outputs and expected values), which the grade summarises as counts.
    public static func studentView(of report: LessonReport) -> LessonReport {
        var view = report
        let hidden = Set(report.lesson.cells.filter(\.attributes.hiddenCheck).map(\.id))
        view.lesson.blocks = report.lesson.blocks.filter { block in
            if case .cell(let cell) = block { return !hidden.contains(cell.id) }
            return true
        }
        view.cells = report.cells.filter { !hidden.contains($0.key) }
        return view
    }
}

/// A graded submission: points per exercise and what its checks gave.
public struct Grade: Hashable, Sendable, Codable {
    /// How an exercise stands.
    public enum Status: String, Hashable, Sendable, Codable {
        /// It reaches a `todo()`: nothing written yet.
        case notDone
        /// Every check of it holds.
        case passing
        /// Some check fails, or its cell fails.
        case failing
    }

    /// One exercise's result.
    public struct Exercise: Hashable, Sendable, Codable {
        /// The exercise cell's id.
        public var id: String
        /// The points earned.
        public var points: Double = 0
        /// The points it is worth.
        public var outOf: Double = 0
        /// Public checks that held, and how many there are.
        public var publicPassed = 0
        /// The public checks.
        public var publicTotal = 0
        /// Hidden checks that held.
        public var hiddenPassed = 0
        /// The hidden checks.
        public var hiddenTotal = 0
        /// How it stands.
        public var status: Status = .notDone

        /// An exercise without results yet.
        public init(id: String) { self.id = id }
    }

    /// The key's lesson file.
    public var lesson: String
    /// The submission's file.
    public var submission: String
    /// The points earned.
    public var points: Double
    /// The points the lesson is worth.
    public var outOf: Double
    /// Each exercise, in the key's order.
    public var exercises: [Exercise]
    /// Cells of the submission that differ from the key outside the exercises.
    public var notes: [String]

    /// `{"points", "outOf", "exercises": [...], "notes"}` as pretty-printed JSON with sorted keys.
    public func json() -> Data {
        struct Output: Encodable {
            var points: Double
            var outOf: Double
            var submission: String
            var key: String
            var exercises: [Exercise]
            var notes: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let output = Output(
            points: points, outOf: outOf, submission: submission, key: lesson, exercises: exercises,
            notes: notes)
        return ((try? encoder.encode(output)) ?? Data()) + Data("\n".utf8)
    }

    /// One JUnit test case per exercise (its points and check counts; never a hidden check's code), written
    /// by ``JUnitReport`` as `khru test --junit` writes its cases.
    public func junit(name: String) -> String {
        let start = SourceLocation(file: submission, line: 1, column: 1)
        let cases = exercises.map { exercise in
            let summary =
                "\(Self.number(exercise.points))/\(Self.number(exercise.outOf)) points; public checks "
                + "\(exercise.publicPassed)/\(exercise.publicTotal), hidden checks "
                + "\(exercise.hiddenPassed)/\(exercise.hiddenTotal)"
            let failure =
                switch exercise.status {
                case .passing: [String]()
                case .failing: ["\(submission): exercise '\(exercise.id)' is failing: \(summary)"]
                case .notDone: ["\(submission): exercise '\(exercise.id)' is not done yet: \(summary)"]
                }
            return TestCase(
                name: "exercise \(exercise.id)", location: start, seconds: 0, passed: failure.isEmpty,
                failures: failure)
        }
        var tally = TestTally()
        tally.add(TestSuite(path: name, cases: cases))
        return JUnitReport.xml(for: tally)
    }

    /// The grade as a table for the top of a report, in the report's language, with the notes on cells
    /// that differ from the key.
    public func summaryHTML(lang: String) -> String {
        func word(_ phrase: ReportPhrase) -> String {
            HTMLText.escape(ReportRenderer.phrase(phrase, lang: lang))
        }
        var out =
            "<section class=\"grade\"><h2>\(Self.number(points)) / \(Self.number(outOf)) \(word(.points))</h2>\n"
        out += "<table><tbody>\n"
        for exercise in exercises {
            let status: String
            switch exercise.status {
            case .passing: status = "<span class=\"pill passed\">✓ \(word(.passed))</span>"
            case .failing: status = "<span class=\"pill failed\">✗ \(word(.failed))</span>"
            case .notDone: status = "<span class=\"pill notdone\">✎ \(word(.notDone))</span>"
            }
            out +=
                "<tr><th><a href=\"#\(HTMLText.escape(exercise.id))\">\(word(.exercise)) \(HTMLText.escape(exercise.id))</a></th>"
            out +=
                "<td>\(status)</td><td>\(Self.number(exercise.points)) / \(Self.number(exercise.outOf)) \(word(.points))</td>"
            out += "<td><code>#expect</code> \(exercise.publicPassed)/\(exercise.publicTotal)</td>"
            out += "<td>\(word(.hiddenChecks)): \(exercise.hiddenPassed)/\(exercise.hiddenTotal)</td></tr>\n"
        }
        out += "</tbody></table>\n"
        if !notes.isEmpty {
            out +=
                "<ul class=\"grade-notes\">" + notes.map { "<li>\(HTMLText.escape($0))</li>" }.joined()
                + "</ul>\n"
        }
        return out + "</section>\n"
    }

    /// A number of points as a person writes it: `2`, `1.5`.
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension Substring {
    fileprivate var trimmingTrailingBlanks: Substring {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last == " " || last == "\t" || last == "\r" {
            end = index(before: end)
        }
        return self[startIndex..<end]
    }
}
