import ArgumentParser
import Foundation
import LessonRunner
import LessonSource
import Reporting

/// The `khru` command: runs, tests and checks Markdown lessons of deep learning in Swift.
@main
struct Khru: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "khru",
        abstract: "Run, test and check Markdown lessons of deep learning written in Swift.",
        discussion: """
            A lesson is a Markdown file whose ```swift {…} cells drive Khru's training library. \
            khru runs every cell and writes a self-contained HTML report under output/.
            Exit codes: 0 success, 1 failures, 64 usage error.
            """,
        version: KhruVersion.current,
        subcommands: [
            Run.self, Test.self, Check.self, Student.self, Grade.self, Serve.self, Steps.self,
            DataCommand.self,
            ExportSwift.self,
            Worker.self,
        ])
}

/// Writes to standard error (Swift 6 forbids the C `stderr` global).
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

func eprint(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

/// `--shard I/N`: the I-th (from 1) of N slices.
struct Shard: ExpressibleByArgument {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (1...count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Lesson paths shared by the commands that read lessons.
struct LessonPaths: ParsableArguments {
    @Argument(help: "Lesson files or folders (searched recursively for *.md).")
    var paths: [String]

    /// A path that names no file or folder, or names no lesson, is a usage mistake found before anything
    /// runs: the command's own usage follows the message, not the tool's.
    func validate() throws { _ = try files() }

    /// The lesson files, or a usage error.
    func files() throws -> [String] {
        do {
            let files = try LessonFiles.find(paths)
            if files.isEmpty {
                throw ValidationError("no lessons (*.md) under \(paths.joined(separator: " "))")
            }
            return files
        } catch let error as StepError {
            throw ValidationError(error.message)
        }
    }
}

/// Parses a lesson: the lesson (`nil` when it has errors) and its diagnostics.
func parseLesson(_ path: String) -> (Lesson?, [Diagnostic]) {
    LessonParser.parseCollectingErrors(fileAt: path)
}

extension Khru {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run lessons and write their HTML reports.",
            discussion: """
                Writes output/<lang>/<slug>.html and .json per lesson and output/index.html; prints one line \
                per lesson with its counts and report path. Exits 1 when a cell failed (the reports are \
                still written). Each lesson runs in its own process: a cell that crashes it is reported \
                with its message, and the next lesson runs.
                """)

        @OptionGroup var lessons: LessonPaths
        @Option(help: "The folder reports are written under.") var output = "output"
        @Option(
            help: "Rerun only this cell (the state before it comes from the cache) and print its outputs.")
        var cell: String?
        @Flag(help: "With --cell, also rerun the cells after it.") var downstream = false
        @OptionGroup var parameters: ParameterArguments
        @OptionGroup var cacheArguments: CacheArguments
        @OptionGroup var budget: MemoryBudgetArguments
        @OptionGroup var limits: RunLimits

        /// Usage mistakes stop the run before any cell runs: `--downstream` without `--cell`, and a
        /// `--cell` that some lesson named does not have (with the closest id).
        func validate() throws {
            if downstream && cell == nil {
                throw ValidationError("--downstream needs --cell ID: it reruns the cells after that one")
            }
            try parameters.validate(against: lessons.files())
            guard let cell else { return }
            for path in try lessons.files() {
                if let lesson = parseLesson(path).0 { try checkCellID(cell, in: lesson) }
            }
        }

        func run() throws {
            try budget.apply()
            // Opened and let go: a folder that cannot hold the cache fails before any lesson runs;
            // each lesson's worker takes the cache's lock while it runs.
            _ = try cacheArguments.open(under: output)
            let run = limits.lessonRun(
                WorkerRequest(
                    lessonPath: "", output: output, force: cacheArguments.force,
                    cacheLimit: cacheArguments.cacheLimit << 20, cell: cell, downstream: downstream,
                    defaultTimeout: limits.timeout),
                parameters: try parameters.overrides())
            var failed = false
            for (index, path) in try lessons.files().enumerated() {
                eprint("[\(index + 1)] \(path)")
                // Every problem the check finds is printed before the first cell runs.
                let outcome = run.run(path, events: RunLimits.printing)
                guard let report = outcome.report else {
                    failed = true
                    continue
                }
                let counts = StatusCounts(report)
                let cached = report.cells.values.filter { $0.telemetry?.cached == true }.count
                guard let written = outcome.written else {
                    eprint(outcome.writeError ?? "error: the report of \(path) was not written")
                    failed = true
                    continue
                }
                do {
                    if let cell, let result = report.cells[cell] {
                        try printOutputs(
                            of: result,
                            pictureStem: (written.html as NSString).deletingPathExtension + "." + cell)
                    }
                    print(
                        "\(path): \(counts.passed) passed, \(counts.failed) failed, \(counts.skipped) skipped, "
                            + (counts.notDone > 0 ? "\(counts.notDone) not done yet, " : "")
                            + "\(cached) from cache → \(written.html)")
                } catch {
                    eprint("\(error)")
                    failed = true
                }
                // Cells skipped only because an exercise is not done yet are no failure of the run.
                failed = failed || counts.failed > 0 || (counts.skipped > 0 && counts.notDone == 0)
            }
            print("index: \(try run.writeIndex())")
            if failed { throw ExitCode.failure }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run lessons as doc-tests: cells run, #expects hold.",
            discussion: """
                Every run cell and every #expect check counts once. A cell passes when it runs without \
                error (or, marked .error, fails as it must); skipped cells fail. Prints one line per \
                failure (file:line:col: error: …) and ends with "N passed, N failed"; exits 1 on any failure. \
                For CI: --junit writes the same results as JUnit XML, --shard I/N runs one slice of a matrix.
                """)

        @OptionGroup var lessons: LessonPaths
        @Option(help: "The folder whose .cache the run uses.") var output = "output"
        @Option(
            help: ArgumentHelp(
                "Also write the results as JUnit XML to this file (one test case per cell and per #expect).",
                valueName: "file"))
        var junit: String?
        @Option(
            help: ArgumentHelp(
                "Run only the I-th of N deterministic slices of the lessons (1/4 … 4/4), for a CI matrix; "
                    + "a lesson's en and th versions stay in one slice.",
                valueName: "I/N"))
        var shard: Shard?
        @OptionGroup var parameters: ParameterArguments
        @OptionGroup var cacheArguments: CacheArguments
        @OptionGroup var budget: MemoryBudgetArguments
        @OptionGroup var limits: RunLimits

        func validate() throws { try parameters.validate(against: lessons.files()) }

        func run() throws {
            try budget.apply()
            var files = try lessons.files()
            if let shard { files = LessonFiles.shard(files, index: shard.index, of: shard.count) }
            _ = try cacheArguments.open(under: output)
            let run = limits.lessonRun(
                WorkerRequest(
                    lessonPath: "", output: output, force: cacheArguments.force,
                    cacheLimit: cacheArguments.cacheLimit << 20, defaultTimeout: limits.timeout),
                parameters: try parameters.overrides(), writesReport: false)
            var tally = TestTally()
            for (index, path) in files.enumerated() {
                eprint("[\(index + 1)] \(path)")
                // A lesson that does not parse is tallied with the parser's problems, not printed as it goes.
                var parsed: [Diagnostic] = []
                let outcome = run.run(path) { event in
                    if case .parsed(let problems) = event {
                        parsed = problems
                    } else {
                        RunLimits.printing(event)
                    }
                }
                guard let lesson = outcome.lesson else {
                    tally.add(unreadable: path, diagnostics: parsed)
                    continue
                }
                guard let report = outcome.report else {
                    tally.add(unreadable: path, diagnostics: [])
                    continue
                }
                tally.add(report)
                // A lesson with exercises is tested in both editions: the solutions above, and here the
                // student edition, which must check clean with every todo() typed.
                if !lesson.exercises.isEmpty {
                    tally.add(
                        studentEditionOf: lesson,
                        problems: StudentEdition.problems(of: lesson, path: path, registry: .standard()))
                }
            }
            for failure in tally.failures { print(failure) }
            print(tally.summary)
            if let junit {
                do {
                    try JUnitReport.write(tally, to: junit)
                } catch {
                    eprint("error: \(error.message)")
                    throw ExitCode.failure
                }
            }
            if tally.failed > 0 { throw ExitCode.failure }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve every cell against the registry; run nothing.",
            discussion: """
                Reports all problems at once (unknown names and members with suggestions, wrong labels and \
                types, missing arguments, code outside the cell language, en/th cell drift); exits 1 if any.
                """)

        @OptionGroup var lessons: LessonPaths

        func run() throws {
            var parsed: [Lesson] = []
            var diagnostics: [Diagnostic] = []
            for path in try lessons.files() {
                let (lesson, found) = parseLesson(path)
                diagnostics += found
                if let lesson { parsed.append(lesson) }
            }
            diagnostics += LessonChecks.check(parsed, registry: .standard())
            for diagnostic in diagnostics { print(diagnostic.description) }
            let errors = diagnostics.filter { $0.severity == .error }.count
            print(
                "\(parsed.count) lesson\(parsed.count == 1 ? "" : "s") checked, \(errors) error\(errors == 1 ? "" : "s")"
            )
            if errors > 0 { throw ExitCode.failure }
        }
    }

    struct Steps: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the steps cells can call, with their docs.",
            discussion: """
                Grouped by type: each step's signature (labels, types, defaults) and doc comment. \
                `khru steps Learner` lists one type's members; `khru steps fitOneCycle` every step of that \
                name. --json writes the same as JSON for editors.
                """)

        @Argument(help: "A type (Learner) or a step's name (fitOneCycle); without it, everything.")
        var name: String?

        @Flag(
            help:
                "Write JSON: {types: [{name, doc, supertypes}], steps: [{owner, name, kind, signature, …}]}.")
        var json = false

        func run() throws {
            do {
                let registry = Registry.standard()
                let text =
                    json
                    ? try StepsReference.json(registry, named: name)
                    : try StepsReference.text(registry, named: name)
                print(text, terminator: "")
            } catch let unknown as StepsReference.UnknownName {
                // Not a usage mistake: the name is well formed, the library has no such member.
                eprint("error: \(unknown.description)")
                throw ExitCode(64)
            }
        }
    }

    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data", abstract: "Prepare the lessons' datasets (idempotent).",
            subcommands: [Prepare.self, Mirror.self], defaultSubcommand: Prepare.self)
    }
}

