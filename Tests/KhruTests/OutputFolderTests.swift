import Foundation
import Testing

/// A lesson whose report is far larger than `kilobytes` KB: a plot and a table of many rows.
private let bigLesson = """
    # Big

    ```swift {#plot}
    plotFunction({ sigmoid($0) }, min: -6, max: 6, title: "sigmoid")
    ```

    ```swift {#table}
    Tensor.arange(4000)
    ```

    """

/// A small tmpfs mounted at a fresh folder, or nil where mounting is not allowed (not root, or a
/// container without the capability): the full-disk and read-only tests need a real file system that
/// refuses writes, and permissions do not stop root.
private func mountTmpfs(kilobytes: Int, readOnly: Bool = false) throws -> URL? {
    let folder = try temporaryFolder("khru-tmpfs")
    let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", options, "tmpfs", folder.path]
    mount.standardError = Pipe()
    mount.standardOutput = Pipe()
    guard (try? mount.run()) != nil else { return nil }
    mount.waitUntilExit()
    return mount.terminationStatus == 0 ? folder : nil
}

private func unmount(_ folder: URL) {
    let umount = Process()
    umount.executableURL = URL(fileURLWithPath: "/bin/umount")
    umount.arguments = [folder.path]
    try? umount.run()
    umount.waitUntilExit()
    try? FileManager.default.removeItem(at: folder)
}

/// Every file under `folder`, by path relative to it.
private func files(under folder: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: folder.path)
    return (enumerator?.allObjects as? [String] ?? []).sorted()
}

@Suite struct OutputFolderTests {
    /// An output folder on a full disk: `khru run` exits non-zero with a message naming the file and
    /// the cause, and leaves no half-written report or temporary file behind.
    @Test func aFullDiskIsAClearErrorAndLeavesNoPartialFile() throws {
        guard let disk = try mountTmpfs(kilobytes: 32) else {
            print("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
            return
        }
        defer { unmount(disk) }
        let root = try temporaryFolder("khru-full")
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(bigLesson.utf8).write(to: root.appendingPathComponent("big.md"))
        let result = try KhruProcess.run(["run", "big.md", "--output", disk.path], in: root)
        #expect(result.status != 0)
        #expect(result.error.contains("cannot write: There isn’t enough space"), "\(result.error)")
        #expect(result.error.contains("big.html") || result.error.contains("big.json"), "\(result.error)")
        let left = files(under: disk)
        #expect(!left.contains { $0.hasSuffix("big.html") }, "a partial report is left: \(left)")
        #expect(!left.contains { $0.contains(".tmp") || $0.contains("~") }, "temporary files left: \(left)")
    }

    /// A read-only output folder: a clear error and a non-zero exit, before any cell trains for nothing.
    @Test func aReadOnlyOutputFolderIsAClearError() throws {
        guard let disk = try mountTmpfs(kilobytes: 256, readOnly: true) else {
            print("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
            return
        }
        defer { unmount(disk) }
        let root = try temporaryFolder("khru-ro")
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(bigLesson.utf8).write(to: root.appendingPathComponent("big.md"))
        let result = try KhruProcess.run(["run", "big.md", "--output", disk.path], in: root)
        #expect(result.status == 1)
        #expect(result.error.contains("cannot create the cache folder: "), "\(result.error)")
        #expect(!result.error.contains("Usage:"), "not a usage error: \(result.error)")
        #expect(files(under: disk).isEmpty)
    }
}
