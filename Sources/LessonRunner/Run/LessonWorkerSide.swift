import Foundation
import LessonSource
import Reporting
import Synchronization
import TensorCore

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
