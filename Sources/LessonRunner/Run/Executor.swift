import Foundation
import LessonSource
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
    /// Live progress lines for the terminal (never in the report).
    public var progress: ((String) -> Void)?
    /// The folder `include=` paths are relative to; `nil` finds the `Package.swift` above the lesson.
    public var packageRoot: String?

    /// Creates an executor over `registry`.
    public init(registry: Registry, progress: ((String) -> Void)? = nil) {
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

    /// Runs `lesson`; never throws: failures are in the report.
    public func run(_ lesson: Lesson) -> Run {
        let lessonDirectory = (lesson.path as NSString).deletingLastPathComponent
        let packageRoot = self.packageRoot ?? PackageRoot.find(from: lessonDirectory)
        var reports: [String: CellReport] = [:]
        var unavailable: [String: String] = [:]
        let interpreter = Interpreter(
            registry: registry,
            context: StepContext(
                cellID: "", seed: CellSeed(value: lesson.frontMatter.seed), lessonDirectory: lessonDirectory))
        for cell in lesson.cells {
            if let include = cell.attributes.include {
                reports[cell.id] = Self.includeReport(cell, path: include, packageRoot: packageRoot)
                continue
            }
            guard cell.attributes.runs else {
                reports[cell.id] = CellReport(cellID: cell.id, status: .shown)
                continue
            }
            let lowered = Lowering.lower(cell)
            let used = Self.usedNames(lowered.statements)
            if let missing = used.sorted().first(where: { unavailable[$0] != nil }),
                let source = unavailable[missing]
            {
                reports[cell.id] = CellReport(
                    cellID: cell.id,
                    status: .skipped(reason: "needs '\(missing)', which cell '\(source)' did not define"))
                for name in lowered.declaredNames {
                    unavailable[name] = unavailable[name] ?? source
                }
                continue
            }
            progress?("cell \(cell.id)")
            let seed = CellSeed(lessonSeed: lesson.frontMatter.seed, cellID: cell.id)
            let context = StepContext(
                cellID: cell.id, seed: seed, lessonDirectory: lessonDirectory, packageRoot: packageRoot,
                timeout: cell.attributes.timeout, progress: progress)
            interpreter.context = context
            var errors: [LessonSource.Diagnostic] = lowered.diagnostics
            var displayed: Value?
            let clock = ContinuousClock()
            ResourceUsage.resetPeak()
            let start = clock.now
            if errors.isEmpty {
                withCellSeed(seed) {
                    for (index, statement) in lowered.statements.enumerated() {
                        do {
                            let value = try interpreter.execute(statement)
                            if index == lowered.statements.count - 1 { displayed = value }
                        } catch let failure as CellFailure {
                            errors.append(failure.diagnostic)
                            return
                        } catch {
                            errors.append(LessonSource.Diagnostic(.error, "\(error)", at: statement.location))
                            return
                        }
                    }
                }
            }
            let elapsed = clock.now - start
            var outputs = context.outputs
            if errors.isEmpty, let output = displayed?.displayOutput { outputs.append(output) }
            outputs += errors.map(CellOutput.error)
            let checksFailed = outputs.contains { output in
                if case .check(let check) = output { return !check.passed }
                return false
            }
            let failed = !errors.isEmpty || checksFailed
            let status: CellStatus =
                cell.attributes.expectsError
                ? (failed ? .failedAsExpected : .unexpectedlyPassed) : (failed ? .failed : .passed)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            reports[cell.id] = CellReport(
                cellID: cell.id, status: status, outputs: outputs,
                telemetry: Telemetry(seconds: seconds, peakBytes: ResourceUsage.peakResidentBytes()))
            for name in lowered.declaredNames {
                if interpreter.namespace.bindings[name]?.cellID == cell.id {
                    unavailable[name] = nil
                } else if !errors.isEmpty {
                    unavailable[name] = cell.id
                }
            }
        }
        let report = LessonReport(
            lesson: lesson, cells: reports, lang: Self.language(of: lesson), slug: Self.slug(of: lesson),
            version: KhruVersion.current)
        return Run(report: report, namespace: interpreter.namespace)
    }

    /// The lesson's language: front matter `lang`, else the folder name (`lessons/th/…`), else `en`.
    public static func language(of lesson: Lesson) -> String {
        if let lang = lesson.frontMatter.lang { return lang }
        let folder = ((lesson.path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return folder.isEmpty || folder == "." || folder.count > 3 ? "en" : folder
    }

    /// The lesson's slug: its file name without `.md`.
    public static func slug(of lesson: Lesson) -> String {
        ((lesson.path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// Names a cell reads (excluding closure parameters), to skip cells whose inputs failed.
    static func usedNames(_ statements: [Statement]) -> Set<String> {
        var names: Set<String> = []
        func visit(_ expr: Expr, _ bound: Set<String>) {
            switch expr {
            case .name(let name, _): if !bound.contains(name) { names.insert(name) }
            case .int, .double, .bool, .nilLiteral, .implicitMember: break
            case .string(let parts, _):
                for case .interpolation(let inner) in parts { visit(inner, bound) }
            case .array(let elements, _), .tuple(let elements, _):
                for element in elements { visit(element, bound) }
            case .member(let base, _, _): visit(base, bound)
            case .call(let callee, let arguments, _), .subscriptCall(let callee, let arguments, _):
                visit(callee, bound)
                for argument in arguments { visit(argument.value, bound) }
            case .closure(let parameters, let body, _): visit(body, bound.union(parameters.map(\.name)))
            case .binary(_, let lhs, let rhs, _):
                visit(lhs, bound)
                visit(rhs, bound)
            case .prefix(_, let operand, _), .expect(let operand, _, _): visit(operand, bound)
            }
        }
        for statement in statements {
            switch statement {
            case .binding(_, _, _, let value, _): visit(value, [])
            case .assignment(let target, _, let value, _):
                visit(target, [])
                visit(value, [])
            case .expression(let expr, _): visit(expr, [])
            }
        }
        return names
    }

    private static func includeReport(_ cell: Cell, path: String, packageRoot: String?) -> CellReport {
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
