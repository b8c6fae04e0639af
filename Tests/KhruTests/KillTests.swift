import Foundation
import Testing

/// A lesson whose `fit` cell trains for `epochs` epochs on `r.csv` in the folder khru runs in.
private func killLesson(epochs: Int) -> String {
    """
    # Kill

    ```swift {#data}
    let ratings = DataFrame.readCSV(Path("r.csv"))
    let dls = CollabDataLoaders.fromDF(ratings, bs: 8)
    (dls.classes["user"].count, dls.classes["item"].count)
    ```

    ```swift {#fit timeout=600}
    let model = DotProductBias(dls.classes["user"].count, dls.classes["item"].count, 4)
    let learn = Learner(dls, model, lossFunc: MSELossFlat())
    learn.fitOneCycle(\(epochs), lrMax: 1e-3)
    ```

    """
}

/// Every file under `folder` (relative path → bytes).
private func snapshot(_ folder: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(
        at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    while let url = enumerator?.nextObject() as? URL {
        guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
        files[String(url.path.dropFirst(folder.path.count))] = try Data(contentsOf: url)
    }
    return files
}

@Suite struct KillTests {
    /// `kill -9` in the middle of a training cell leaves the previous report, its manifest and the
    /// cache as they were, and the next run reuses the cache.
    @Test func sigkillDuringTrainingLosesNothing() throws {
        let root = try temporaryFolder("khru-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let csv = (0..<400).map { "\($0 % 25),\(($0 * 7) % 30),\(1 + $0 % 5)" }.joined(separator: "\n")
        try Data(("user,item,rating\n" + csv + "\n").utf8).write(to: root.appendingPathComponent("r.csv"))
        let lessons = root.appendingPathComponent("lessons/en")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        let lesson = lessons.appendingPathComponent("01-k.md")
        try Data(killLesson(epochs: 1).utf8).write(to: lesson)
        let first = try KhruProcess.run(["run", "lessons", "--output", "out"], in: root)
        #expect(first.status == 0, "\(first.error)")
        let output = root.appendingPathComponent("out")
        let before = try snapshot(output)
        #expect(before.keys.contains("/en/01-k.html") && before.keys.contains("/en/01-k.json"))

        // Now a fit of 100,000 epochs, killed once it is under way.
        try Data(killLesson(epochs: 100_000).utf8).write(to: lesson)
        let started = try KhruProcess.start(["run", "lessons", "--output", "out"], in: root)
        let process = started.0
        Thread.sleep(forTimeInterval: 5)
        #expect(process.isRunning, "the long fit should still be training")
        kill(process.processIdentifier, SIGKILL)
        let killed = KhruProcess.finish(started)
        #expect(killed.status == SIGKILL)
        #expect(killed.error.contains("cell fit"), "killed before training: \(killed.error)")
        #expect(try snapshot(output) == before, "the kill changed or left files under out/")

        // The next run of the original lesson takes both cells from the cache.
        try Data(killLesson(epochs: 1).utf8).write(to: lesson)
        let next = try KhruProcess.run(["run", "lessons", "--output", "out"], in: root)
        #expect(next.status == 0, "\(next.error)")
        #expect(
            next.output.contains("lessons/en/01-k.md: 2 passed, 0 failed, 0 skipped, 2 from cache"),
            "\(next.output)")
    }
}
