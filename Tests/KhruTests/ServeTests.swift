import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A lesson with a small training and a cheap cell after it, for `khru serve`.
private func workshopLesson(
    prose: String = "Some prose about learning rates.", lr: String = "0.001"
) -> String {
    """
    ---
    title: Workshop
    ---

    # Workshop

    \(prose)

    ```swift {#data}
    let ratings = DataFrame.readCSV(Path("data/ratings.csv"), names: ["user", "movie", "rating"])
    ratings.count
    ```

    ```swift {#dls}
    let dls = CollabDataLoaders.fromDF(ratings, bs: 16)
    let nUsers = dls.classes["user"].count
    let nMovies = dls.classes["movie"].count
    (nUsers, nMovies)
    ```

    ```swift {#fit}
    let model = DotProductBias(nUsers, nMovies, 4)
    let learn = Learner(dls, model, lossFunc: MSELossFlat())
    learn.fitOneCycle(3, lrMax: 5e-2)
    ```

    ## After training

    ```swift {#scaled}
    let lr = \(lr)
    lr * 1000
    ```

    """
}

/// A running `khru serve lessons --port 0 --output out` in a fresh folder with the lesson and its data.
private final class Served {
    let root: URL
    let process: Process
    let port: Int
    let output: Pipe
    private let lines: LineCollector
    /// Whether the folder goes with this server (not when it serves another server's folder).
    private let ownsRoot: Bool

    /// Serves a fresh folder, or `root` as another server left it; `environment` is added to khru's.
    ///
    /// `mirror` files are written to `<root>/mirror` and served with `--data mirror`.
    init(
        root existing: URL? = nil, environment: [String: String] = [:], mirror: [String: [UInt8]] = [:]
    ) throws {
        let lines = LineCollector()
        self.lines = lines
        ownsRoot = existing == nil
        root =
            existing
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "khru-serve-\(UUID().uuidString)")
        if existing == nil {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("lessons/en"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
            let csv = (0..<300).map { "\($0 % 20),\(($0 * 7) % 30),\(1 + ($0 * 13) % 5)" }
                .joined(separator: "\n")
            try Data((csv + "\n").utf8).write(to: root.appendingPathComponent("data/ratings.csv"))
            try Data(workshopLesson().utf8).write(
                to: root.appendingPathComponent("lessons/en/01-workshop.md"))
        }
        for (name, bytes) in mirror {
            let file = root.appendingPathComponent("mirror/" + name)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
        }
        let started = try KhruProcess.start(
            ["serve", "lessons", "--port", "0", "--output", "out"]
                + (mirror.isEmpty ? [] : ["--data", "mirror"]),
            in: root,
            environment: environment.merging(["OPENBLAS_NUM_THREADS": "1"]) { $1 })
        process = started.0
        output = started.1
        lines.drain(started.1, started.2)
        do {
            port = try lines.servingPort()
        } catch {
            started.0.terminate()
            throw error
        }
    }

    var text: String { lines.text }

    func write(_ lesson: String) throws {
        try Data(lesson.utf8).write(to: root.appendingPathComponent("lessons/en/01-workshop.md"))
    }

    /// SIGINT, then the exit status and everything printed.
    func interrupt() -> Int32 {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if ownsRoot { try? FileManager.default.removeItem(at: root) }
    }
}

/// Collects a process's output lines from both pipes, on threads.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []

    func drain(_ pipes: Pipe...) {
        for pipe in pipes {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                var pending = Data()
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    pending += data
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: pending[..<newline], as: UTF8.self)
                        pending = Data(pending[(newline + 1)...])
                        lock.withLock { collected.append(line) }
                    }
                }
            }
        }
    }

    var text: String { lock.withLock { collected.joined(separator: "\n") } }

    func wait(timeout: Duration, _ matches: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lock.withLock({ collected.first(where: matches) }) { return line }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// The port a `khru serve` whose lines these are listens on, once it has built every lesson (within
    /// `ready`); an error with everything it printed when it does not start or build.
    func servingPort(readyWithin ready: Duration = .seconds(120)) throws -> Int {
        guard let line = wait(timeout: .seconds(60), { $0.hasPrefix("serving http://127.0.0.1:") }),
            let port = line.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) })
        else { throw ProbeError("khru serve did not start: \(text)") }
        guard wait(timeout: ready, { $0.hasPrefix("ready:") }) != nil else {
            throw ProbeError("khru serve built nothing: \(text)")
        }
        return port
    }
}

