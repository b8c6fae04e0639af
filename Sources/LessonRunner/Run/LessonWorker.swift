import Foundation
import LessonSource
import Localization
import Reporting
import Synchronization
import TensorCore

/// What the parent asks a worker process to run.
///
/// One lesson, with the cache options and limits of the command that started it; sent as one JSON line
/// on the worker's standard input.
public struct WorkerRequest: Hashable, Sendable, Codable {
    /// The lesson file.
    public var lessonPath: String
    /// The lesson as the parent parsed it, so both processes run the same cells even if the file
    /// changes meanwhile (a save during a build); `nil` has the worker parse ``lessonPath``.
    public var lesson: Lesson?
    /// The folder whose `.cache` the worker uses (`--output`).
    public var output: String
    /// Whether to keep a cache at all (`false` runs every cell and stores nothing).
    public var usesCache: Bool
    /// `--force`: ignore stored entries, still store results.
    public var force: Bool
    /// The most bytes the cache keeps.
    public var cacheLimit: Int
    /// `--cell`: the one cell to rerun.
    public var cell: String?
    /// `--downstream`: with ``cell``, the cells after it too.
    public var downstream: Bool
    /// The time limit of a cell without one of its own or of its lesson (`--timeout`).
    public var defaultTimeout: Double?
    /// The memory budget of one tensor, in bytes (`--memory-budget`).
    public var memoryBudget: Int
    /// A file of 8 bytes where the worker keeps the line and column of the statement running now (set
    /// by ``LessonWorker/run(_:request:progress:diagnostics:standardError:)``).
    public var positionFile: String?

    /// Creates a request.
    public init(
        lessonPath: String, output: String, usesCache: Bool = true, force: Bool = false,
        cacheLimit: Int = RunCache.defaultSizeLimit, cell: String? = nil, downstream: Bool = false,
        defaultTimeout: Double? = LessonExecutor.standardTimeout, memoryBudget: Int = MemoryBudget.bytes
    ) {
        self.lessonPath = lessonPath
        self.output = output
        self.usesCache = usesCache
        self.force = force
        self.cacheLimit = cacheLimit
        self.cell = cell
        self.downstream = downstream
        self.defaultTimeout = defaultTimeout
        self.memoryBudget = memoryBudget
    }
}

/// Runs a lesson in a child process, as a notebook runs its kernel: a trap, a signal or the kernel's
/// out-of-memory killer in a cell loses that cell, never the report, the next lesson or the server.
///
/// The child is `khru` itself (a hidden subcommand that calls ``LessonWorker/serve(registry:)``). It
/// reads a ``WorkerRequest`` on its standard input, runs the lesson with ``LessonExecutor`` and writes
/// every ``LessonEvent`` as a JSON line to file descriptor 3; its standard output is this process's, its
/// standard error comes here and is passed on line by line. The parent rebuilds the report from the
/// events. When the child dies before the lesson's end, the report has every cell that finished, the
/// running cell failed with the signal and the runtime's message (the `Fatal error` line of its standard
/// error, not the backtrace) at the cell's position, and the cells after it skipped. Each finished cell
/// is stored in the cache before it is reported, so the cache keeps them.
///
/// A cell that runs past its time limit and a little more (the interpreter stops a cell at its limit
/// wherever it checks; this catches what it cannot, such as a value whose display never ends) has its
/// child killed, and is reported as timed out. A child whose parent dies sees its standard input close
/// and exits at once.
public struct LessonWorker: Sendable {
    /// The `khru` executable to start.
    public var executable: String
    /// The arguments that make it a worker (after the executable).
    public var arguments: [String]
    /// Variables added to the child's environment.
    public var environment: [String: String]

    /// The hidden subcommand of `khru` that runs a worker.
    public static let subcommand = "_worker"

