import Checksums
import Foundation
import LessonRunner
import LessonSource
import Reporting
import Synchronization

/// The runner half of `khru serve`: builds every lesson once, then watches the lesson files and the
/// files their `include=` cells show, and rebuilds a lesson on every save.
///
/// A rebuild re-parses the lesson and runs it through the run cache, so only the cells from the first
/// changed one on run (a prose edit runs none), rewrites its report and the index, and publishes it all
/// to the ``EventHub``: the running cell, its training progress and epoch rows, problems at once, and
/// a reload of the pages that changed. Files are polled (size, time and inode, then a content hash), which
/// works on every file system and editor.
///
/// With a ``worker``, each build runs in a worker process (see ``LessonWorker``): a cell that crashes
/// it fails with the crash's message in the page and the report, and the server stays up.
///
/// ``run()`` blocks its thread (the interpreter is synchronous); ``stop()`` may be called from any
/// thread and takes effect between polls or lessons. A cell running when the server stops is abandoned:
/// the cache writes every entry atomically, so it keeps only cells that finished.
public final class Workshop: @unchecked Sendable {
    /// The lesson files or folders watched (folders are searched again for new lessons on every poll).
    public let paths: [String]
    /// The output folder (reports, index, cache).
    public let output: String
    /// The most bytes the run cache keeps.
    public let cacheLimit: Int
    /// How often files are polled.
    public let interval: Duration
    /// Runs each build in a worker process; `nil` runs it in this process.
    public let worker: LessonWorker?
    /// The time limit of a cell without its own or its lesson's.
    public let defaultTimeout: Double?
    /// `-p name=value`: the parameters' values for the lessons that declare them (``LessonSource/Lesson/settingParameters(_:)``).
    public let parameters: [String: String]
    private let hub: EventHub
    private let log: @Sendable (String) -> Void
    private let control = Mutex(Control())
    /// Runs and writes each build (in a worker when there is one); its reports are written after the
    /// build is published, with the index.
    private lazy var lessonRun: LessonRun = {
        let run = LessonRun(
            request: WorkerRequest(
                lessonPath: "", output: output, cacheLimit: cacheLimit, defaultTimeout: defaultTimeout),
            parameters: parameters, worker: worker, writesReport: false)
        run.standardError = { [log] in log($0) }
        return run
    }()
    private var watched: [String: WatchedLesson] = [:]
    private var reportPaths: [String: String] = [:]
    /// The last report built of each lesson, for re-rendering a prose edit without running anything.
    private var lastReports: [String: LessonReport] = [:]

    private struct Control {
        var stopping = false
        var runningCell: String?
        var builds = 0
    }

    /// Creates a workshop; nothing runs before ``run()``.
    ///
    /// - Parameters:
    ///   - paths: Lesson files or folders.
    ///   - output: The folder reports are written under.
    ///   - cacheLimit: The most bytes the run cache keeps.
    ///   - hub: Where events go.
    ///   - interval: How often the files are polled.
    ///   - worker: Runs each build in a worker process; `nil` runs it in this process.
    ///   - defaultTimeout: The time limit of a cell without its own or its lesson's.
    ///   - parameters: `-p name=value` for the lessons that declare `name`.
    ///   - log: Receives the lines for the terminal.
    public init(
        paths: [String], output: String, cacheLimit: Int = RunCache.defaultSizeLimit, hub: EventHub,
        interval: Duration = .milliseconds(250), worker: LessonWorker? = nil,
        defaultTimeout: Double? = LessonExecutor.standardTimeout, parameters: [String: String] = [:],
        log: @escaping @Sendable (String) -> Void
    ) {
        self.parameters = parameters
        self.worker = worker
        self.defaultTimeout = defaultTimeout
        self.paths = paths
        self.output = output
        self.cacheLimit = cacheLimit
        self.hub = hub
        self.interval = interval
        self.log = log
    }

    /// The id of the cell running now, if one is.
    public var runningCell: String? { control.withLock { $0.runningCell } }

    /// How many lesson builds have finished.
    public var builds: Int { control.withLock { $0.builds } }

    /// Asks ``run()`` to return.
    public func stop() { control.withLock { $0.stopping = true } }

    private var stopping: Bool { control.withLock { $0.stopping } }

