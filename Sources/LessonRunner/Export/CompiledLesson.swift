import Foundation
import LessonSource
import Reporting
import TensorCore
import Training

/// A lesson running as compiled Swift (the code `khru export-swift` generates): each cell is seeded as the
/// interpreter seeds it, what it displays is recorded, and ``compareWithInterpreter()`` runs the same
/// lesson through the interpreter and lists every cell whose displayed value differs.
///
/// ```swift
/// let lesson = try CompiledLesson(path: "lessons/en/00-welcome.md", registry: .standard())
/// try await lesson_00_welcome(lesson)          // generated
/// #expect(try lesson.compareWithInterpreter() == [])
/// ```
public final class CompiledLesson: @unchecked Sendable {
    /// A failure of compiled cell code, located at the statement that was running.
    public struct Failure: Error, CustomStringConvertible {
        /// The located message, as the interpreter words it.
        public var diagnostic: LessonSource.Diagnostic
        public var description: String { diagnostic.description }
    }

    /// The lesson.
    public let lesson: Lesson
    private let registry: Registry
    private var displayed: [String: Value] = [:]
    private var cellID = ""
    private var position: LessonSource.SourceLocation

    /// A lesson already parsed (tests build lessons in memory).
    public init(lesson: Lesson, registry: Registry) {
        self.lesson = lesson
        self.registry = registry
        self.position = LessonSource.SourceLocation(file: lesson.path, line: 1, column: 1)
    }

    /// Parses the lesson at `path` (relative to the working directory, the package root under `swift test`).
    ///
    /// - Throws: the parser's first error.
    public convenience init(path: String, registry: Registry) throws {
        let (lesson, diagnostics) = try LessonParser.parse(fileAt: path)
        if let error = diagnostics.first(where: { $0.severity == .error }) {
            throw Failure(diagnostic: error)
        }
        self.init(lesson: lesson, registry: registry)
    }

    /// Whether the compiled twins of long training lessons run.
    ///
    /// They run with `KHRU_COMPILED_LONG=1` and always compile; see ``SwiftExporter/longLessonSeconds``.
    public static var runsLongLessons: Bool {
        ProcessInfo.processInfo.environment["KHRU_COMPILED_LONG"].map { !$0.isEmpty && $0 != "0" } ?? false
    }

    /// Whether every dataset the lessons read is prepared (`khru data`), so lessons that read data can run.
    public static var dataIsPrepared: Bool {
        let root = DataSource.dataRoot().string
        return DataPreparation.all.allSatisfy {
            FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent($0.name))
        }
    }

    /// Runs one cell's code with the cell's seed; a failure is located at the statement that ran last.
    public func cell(_ id: String, _ body: () async throws -> Void) async throws {
        let seed = CellSeed(lessonSeed: lesson.frontMatter.seed, cellID: id)
        let outer = cellID
        cellID = id
        defer { cellID = outer }
        do {
            try await Random.withSeed(seed.value) { try await body() }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(diagnostic: LessonSource.Diagnostic(.error, Self.message(error), at: position))
        }
    }

    /// The running cell's id (tests set it to record a value outside a cell).
    var cellIDForTesting: String {
        get { cellID }
        set { cellID = newValue }
    }

    /// Marks where the next statement starts (where the interpreter would locate its failure).
    public func at(_ line: Int, _ column: Int) {
        position = LessonSource.SourceLocation(file: lesson.path, line: line, column: column)
    }

    /// How many cells have displayed a value so far (what ``compare(with:)`` compares).
    public var shownCellCount: Int { displayed.count }

    /// Records the value the running cell displays (its last expression).
    public func show<T>(_ value: T) {
        displayed[cellID] = Value(displaying: value)
    }

    /// Runs the lesson through the interpreter and compares, cell by cell, what the two runs display.
    ///
    /// - Returns: One line per difference (`cell 'x': compiled shows …, interpreted shows …`), or a line
    ///   per cell the interpreter failed; empty when they agree.
    public func compareWithInterpreter() -> [String] {
        compare(with: LessonExecutor(registry: registry).run(lesson).report)
    }

    /// Compares, cell by cell, what this run displayed with an interpreter's report of the same lesson.
    ///
    /// A test that also checks the report itself runs the interpreter once. Cells whose values come from
    /// the clock (lesson 02's seconds per epoch) are left out: no two runs time alike.
    ///
    /// - Returns: As ``compareWithInterpreter()``.
    public func compare(with report: LessonReport) -> [String] {
        var differences: [String] = []
        for cell in lesson.cells {
            guard let compiled = displayed[cell.id],
                let shown = compiled.displayOutput?.localized(
                    to: LessonLanguage(tag: report.lang)?.words.rawValue ?? report.lang)
            else { continue }
            guard let result = report.cells[cell.id], result.status == .passed else {
                differences.append("cell '\(cell.id)': the interpreter did not pass it")
                continue
            }
            // Timings differ from run to run: the two runs cannot show the same ones.
            if result.telemetry?.fromTheClock == true { continue }
            let interpreted = result.outputs.last
            if interpreted != shown {
                differences.append(
                    "cell '\(cell.id)': compiled shows \(Self.summary(shown)), interpreted shows "
                        + (interpreted.map(Self.summary) ?? "nothing"))
            }
        }
        return differences
    }

    private static func summary(_ output: CellOutput) -> String {
        switch output {
        case .value(let text), .text(let text): return "\"\(text)\""
        case .image(let image): return "an image (\(image.width)×\(image.height), \(image.bytes.count) bytes)"
        default: return "\(output)"
        }
    }

    /// The message a failure shows, worded as the interpreter words it.
    static func message(_ error: Error) -> String {
        switch error {
        case let error as TensorError: return error.message
        case let error as StepError: return error.message
        default: return "\(error)"
        }
    }
}

