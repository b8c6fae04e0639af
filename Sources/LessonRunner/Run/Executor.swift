import Foundation
import LessonSource
import Localization
import Reporting
import TensorCore

/// Runs lessons: every cell top to bottom in one namespace, each seeded, timed and measured.
public struct LessonExecutor {
    /// The steps cells may call.
    public var registry: Registry
    /// Runs a cell's body with the library's random generator seeded from the cell's seed; the default
    /// is TensorCore's task-local `Random.withSeed`, so initialisation, shuffling and dropout of every
    /// cell are reproducible.
    public var withCellSeed: (CellSeed, () -> Void) -> Void
    /// Live progress: cells starting and finishing, steps' notes, training batches and epoch rows
    /// (never in the report).
    public var progress: ((RunProgress) -> Void)?
    /// The folder `include=` paths are relative to; `nil` finds the `Package.swift` above the lesson.
    public var packageRoot: String?
    /// The run cache; `nil` runs every cell.
    public var cache: CacheOptions?
    /// The time limit of a cell without `timeout=` in a lesson without `timeout:`; `nil` for none.
    public var defaultTimeout: Double?
    /// Receives the position of each statement and library call a cell reaches, replays included
    /// (see ``StepContext/reached``).
    public var reached: ((LessonSource.SourceLocation) -> Void)?
    /// Receives the run's events as they happen: the check's problems, progress, each cell's final
    /// report, the lesson's end (see ``LessonEvent``).
    public var events: ((LessonEvent) -> Void)?

    /// The default time limit of a cell that `khru run`, `test` and `serve` use (10 minutes), as
    /// nbmake and papermill have one.
    public static let standardTimeout: Double = 600

    /// Creates an executor over `registry`.
    public init(registry: Registry, progress: ((RunProgress) -> Void)? = nil) {
        self.registry = registry
        self.withCellSeed = { seed, body in Random.withSeed(seed.value) { body() } }
        self.progress = progress
    }

    /// The result of running a lesson: its report and the namespace it left.
    public struct Run {
        /// The report (one entry per cell).
        public var report: LessonReport
        /// The names the lesson bound.
        public var namespace: Namespace
    }

    /// Resolves every cell of `lesson` before anything runs: one plan per cell, in order, with every
    /// problem of the lesson found at once.
    ///
    /// The registry it returns also holds the types the lesson's cells declare (with their members).
    func plans(for lesson: Lesson, defaults: DefaultCache) -> (plans: [String: CellPlan], registry: Registry)
    {
        var resolver = Resolver(registry: registry, defaults: defaults)
        resolver.noteDeclarations(in: lesson.resolvedCells)
        var plans: [String: CellPlan] = [:]
        for cell in lesson.resolvedCells where cell.attributes.include == nil {
            plans[cell.id] = resolver.resolve(cell)
        }
        return (plans, resolver.registry)
    }

