import Foundation
import LessonRunner
import LessonSource
import Reporting

/// `runner`: parse, check, run and render of a generated 100-cell lesson, each phase timed alone.
///
/// One `Registry.standard()` for the process, as `khru` builds it once; its construction is a row too.
func benchRunner(_ options: BenchOptions) {
    let cells = 100
    let text = RunnerBench.markdown(cells: cells)
    let path = "bench-runner.md"
    var registry = Registry.standard()
    let registrySeconds = bestSeconds(reps: options.reps) { registry = Registry.standard() }

    var (lesson, diagnostics) = LessonParser.parse(text, path: path)
    precondition(diagnostics.isEmpty, "runner: parse diagnostics \(diagnostics)")
    let parse = bestSeconds(reps: options.reps) {
        (lesson, diagnostics) = LessonParser.parse(text, path: path)
    }
    precondition(lesson.cells.count == cells, "runner: \(lesson.cells.count) cells parsed, not \(cells)")

    var found = LessonChecks.check([lesson], registry: registry)
    let check = bestSeconds(reps: options.reps) { found = LessonChecks.check([lesson], registry: registry) }
    precondition(found.isEmpty, "runner: check diagnostics \(found)")

    let executor = LessonExecutor(registry: registry)
    var report = executor.run(lesson).report
    let run = bestSeconds(reps: options.reps) { report = executor.run(lesson).report }
    let passed = report.cells.values.filter { $0.status == .passed }.count
    precondition(passed == cells, "runner: \(passed) of \(cells) cells passed")

    // The same lesson in a worker process (`khru _worker`, as `khru run` runs it), when `khru` was built
    // beside this program: what crash isolation costs a lesson, start-up and event stream included.
    let khru = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/khru"
    var worker: Double?
    if FileManager.default.isExecutableFile(atPath: khru) {
        let folder = NSTemporaryDirectory() + "khru-bench-worker-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/" + path
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
        let (workerLesson, _) = LessonParser.parse(text, path: file)
        let request = WorkerRequest(lessonPath: file, output: folder, usesCache: false)
        var outcome = LessonWorker(executable: khru).run(workerLesson, request: request) { _ in }
        worker = bestSeconds(reps: options.reps) {
            outcome = LessonWorker(executable: khru).run(workerLesson, request: request) { _ in }
        }
        let workerPassed = outcome.report.cells.values.filter { $0.status == .passed }.count
        precondition(workerPassed == cells, "runner: \(workerPassed) of \(cells) cells passed in a worker")
    }

    var bytes = 0
    let render = bestSeconds(reps: options.reps) {
        bytes = ReportRenderer.html(report).utf8.count + ReportRenderer.manifest(report).count
    }
    emit("runner", "Registry.standard()", ["seconds": registrySeconds])
    let cases: KeyValuePairs<String, Double> = ["parse": parse, "check": check, "run": run, "render": render]
    for (phase, seconds) in cases {
        emit("runner", "\(phase)/\(cells)-cells", ["seconds": seconds, "cells": Double(cells)])
    }
    if let worker {
        emit("runner", "worker/\(cells)-cells", ["seconds": worker, "cells": Double(cells)])
    } else {
        emitUnavailable("runner", "worker/\(cells)-cells", reason: "khru not built beside khru-bench")
    }
    print("runner: the rendered report of \(cells) cells is \(bytes) bytes (HTML + manifest)")
}

/// The `runner` workload: Khru's own overhead on a generated lesson of trivial cells.
///
/// Each phase is what the `khru` commands do: parse (``LessonParser/parse(_:path:)``), check
/// (``LessonChecks/check(_:registry:)``, `khru check`), run (``LessonExecutor`` with
/// ``Registry/standard()``, `khru run`), render (``ReportRenderer/html(_:)`` and
/// ``ReportRenderer/manifest(_:)``, without writing files).
enum RunnerBench {
    /// A lesson of `cells` cells, cell `i` being `let a<i> = i + 1` and `#expect(a<i> == i + 1)`.
    static func markdown(cells: Int) -> String {
        var text = "---\ntitle: Runner benchmark\nseed: 1\nlang: en\n---\n\n# Runner benchmark\n\n"
        for index in 0..<cells {
            text += """
                Cell \(index) adds one.

                ```swift {#cell-\(index)}
                let a\(index) = \(index) + 1
                #expect(a\(index) == \(index + 1))
                a\(index)
                ```


                """
        }
        return text
    }
}