    /// Builds every lesson, then rebuilds changed ones until ``stop()``.
    public func run() {
        var lastPing = ContinuousClock.now
        var first = true
        while !stopping {
            let changed = changedLessons()
            for path in changed where !stopping { build(path) }
            if first {
                first = false
                log("ready: \(watched.count) lesson\(watched.count == 1 ? "" : "s"); watching for saves")
            }
            if ContinuousClock.now - lastPing > .seconds(15) {
                hub.publish(.ping)
                lastPing = .now
            }
            Thread.sleep(
                forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds)
                    * 1e-18)
        }
    }

    // MARK: Watching

    /// The lessons to build: new ones, and those whose file or included files changed.
    private func changedLessons() -> [String] {
        let files: [String]
        do {
            files = try LessonFiles.find(paths)
        } catch {
            return []
        }
        var changed: [String] = []
        for path in files {
            if var lesson = watched[path] {
                if lesson.refresh() { changed.append(path) }
                watched[path] = lesson
            } else {
                watched[path] = WatchedLesson(path: path)
                changed.append(path)
            }
        }
        for path in watched.keys where !files.contains(path) { watched[path] = nil }
        // An editor may write a file in steps: wait until what changed has settled.
        if !changed.isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
            for path in changed { _ = watched[path]?.refresh() }
        }
        return changed
    }

    // MARK: Building

    /// The URL path of a lesson's report, `/<lang>/<slug>.html`.
    private func reportPath(_ path: String, _ lesson: Lesson?) -> String {
        if let lesson {
            let report = "/\(LessonExecutor.language(of: lesson))/\(LessonExecutor.slug(of: lesson)).html"
            reportPaths[path] = report
            return report
        }
        if let known = reportPaths[path] { return known }
        let folder = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let lang = folder.isEmpty || folder == "." || folder.count > 3 ? "en" : folder
        return "/\(lang)/\(((path as NSString).lastPathComponent as NSString).deletingPathExtension).html"
    }

    private var building: (lesson: String, report: String) = ("", "")

    private func build(_ path: String) {
        let clock = ContinuousClock()
        let start = clock.now
        let (lesson, diagnostics) = LessonRun.parse(path, parameters: parameters)
        let report = reportPath(path, lesson)
        building = (path, report)
        hub.publish(.status(building: true, lesson: path, report: report))
        defer {
            hub.publish(.status(building: false, lesson: nil, report: nil))
            control.withLock {
                $0.runningCell = nil
                $0.builds += 1
            }
        }
        log("[build] \(path)")
        for diagnostic in diagnostics { log(diagnostic.description) }
        guard let lesson else {
            hub.publish(
                .problems(
                    report: report, lesson: path, messages: diagnostics.map(\.description), blocking: true))
            log("\(path): not run: fix the errors above and save again")
            return
        }
        watched[path]?.watchIncludes(of: lesson)
        let result: LessonReport
        if let previous = lastReports[path], let same = LessonExecutor.rerender(previous, as: lesson) {
            // Prose only: no cell runs, not even one that failed; the errors keep their (moved) positions.
            result = same
            log("  prose only: re-rendered, no cell ran")
            let errors = lesson.cells.flatMap { cell -> [String] in
                guard case .failed? = same.cells[cell.id]?.status else { return [] }
                return same.cells[cell.id]?.outputs.compactMap {
                    if case .error(let diagnostic) = $0 { diagnostic.description } else { nil }
                } ?? []
            }
            hub.publish(.problems(report: report, lesson: path, messages: errors, blocking: false))
        } else {
            guard let ran = run(lesson, path: path, report: report, diagnostics: diagnostics) else { return }
            result = ran
        }
        lastReports[path] = result
        finish(result, path: path, report: report, started: start, clock: clock)
    }

    /// Runs `lesson` through the cache, in a worker when there is one; `nil` when it did not run (the
    /// cache cannot be opened, or the server is stopping).
    private func run(
        _ lesson: Lesson, path: String, report: String, diagnostics: [Diagnostic]
    ) -> LessonReport? {
        let outcome = lessonRun.run(lesson, path: path) { [hub, log, weak self] event in
            switch event {
            case .parsed: break
            case .problems(let problems):
                hub.publish(
                    .problems(
                        report: report, lesson: path,
                        messages: (diagnostics + problems).filter { $0.severity == .error }.map(
                            \.description),
                        blocking: false))
            case .progress(let progress): self?.relay(progress)
            case .log(let line): log(line)
            case .crashed(let crash):
                if crash.wasInterrupted {
                    // Ctrl-C reaches the worker too: the server is stopping, the report on disk stays.
                    log("\(path): interrupted; the report is left as it was")
                    return
                }
                let message = crash.diagnostic?.description ?? crash.message
                log(message)
                if let id = crash.cellID {
                    self?.relay(.cellFinished(cellID: id, passed: false, seconds: 0))
                }
                hub.publish(.problems(report: report, lesson: path, messages: [message], blocking: false))
            }
        }
        if outcome.report == nil, outcome.crash == nil {
            hub.publish(
                .problems(
                    report: report, lesson: path, messages: ["cannot open the cache under \(output)"],
                    blocking: true))
        }
        return outcome.report
    }

    /// Writes a lesson's report and the index, and tells the pages.
    private func finish(
        _ result: LessonReport, path: String, report: String, started start: ContinuousClock.Instant,
        clock: ContinuousClock
    ) {
        let counts = StatusCounts(result)
        let cached = result.cells.values.filter { $0.telemetry?.cached == true }.count
        let ran = result.cells.values.filter { $0.telemetry != nil && $0.telemetry?.cached != true }.count
        do {
            let written = try lessonRun.write(result)
            try lessonRun.writeIndex()
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            hub.publish(
                .reload(
                    reports: [report, "/index.html"], lesson: path, ran: ran, cached: cached,
                    failed: counts.failed, seconds: seconds))
            log(
                "\(path): \(counts.passed) passed, \(counts.failed) failed, \(counts.skipped) skipped, "
                    + "\(ran) ran, \(cached) from cache → \(written.html) (\(String(format: "%.2f", seconds)) s)"
            )
        } catch {
            log("\(error)")
            hub.publish(.problems(report: report, lesson: path, messages: ["\(error)"], blocking: true))
        }
    }

    /// Sends a run's progress to the pages (and its terminal lines to the log).
    private func relay(_ event: RunProgress) {
        if event.isForTerminal { log("  \(event)") }
        let report = building.report
        switch event {
        case .cellStarted(let cellID):
            control.withLock { $0.runningCell = cellID }
            hub.publish(.cellStarted(report: report, cellID: cellID))
        case .cellFinished(let cellID, let passed, let seconds):
            control.withLock { $0.runningCell = nil }
            hub.publish(.cellFinished(report: report, cellID: cellID, passed: passed, seconds: seconds))
        case .note(let text):
            hub.publish(.note(report: report, text: text))
        case .batch(let cellID, let progress):
            hub.publish(
                .batch(
                    report: report, cellID: cellID, epoch: progress.epoch, epochs: progress.epochs,
                    batch: progress.batch, batches: progress.batches, training: progress.training))
        case .epoch(let cellID, let header, let row):
            hub.publish(.epoch(report: report, cellID: cellID, header: header, row: row))
        }
    }

}

