import Foundation
import LessonSource
import Localization
import Reporting
import TensorCore

/// What a step may ask for while a cell runs: where to put rich outputs, the cell's seed, the lesson's
/// folder, and whether the cell's time is up.
///
/// A binding receives it by declaring a first closure parameter of this type:
/// `registry.bind("DataFrame.head(_ n: Int = 5)", doc: …) { (context: StepContext, df: DataFrame, n: Int) in … }`.
public final class StepContext {
    /// The running cell's id.
    public let cellID: String
    /// The cell's seed, derived from the lesson seed and the cell id (see ``CellSeed``).
    public let seed: CellSeed
    /// The folder holding the lesson file; relative paths in cells resolve against it.
    public let lessonDirectory: String
    /// The folder holding `Package.swift` above the lesson, if any.
    public let packageRoot: String?
    /// The folder for files the lesson's cells write, such as `learn.save` (`<output>/files/<lesson>` in
    /// a run that keeps reports, else a temporary folder).
    public let filesDirectory: String
    /// The language of the lesson's own words (Khru's messages in the report are written in it).
    public let language: Language
    /// What the cell has produced so far.
    public private(set) var outputs: [CellOutput] = []
    /// Receives the position of each statement and library call the cell reaches, before it runs (a
    /// worker keeps the last one where its parent can read it after a crash); `nil` for none.
    public var reached: ((LessonSource.SourceLocation) -> Void)?
    private let deadline: ContinuousClock.Instant?
    private let limit: TimeLimit?
    private let progressHandler: ((RunProgress) -> Void)?

    /// Creates a context for one cell.
    ///
    /// `timeout` is a limit set by the cell's `timeout=`; `limit` (which wins) says where it comes from.
    public init(
        cellID: String, seed: CellSeed, lessonDirectory: String, packageRoot: String? = nil,
        filesDirectory: String? = nil, timeout: Double? = nil, limit: TimeLimit? = nil,
        language: Language = .en, progress: ((RunProgress) -> Void)? = nil
    ) {
        self.cellID = cellID
        self.language = language
        self.seed = seed
        self.lessonDirectory = lessonDirectory
        self.packageRoot = packageRoot
        self.filesDirectory = filesDirectory ?? Self.temporaryFilesDirectory
        let limit = limit ?? timeout.map { TimeLimit(seconds: $0, origin: .cell) }
        self.limit = limit
        // A timeout beyond a billion seconds is as good as none (and would overflow the clock).
        self.deadline = limit.map {
            ContinuousClock.now + .milliseconds(Int((min($0.seconds, 1e9) * 1000).rounded()))
        }
        self.progressHandler = progress
    }

    /// The process's folder for cells' files when a run keeps no reports.
    static var temporaryFilesDirectory: String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("khru-files-\(getpid())")
    }

    /// Adds an output (a table, an image, text) under the cell.
    public func emit(_ output: CellOutput) { outputs.append(output) }

    /// Adds printed text under the cell; consecutive prints join into one text output.
    public func print(_ line: String) {
        if case .text(let previous) = outputs.last {
            outputs[outputs.count - 1] = .text(previous + "\n" + line)
        } else {
            outputs.append(.text(line))
        }
    }

    /// Reports a note as live progress (on the terminal and open pages, never in the report).
    public func progress(_ text: String) { progressHandler?(.note(text)) }

    /// Reports live progress (on the terminal and open pages, never in the report): a note, a batch,
    /// an epoch row.
    public func progress(_ event: RunProgress) { progressHandler?(event) }

    /// Whether anyone receives progress (a replay of a cached cell has no receiver).
    public var reportsProgress: Bool { progressHandler != nil }

    /// A path relative to the lesson's folder, unless it is absolute.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : (lessonDirectory as NSString).appendingPathComponent(path)
    }

    /// When the cell's `timeout=` runs out, if it has one (for callbacks that stop long work early).
    public var deadlineInstant: ContinuousClock.Instant? { deadline }

    /// Throws ``CellTimeout`` when the cell has run past its `timeout=`; long steps call it between
    /// batches or epochs so a timeout stops them.
    public func checkDeadline() throws {
        if let deadline, let limit, ContinuousClock.now > deadline {
            throw CellTimeout(seconds: limit.seconds, origin: limit.origin)
        }
    }
}

extension StepContext: CellValue {
    /// Not a cell type: bindings receive the context, cells never see it.
    public static var cellType: CellType { .named("StepContext") }
    /// Always throws: the context is supplied by the runner.
    public static func from(_ value: Value) throws -> StepContext {
        throw ConversionError(expected: cellType, actual: value.cellType)
    }
    /// Not representable.
    public var cellValue: Value { .void }
}

/// A cell ran past its time limit (its `timeout=`, the lesson's `timeout:` or the run's default).
public struct CellTimeout: Error, Hashable, Sendable, CustomStringConvertible {
    /// The limit.
    public var seconds: Double
    /// Who set it.
    public var origin: TimeLimit.Origin = .cell

    public var description: String { message(in: .en) }

    /// The error in `language`.
    public func message(in language: Language) -> String {
        ReportWords.fill(
            ReportWords.cellTimedOut, Value.format(seconds),
            TimeLimit(seconds: seconds, origin: origin).explanation(in: language), in: language)
    }
}

/// A cell's seed: TensorCore's ``TensorCore/Random/deriveSeed(_:_:)`` of the lesson seed and the cell
/// id, so every cell's random streams are reproducible and independent of the cells around it.
public struct CellSeed: Hashable, Sendable, CustomStringConvertible {
    /// The 64-bit seed.
    public var value: UInt64

    /// Derives the seed of cell `cellID` in a lesson seeded `lessonSeed`.
    public init(lessonSeed: UInt64, cellID: String) {
        value = Random.deriveSeed(lessonSeed, cellID)
    }

    /// Wraps a raw seed.
    public init(value: UInt64) { self.value = value }

    public var description: String { String(value) }
}