private func reloads(_ event: EventStream.Event, _ report: String) -> Bool {
    event.name == "reload" && (event.json["reports"] as? [String])?.contains(report) == true
}

@Suite(.serialized) struct ServeTests {
    static let report = "/en/01-workshop.html"

    @Test func aSaveReloadsThePageWithTheNewValueAndAProseEditRunsNothing() throws {
        let served = try Served()
        let index = try HTTPProbe.get(port: served.port, "/")
        #expect(index.status == 200)
        #expect(index.body.contains("01-workshop"), "\(index.body.prefix(400))")
        let page = try HTTPProbe.get(port: served.port, Self.report)
        #expect(page.status == 200)
        #expect(page.headers.lowercased().contains("content-type: text/html"))
        #expect(
            page.body.contains("<span class=\"n\">1.0</span>") || page.body.contains(">1.0<"), "old value")
        // Served pages carry the live script; the report on disk stays static.
        #expect(page.body.contains("id=\"khru-live-script\""))
        let onDisk = try String(
            contentsOf: served.root.appendingPathComponent("out/en/01-workshop.html"), encoding: .utf8)
        #expect(!onDisk.contains("khru-live-script"))
        #expect(!onDisk.contains("EventSource"))

        // A cheap cell after the training changes: the reload and the new value within 5 s of the save.
        let events = try EventStream(port: served.port)
        defer { events.close() }
        #expect(events.wait(timeout: .seconds(5)) { $0.name == "status" } != nil)
        let before = events.all.count
        let saved = ContinuousClock.now
        try served.write(workshopLesson(lr: "0.007"))
        let reload = try #require(
            events.wait(after: before, timeout: .seconds(5)) { reloads($0, Self.report) })
        let updated = try HTTPProbe.get(port: served.port, Self.report)
        let elapsed = ContinuousClock.now - saved
        #expect(elapsed < .seconds(5), "reload and report after \(elapsed)")
        #expect(updated.body.contains(">7.0<"), "new value")
        #expect(reload.json["ran"] as? Int == 1, "only the changed cell runs: \(reload.json)")
        #expect(reload.json["cached"] as? Int == 3)
        let started = events.all.dropFirst(before).filter { $0.name == "cell-started" }
        #expect(started.compactMap { $0.json["cell"] as? String } == ["scaled"])

        // Prose only: a reload, no cell run, the new prose on the page.
        let beforeProse = events.all.count
        try served.write(workshopLesson(prose: "Now with a new sentence about momentum.", lr: "0.007"))
        let proseReload = try #require(
            events.wait(after: beforeProse, timeout: .seconds(5)) { reloads($0, Self.report) })
        #expect(proseReload.json["ran"] as? Int == 0, "\(proseReload.json)")
        #expect(proseReload.json["cached"] as? Int == 4)
        #expect(events.all.dropFirst(beforeProse).filter { $0.name == "cell-started" }.isEmpty)
        #expect(
            try HTTPProbe.get(port: served.port, Self.report).body.contains("a new sentence about momentum"))
        #expect(served.text.contains("0 ran, 4 from cache"), "\(served.text)")

        #expect(served.interrupt() == 0, "\(served.text)")
        #expect(served.text.contains("stopped"))
        #expect(
            !FileManager.default.fileExists(
                atPath: served.root.appendingPathComponent("out/.serve.lock").path))
    }

    @Test func aTrainingCellSendsItsCellEpochRowsAndBatchesBeforeTheReload() throws {
        let served = try Served()
        let events = try EventStream(port: served.port)
        defer { events.close() }
        #expect(events.wait(timeout: .seconds(5)) { $0.name == "status" } != nil)
        let before = events.all.count
        try served.write(workshopLesson().replacingOccurrences(of: "fitOneCycle(3,", with: "fitOneCycle(4,"))
        _ = try #require(events.wait(after: before, timeout: .seconds(60)) { reloads($0, Self.report) })
        let run = events.all.dropFirst(before)
        let names = run.map { $0.name + " " + (($0.json["cell"] as? String) ?? "") }
        #expect(names.first == "status ")
        #expect(names.filter { $0.hasPrefix("cell-started") } == ["cell-started fit", "cell-started scaled"])
        let rows = run.filter { $0.name == "epoch" }.compactMap { $0.json["row"] as? [String] }
        #expect(rows.map(\.first) == ["0", "1", "2", "3"])
        #expect(
            run.first { $0.name == "epoch" }?.json["header"] as? [String] == [
                "epoch", "train_loss", "valid_loss", "time",
            ])
        let batches = run.filter { $0.name == "batch" }
        #expect(!batches.isEmpty)
        #expect(batches.allSatisfy { $0.json["cell"] as? String == "fit" && $0.json["epochs"] as? Int == 4 })
        // Live events come before the cell finishes, and the cell's report is rewritten after.
        let finished = try #require(names.firstIndex(of: "cell-finished fit"))
        let lastEpoch = try #require(names.lastIndex(of: "epoch fit"))
        #expect(lastEpoch < finished)
        let page = try HTTPProbe.get(port: served.port, Self.report)
        for row in rows { #expect(page.body.contains(row[1]), "epoch row \(row) in the report") }
        _ = served.interrupt()
    }

    @Test func aSyntaxErrorIsSentAtOnceWithItsPosition() throws {
        let served = try Served()
        let events = try EventStream(port: served.port)
        defer { events.close() }
        #expect(events.wait(timeout: .seconds(5)) { $0.name == "status" } != nil)
        let before = events.all.count
        try served.write(workshopLesson().replacingOccurrences(of: "lr * 1000", with: "lr * (1000"))
        let problems = try #require(
            events.wait(after: before, timeout: .seconds(5)) { $0.name == "problems" })
        let messages = problems.json["messages"] as? [String] ?? []
        #expect(messages == ["lessons/en/01-workshop.md:31:11: error: expected ')' to end tuple"])
        // Found by the check before any cell runs: the event comes before the build's first cell.
        let index = try #require(events.all.firstIndex { $0.name == "problems" })
        #expect(!events.all[before..<index].contains { $0.name == "cell-started" })
        // The report is still rewritten, with the error at its cell.
        _ = try #require(events.wait(after: before, timeout: .seconds(5)) { reloads($0, Self.report) })
        let page = try HTTPProbe.get(port: served.port, Self.report)
        #expect(
            page.body.contains("expected &#39;)&#39; to end tuple")
                || page.body.contains("expected ')' to end tuple"))

        // A lesson that cannot be parsed: the problem at once, marked blocking (no report is written).
        let beforeBlocking = events.all.count
        try served.write(workshopLesson().replacingOccurrences(of: "{#scaled}", with: "{#}"))
        let blocking = try #require(
            events.wait(after: beforeBlocking, timeout: .seconds(5)) { $0.name == "problems" })
        #expect(blocking.json["blocking"] as? Bool == true)
        let blockingMessages = blocking.json["messages"] as? [String] ?? []
        #expect(
            blockingMessages.contains {
                $0.hasPrefix("lessons/en/01-workshop.md:29:") && $0.contains("error: missing cell id")
            },
            "\(blockingMessages)")
        // A page that connects now is told at once too.
        let late = try EventStream(port: served.port)
        defer { late.close() }
        #expect(late.wait(timeout: .seconds(5)) { $0.name == "problems" } != nil)
        _ = served.interrupt()
    }

    @Test(arguments: [
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/en/../../../etc/passwd",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/en/leak.html", "/out-link/etc/passwd", "/.cache/lock",
        "/.serve.lock",
    ])
    func pathsOutsideTheOutputFolderAre404(_ path: String) throws {
        let served = try Served()
        let out = served.root.appendingPathComponent("out")
        try? FileManager.default.createSymbolicLink(
            atPath: out.appendingPathComponent("en/leak.html").path, withDestinationPath: "/etc/passwd")
        try? FileManager.default.createSymbolicLink(
            atPath: out.appendingPathComponent("out-link").path, withDestinationPath: "/")
        let answer = try HTTPProbe.get(port: served.port, path)
        #expect(answer.status == 404, "\(path): \(answer.headers)")
        #expect(!answer.body.contains("root:"))
        _ = served.interrupt()
    }

    /// `khru serve --data`: a mirror's files at the root, with byte ranges; a cell's `untarData(url)` with
    /// `KHRU_DATA_MIRROR` pointing here downloads, checks and unpacks through it.
    @Test func aDataMirrorIsServedWithByteRangesAndFeedsACellsDownload() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-mirror-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(
            at: work.appendingPathComponent("khru-mirror-test/images"), withIntermediateDirectories: true)
        try Data("Abyssinian\n".utf8).write(
            to: work.appendingPathComponent("khru-mirror-test/images/Abyssinian_1.txt"))
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = [
            "tar", "-czf", work.appendingPathComponent("khru-mirror-test.tgz").path, "-C", work.path,
            "khru-mirror-test",
        ]
        try tar.run()
        tar.waitUntilExit()
        let archive = [UInt8](try Data(contentsOf: work.appendingPathComponent("khru-mirror-test.tgz")))
        let text = Array(String(repeating: "0123456789", count: 50).utf8)
        let served = try Served(mirror: ["khru-mirror-test.tgz": archive, "digits.tar": text])

        let whole = try HTTPProbe.get(port: served.port, "/digits.tar")
        #expect(whole.status == 200 && whole.body == String(decoding: text, as: UTF8.self))
        #expect(whole.headers.lowercased().contains("accept-ranges: bytes"))
        let rest = try HTTPProbe.get(port: served.port, "/digits.tar", headers: ["Range: bytes=100-"])
        #expect(rest.status == 206 && rest.body == String(decoding: text.dropFirst(100), as: UTF8.self))
        #expect(rest.headers.lowercased().contains("content-range: bytes 100-499/500"), "\(rest.headers)")
        #expect(
            try HTTPProbe.get(port: served.port, "/digits.tar", headers: ["Range: bytes=500-"]).status == 416)
        #expect(try HTTPProbe.get(port: served.port, "/mirror/../digits.tar").status == 404)
        #expect(try HTTPProbe.get(port: served.port, "/").status == 200)

        let lesson = """
            # Download

            ```swift {#get}
            let path = untarData("http://archives.invalid/fast-ai/khru-mirror-test.tgz")
            #expect((path / "images" / "Abyssinian_1.txt").exists)
            path.name
            ```

            """
        try FileManager.default.createDirectory(
            at: work.appendingPathComponent("dl"), withIntermediateDirectories: true)
        try Data(lesson.utf8).write(to: work.appendingPathComponent("dl/download.md"))
        let data = work.appendingPathComponent("data")
        let environment = ["KHRU_DATA": data.path, "KHRU_DATA_MIRROR": "http://127.0.0.1:\(served.port)/"]
        func run() throws -> (status: Int32, output: String, error: String) {
            try KhruProcess.run(
                ["run", "dl/download.md", "--output", "dlout"], in: work, environment: environment)
        }
        let first = try run()
        #expect(first.status == 0, "\(first.output)\n\(first.error)")
        #expect(first.output.contains("1 passed, 0 failed, 0 skipped, 0 from cache"), "\(first.output)")
        let unpacked = data.appendingPathComponent("khru-mirror-test/images/Abyssinian_1.txt")
        #expect(FileManager.default.fileExists(atPath: unpacked.path))
        let records = String(
            decoding: try Data(contentsOf: data.appendingPathComponent("downloads.json")), as: UTF8.self)
        #expect(records.contains("\"http://archives.invalid/fast-ai/khru-mirror-test.tgz\""), "\(records)")
        // The unpacked folder is one of the files the cell read: unchanged, the cell is reused; changed,
        // it runs again.
        #expect(try run().output.contains("1 from cache"))
        try Data("Bengal\n".utf8).write(to: unpacked)
        #expect(try run().output.contains("0 from cache"))
        #expect(served.interrupt() == 0)
    }

    @Test func aSecondServerOnTheSameFolderSaysWhereItIsServed() throws {
        let served = try Served()
        let second = try KhruProcess.run(
            ["serve", "lessons", "--port", "0", "--output", "out"], in: served.root)
        #expect(second.status == 1)
        #expect(
            second.error.contains(
                "out is already served by khru serve (pid \(served.process.processIdentifier)) at http://127.0.0.1:\(served.port)/"
            ),
            "\(second.error)")
        // Another host prints a warning that the network can reach the reports.
        let other = try KhruProcess.start(
            ["serve", "lessons", "--port", "0", "--host", "0.0.0.0", "--output", "other"], in: served.root)
        Thread.sleep(forTimeInterval: 1)
        kill(other.0.processIdentifier, SIGINT)
        let result = KhruProcess.finish(other)
        #expect(result.error.contains("warning: listening on 0.0.0.0: anyone who can reach this machine"))
        // A busy port (the first server's) is named, with the next one to try.
        let busy = try KhruProcess.run(
            ["serve", "lessons", "--port", String(served.port), "--output", "busy"], in: served.root)
        #expect(busy.status == 1)
        #expect(
            busy.error.contains(
                "error: port \(served.port) is in use on 127.0.0.1; try --port \(served.port + 1)"),
            "\(busy.error)")
        #expect(served.interrupt() == 0)
    }

    /// A cell that crashes the lesson's process: the server keeps answering, the page is told the crash
    /// at once and shows it, and a fixed save reruns the cell and reloads.
    @Test func aCrashedLessonShowsItsCrashAndTheServerStaysUp() throws {
        let served = try Served(environment: ["KHRU_TEST_CRASH_STEP": "1"])
        let events = try EventStream(port: served.port)
        defer { events.close() }
        #expect(events.wait(timeout: .seconds(5)) { $0.name == "status" } != nil)
        let before = events.all.count
        try served.write(
            workshopLesson(lr: "0.007").replacingOccurrences(
                of: "lr * 1000", with: "_crashForTesting(\"trap\")\nlr * 1000"))
        let problems = try #require(
            events.wait(after: before, timeout: .seconds(30)) { event in
                event.name == "problems"
                    && (event.json["messages"] as? [String])?.contains { $0.contains("crashed") } == true
            })
        let messages = problems.json["messages"] as? [String] ?? []
        #expect(messages.count == 1, "\(messages)")
        let crash = messages.first ?? ""
        #expect(
            crash.hasPrefix(
                "lessons/en/01-workshop.md:31:1: error: the lesson's process crashed in this cell (SIGILL, "
                    + "illegal instruction)"), "\(crash)")
        #expect(
            crash.hasSuffix(": Precondition failed: _crashForTesting was asked to trap (trap)"), "\(crash)")
        _ = try #require(events.wait(after: before, timeout: .seconds(10)) { reloads($0, Self.report) })
        #expect(served.process.isRunning, "\(served.text)")
        #expect(try HTTPProbe.get(port: served.port, "/").status == 200)
        let page = try HTTPProbe.get(port: served.port, Self.report)
        #expect(page.body.contains("_crashForTesting was asked to trap"))
        // The cells before it came from the cache and are still in the page.
        #expect(page.body.contains(">300<"), "the data cell's value")

        let beforeFix = events.all.count
        try served.write(workshopLesson(lr: "0.007"))
        let reload = try #require(
            events.wait(after: beforeFix, timeout: .seconds(30)) { reloads($0, Self.report) })
        #expect(reload.json["ran"] as? Int == 1, "\(reload.json)")
        #expect(reload.json["failed"] as? Int == 0, "\(reload.json)")
        let fixed = try HTTPProbe.get(port: served.port, Self.report)
        #expect(fixed.body.contains(">7.0<"))
        #expect(!fixed.body.contains("_crashForTesting was asked to trap"))
        #expect(served.interrupt() == 0, "\(served.text)")
    }

    /// A server killed with SIGKILL leaves its `.serve.lock` behind; the next server on the folder takes
    /// it over and says where it serves.
    @Test func aLockLeftByAKilledServerIsTakenOver() throws {
        let served = try Served()
        let lock = served.root.appendingPathComponent("out/.serve.lock")
        kill(served.process.processIdentifier, SIGKILL)
        served.process.waitUntilExit()
        let stale = try String(contentsOf: lock, encoding: .utf8)
        #expect(stale.hasPrefix("\(served.process.processIdentifier)\n"))
        let restarted = try Served(root: served.root)
        let taken = try String(contentsOf: lock, encoding: .utf8)
        #expect(taken == "\(restarted.process.processIdentifier)\nhttp://127.0.0.1:\(restarted.port)/\n")
        #expect(try HTTPProbe.get(port: restarted.port, Self.report).status == 200)
        #expect(restarted.interrupt() == 0, "\(restarted.text)")
    }
}
