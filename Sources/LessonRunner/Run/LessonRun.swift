import Foundation
import LessonSource
import Reporting

/// One lesson run from its file to its written report, the one way `khru run`, `khru test`, `khru grade`
/// and `khru serve` run a lesson.
///
/// The lesson is parsed with the run's parameter values, runs in a worker process (``LessonWorker``; or
/// in this process without one) through the run cache, and its report and manifest are written under
/// ``output`` when ``writesReport``. Everything on the way arrives as ``Event``s, in order; the commands
/// only print, tally or publish them. The commands check their input before the first lesson runs
/// (a `--cell` every lesson has, `-p` values every lesson fits), so a run never stops half-way on a
/// usage mistake.
public final class LessonRun {
    /// What happens during one lesson's run, in order.
    public enum Event {
        /// The parser's problems, before anything runs (with an error, the lesson does not run).
        case parsed([LessonSource.Diagnostic])
        /// The check's problems, before the first cell runs.
        case problems([LessonSource.Diagnostic])
        /// Live progress of the running cell.
        case progress(RunProgress)
        /// A line for the terminal: the worker's standard error, a note of the cache.
        case log(String)
        /// The worker died before the lesson's end; the outcome's report still has every cell.
        case crashed(LessonWorker.Crash)
    }

    /// How one lesson's run ended.
    public struct Outcome {
        /// The lesson as it ran; `nil` when it does not parse (the problems said why).
        public var lesson: Lesson?
        /// The report; `nil` when the lesson did not run (it does not parse, the cache cannot be opened,
        /// or the run was interrupted).
        public var report: LessonReport?
        /// How the worker died, if it did.
        public var crash: LessonWorker.Crash?
        /// The files written, when ``LessonRun/writesReport``.
        public var written: (html: String, manifest: String)?
        /// Why the report could not be written, if it could not.
        public var writeError: String?
    }

    /// The request every lesson of the run starts from: output, cache, `--cell`, time limit.
    public var request: WorkerRequest
    /// `-p name=value`, given to the lessons that declare `name`.
    public var parameters: [String: String]
    /// Runs each lesson in a worker process; `nil` runs it in this process.
    public var worker: LessonWorker?
    /// Whether each lesson's report and manifest are written under the request's output.
    public var writesReport: Bool
    /// Receives each line a worker writes to its standard error, on another thread (default: this
    /// process's standard error).
    public var standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
    private lazy var registry = Registry.standard()

    /// A run whose lessons start from `request` (its path is replaced by each lesson's).
    public init(
        request: WorkerRequest, parameters: [String: String] = [:], worker: LessonWorker? = LessonWorker(),
        writesReport: Bool = true
    ) {
        self.request = request
        self.parameters = parameters
        self.worker = worker
        self.writesReport = writesReport
    }

    /// The folder reports are written under.
    public var output: String { request.output }

    /// Parses the lesson at `path` with the run's parameter values and runs it.
    public func run(_ path: String, events: @escaping (Event) -> Void) -> Outcome {
        let (lesson, diagnostics) = Self.parse(path, parameters: parameters)
        if !diagnostics.isEmpty { events(.parsed(diagnostics)) }
        guard let lesson else { return Outcome() }
        return run(lesson, path: path, events: events)
    }

    /// Runs `lesson` (already parsed: a graded submission merged with its key, a lesson the workshop
    /// parsed) as the file at `path`.
    public func run(_ lesson: Lesson, path: String, events: @escaping (Event) -> Void) -> Outcome {
        var request = self.request
        request.lessonPath = path
        var outcome = Outcome(lesson: lesson)
        let progress: (RunProgress) -> Void = { events(.progress($0)) }
        let problems: ([LessonSource.Diagnostic]) -> Void = { if !$0.isEmpty { events(.problems($0)) } }
        if let worker {
            let result = worker.run(
                lesson, request: request, progress: progress, diagnostics: problems,
                standardError: standardError)
            outcome.crash = result.crash
            if let crash = result.crash {
                events(.crashed(crash))
                // Ctrl-C reaches the worker too: the run is stopping, the report on disk stays as it was.
                if crash.wasInterrupted { return outcome }
            }
            outcome.report = result.report
        } else {
            outcome.report = LessonWorker.run(
                lesson, request: request, registry: registry, progress: progress, diagnostics: problems,
                log: { events(.log($0)) })
        }
        if writesReport, let report = outcome.report {
            do {
                outcome.written = try write(report)
            } catch {
                outcome.writeError = "\(error)"
            }
        }
        return outcome
    }

    /// Writes `report`'s HTML page and manifest under ``output``; returns their paths.
    public func write(_ report: LessonReport) throws -> (html: String, manifest: String) {
        try ReportWriter.write(report, under: output)
    }

    /// Writes `output/index.html` over every report under ``output``; returns its path.
    @discardableResult
    public func writeIndex() throws -> String {
        try ReportWriter.writeIndex(ReportWriter.indexEntries(under: output), under: output)
    }

    /// Parses a lesson with the `-p` values it declares: the lesson (`nil` when it has errors) and its
    /// diagnostics (a value that does not fit the lesson's parameter is one of them).
    public static func parse(
        _ path: String, parameters: [String: String]
    ) -> (Lesson?, [LessonSource.Diagnostic]) {
        let (parsed, diagnostics) = LessonParser.parseCollectingErrors(fileAt: path)
        guard let parsed, !parameters.isEmpty else { return (parsed, diagnostics) }
        let declared = Set(parsed.frontMatter.params.map(\.name))
        do {
            return (
                try parsed.settingParameters(parameters.filter { declared.contains($0.key) }), diagnostics
            )
        } catch {
            let start = LessonSource.SourceLocation(file: path, line: 1, column: 1)
            return (nil, diagnostics + [LessonSource.Diagnostic(.error, error.message, at: start)])
        }
    }
}
