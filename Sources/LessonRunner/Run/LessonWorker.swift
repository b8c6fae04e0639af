import Foundation
import LessonSource
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
            let crash = Crash(cellID: nil, message: "cannot start the lesson's process: \(error)")
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
        if let timedOut = state.timedOut {
            message =
                "cell timed out after \(Value.format(timedOut.seconds)) s (\(timedOut.explanation)); it did "
                + "not stop where the runner checks the time, so the lesson's process was stopped"
        } else if state.stuckAfterCrash {
            // Killed by the watchdog, not the system: the crash came first.
            message =
                "the lesson's process crashed in this cell"
                + ExitStatus.details(runtimeMessage: errorTail.runtimeMessage, site: errorTail.crashSite)
        } else {
            message = status.explanation(runtimeMessage: errorTail.runtimeMessage, site: errorTail.crashSite)
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
        let crashed =
            crash.cellID.map { "the lesson's process ended in cell '\($0)'; this cell never ran" }
            ?? "the lesson's process ended; this cell never ran"
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

/// How a child process ended.
struct ExitStatus: Hashable, Sendable {
    /// The raw `waitpid` status.
    var raw: Int32

    var exitedNormally: Bool { raw & 0x7f == 0 && (raw >> 8) & 0xff == 0 }
    var signal: Int32? { raw & 0x7f != 0 && raw & 0x7f != 0x7f ? raw & 0x7f : nil }
    var exitCode: Int32? { raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil }

    /// ` in <function> at <file:line>: <runtime message>`, as far as they are known.
    static func details(runtimeMessage: String?, site: String?) -> String {
        (site.map { " in \($0)" } ?? "") + (runtimeMessage.map { ": \($0)" } ?? "")
    }

    /// What happened, with where and the runtime's message when they are known.
    func explanation(runtimeMessage: String?, site: String? = nil) -> String {
        let said = Self.details(runtimeMessage: runtimeMessage, site: site)
        if let signal {
            let name = Self.signalNames[signal].map { "SIG\($0)" } ?? "signal \(signal)"
            let what = String(cString: strsignal(signal))
            if signal == SIGKILL {
                return "the lesson's process was killed (\(name)) while this cell ran, most likely by the "
                    + "system's out-of-memory killer: the cell needs more memory than the machine has"
                    + said
            }
            return "the lesson's process crashed in this cell (\(name), \(what.lowercased()))\(said)"
        }
        return "the lesson's process exited with status \(exitCode ?? -1) while this cell ran\(said)"
    }

    static let signalNames: [Int32: String] = [
        SIGILL: "ILL", SIGTRAP: "TRAP", SIGABRT: "ABRT", SIGBUS: "BUS", SIGFPE: "FPE", SIGKILL: "KILL",
        SIGSEGV: "SEGV", SIGTERM: "TERM", SIGINT: "INT", SIGPIPE: "PIPE",
    ]
}

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

/// Reads a worker's standard error on a thread: passes each line on and keeps the last ones, to find
/// the runtime's message when the worker crashes.
private final class ErrorTail: Sendable {
    private let lines = Mutex<[String]>([])
    private let done = DispatchSemaphore(value: 0)
    private let crashNoticed = Mutex<ContinuousClock.Instant?>(nil)

    /// When the worker's standard error first said it crashed (the backtracer's banner), if it has.
    var crashedSince: ContinuousClock.Instant? { crashNoticed.withLock { $0 } }

    init(descriptor: Int32, forward: @escaping @Sendable (String) -> Void) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 1 << 14)
            // The runtime's stack dump and the backtracer's report after a crash are kept, to find the
            // message and the function that trapped, but not passed on: the located error says it.
            var inStackDump = false
            var inBacktrace = false
            func take(_ line: Data) {
                let text = String(decoding: line, as: UTF8.self)
                lines.withLock {
                    $0.append(text)
                    if $0.count > 400 { $0.removeFirst($0.count - 400) }
                }
                if text.hasPrefix("*** Signal") || text.hasPrefix("*** Program crashed") {
                    inBacktrace = true
                    crashNoticed.withLock { if $0 == nil { $0 = .now } }
                } else if inBacktrace {
                    if text.hasPrefix("Backtrace took") { inBacktrace = false }
                } else if text.hasPrefix("Current stack trace:") {
                    inStackDump = true
                } else if inStackDump, text.first?.isNumber == true {
                } else if text.isEmpty {
                } else {
                    inStackDump = false
                    forward(text)
                }
            }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    take(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[(newline + 1)...])
                }
            }
            if !pending.isEmpty { take(pending) }
            close(descriptor)
            done.signal()
        }
    }

    /// Waits (at most two seconds: a grandchild may still hold the pipe) for the end of the stream.
    func finish() { _ = done.wait(timeout: .now() + 2) }

    /// The runtime's last fatal message (`Fatal error: …`, `Precondition failed: …`), without the
    /// source path the runtime prefixes it with.
    var runtimeMessage: String? {
        let markers = [
            "Fatal error:", "Precondition failed:", "precondition failure", "Assertion failed:",
            "Unexpectedly found nil",
        ]
        return lines.withLock { lines in
            for line in lines.reversed() {
                for marker in markers {
                    guard let range = line.range(of: marker) else { continue }
                    return String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// Where the backtracer says the crashed thread was.
    ///
    /// Its innermost function of Khru's (not the runtime's) and the first source line in Khru's library
    /// (not the runner), e.g.
    /// `MSELossFlat.callAsFunction(_:_:) at Training/Learner.swift:385`.
    var crashSite: String? {
        lines.withLock { lines in
            guard let start = lines.lastIndex(where: { $0.hasPrefix("*** Program crashed") }) else {
                return nil
            }
            var function: String?
            var source: String?
            for line in lines[start...] {
                guard let frame = BacktraceFrame(line) else { continue }
                if function == nil, !frame.isRuntime { function = frame.function }
                if source == nil, let place = frame.librarySource { source = place }
                if function != nil && source != nil { break }
            }
            guard let function else { return nil }
            return function + (source.map { " at \($0)" } ?? "")
        }
    }
}

/// One frame line of the Swift backtracer's report:
/// `  3 [ra]   0x… AnyLearner.fit(_:lr:) + 1036 in khru at /…/Sources/Training/Learner.swift:205:13`.
struct BacktraceFrame {
    /// The function, without `specialized`.
    var function: String
    /// The frame's flags and image say it is the Swift runtime's or a thunk.
    var isRuntime: Bool
    /// `Module/File.swift:line` when the frame is in a library module of Khru (not the runner or the CLI).
    var librarySource: String?

    init?(_ line: String) {
        guard let address = line.range(of: " 0x"), line.prefix(4).contains(where: \.isNumber) else {
            return nil
        }
        let afterAddress = line[address.upperBound...].drop { $0.isHexDigit }.drop { $0 == " " }
        let end =
            afterAddress.range(of: " + ")?.lowerBound ?? afterAddress.range(of: " in ")?.lowerBound
            ?? afterAddress.endIndex
        var name = String(afterAddress[..<end])
        if name.hasPrefix("specialized ") { name.removeFirst("specialized ".count) }
        guard !name.isEmpty else { return nil }
        function = name
        let flags = line[..<address.lowerBound]
        isRuntime =
            flags.contains("[system]") || flags.contains("[thunk]") || line.contains(" in libswift")
            || name.hasPrefix("_assertionFailure") || name.hasPrefix("Swift.")
        librarySource = nil
        if let at = line.range(of: " at ", options: .backwards),
            let sources = line[at.upperBound...].range(of: "/Sources/")
        {
            let relative = line[sources.upperBound...]
            let module = relative.prefix { $0 != "/" }
            if !["LessonRunner", "khru", "Serving", "LessonSource", "Reporting"].contains(String(module)) {
                // Module/File.swift:line, without the column.
                let parts = relative.split(separator: ":")
                librarySource = parts.count >= 2 ? "\(parts[0]):\(parts[1])" : String(relative)
            }
        }
    }
}

// MARK: - The worker's side

extension LessonWorker {
    /// Runs a worker in this process; returns its exit status.
    ///
    /// Reads the ``WorkerRequest`` on standard input, runs its lesson and writes every ``LessonEvent`` as
    /// a JSON line to file descriptor 3; exits at once when standard input closes (the parent died). The
    /// status is 0 when the lesson ran, whatever its cells did.
    public static func serve(registry: () -> Registry) -> Int32 {
        // The event pipe is for this process only: no program a cell starts inherits it.
        _ = fcntl(3, F_SETFD, FD_CLOEXEC)
        guard let line = readLine(from: 0),
            let request = try? JSONDecoder().decode(WorkerRequest.self, from: line)
        else {
            FileHandle.standardError.write(
                Data("khru: a worker needs a request on its standard input\n".utf8))
            return 64
        }
        // The parent holds the other end of standard input: when it goes, so does this process.
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while true {
                let count = read(0, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { _exit(137) }
            }
        }
        MemoryBudget.bytes = request.memoryBudget
        let channel = EventChannel(descriptor: 3)
        guard let lesson = request.lesson ?? LessonParser.parseCollectingErrors(fileAt: request.lessonPath).0
        else { return 65 }
        let positions = request.positionFile.flatMap(Positions.init(path:))
        let ran = run(
            lesson, request: request, registry: registry(), progress: { channel.send(.progress($0)) },
            events: { channel.send($0) }, reached: positions.map { positions in { positions.note($0) } },
            log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        return ran == nil ? 74 : 0
    }

    /// Runs `lesson` as `request` says, in this process.
    ///
    /// What a worker does, and what `khru run --in-process` does without one. `nil` when the cache cannot
    /// be opened (`log` says why).
    public static func run(
        _ lesson: Lesson, request: WorkerRequest, registry: Registry, progress: ((RunProgress) -> Void)?,
        events: ((LessonEvent) -> Void)? = nil, reached: ((LessonSource.SourceLocation) -> Void)? = nil,
        diagnostics: (([LessonSource.Diagnostic]) -> Void)? = nil, log: @escaping (String) -> Void
    ) -> LessonReport? {
        var executor = LessonExecutor(registry: registry, progress: progress)
        executor.reached = reached
        executor.defaultTimeout = request.defaultTimeout
        executor.events = events
        var store: RunCache?
        if request.usesCache {
            do {
                store = try RunCache(outputDirectory: request.output, sizeLimit: request.cacheLimit) {
                    log($0)
                }
            } catch {
                log("\(error)")
                return nil
            }
        }
        if let store {
            executor.cache = CacheOptions(
                store: store, force: request.force, cell: request.cell, downstream: request.downstream)
        }
        let report = executor.run(lesson, diagnostics: diagnostics).report
        if let store {
            for note in store.notes { log("note: \(note)") }
            store.evict()
        }
        return report
    }

    /// One line read byte by byte (nothing past the newline is consumed).
    private static func readLine(from descriptor: Int32) -> Data? {
        var line = Data()
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return line.isEmpty ? nil : line }
            if byte == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
    }
}

/// Writes events as JSON lines to a descriptor, one whole line at a time.
private final class EventChannel: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) { self.descriptor = descriptor }

    func send(_ event: LessonEvent) {
        let encoder = JSONEncoder()
        guard var data = try? encoder.encode(event) else {
            FileHandle.standardError.write(Data("khru: cannot encode the event \(event)\n".utf8))
            return
        }
        data.append(UInt8(ascii: "\n"))
        lock.withLock { _ in _ = data.withUnsafeBytes { writeAll(descriptor, $0) } }
    }
}

/// The line and column of the statement a worker runs now, in 8 bytes of a file both processes map.
///
/// The worker stores each position with one 64-bit write (line in the high half); the parent reads the
/// file after the worker is gone. Costs a store per statement, and nothing when no one asks.
final class Positions: @unchecked Sendable {
    private let slot: UnsafeMutablePointer<UInt64>

    /// Maps `path` (made by ``create()``); `nil` when it cannot.
    init?(path: String) {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let mapped = mmap(nil, 8, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        slot = mapped.bindMemory(to: UInt64.self, capacity: 1)
    }

    /// Keeps `location` as the position reached.
    func note(_ location: LessonSource.SourceLocation) {
        slot.pointee =
            UInt64(UInt32(clamping: location.line)) << 32 | UInt64(UInt32(clamping: location.column))
    }

    /// A new file of 8 zero bytes in the temporary folder; `nil` when it cannot be made.
    static func create() -> String? {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "khru-worker-\(getpid())-\(UUID().uuidString).position")
        guard FileManager.default.createFile(atPath: path, contents: Data(count: 8)) else { return nil }
        return path
    }

    /// The position kept in `path`, as a location in `file`; `nil` when none was kept.
    static func read(_ path: String?, file: String) -> LessonSource.SourceLocation? {
        guard let path, let data = FileManager.default.contents(atPath: path), data.count >= 8 else {
            return nil
        }
        let value = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let line = Int(value >> 32)
        let column = Int(value & 0xffff_ffff)
        return line > 0 ? LessonSource.SourceLocation(file: file, line: line, column: column) : nil
    }
}