extension Khru.DataCommand {
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Prepare the lessons' offline datasets (idempotent; downloads none of fastai's archives).")

        @Option(help: "The folder datasets are prepared in (default: lessons/data, or $KHRU_DATA).")
        var dataDirectory: String?

        func run() throws {
            var failed = false
            for source in DataPreparation.all {
                do {
                    let folder = try DataPreparation.prepare(source, root: dataDirectory)
                    print(source.name + ": ready in " + folder)
                } catch {
                    eprint(source.name + ": error: " + String(describing: error))
                    failed = true
                }
            }
            if failed { throw ExitCode.failure }
        }
    }

    struct Mirror: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the downloaded archives into a folder for a classroom mirror.",
            discussion: """
                Copies every archive untarData(.pets) and friends downloaded (<data root>/archives/) into \
                FOLDER; files it already has are kept. Serve FOLDER with `khru serve --data FOLDER --host \
                0.0.0.0` (or any HTTP server) and set KHRU_DATA_MIRROR=http://<this machine>:8000/ on the \
                other machines: their downloads then come from it, with the same checksums.
                """)

        @Argument(help: "The folder to copy the archives into.") var folder: String
        @Option(help: "The data root holding archives/ (default: lessons/data, or $KHRU_DATA).")
        var dataDirectory: String?

        func run() throws {
            let root = DataPreparation.dataRoot(dataDirectory)
            let files: [(name: String, size: Int, copied: Bool)]
            do {
                files = try DataPreparation.mirror(into: folder, root: dataDirectory)
            } catch {
                eprint("error: " + String(describing: error))
                throw ExitCode.failure
            }
            if files.isEmpty {
                eprint(
                    "\(root)/archives has no archive yet: download some first (a cell's untarData(.pets)), then "
                        + "run this again")
                throw ExitCode.failure
            }
            for file in files {
                print("\(file.name): \(file.copied ? "copied" : "already there") (\(file.size) bytes)")
            }
            print("serve it with: khru serve --data \(folder) --host 0.0.0.0")
            print("then on each machine: export KHRU_DATA_MIRROR=http://<this machine's address>:8000/")
        }
    }
}

