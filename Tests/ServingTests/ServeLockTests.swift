import Foundation
import Serving
import Testing

@Suite struct ServeLockTests {
    @Test func aSecondLockOnTheFolderSaysWhoServesItAndWhere() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let lock = try ServeLock(outputDirectory: folder.path)
        lock.record(url: "http://127.0.0.1:8123/")
        let text = try String(contentsOfFile: lock.path, encoding: .utf8)
        #expect(text == "\(getpid())\nhttp://127.0.0.1:8123/\n")
        // flock locks belong to the open file, so a second open in this process is refused too.
        do {
            _ = try ServeLock(outputDirectory: folder.path)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error == .alreadyServed(pid: getpid(), url: "http://127.0.0.1:8123/", lock: lock.path))
            #expect(
                error.description.contains(
                    "is already served by khru serve (pid \(getpid())) at http://127.0.0.1:8123/"))
        }
        lock.release()
        #expect(!FileManager.default.fileExists(atPath: lock.path))
        let again = try ServeLock(outputDirectory: folder.path)
        again.release()
    }

    @Test func aStaleLockFileIsTakenOver() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Left by a server that died: nobody holds the flock any more.
        let path = folder.appendingPathComponent(ServeLock.fileName).path
        try Data("999999\nhttp://127.0.0.1:9/\n".utf8).write(to: URL(fileURLWithPath: path))
        let lock = try ServeLock(outputDirectory: folder.path)
        defer { lock.release() }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(getpid())\n\n")
    }
}

@Suite struct ServeLockReleaseTests {
    @Test func releasingLeavesAnotherServersLockFileAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let old = try ServeLock(outputDirectory: folder.path)
        // The folder is removed under the first server and a second one starts in its place.
        try FileManager.default.removeItem(at: folder)
        let new = try ServeLock(outputDirectory: folder.path)
        new.record(url: "http://127.0.0.1:8001/")
        old.release()
        #expect(FileManager.default.fileExists(atPath: new.path))
        new.release()
        #expect(!FileManager.default.fileExists(atPath: new.path))
    }
}
