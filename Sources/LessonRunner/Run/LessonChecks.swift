import Foundation
import LessonSource
import Reporting

/// `khru check`: every problem of a set of lessons, found without running anything.
public enum LessonChecks {
    /// Resolves every cell of every lesson against `registry` (each lesson's cells in order, one
    /// namespace per lesson) and compares each `en`/`th` pair's cells.
    ///
    /// - Returns: All diagnostics, sorted by location.
    public static func check(_ lessons: [Lesson], registry: Registry) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for lesson in lessons {
            var resolver = Resolver(registry: registry)
            resolver.noteDeclarations(in: lesson.resolvedCells)
            for cell in lesson.resolvedCells where cell.attributes.include == nil {
                _ = resolver.resolve(cell)
            }
            diagnostics += resolver.diagnostics
            // An include= cell shows a file (or one declaration) of the package: both must be there.
            let packageRoot = PackageRoot.find(from: (lesson.path as NSString).deletingLastPathComponent)
            for cell in lesson.cells {
                guard let include = cell.attributes.include else { continue }
                do {
                    _ = try IncludedCode.read(
                        path: include, symbol: cell.attributes.symbol, packageRoot: packageRoot)
                } catch let problem as Diagnostic {
                    diagnostics.append(Diagnostic(.error, problem.message, at: cell.location))
                } catch {
                    diagnostics.append(Diagnostic(.error, "\(error)", at: cell.location))
                }
            }
        }
        diagnostics += comparePairs(lessons)
        return diagnostics.sorted { $0.location < $1.location }
    }

    /// Compares lessons with the same file name in sibling language folders (`en/05-x.md`, `th/05-x.md`).
    public static func comparePairs(_ lessons: [Lesson]) -> [Diagnostic] {
        var byName: [String: [Lesson]] = [:]
        for lesson in lessons {
            let url = URL(fileURLWithPath: lesson.path)
            let key =
                url.deletingLastPathComponent().deletingLastPathComponent().path + "/" + url.lastPathComponent
            byName[key, default: []].append(lesson)
        }
        var diagnostics: [Diagnostic] = []
        for key in byName.keys.sorted() {
            guard let group = byName[key], group.count > 1 else { continue }
            let sorted = group.sorted { $0.path < $1.path }
            let reference = sorted.first { $0.language.words == .en } ?? sorted[0]
            for other in sorted where other.path != reference.path {
                diagnostics += LessonPair.compareCells(reference, other)
            }
        }
        return diagnostics
    }
}

/// One doc-test of `khru test`: a run cell or one of its `#expect` checks.
public struct TestCase: Hashable, Sendable {
    /// `cell ID`, `#expect(CONDITION)`, or `parse` for a lesson that could not be read.
    public var name: String
    /// Where the cell or check is in its lesson.
    public var location: SourceLocation
    /// Wall time in seconds (a check's time is its cell's).
    public var seconds: Double
    /// Whether it passed.
    public var passed: Bool
    /// One clang-style line per problem it shows: `file:line:col: error: …`.
    ///
    /// A cell that failed only because a check of it failed shows no line of its own: the check's
    /// line says it.
    public var failures: [String]

    /// Creates a test case.
    public init(name: String, location: SourceLocation, seconds: Double, passed: Bool, failures: [String]) {
        self.name = name
        self.location = location
        self.seconds = seconds
        self.passed = passed
        self.failures = failures
    }
}

/// The doc-tests of one lesson file.
public struct TestSuite: Hashable, Sendable {
    /// The lesson's path, as the user named it.
    public var path: String
    /// Its cells and checks, in lesson order (each cell's checks before the cell).
    public var cases: [TestCase]
}

/// `khru test` totals: every run cell and every `#expect` check counts once.
public struct TestTally: Hashable, Sendable {
    /// The lessons tested, in order.
    public private(set) var suites: [TestSuite] = []

    /// An empty tally.
    public init() {}

    /// Cells and checks that passed.
    public var passed: Int { suites.reduce(0) { $0 + $1.cases.filter(\.passed).count } }
    /// Cells and checks that failed.
    public var failed: Int { suites.reduce(0) { $0 + $1.cases.filter { !$0.passed }.count } }
    /// One clang-style line per failure: `file:line:col: error: …`.
    public var failures: [String] { suites.flatMap { $0.cases.flatMap(\.failures) } }

    /// Adds a lesson that could not be read or parsed: one failed case holding its errors.
    public mutating func add(unreadable path: String, diagnostics: [Diagnostic]) {
        let errors = diagnostics.filter { $0.severity == .error }
        let location = errors.first?.location ?? SourceLocation(file: path, line: 1, column: 1)
        suites.append(
            TestSuite(
                path: path,
                cases: [
                    TestCase(
                        name: "parse", location: location, seconds: 0, passed: false,
                        failures: errors.map(\.description))
                ]))
    }

