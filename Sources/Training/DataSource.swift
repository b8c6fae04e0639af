import Foundation

/// A named dataset and how to put it in place (Khru's version of fastai's `URLs.PASCAL_2007`).
///
/// Modules add their datasets as static members, so a lesson writes `untarData(.ml100k)`:
///
/// ```swift
/// extension DataSource {
///     public static let ml100k = DataSource("ml-100k") { folder in try prepareML100k(into: folder) }
/// }
/// ```
public struct DataSource: Sendable, CustomStringConvertible {
    /// The dataset's folder name under the data root.
    public let name: String
    /// Puts the data into the given folder (which exists).
    ///
    /// It must be idempotent: when the data is already there it returns quickly, changing nothing.
    public let prepare: @Sendable (Path) throws -> Void
    /// Whether `prepare` puts the whole folder in place itself (a download renames an unpacked
    /// archive into place), so ``untarData(_:root:)`` creates only the data root.
    public let placesFolder: Bool

    /// Creates a source called `name` (a single folder name) prepared by `prepare`.
    public init(_ name: String, prepare: @escaping @Sendable (Path) throws -> Void) {
        self.init(name, placesFolder: false, prepare: prepare)
    }

    /// Creates a source called `name` whose `place` is given the folder's path before the folder
    /// exists and puts it there whole (by a rename), so no half-made folder is ever seen.
    public init(placingFolder name: String, place: @escaping @Sendable (Path) throws -> Void) {
        self.init(name, placesFolder: true, prepare: place)
    }

    private init(_ name: String, placesFolder: Bool, prepare: @escaping @Sendable (Path) throws -> Void) {
        precondition(
            !name.isEmpty && !name.contains("/") && name != "." && name != "..",
            "a data source name is one folder name, got '\(name)'")
        self.name = name
        self.prepare = prepare
        self.placesFolder = placesFolder
    }

    /// `DataSource(name)`.
    public var description: String { "DataSource(\(name))" }

    /// The folder that holds every dataset.
    ///
    /// In order: the `KHRU_DATA` environment variable when set; else `lessons/data` under the
    /// nearest ancestor of `currentDirectory` (itself included) that has a `Package.swift` and a
    /// `lessons` folder; else `~/.khru/data`.
    public static func dataRoot(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: Path = .cwd, home: Path = .home
    ) -> Path {
        if let configured = environment["KHRU_DATA"], !configured.isEmpty {
            let path = Path(configured)
            return path.isAbsolute ? path : currentDirectory / path
        }
        var folder = currentDirectory.isAbsolute ? currentDirectory : .cwd / currentDirectory
        while true {
            if (folder / "Package.swift").exists && (folder / "lessons").isDirectory {
                return folder / "lessons" / "data"
            }
            let parent = folder.parent
            if parent == folder { break }
            folder = parent
        }
        return home / ".khru" / "data"
    }
}

/// Makes `source` ready and returns its folder, `<data root>/<name>` (fastai's `untar_data`).
///
/// The data root is ``DataSource/dataRoot(environment:currentDirectory:home:)`` unless `root` is given.
/// The folder is created if needed, then `source.prepare` runs in it (it does nothing when the data is there).
/// When `prepare` fails, a folder this call created is removed again if it is still empty. A source that
/// places its folder itself (``DataSource/placesFolder``) gets only the data root created.
///
/// - Throws: ``TrainingError`` when the folder cannot be created, or the error of `prepare`.
public func untarData(_ source: DataSource, root: Path? = nil) throws -> Path {
    let folder = (root ?? DataSource.dataRoot()) / source.name
    let existed = folder.exists
    do {
        try FileManager.default.createDirectory(
            at: (source.placesFolder ? folder.parent : folder).url, withIntermediateDirectories: true)
    } catch {
        throw TrainingError("cannot create the data folder \(folder): \(error.localizedDescription)")
    }
    do {
        try source.prepare(folder)
    } catch {
        if !existed, (try? FileManager.default.contentsOfDirectory(atPath: folder.string))?.isEmpty == true {
            try? FileManager.default.removeItem(at: folder.url)
        }
        throw error
    }
    return folder
}

/// Whether a started command has been reaped, so a deadline never signals a reused pid.
private final class ExitWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var exited = false

    func markExited() { lock.withLock { exited = true } }

    func signalUnlessExited(_ pid: Int32) {
        lock.withLock { if !exited { _ = kill(pid, SIGKILL) } }
    }
}

/// An external program run while preparing data (pip, apt-get, tar), and what it reported.
///
/// A command run inside ``withDeadline(_:_:)`` is killed when the deadline passes (SIGKILL: a child
/// may have inherited an ignored SIGTERM), so a download cannot outlast the lesson cell's `timeout=`.
public struct ExternalCommand: Sendable {
    /// When commands started by the current task must end (see ``withDeadline(_:_:)``).
    @TaskLocal public static var deadline: ContinuousClock.Instant?

    /// Runs `body` with every command it starts stopped at `deadline` (nil: no limit).
    public static func withDeadline<T>(
        _ deadline: ContinuousClock.Instant?, _ body: () throws -> T
    ) rethrows -> T {
        try $deadline.withValue(deadline, operation: body)
    }

    /// Every byte of `handle` up to its end, retrying reads that a signal interrupts.
    ///
    /// Foundation's `readDataToEndOfFile()` traps when a read fails with `EINTR` (seen under the
    /// fuzzer, whose timer signal interrupted the read of a command's output); this loops on `read(2)`.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                read(handle.fileDescriptor, $0.baseAddress, $0.count)
            }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data
            }
        }
    }

    /// The program and its arguments; the program is found on `PATH` (through `/usr/bin/env`).
    public let arguments: [String]
    /// The working folder (nil: the current one).
    public let directory: Path?

    /// A command to run.
    public init(_ arguments: [String], in directory: Path? = nil) {
        self.arguments = arguments
        self.directory = directory
    }

    /// Runs the command to its end, with no input, and returns its exit status (127 when it cannot
    /// start) and its standard output and error, interleaved and trimmed.
    public func run() -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory.url }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (127, "could not start \(arguments.joined(separator: " ")): \(error)")
        }
        let watch = ExitWatch()
        if let deadline = Self.deadline {
            let delay = ContinuousClock.now.duration(to: deadline).components
            let seconds = max(Double(delay.seconds) + Double(delay.attoseconds) * 1e-18, 0)
            let pid = process.processIdentifier
            // A thread of its own (the caller may be on a busy pool); it never signals a pid that was
            // already reaped.
            Thread.detachNewThread { [watch] in
                Thread.sleep(forTimeInterval: seconds)
                watch.signalUnlessExited(pid)
            }
        }
        let data = Self.readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        watch.markExited()
        var text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationReason == .uncaughtSignal, let deadline = Self.deadline,
            ContinuousClock.now >= deadline
        {
            text += (text.isEmpty ? "" : "\n") + "stopped at the deadline (the cell's timeout=)"
        }
        return (process.terminationStatus, text)
    }
}