    /// Workers of this very executable (`/proc/self/exe`).
    public init(
        executable: String = LessonWorker.currentExecutable, arguments: [String] = [LessonWorker.subcommand],
        environment: [String: String] = [:]
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// Writing to a pipe whose reader died gives `EPIPE` instead of killing this process (set once).
    private static let ignoringBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// The running executable: `/proc/self/exe` itself on Linux, which starts this very program even
    /// when a rebuild (`swift build`, `make install`) has replaced or deleted its file meanwhile.
    public static var currentExecutable: String {
        FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }

    /// How a worker ended, when it did not finish its lesson.
    public struct Crash: Hashable, Sendable {
        /// The cell that was running (or about to), if any.
        public var cellID: String?
        /// What happened, for the report and the terminal.
        public var message: String
        /// The signal that ended the process, if one did (not the runner's own stop at a time limit).
        public var signal: Int32? = nil
        /// Where: the last statement or library call the cell reached, else the cell.
        public var location: LessonSource.SourceLocation? = nil

        /// The crash as a located error.
        public var diagnostic: LessonSource.Diagnostic? {
            location.map { LessonSource.Diagnostic(.error, message, at: $0) }
        }

        /// Whether someone interrupted the process (`SIGINT`, `SIGTERM`, `SIGHUP`: Ctrl-C, a stop),
        /// rather than the cell crashing it.
        public var wasInterrupted: Bool { signal.map { [SIGINT, SIGTERM, SIGHUP].contains($0) } ?? false }
    }

    /// The report of a lesson run in a worker, and how the worker died if it did.
    public struct Outcome: Sendable {
        /// The lesson's report: every cell, whatever happened to the worker.
        public var report: LessonReport
        /// How the worker died before the lesson's end; `nil` when it finished.
        public var crash: Crash?
    }

    /// Runs `lesson` in a new worker and waits for it.
    ///
    /// - Parameters:
    ///   - lesson: The lesson, parsed here; the worker runs this very lesson (sent in the request).
    ///   - request: What the worker runs and how.
    ///   - progress: Receives the worker's live progress, on this thread.
    ///   - diagnostics: Receives the check's problems before the first cell runs, on this thread.
    ///   - standardError: Receives each line the worker writes to its standard error, on another thread.
    /// - Returns: The report; never throws: a worker that cannot start fails the lesson's first cell.
    public func run(
        _ lesson: Lesson, request: WorkerRequest, progress: ((RunProgress) -> Void)? = nil,
        diagnostics: (([LessonSource.Diagnostic]) -> Void)? = nil,
        standardError: @escaping @Sendable (String) -> Void
    ) -> Outcome {
        // A worker that dies before reading its request must not take this process with it.
        _ = Self.ignoringBrokenPipes
        var reports: [String: CellReport] = [:]
        var finished = false
        let watch = WatchBox()
        let limits = Dictionary(
            lesson.cells.map { cell in
                (cell.id, LessonExecutor.timeLimit(of: cell, in: lesson, default: request.defaultTimeout))
            }, uniquingKeysWith: { first, _ in first })
        // Where the worker's cells are: it writes the position of each statement there, read after a crash.
        let positionFile = Positions.create()
        defer { if let positionFile { unlink(positionFile) } }
        var request = request
        request.positionFile = positionFile
        request.lesson = lesson
        let child: Child
        do {
            child = try Child.spawn(
                executable: executable, arguments: arguments, environment: environment,
                request: try JSONEncoder().encode(request))
        } catch {
            let crash = Crash(
                cellID: nil,
                message: ReportWords.fill(
                    ReportWords.processCannotStart, "\(error)", in: lesson.language.words))
            return Outcome(report: Self.crashReport(lesson, reports: [:], crash: crash), crash: crash)
        }
        let errorTail = ErrorTail(descriptor: child.errorDescriptor, forward: standardError)
        let watchdog = Thread {
            Self.watchdog(pid: child.pid, watch: watch, crashedSince: { errorTail.crashedSince })
        }
        watchdog.start()
        let decoder = JSONDecoder()
        child.readEvents { line in
            guard let event = try? decoder.decode(LessonEvent.self, from: line) else {
                standardError("khru: unreadable event from the lesson's process: \(line.prefix(200))")
                return
            }
            switch event {
            case .problems(let problems): diagnostics?(problems)
            case .progress(let event):
                if case .cellStarted(let id) = event {
                    watch.state.withLock { $0.start(id, limit: limits[id] ?? nil) }
                }
                progress?(event)
            case .cellFinished(let report):
                watch.state.withLock { $0.finish(report.cellID) }
                reports[report.cellID] = report
            case .lessonFinished:
                finished = true
            }
        }
        let status = child.wait()
        watch.state.withLock { $0.done = true }
        errorTail.finish()
        let state = watch.state.withLock { $0 }
        if finished {
            // Every cell reported: whatever ended the process after that (say, writing the cache's last
            // files) does not change the lesson's results.
            if !status.exitedNormally {
                standardError(
                    "note: after its last cell, "
                        + status.explanation(runtimeMessage: errorTail.runtimeMessage))
            }
            return Outcome(report: LessonExecutor.report(of: lesson, cells: reports), crash: nil)
        }
        // The crash belongs to the running cell, at the last statement it reached; with no cell running
        // (replaying cached cells to rebuild their state), to the cell of that statement.
        let reachedAt = Positions.read(positionFile, file: lesson.path)
        let reachedCell = reachedAt.flatMap { at in
            lesson.cells.last { $0.attributes.runs && $0.location.line <= at.line }
        }
        let cellID =
            state.running ?? reachedCell?.id
            ?? lesson.cells.first { cell in
                cell.attributes.runs && cell.attributes.include == nil && reports[cell.id] == nil
            }?.id
        let location = reachedCell?.id == cellID ? reachedAt : nil
        let message: String
        let language = lesson.language.words
        if let timedOut = state.timedOut {
            message = ReportWords.fill(
                ReportWords.processStopped, Value.format(timedOut.seconds),
                timedOut.explanation(in: language),
                in: language)
        } else if state.stuckAfterCrash {
            // Killed by the watchdog, not the system: the crash came first.
            message = ReportWords.fill(
                ReportWords.processCrashed,
                ExitStatus.details(runtimeMessage: errorTail.runtimeMessage, site: errorTail.crashSite),
                in: language)
        } else {
            message = status.explanation(
                runtimeMessage: errorTail.runtimeMessage, site: errorTail.crashSite, in: language)
        }
        let crash = Crash(
            cellID: cellID, message: message, signal: state.timedOut == nil ? status.signal : nil,
            location: location ?? lesson.cells.first { $0.id == cellID }?.location)
        return Outcome(report: Self.crashReport(lesson, reports: reports, crash: crash), crash: crash)
    }

    /// The running cell and its deadline, shared by the reader and the watchdog.
    private struct Watch {
        var running: String?
        var deadline: ContinuousClock.Instant?
        var limit: TimeLimit?
        var timedOut: TimeLimit?
        /// The worker crashed and was killed because its backtrace did not finish.
        var stuckAfterCrash = false
        var done = false

        mutating func start(_ cellID: String, limit: TimeLimit?) {
            running = cellID
            self.limit = limit
            // The interpreter stops the cell at its limit; the process is stopped a little later (a quarter
            // of the limit, from half a second to 30 s: a training batch is checked only when it ends),
            // when the cell is stuck where the interpreter cannot check (a value's display, a long call).
            deadline = limit.map {
                let grace = Swift.min(30, Swift.max(0.5, $0.seconds / 4))
                return ContinuousClock.now + .milliseconds(Int((Swift.min($0.seconds, 1e9) + grace) * 1000))
            }
        }

        mutating func finish(_ cellID: String) {
            if running == cellID {
                running = nil
                deadline = nil
                limit = nil
            }
        }
    }

    private final class WatchBox: Sendable {
        let state = Mutex(Watch())
    }

    /// How long a crashed worker may take to report its backtrace before it is killed.
    static let backtraceAllowance: Duration = .seconds(10)

    private static func watchdog(
        pid: pid_t, watch: WatchBox, crashedSince: @escaping () -> ContinuousClock.Instant?
    ) {
        while true {
            let crashed = crashedSince()
            let stop = watch.state.withLock { state -> Bool in
                if state.done { return true }
                // A crashed worker writes its backtrace and dies; one that does not (the backtracer stuck)
                // is killed, its crash reported all the same.
                if let crashed, ContinuousClock.now - crashed > backtraceAllowance, !state.stuckAfterCrash {
                    state.stuckAfterCrash = true
                    kill(pid, SIGKILL)
                }
                if let deadline = state.deadline, ContinuousClock.now > deadline, state.timedOut == nil {
                    state.timedOut = state.limit
                    kill(pid, SIGKILL)
                }
                return false
            }
            if stop { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The report of a lesson whose worker died.
    ///
    /// It has the cells that finished, the crash as an error of the cell it happened in (at `crash.location`, else the cell's), the cells after it skipped (shown and
    /// `include=` cells are still shown: they need no process). Without a cell, the first cell to run
    /// carries the error.
    static func crashReport(_ lesson: Lesson, reports: [String: CellReport], crash: Crash) -> LessonReport {
        var cells = reports
        let packageRoot = PackageRoot.find(from: (lesson.path as NSString).deletingLastPathComponent)
        let language = lesson.language.words
        let crashed =
            crash.cellID.map { ReportWords.fill(ReportWords.processEndedIn, $0, in: language) }
            ?? ReportWords.processEnded.text(in: language)
        let failing =
            crash.cellID ?? lesson.cells.first { $0.attributes.runs && $0.attributes.include == nil }?.id
        for cell in lesson.cells where cell.id == failing {
            let error = LessonSource.Diagnostic(.error, crash.message, at: crash.location ?? cell.location)
            cells[cell.id] = CellReport(cellID: cell.id, status: .failed, outputs: [.error(error)])
        }
        for cell in lesson.cells where cells[cell.id] == nil {
            if let include = cell.attributes.include {
                cells[cell.id] = LessonExecutor.includeReport(cell, path: include, packageRoot: packageRoot)
            } else if !cell.attributes.runs {
                cells[cell.id] = CellReport(cellID: cell.id, status: .shown)
            } else {
                cells[cell.id] = CellReport(cellID: cell.id, status: .skipped(reason: crashed))
            }
        }
        return LessonExecutor.report(of: lesson, cells: cells)
    }
}

// MARK: - The child process

/// A started worker: its process id and the parent's ends of its pipes.
private struct Child {
    let pid: pid_t
    let eventDescriptor: Int32
    let errorDescriptor: Int32
    /// The write end of the child's standard input, held open while the child should live.
    let lifeline: Int32

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    static func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        // Only the child's copies (made by dup2 in posix_spawn) survive its exec.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    static func spawn(
        executable: String, arguments: [String], environment: [String: String], request: Data
    ) throws -> Child {
        let input = try pipePair()
        let events = try pipePair()
        let errors = try pipePair()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        posix_spawn_file_actions_adddup2(&actions, events.write, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and nothing blocked, whatever the server set.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var variables = ProcessInfo.processInfo.environment
        // The backtracer names the library function that trapped (read by ErrorTail, not shown): the
        // crashed thread's innermost frames only, no registers or images, a second or so per crash.
        if variables["SWIFT_BACKTRACE"] == nil {
            variables["SWIFT_BACKTRACE"] =
                "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,limit=16,top=0,"
                + "sanitize=no"
        }
        variables.merge(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(input.read)
        close(events.write)
        close(errors.write)
        guard result == 0 else {
            close(input.write)
            close(events.read)
            close(errors.read)
            throw SpawnError(description: "\(executable): \(String(cString: strerror(result)))")
        }
        var line = request
        line.append(UInt8(ascii: "\n"))
        _ = line.withUnsafeBytes { writeAll(input.write, $0) }
        return Child(
            pid: pid, eventDescriptor: events.read, errorDescriptor: errors.read, lifeline: input.write)
    }

    /// Calls `handle` with each line of the event pipe until the child closes it.
    func readEvents(_ handle: (Data) -> Void) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(eventDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                if !line.isEmpty { handle(Data(line)) }
            }
        }
        close(eventDescriptor)
    }

    /// Waits for the child to end and lets go of its input.
    func wait() -> ExitStatus {
        close(lifeline)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ExitStatus(raw: status)
    }
}

/// Writes all of `bytes` to `descriptor`; whether it could.
@discardableResult
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress?.advanced(by: offset), bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
    }
    return true
}
