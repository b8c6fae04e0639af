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

    /// Runs `lesson` in a worker (or here, with `--in-process`); progress and the check's problems
    /// are printed on standard error, and so is what kills a worker.
    func run(_ lesson: Lesson, _ request: WorkerRequest) -> LessonReport? {
        let progress: (RunProgress) -> Void = { if $0.isForTerminal { eprint("  \($0)") } }
        let diagnostics: ([Diagnostic]) -> Void = { problems in
            for problem in problems { eprint(problem.description) }
        }
        if inProcess {
            return LessonWorker.run(
                lesson, request: request, registry: .standard(), progress: progress, diagnostics: diagnostics,
                log: eprint)
        }
        let outcome = LessonWorker().run(
            lesson, request: request, progress: progress, diagnostics: diagnostics,
            standardError: { eprint($0) })
        if let crash = outcome.crash { eprint(crash.diagnostic?.description ?? "error: \(crash.message)") }
        return outcome.report
    }
}