extension Khru {
    struct ExportSwift: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-swift",
            abstract: "Write the cells as Swift, compiled and run as tests.",
            discussion: """
                Every runnable cell, one function per lesson. With --check, exits 1 when the file differs \
                from what would be generated.
                """)

        @OptionGroup var lessons: LessonPaths
        @Option(help: "The Swift file to write.") var output: String
        @Option(name: .customLong("import"), help: "A module to import (repeatable).") var imports: [String] =
            []
        @Flag(help: "Only compare with the existing file.") var check = false

        func run() throws {
            var parsed: [Lesson] = []
            for path in try lessons.files() {
                let (lesson, diagnostics) = parseLesson(path)
                for diagnostic in diagnostics { eprint(diagnostic.description) }
                guard let lesson else { throw ExitCode.failure }
                parsed.append(lesson)
            }
            let command =
                (["khru export-swift"] + lessons.paths + ["--output", output]
                + imports.flatMap { ["--import", $0] })
                .joined(separator: " ")
            let text = SwiftExporter.source(
                for: parsed, imports: imports, command: command, registry: ".standard()",
                resolving: .standard())
            if check {
                let existing = try? String(contentsOfFile: output, encoding: .utf8)
                if existing != text {
                    eprint("\(output): error: out of date; run: \(command)")
                    throw ExitCode.failure
                }
                print("\(output) is up to date")
                return
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            print("wrote \(output)")
        }
    }
}
