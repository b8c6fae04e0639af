import ArgumentParser
import Foundation
import LessonRunner
import LessonSource
import Reporting
import TensorCore

extension Khru {
    /// `khru _worker`: runs one lesson for a parent `khru` (see ``LessonWorker``); not for people.
    struct Worker: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: LessonWorker.subcommand,
            abstract: "Run one lesson for a parent khru (request on standard input, events on fd 3).",
            shouldDisplay: false)

        func run() throws {
            let status = LessonWorker.serve(registry: { .standard() })
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// How `khru run`, `test` and `serve` run a lesson: in a worker process with a time limit per cell.
struct RunLimits: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The most a cell may run, in seconds, unless its timeout= or the lesson's timeout: says otherwise.",
            valueName: "seconds"))
    var timeout: Double = LessonExecutor.standardTimeout

    @Flag(help: .hidden) var inProcess = false

    func validate() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("--timeout must be a positive number of seconds, not '\(timeout)'")
        }
    }

    /// A run of lessons with `request`, in workers (or here, with `--in-process`).
    func lessonRun(
        _ request: WorkerRequest, parameters: [String: String] = [:], writesReport: Bool = true
    ) -> LessonRun {
        LessonRun(
            request: request, parameters: parameters, worker: inProcess ? nil : LessonWorker(),
            writesReport: writesReport)
    }

    /// How the commands show a run on the terminal: problems, progress for the terminal, the cache's notes
    /// and what killed a worker, on standard error.
    static func printing(_ event: LessonRun.Event) {
        switch event {
        case .parsed(let problems), .problems(let problems):
            for problem in problems { eprint(problem.description) }
        case .progress(let progress):
            if progress.isForTerminal { eprint("  \(progress)") }
        case .log(let line): eprint(line)
        case .crashed(let crash): eprint(crash.diagnostic?.description ?? "error: \(crash.message)")
        }
    }
}