extension Value {
    /// A Swift value as the cell language holds it: what compiled code displays, and what a library
    /// call returns as `Any` (a sample's `(x, y)`), so both show what the interpreter does.
    init(displaying value: Any) {
        if let cellValue = value as? any CellValue {
            self = cellValue.cellValue
            return
        }
        if let text = value as? Substring {
            self = .string(String(text))
            return
        }
        if let metatype = value as? Any.Type {
            self = CellMetatype(type: .named(String(describing: metatype))).cellValue
            return
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .tuple:
            // An unlabeled element's label is `.0`, `.1`…; a labeled one's is its label.
            self =
                mirror.children.isEmpty
                ? .void
                : .tuple(
                    mirror.children.map { Value(displaying: $0.value) },
                    labels: mirror.children.map { child in
                        child.label.flatMap { $0.hasPrefix(".") ? nil : $0 }
                    })
        case .optional:
            self = mirror.children.first.map { Value(displaying: $0.value) } ?? .none
        case .collection:
            self = .array(mirror.children.map { Value(displaying: $0.value) })
        case .enum where String(reflecting: type(of: value)).contains("(unknown context"):
            // A case of an enum a cell declared shows as the interpreter shows it: `Split.train`.
            self = .object(
                LibraryObject(
                    type: .named(String(describing: type(of: value))),
                    payload: DeclaredEnumValue(
                        typeName: String(describing: type(of: value)), caseName: String(describing: value),
                        rawValue: nil)))
        case .struct where String(reflecting: type(of: value)).contains("(unknown context"):
            // A struct a cell declared (a local type in the compiled twin) shows as the interpreter shows
            // it: `Point(x: 1.0, label: "a")`.
            let name = String(describing: type(of: value))
            let fields = mirror.children.map {
                "\($0.label ?? "_"): \(Value(displaying: $0.value).displayText)"
            }
            self = .object(
                LibraryObject(
                    type: .named(name),
                    payload: CompiledStructText(text: "\(name)(\(fields.joined(separator: ", ")))")))
        default:
            self = .object(LibraryObject(type: .named(String(describing: type(of: value))), payload: value))
        }
    }
}

/// The text of a struct a compiled cell declared, as the interpreter shows one.
private struct CompiledStructText: CellTextConvertible {
    let text: String
    var cellText: String { text }
}