/// A lesson file and the files its `include=` cells show, with what they were when last built.
struct WatchedLesson {
    let path: String
    private(set) var stamps: [String: FileStamp] = [:]

    init(path: String) {
        self.path = path
        stamps[path] = FileStamp(path)
    }

    /// Adds the files `lesson`'s `include=` cells show (relative to the package root above it).
    mutating func watchIncludes(of lesson: Lesson) {
        let directory = (lesson.path as NSString).deletingLastPathComponent
        guard let root = PackageRoot.find(from: directory) else { return }
        var kept: [String: FileStamp] = [path: stamps[path] ?? FileStamp(path)]
        for cell in lesson.cells {
            guard let include = cell.attributes.include else { continue }
            let file = URL(fileURLWithPath: include, relativeTo: URL(fileURLWithPath: root + "/"))
                .standardizedFileURL.path
            kept[file] = stamps[file] ?? FileStamp(file)
        }
        stamps = kept
    }

    /// Reads the files' stamps again; whether any file's content changed (or it appeared or went).
    mutating func refresh() -> Bool {
        var changed = false
        for (file, old) in stamps {
            let new = old.refreshed()
            if new.content != old.content { changed = true }
            stamps[file] = new
        }
        return changed
    }
}

/// What a file looked like: its `stat` fields and, read only when they change, a hash of its bytes.
struct FileStamp: Equatable {
    let path: String
    private(set) var size: Int64 = -1
    private(set) var seconds: Int = 0
    private(set) var nanoseconds: Int = 0
    private(set) var inode: UInt64 = 0
    /// The SHA-256 of the content; `nil` when the file is missing.
    private(set) var content: String?

    init(_ path: String) {
        self.path = path
        read()
    }

    /// The stamp now: the content is read again only when size, time or inode moved.
    func refreshed() -> FileStamp {
        var info = stat()
        guard stat(path, &info) == 0 else {
            var gone = self
            gone.content = nil
            gone.size = -1
            return gone
        }
        if Int64(info.st_size) == size, info.st_mtim.tv_sec == seconds, info.st_mtim.tv_nsec == nanoseconds,
            UInt64(info.st_ino) == inode, content != nil
        {
            return self
        }
        var fresh = self
        fresh.read()
        return fresh
    }

    private mutating func read() {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            content = nil
            size = -1
            return
        }
        size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
        inode = UInt64(info.st_ino)
        // SHA-256 of every byte: `Data`'s own hash may look at a prefix only.
        content = SHA256.hex(of: data)
    }
}