    /// Runs `lesson`; never throws: failures are in the report.
    ///
    /// The lesson is checked first: a cell with problems renders them and does not run, and the cells
    /// that need its names are skipped; `diagnostics` receives every problem before the first cell runs.
    public func run(_ lesson: Lesson, diagnostics: (([LessonSource.Diagnostic]) -> Void)? = nil) -> Run {
        let lessonDirectory = (lesson.path as NSString).deletingLastPathComponent
        let packageRoot = self.packageRoot ?? PackageRoot.find(from: lessonDirectory)
        let defaults = DefaultCache()
        let (plans, lessonRegistry) = self.plans(for: lesson, defaults: defaults)
        let problems = lesson.resolvedCells.filter { !$0.attributes.expectsError }.flatMap {
            plans[$0.id]?.diagnostics ?? []
        }
        diagnostics?(problems)
        events?(.problems(problems))
        var reports: [String: CellReport] = [:]
        // Every cell's final report goes through here, so the event stream carries each one once.
        func record(_ report: CellReport) {
            reports[report.cellID] = report
            events?(.cellFinished(report))
        }
        var unavailable: [String: String] = [:]
        // Cells that reached a `todo()` (a student edition's exercise not written yet).
        var notDone: Set<String> = []
        let lessonCache = cache.map { LessonCache(options: $0, lesson: lesson) }
        var targetPassed = false
        // The names cells made from the clock (see ``Reporting/Telemetry/fromTheClock``).
        var clockedNames: Set<String> = []
        let interpreter = Interpreter(
            registry: lessonRegistry,
            context: StepContext(
                cellID: "", seed: CellSeed(value: lesson.frontMatter.seed), lessonDirectory: lessonDirectory),
            defaults: defaults)
        // `params` first: never shown, cached or timed, cheap to run again.
        if let parameters = lesson.parametersCell, let plan = plans[parameters.id] {
            let errors = execute(
                parameters, plan, interpreter, lesson: lesson, packageRoot: packageRoot, replaying: true
            ).errors
            if !errors.isEmpty {
                for name in plan.declaredNames { unavailable[name] = parameters.id }
            }
        }
        for cell in lesson.cells {
            let key: String?
            switch action(
                for: cell, plan: plans[cell.id], unavailable: unavailable, notDone: notDone,
                cache: lessonCache,
                targetPassed: targetPassed, language: lesson.language.words)
            {
            case .include(let path):
                record(Self.includeReport(cell, path: path, packageRoot: packageRoot))
                continue
            case .show:
                record(CellReport(cellID: cell.id, status: .shown))
                continue
            case .skip(let reason, let source):
                record(CellReport(cellID: cell.id, status: .skipped(reason: reason)))
                for name in plans[cell.id]?.declaredNames ?? [] { unavailable[name] = source }
                continue
            case .reuse(let entry):
                guard let lessonCache, let plan = plans[cell.id] else { continue }
                if entry.report.telemetry?.fromTheClock == true { clockedNames.formUnion(plan.declaredNames) }
                record(lessonCache.reuse(entry, cell: cell, plan: plan))
                for name in plan.declaredNames {
                    unavailable[name] = entry.definedNames.contains(name) ? nil : cell.id
                }
                continue
            case .notRerun(let reason):
                record(CellReport(cellID: cell.id, status: .skipped(reason: reason)))
                continue
            case .run(let cellKey):
                key = cellKey
            }
            guard let plan = plans[cell.id] else { continue }
            if let lessonCache,
                !lessonCache.replayPending({ replay($0, $1, $2, interpreter, lesson, packageRoot) })
            {
                progress?(
                    .note("replaying the cache diverged from the first run; running the lesson without it"))
                var fresh = self
                fresh.cache?.force = true
                return fresh.run(lesson, diagnostics: nil)
            }
            targetPassed = targetPassed || cell.id == cache?.cell
            progress?(.cellStarted(cellID: cell.id))
            // A cell shows values from the clock when it calls a timing step or reads what such a cell made.
            var clocked = plan.inputs.contains { clockedNames.contains($0) }
            let recording = lessonCache?.recordingHook()
            interpreter.stepHook = { step, values, call in
                if MeasuredSteps.isClocked(step) { clocked = true }
                return try recording?(step, values, call) ?? call()
            }
            let clock = ContinuousClock()
            ResourceUsage.resetPeak()
            let start = clock.now
            let (outputs, errors, reachedTodo) = execute(
                cell, plan, interpreter, lesson: lesson, packageRoot: packageRoot, replaying: false)
            interpreter.stepHook = nil
            let elapsed = clock.now - start
            let checksFailed = outputs.contains { output in
                if case .check(let check) = output { return !check.passed }
                return false
            }
            let failed = !errors.isEmpty || checksFailed
            let status: CellStatus =
                reachedTodo
                ? .notDone
                : cell.attributes.expectsError
                    ? (failed ? .failedAsExpected : .unexpectedlyPassed) : (failed ? .failed : .passed)
            if reachedTodo { notDone.insert(cell.id) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            progress?(
                .cellFinished(
                    cellID: cell.id, passed: status == .passed || status == .failedAsExpected,
                    seconds: seconds))
            if clocked { clockedNames.formUnion(plan.declaredNames) }
            let report = CellReport(
                cellID: cell.id, status: status, outputs: outputs,
                telemetry: Telemetry(
                    seconds: seconds, peakBytes: ResourceUsage.peakResidentBytes(),
                    fromTheClock: clocked ? true : nil))
            for name in plan.declaredNames {
                if interpreter.namespace.bindings[name]?.cellID == cell.id && plan.diagnostics.isEmpty {
                    unavailable[name] = nil
                } else if !errors.isEmpty {
                    unavailable[name] = cell.id
                }
            }
            // Stored before it is reported: a process that dies after reporting a cell has kept it.
            if let key {
                lessonCache?.finish(
                    cell: cell, key: key, report: report,
                    definedNames: plan.declaredNames.filter { unavailable[$0] == nil },
                    cacheable: status == .passed || status == .failedAsExpected)
            }
            record(report)
        }
        events?(.lessonFinished)
        // The cache keeps every language's pictures; the report shows its lesson's.
        let report = Self.report(of: lesson, cells: reports)
        let namespace = interpreter.namespace
        // A model class a cell declared keeps the interpreter to run its forward pass after the lesson;
        // emptying the interpreter's namespace means it keeps no other value alive (no cycle).
        interpreter.namespace = Namespace()
        return Run(report: report, namespace: namespace)
    }

    /// What the executor does with one cell, decided before any of it runs.
    enum CellAction {
        /// Show the file an `include=` cell names.
        case include(path: String)
        /// Show the code only (`.norun`, a cell without a plan).
        case show
        /// Skip it: it needs a name that cell `source` did not define.
        case skip(reason: String, source: String)
        /// Take its stored result (the cell is replayed if a later cell runs).
        case reuse(CellEntry)
        /// Leave it: it comes after `--cell`'s cell and the run is not `--downstream`.
        case notRerun(reason: String)
        /// Run it, storing its result under `key` when the run keeps a cache.
        case run(key: String?)
    }

    /// The action for `cell`: from its attributes, the names earlier cells left undefined, the cache
    /// (and `--cell`/`--downstream`).
    func action(
        for cell: Cell, plan: CellPlan?, unavailable: [String: String], notDone: Set<String>,
        cache lessonCache: LessonCache?, targetPassed: Bool, language: Language
    ) -> CellAction {
        if let include = cell.attributes.include { return .include(path: include) }
        guard cell.attributes.runs, let plan else { return .show }
        if let missing = plan.inputs.first(where: { unavailable[$0] != nil }),
            let source = unavailable[missing]
        {
            let reason =
                notDone.contains(source)
                ? ReportWords.waitsForExercise(missing, source, in: language)
                : ReportWords.fill(ReportWords.needsUndefined, missing, source, in: language)
            return .skip(reason: reason, source: source)
        }
        let downstream = cache?.downstream ?? false
        let key = lessonCache?.key(for: cell)
        if let key, let lessonCache, let entry = lessonCache.entry(for: cell, key: key),
            cell.id != cache?.cell,
            !(downstream && targetPassed)
        {
            return .reuse(entry)
        }
        if targetPassed && !downstream, let target = cache?.cell {
            return .notRerun(
                reason: ReportWords.fill(ReportWords.notRerunAfter, target, target, in: language))
        }
        return .run(key: key)
    }

    /// Runs `cell`'s plan under the cell's seed; returns its outputs (the shown value last, then the
    /// errors) and its errors.
    ///
    /// A replay (rebuilding a cached cell's state) has no timeout and shows no progress.
    private func execute(
        _ cell: Cell, _ plan: CellPlan, _ interpreter: Interpreter, lesson: Lesson, packageRoot: String?,
        replaying: Bool
    ) -> (outputs: [CellOutput], errors: [LessonSource.Diagnostic], reachedTodo: Bool) {
        let seed = CellSeed(lessonSeed: lesson.frontMatter.seed, cellID: cell.id)
        let context = StepContext(
            cellID: cell.id, seed: seed, lessonDirectory: (lesson.path as NSString).deletingLastPathComponent,
            packageRoot: packageRoot, filesDirectory: filesDirectory(for: lesson),
            limit: replaying ? nil : timeLimit(of: cell, in: lesson), language: lesson.language.words,
            progress: replaying ? nil : progress)
        context.reached = reached
        interpreter.context = context
        var errors: [LessonSource.Diagnostic] = plan.diagnostics
        var displayed: Value?
        var reachedTodo = false
        if errors.isEmpty {
            withCellSeed(seed) {
                do {
                    displayed = try interpreter.run(plan)
                } catch let failure as CellFailure {
                    reachedTodo = failure.isNotDone
                    errors.append(failure.diagnostic)
                } catch {
                    errors.append(LessonSource.Diagnostic(.error, "\(error)", at: cell.location))
                }
            }
        }
        var outputs = context.outputs
        if errors.isEmpty, let output = displayed?.displayOutput { outputs.append(output) }
        // Inside the cell's time: a report never holds more text than a reader can scroll through.
        if reachedTodo {
            // Not a failure: the cell's badge says "not done yet", and its code shows the todo().
            return (outputs.map(Self.bounded), errors, true)
        }
        return (outputs.map(Self.bounded) + errors.map(CellOutput.error), errors, false)
    }

    /// The most characters of one text or value output a report shows (1 Mi).
    public static let largestShownText = 1 << 20

    /// `output`, its text cut at ``largestShownText`` characters with a note of how much was left out.
    static func bounded(_ output: CellOutput) -> CellOutput {
        func cut(_ text: String) -> String? {
            guard text.utf8.count > largestShownText, text.count > largestShownText else { return nil }
            let shown = text.prefix(largestShownText)
            return shown + "\n… (\(text.count - shown.count) more characters not shown)"
        }
        switch output {
        case .text(let text): return cut(text).map(CellOutput.text) ?? output
        case .value(let text): return cut(text).map(CellOutput.value) ?? output
        default: return output
        }
    }

    /// Runs a cell from the cache again to rebuild its state, with `hook` replacing its training;
    /// whether it ended as its cached report says.
    private func replay(
        _ cell: Cell, _ plan: CellPlan, _ hook: @escaping StepHook, _ interpreter: Interpreter,
        _ lesson: Lesson, _ packageRoot: String?
    ) -> Bool {
        interpreter.stepHook = hook
        defer { interpreter.stepHook = nil }
        let errors = execute(
            cell, plan, interpreter, lesson: lesson, packageRoot: packageRoot, replaying: true
        )
        .errors
        return errors.isEmpty != cell.attributes.expectsError
    }

    /// The lesson's language tag (``LessonSource/Lesson/language``): front matter `lang`, else the
    /// folder name when it is a language (`lessons/th/…`), else `en`.
    public static func language(of lesson: Lesson) -> String { lesson.language.tag }

    /// Where the lesson's cells write files (`learn.save`).
    ///
    /// `<output>/files/<slug>` when the run keeps a cache beside its reports, so saved models live and
    /// go with the reports; else a temporary folder. Both languages of a lesson share it, as they
    /// share their cells' results.
    func filesDirectory(for lesson: Lesson) -> String {
        let slug = Self.slug(of: lesson)
        guard let cache else {
            return (StepContext.temporaryFilesDirectory as NSString).appendingPathComponent(slug)
        }
        return ((cache.store.directory as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("files/\(slug)")
    }

    /// The lesson's slug: its file name without `.md`.
    public static func slug(of lesson: Lesson) -> String {
        ((lesson.path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    static func includeReport(_ cell: Cell, path: String, packageRoot: String?) -> CellReport {
        do {
            let source = try IncludedCode.read(
                path: path, symbol: cell.attributes.symbol, packageRoot: packageRoot)
            return CellReport(cellID: cell.id, status: .shown, includedSource: source)
        } catch let diagnostic as LessonSource.Diagnostic {
            let located = LessonSource.Diagnostic(.error, diagnostic.message, at: cell.location)
            return CellReport(cellID: cell.id, status: .failed, outputs: [.error(located)])
        } catch {
            return CellReport(
                cellID: cell.id, status: .failed,
                outputs: [.error(LessonSource.Diagnostic(.error, "\(error)", at: cell.location))])
        }
    }
}

/// Finds the package root: the nearest folder above a path that holds `Package.swift`.
public enum PackageRoot {
    /// The folder holding `Package.swift` at or above `directory`, if any.
    public static func find(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }
}

/// Wall time aside, the process's peak resident memory, reset per cell where Linux allows it.
enum ResourceUsage {
    /// Resets the kernel's peak-RSS mark (`/proc/self/clear_refs` ← 5), so the next reading is per cell.
    static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            try? handle.write(contentsOf: Data("5".utf8))
            try? handle.close()
        }
    }

    /// The peak resident set size in bytes (`VmHWM`), or `getrusage`'s maximum when /proc is absent.
    static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                if let kilobytes = digits { return kilobytes * 1024 }
            }
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}

extension Lesson {
    /// The cells the resolver sees, in order: the parameters' cell (``LessonSource/Lesson/parametersCell``)
    /// when the lesson declares parameters, then the lesson's own.
    var resolvedCells: [Cell] { (parametersCell.map { [$0] } ?? []) + cells }
}
