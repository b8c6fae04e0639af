import LessonSource
import Localization
import Reporting

/// What a lesson run publishes as it goes, in order: the problems the check found, live progress
/// (cells starting, notes, batches, epoch rows), each cell's final report, and the end of the lesson.
///
/// This is the seam between running a lesson and showing it: ``LessonExecutor`` produces these events
/// in the process that runs the cells, the worker process (`khru` running one lesson for ``LessonWorker``)
/// sends them as JSON lines over a pipe, and the parent rebuilds the report from them, so a report can be
/// written even when the process running the cells dies.
public enum LessonEvent: Hashable, Sendable, Codable {
    /// Every problem the check found, before the first cell runs (cells marked `.error` excluded).
    case problems([LessonSource.Diagnostic])
    /// Live progress, as ``LessonExecutor/progress`` receives it.
    case progress(RunProgress)
    /// A cell's final report: run, taken from the cache, skipped or only shown. A lesson that restarts
    /// without the cache (its replay diverged) reports its cells again; the last report of a cell counts.
    case cellFinished(CellReport)
    /// Every cell has reported.
    case lessonFinished
}

extension LessonExecutor {
    /// The report of `lesson` from its cells' reports, each cell's pictures in the lesson's language.
    public static func report(of lesson: Lesson, cells: [String: CellReport]) -> LessonReport {
        // The cache keeps every language's pictures; the report shows its lesson's.
        let lang = language(of: lesson)
        return LessonReport(
            lesson: lesson, cells: cells.mapValues { $0.localized(to: lesson.language.words.rawValue) },
            lang: lang,
            slug: slug(of: lesson), version: KhruVersion.current)
    }

    /// The time limit of `cell` in `lesson`: its `timeout=`, else the front matter's `timeout:`, else
    /// ``defaultTimeout``; `nil` when none applies.
    public func timeLimit(of cell: Cell, in lesson: Lesson) -> TimeLimit? {
        Self.timeLimit(of: cell, in: lesson, default: defaultTimeout)
    }

    /// The time limit of `cell` in `lesson` under a run whose default is `defaultTimeout`.
    public static func timeLimit(
        of cell: Cell, in lesson: Lesson, default defaultTimeout: Double?
    )
        -> TimeLimit?
    {
        if let seconds = cell.attributes.timeout { return TimeLimit(seconds: seconds, origin: .cell) }
        if let seconds = lesson.frontMatter.timeout { return TimeLimit(seconds: seconds, origin: .lesson) }
        return defaultTimeout.map { TimeLimit(seconds: $0, origin: .run) }
    }
}

/// How long a cell may run, and who said so.
public struct TimeLimit: Hashable, Sendable {
    /// Who set a limit: the cell, the lesson, or the run's default.
    public enum Origin: String, Hashable, Sendable, Codable {
        /// The cell's `timeout=` attribute.
        case cell
        /// The lesson's front matter `timeout:`.
        case lesson
        /// The run's default (`--timeout`, else ``LessonExecutor/standardTimeout``).
        case run
    }

    /// The limit in seconds.
    public var seconds: Double
    /// Where it comes from.
    public var origin: Origin

    /// Creates a limit.
    public init(seconds: Double, origin: Origin) {
        self.seconds = seconds
        self.origin = origin
    }

    /// How the limit is written in the error, in `language`: `timeout=60`, the lesson's `timeout: 60`, or
    /// the default.
    public func explanation(in language: Language) -> String {
        let shown = Value.format(seconds)
        switch origin {
        case .cell: return "timeout=\(shown)"
        case .lesson: return ReportWords.fill(ReportWords.limitOfLesson, shown, in: language)
        case .run: return ReportWords.fill(ReportWords.limitOfRun, shown, in: language)
        }
    }
}
