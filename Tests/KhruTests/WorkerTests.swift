import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A lesson whose second cell kills its process as `how` says (`_crashForTesting`, a test-only step).
private func crashingLesson(_ how: String) -> String {
    """
    # Crash

    ```swift {#first}
    let x = 41
    x + 1
    ```

    ```swift {#boom}
    let y = x * 2
    _crashForTesting("\(how)")
    ```

    ```swift {#after}
    y + 1
    ```

    """
}

private let fixedLesson = crashingLesson("").replacingOccurrences(
    of: "_crashForTesting(\"\")", with: "y")

private let nextLesson = """
    # Next

    ```swift {#next}
    let z = 6
    z * 7
    ```

    """

/// The cells of a manifest: id → (status, the first output's message or value, skip reason).
private func manifestCells(_ url: URL) throws -> [String: (status: String, text: String, reason: String)] {
    let object = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    var cells: [String: (String, String, String)] = [:]
    for cell in object["cells"] as? [[String: Any]] ?? [] {
        let first = (cell["outputs"] as? [[String: Any]])?.first
        let text = (first?["message"] as? String) ?? (first?["value"] as? String) ?? ""
        cells[cell["id"] as? String ?? ""] = (
            cell["status"] as? String ?? "", text, cell["reason"] as? String ?? ""
        )
    }
    return cells
}

/// A folder with `lessons/en/01-crash.md` (crashing as `how` says) and `lessons/en/02-next.md`.
private func crashFolder(_ how: String) throws -> URL {
    let root = try temporaryFolder("khru-worker")
    let lessons = root.appendingPathComponent("lessons/en")
    try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
    try Data(crashingLesson(how).utf8).write(to: lessons.appendingPathComponent("01-crash.md"))
    try Data(nextLesson.utf8).write(to: lessons.appendingPathComponent("02-next.md"))
    return root
}

private let crashStep = ["KHRU_TEST_CRASH_STEP": "1"]

