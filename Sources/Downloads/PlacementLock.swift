import Foundation
import Training

/// An exclusive lock on placing one dataset, so two processes (a workshop server and a `khru run`) or
/// two threads never download into the same `.part` or unpack over each other: the second waits, then
/// finds the folder in place.
///
/// A hidden lock file beside the dataset (`<data root>/.<folder>.lock`), held with `flock(2)` and
/// removed on release; a waiter whose file was removed meanwhile takes the new one.
struct PlacementLock {
    private let path: Path
    private let descriptor: Int32

    /// Waits for the lock at `path`, until ``ExternalCommand/deadline`` if one is set.
    ///
    /// - Parameters:
    ///   - path: The lock file.
    ///   - waiting: Called once if another holder makes this call wait.
    /// - Returns: The held lock; ``release()`` it.
    /// - Throws: ``DownloadError/fileSystem(path:reason:)`` when the file cannot be opened, or when the
    ///   deadline passes first.
    static func acquire(_ path: Path, waiting: () -> Void) throws(DownloadError) -> PlacementLock {
        let deadline = ExternalCommand.deadline
        var toldWaiting = false
        while true {
            let descriptor = open(path.string, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw .fileSystem(
                    path: path.string, reason: "cannot open the lock: \(String(cString: strerror(errno)))")
            }
            while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                if !toldWaiting {
                    toldWaiting = true
                    waiting()
                }
                if let deadline, ContinuousClock.now >= deadline {
                    close(descriptor)
                    throw .fileSystem(
                        path: path.string,
                        reason:
                            "another download of this dataset was still running at the deadline (the cell's timeout=)"
                    )
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            // The holder before us removes the file as it releases: take the lock on the current file.
            var held = stat()
            var current = stat()
            if fstat(descriptor, &held) == 0, stat(path.string, &current) == 0, held.st_ino == current.st_ino,
                held.st_dev == current.st_dev
            {
                return PlacementLock(path: path, descriptor: descriptor)
            }
            close(descriptor)
        }
    }

    /// Removes the lock file and releases the lock.
    func release() {
        unlink(path.string)
        close(descriptor)
    }
}
