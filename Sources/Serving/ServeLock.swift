import Foundation
import Synchronization

/// The lock a `khru serve` holds on its output folder: `<output>/.serve.lock`, locked with `flock`
/// while the server lives and holding its process id and address.
///
/// A second server on the same folder finds the lock held and reads who holds it. A lock left by a
/// server that died is free again (the kernel drops `flock`s with their process), so it is simply
/// taken over; its stale text is replaced.
public final class ServeLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// The lock file's name inside the output folder.
    public static let fileName = ".serve.lock"

    /// Takes the lock of `outputDirectory` (creating the folder).
    ///
    /// - Throws: ``ServeLockError/alreadyServed(pid:url:lock:)`` when a live server holds it, or
    ///   ``ServeLockError/unusable(path:reason:)`` when the file cannot be made or locked.
    public init(outputDirectory: String) throws(ServeLockError) {
        do {
            try FileManager.default.createDirectory(
                atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw .unusable(path: outputDirectory, reason: "cannot create the output folder")
        }
        path = (outputDirectory as NSString).appendingPathComponent(Self.fileName)
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unusable(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(path)
            close(descriptor)
            throw .alreadyServed(pid: holder.pid, url: holder.url, lock: path)
        }
        self.descriptor = descriptor
        record(url: nil)
    }

    deinit { release() }

    /// Writes this process's id and, once known, the address it serves on into the lock file.
    public func record(url: String?) {
        let text = "\(getpid())\n\(url ?? "")\n"
        guard ftruncate(descriptor, 0) == 0 else { return }
        _ = text.utf8CString.withUnsafeBufferPointer { buffer in
            pwrite(descriptor, buffer.baseAddress, buffer.count - 1, 0)
        }
    }

    private let released = Mutex(false)

    /// Removes the lock file and lets the lock go (also done when the lock is deallocated).
    public func release() {
        let first = released.withLock { released in
            defer { released = true }
            return !released
        }
        guard first else { return }
        // Only our own file: after the folder was removed and remade, the path may be another server's.
        var mine = stat()
        var there = stat()
        if fstat(descriptor, &mine) == 0, stat(path, &there) == 0, mine.st_ino == there.st_ino,
            mine.st_dev == there.st_dev
        {
            unlink(path)
        }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The process id and address written in the lock file at `path`, as far as they can be read.
    static func holder(_ path: String) -> (pid: Int32?, url: String?) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (nil, nil) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pid = lines.first.flatMap { Int32($0) }
        let url = lines.count > 1 && !lines[1].isEmpty ? lines[1] : nil
        return (pid, url)
    }
}

/// Why the output folder cannot be served.
public enum ServeLockError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Another live `khru serve` holds the folder.
    case alreadyServed(pid: Int32?, url: String?, lock: String)
    /// The lock file could not be made or locked.
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyServed(let pid, let url, let lock):
            let who = pid.map { "khru serve (pid \($0))" } ?? "another khru serve"
            let folder = (lock as NSString).deletingLastPathComponent
            let place = url.map { " at \($0)" } ?? " (still starting)"
            return "error: \(folder) is already served by \(who)\(place); open that address, "
                + "or stop that server first (lock: \(lock))"
        case .unusable(let path, let reason):
            return "\(path): error: cannot lock the output folder for serving: \(reason)"
        }
    }
}