@Suite struct WorkerTests {
    /// A trap in a cell kills the lesson's process, not khru: the report has the cells before it, the
    /// crashing cell carries the runtime's message at its position, the next lesson runs, khru exits 1,
    /// and the cache keeps what finished.
    @Test func aTrapInACellLosesOnlyThatCell() throws {
        let root = try crashFolder("trap")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try KhruProcess.run(
            ["run", "lessons", "--output", "out"], in: root, environment: crashStep)
        #expect(result.status == 1, "\(result.error)")
        #expect(
            result.output.contains("lessons/en/01-crash.md: 1 passed, 1 failed, 1 skipped, 0 from cache"),
            "\(result.output)")
        #expect(
            result.output.contains("lessons/en/02-next.md: 1 passed, 0 failed, 0 skipped"), "\(result.output)"
        )
        // At the call that trapped, with the signal, the function (from the backtracer) and the runtime's message.
        let line = try #require(
            result.error.split(separator: "\n").first { $0.hasPrefix("lessons/en/01-crash.md:10:1: error: ") }
        )
        #expect(
            line.contains("the lesson's process crashed in this cell (SIGILL, illegal instruction)"),
            "\(line)")
        #expect(line.hasSuffix(": Precondition failed: _crashForTesting was asked to trap (trap)"), "\(line)")
        // The runtime's message, not its stack dump.
        #expect(!result.error.contains("libswiftCore.so"), "\(result.error)")
        #expect(!result.error.contains("Current stack trace"), "\(result.error)")

        let out = root.appendingPathComponent("out/en")
        let cells = try manifestCells(out.appendingPathComponent("01-crash.json"))
        #expect(cells["first"]?.status == "passed")
        #expect(cells["first"]?.text == "42")
        #expect(cells["boom"]?.status == "failed")
        #expect(cells["boom"]?.text.hasPrefix("the lesson's process crashed in this cell (SIGILL") == true)
        #expect(cells["boom"]?.text.contains("_crashForTesting was asked to trap") == true)
        #expect(cells["after"]?.status == "skipped")
        #expect(cells["after"]?.reason == "the lesson's process ended in cell 'boom'; this cell never ran")
        let html = try String(contentsOf: out.appendingPathComponent("01-crash.html"), encoding: .utf8)
        #expect(html.contains("_crashForTesting was asked to trap"))
        #expect(html.contains("01-crash.md:10:1"))
        let next = try manifestCells(out.appendingPathComponent("02-next.json"))
        #expect(next["next"]?.status == "passed" && next["next"]?.text == "42")

        // The cache kept the finished cells: the same run takes them from it, and a fixed lesson reruns
        // only the cells from the one that crashed.
        let again = try KhruProcess.run(
            ["run", "lessons", "--output", "out"], in: root, environment: crashStep)
        #expect(again.status == 1)
        #expect(
            again.output.contains("lessons/en/01-crash.md: 1 passed, 1 failed, 1 skipped, 1 from cache"),
            "\(again.output)")
        #expect(again.output.contains("lessons/en/02-next.md: 1 passed, 0 failed, 0 skipped, 1 from cache"))
        try Data(fixedLesson.utf8).write(to: root.appendingPathComponent("lessons/en/01-crash.md"))
        let fixed = try KhruProcess.run(["run", "lessons", "--output", "out"], in: root)
        #expect(fixed.status == 0, "\(fixed.error)")
        #expect(
            fixed.output.contains("lessons/en/01-crash.md: 3 passed, 0 failed, 0 skipped, 1 from cache"),
            "\(fixed.output)")
        let fixedCells = try manifestCells(out.appendingPathComponent("01-crash.json"))
        #expect(fixedCells["after"]?.text == "83")
    }

    /// `khru test` counts the crashed cell and the cells it took with it, and still tests the next lesson.
    @Test func testCountsACrashAsAFailureAndGoesOn() throws {
        let root = try crashFolder("segv")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try KhruProcess.run(
            ["test", "lessons", "--output", "out"], in: root, environment: crashStep)
        #expect(result.status == 1)
        #expect(
            result.output.contains(
                "lessons/en/01-crash.md:10:1: error: the lesson's process crashed in this cell (SIGSEGV, "
                    + "segmentation fault)"),
            "\(result.output)")
        #expect(result.output.hasSuffix("2 passed, 2 failed\n"), "\(result.output)")
    }

    /// A worker killed with SIGKILL (what the kernel's out-of-memory killer sends) is reported as such,
    /// naming the cell.
    @Test func aKilledWorkerIsReportedAsOutOfMemory() throws {
        let root = try crashFolder("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try KhruProcess.run(
            ["run", "lessons/en/01-crash.md", "--output", "out"], in: root, environment: crashStep)
        #expect(result.status == 1)
        #expect(
            result.error.contains(
                "lessons/en/01-crash.md:10:1: error: the lesson's process was killed (SIGKILL) while this cell "
                    + "ran, most likely by the system's out-of-memory killer"),
            "\(result.error)")
        let cells = try manifestCells(root.appendingPathComponent("out/en/01-crash.json"))
        #expect(cells["first"]?.status == "passed")
        #expect(cells["boom"]?.status == "failed")
    }

    /// A cell stuck where the interpreter never checks the time (a library call that does not return)
    /// still ends at its limit: the worker is stopped a moment after it, the cell is a located timeout,
    /// and the next lesson runs.
    @Test func aCellStuckInALibraryCallIsStoppedAtItsLimit() throws {
        let root = try crashFolder("hang")
        defer { try? FileManager.default.removeItem(at: root) }
        let start = ContinuousClock.now
        let result = try KhruProcess.run(
            ["run", "lessons", "--output", "out", "--timeout", "1"], in: root, environment: crashStep)
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 1)
        #expect(elapsed < .seconds(20), "took \(elapsed)")
        #expect(
            result.error.contains(
                "lessons/en/01-crash.md:10:1: error: cell timed out after 1.0 s (the run's limit 1.0 s; set "
                    + "timeout= on the cell, timeout: in the front matter or --timeout); it did not stop where "
                    + "the runner checks the time, so the lesson's process was stopped"),
            "\(result.error)")
        #expect(result.output.contains("lessons/en/02-next.md: 1 passed, 0 failed"), "\(result.output)")
    }

    /// A rebuild during a run deletes khru's file: the next lesson's worker still starts (from
    /// `/proc/self/exe`, the running program).
    @Test func lessonsRunAfterKhrusFileIsReplaced() throws {
        let root = try crashFolder("hang")
        defer { try? FileManager.default.removeItem(at: root) }
        let copy = root.appendingPathComponent("khru-copy")
        try FileManager.default.copyItem(at: KhruProcess.binary, to: copy)
        let process = Process()
        process.executableURL = copy
        process.arguments = ["run", "lessons", "--output", "out", "--timeout", "3"]
        process.environment = ProcessInfo.processInfo.environment.merging(crashStep) { $1 }
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while children(of: process.processIdentifier).isEmpty && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try FileManager.default.removeItem(at: copy)
        process.waitUntilExit()
        let next = try manifestCells(root.appendingPathComponent("out/en/02-next.json"))
        #expect(next["next"]?.status == "passed")
        #expect(next["next"]?.text == "42")
    }

    /// `kill -9` of khru takes its worker with it: nothing keeps running (or writing the cache) after.
    @Test func theWorkerDiesWithItsParent() throws {
        let root = try crashFolder("hang")
        defer { try? FileManager.default.removeItem(at: root) }
        let started = try KhruProcess.start(
            ["run", "lessons", "--output", "out"], in: root, environment: crashStep)
        let parent = started.0.processIdentifier
        var worker: pid_t?
        let deadline = ContinuousClock.now + .seconds(20)
        while worker == nil && ContinuousClock.now < deadline {
            worker = children(of: parent).first
            if worker == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let child = try #require(worker, "no worker process appeared")
        kill(parent, SIGKILL)
        _ = KhruProcess.finish(started)
        let gone = ContinuousClock.now + .seconds(5)
        while isAlive(child) && ContinuousClock.now < gone { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!isAlive(child), "the worker \(child) outlived its parent")
        if isAlive(child) { kill(child, SIGKILL) }
    }
}

/// The process ids whose parent is `pid` (from `/proc`).
private func children(of pid: pid_t) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { candidate in
        guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == pid
    }
}

/// Whether `pid` is a process that has not ended (a zombie waiting for its reaper counts as ended).
private func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != "Z" && state != "X"
}