    /// Adds a lesson's results.
    public mutating func add(_ report: LessonReport) {
        var cases: [TestCase] = []
        for cell in report.lesson.cells {
            guard let result = report.cells[cell.id] else { continue }
            let seconds = result.telemetry?.seconds ?? 0
            for case .check(let check) in result.outputs {
                let detail = check.detail.map { " (\($0))" } ?? ""
                cases.append(
                    TestCase(
                        name: "#expect(\(check.expression))", location: check.location, seconds: seconds,
                        passed: check.passed,
                        failures: check.passed
                            ? []
                            : ["\(check.location): error: expectation failed: \(check.expression)\(detail)"]))
            }
            var failures: [String] = []
            let passed: Bool
            switch result.status {
            case .shown: continue
            case .passed, .failedAsExpected: passed = true
            case .failed:
                passed = false
                for case .error(let diagnostic) in result.outputs { failures.append(diagnostic.description) }
                let failedChecks = result.outputs.contains {
                    if case .check(let c) = $0 { !c.passed } else { false }
                }
                if failures.isEmpty && !failedChecks {
                    failures.append("\(cell.location): error: cell '\(cell.id)' failed")
                }
            case .unexpectedlyPassed:
                passed = false
                failures.append(
                    "\(cell.location): error: cell '\(cell.id)' is marked .error but ran without error")
            case .skipped(let reason):
                passed = false
                failures.append("\(cell.location): error: cell '\(cell.id)' was skipped: \(reason)")
            case .notDone:
                passed = false
                failures.append(
                    "\(cell.location): error: exercise '\(cell.id)' is not done yet (it reaches todo())")
            }
            cases.append(
                TestCase(
                    name: "cell \(cell.id)", location: cell.location, seconds: seconds, passed: passed,
                    failures: failures))
        }
        suites.append(TestSuite(path: report.lesson.path, cases: cases))
    }

    /// Adds a suite of cases made elsewhere (a grade's exercises).
    mutating func add(_ suite: TestSuite) { suites.append(suite) }

    /// Adds the check of a lesson's student edition (``StudentEdition``): one case, failed with the
    /// problems `khru check` finds in it (every `todo()` must have a type).
    public mutating func add(studentEditionOf lesson: Lesson, problems: [Diagnostic]) {
        let errors = problems.filter { $0.severity == .error }
        suites.append(
            TestSuite(
                path: lesson.path + " (student edition)",
                cases: [
                    TestCase(
                        name: "student edition",
                        location: SourceLocation(file: lesson.path, line: 1, column: 1),
                        seconds: 0, passed: errors.isEmpty,
                        failures: errors.map { "student edition of \(lesson.path): \($0.description)" })
                ]))
    }

    /// The closing line, `N passed, N failed`.
    public var summary: String { "\(passed) passed, \(failed) failed" }
}

/// Finds lesson files: each path is a Markdown file or a folder searched recursively for `*.md`.
public enum LessonFiles {
    /// The `index`-th (from 1) of `count` deterministic slices of `files`, for splitting a course
    /// over a CI matrix: every file is in exactly one slice.
    ///
    /// Files are grouped by file name, so a lesson's `en` and `th` versions (which share the run
    /// cache) fall in the same slice; the sorted names are dealt round-robin. Order within the
    /// slice is the order of `files`. A slice outside `1...count` is empty.
    public static func shard(_ files: [String], index: Int, of count: Int) -> [String] {
        guard count >= 1, (1...count).contains(index) else { return [] }
        let names = Set(files.map { ($0 as NSString).lastPathComponent }).sorted()
        var slice: [String: Int] = [:]
        for (position, name) in names.enumerated() { slice[name] = position % count + 1 }
        return files.filter { slice[($0 as NSString).lastPathComponent] == index }
    }

    /// The lesson files under `paths`, sorted within each folder; `lessons/data/` is skipped.
    ///
    /// - Throws: ``StepError`` naming a path that does not exist.
    public static func find(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw StepError("\(path): no such file or folder")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = (manager.subpaths(atPath: path) ?? [])
                .filter { $0.hasSuffix(".md") && !$0.hasPrefix("data/") && !$0.contains("/data/") }
                .filter { !($0 as NSString).lastPathComponent.hasPrefix("README") }
                .sorted()
            files += found.map { "\(base)/\($0)" }
        }
        return files
    }
}
