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
            resolver.noteDeclarations(in: lesson.cells)
            for cell in lesson.cells where cell.attributes.include == nil { _ = resolver.resolve(cell) }
            diagnostics += resolver.diagnostics
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
            let reference = sorted.first { LessonExecutor.language(of: $0) == "en" } ?? sorted[0]
            for other in sorted where other.path != reference.path {
                diagnostics += LessonPair.compareCells(reference, other)
            }
        }
        return diagnostics
    }
}

/// `khru test` totals: every run cell and every `#expect` check counts once.
///
/// A cell passes when its status is `passed` or `failedAsExpected`; it fails when `failed`,
/// `unexpectedlyPassed` or `skipped`. `.norun` and `include=` cells are not counted (an `include=`
/// whose file or symbol is missing counts as a failed cell). Each check passes or fails on its own.
public struct TestTally: Hashable, Sendable {
    /// Cells and checks that passed.
    public var passed = 0
    /// Cells and checks that failed.
    public var failed = 0
    /// One clang-style line per failure: `file:line:col: error: …`.
    public var failures: [String] = []

    /// An empty tally.
    public init() {}

    /// Adds a lesson's results.
    public mutating func add(_ report: LessonReport) {
        for cell in report.lesson.cells {
            guard let result = report.cells[cell.id] else { continue }
            for case .check(let check) in result.outputs {
                if check.passed {
                    passed += 1
                } else {
                    failed += 1
                    let detail = check.detail.map { " (\($0))" } ?? ""
                    failures.append(
                        "\(check.location): error: expectation failed: \(check.expression)\(detail)")
                }
            }
            switch result.status {
            case .shown: continue
            case .passed, .failedAsExpected: passed += 1
            case .failed:
                failed += 1
                for case .error(let diagnostic) in result.outputs { failures.append(diagnostic.description) }
                let failedChecks = result.outputs.contains {
                    if case .check(let c) = $0 { !c.passed } else { false }
                }
                let hasError = result.outputs.contains { if case .error = $0 { true } else { false } }
                if !hasError && !failedChecks {
                    failures.append("\(cell.location): error: cell '\(cell.id)' failed")
                }
            case .unexpectedlyPassed:
                failed += 1
                failures.append(
                    "\(cell.location): error: cell '\(cell.id)' is marked .error but ran without error")
            case .skipped(let reason):
                failed += 1
                failures.append("\(cell.location): error: cell '\(cell.id)' was skipped: \(reason)")
            }
        }
    }

    /// The closing line, `N passed, N failed`.
    public var summary: String { "\(passed) passed, \(failed) failed" }
}

/// Finds lesson files: each path is a Markdown file or a folder searched recursively for `*.md`.
public enum LessonFiles {
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
