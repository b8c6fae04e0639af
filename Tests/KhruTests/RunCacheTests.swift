import Foundation
import Testing

/// A small lesson that reads a data file, builds collaborative-filtering loaders, trains, trains
/// again (so the restored optimizer, recorder and loader epochs matter) and reads the result.
private func lesson(prose: String = "Some prose.", bs: Int = 16) -> String {
    """
    # Cache

    \(prose)

    ```swift {#intro}
    let k = 3
    k * 2
    ```

    ```swift {#data}
    let ratings = DataFrame.readCSV(Path("data/ratings.csv"), names: ["user", "movie", "rating"])
    ratings.count
    ```

    ```swift {#dls}
    let dls = CollabDataLoaders.fromDF(ratings, bs: \(bs))
    let nUsers = dls.classes["user"].count
    let nMovies = dls.classes["movie"].count
    (nUsers, nMovies)
    ```

    ```swift {#fit}
    let model = DotProductBias(nUsers, nMovies, 4)
    let learn = Learner(dls, model, lossFunc: MSELossFlat())
    learn.fitOneCycle(2, lrMax: 5e-2)
    ```

    ```swift {#more}
    learn.fit(1, lr: 1e-2)
    learn.recorder.values
    ```

    ```swift {#last}
    (learn.recorder.values.count, model.userBias.weight.value.sum().item())
    ```

    """
}

/// 300 ratings of 30 movies by 20 users.
private func ratingsCSV(offset: Int = 0) -> String {
    (0..<300).map { row in "\(row % 20),\((row * 7) % 30),\(1 + (row * 13 + offset) % 5)" }
        .joined(separator: "\n") + "\n"
}

/// A folder with the lesson at `lessons/en/01-c.md` (and its Thai twin) and `data/ratings.csv`.
private func folder(_ markdown: String = lesson()) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
        "khru-cache-\(UUID().uuidString)")
    for lang in ["en", "th"] {
        let lessons = root.appendingPathComponent("lessons/\(lang)")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        try write(markdown, lang == "th" ? "\n\n" : "", to: root, "lessons/\(lang)/01-c.md")
    }
    try FileManager.default.createDirectory(
        at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
    try write(ratingsCSV(), to: root, "data/ratings.csv")
    return root
}

private func write(_ text: String, _ suffix: String = "", to root: URL, _ path: String) throws {
    try Data((suffix + text).utf8).write(to: root.appendingPathComponent(path))
}

/// `khru run` of the English lesson (plus `arguments`): its summary's "N from cache" and its manifest.
private func run(
    _ root: URL, _ arguments: [String] = [], lang: String = "en"
) throws -> (
    fromCache: Int, manifest: Data
) {
    let result = try KhruProcess.run(
        ["run", "lessons/\(lang)/01-c.md", "--output", "out"] + arguments, in: root)
    #expect(result.status == 0, "\(result.output)\(result.error)")
    let summary = result.output.split(separator: "\n").first { $0.contains(" from cache") } ?? ""
    let count = summary.split(separator: ", ").first { $0.hasSuffix("from cache → out/\(lang)/01-c.html") }
        .flatMap { Int($0.split(separator: " ")[0]) }
    let manifest = try Data(contentsOf: root.appendingPathComponent("out/\(lang)/01-c.json"))
    return (count ?? -1, manifest)
}

private func entries(_ root: URL) throws -> [URL] {
    let folder = root.appendingPathComponent("out/.cache/entries")
    return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "entry" }.sorted { $0.path < $1.path }
}

@Suite(.serialized) struct RunCacheTests {
    @Test func warmRunsReuseEveryCellAndGiveTheFreshManifest() throws {
        let root = try folder()
        let cold = try run(root)
        #expect(cold.fromCache == 0)
        let warm = try run(root)
        #expect(warm.fromCache == 6)
        #expect(warm.manifest == cold.manifest)
        let forced = try run(root, ["--force"])
        #expect(forced.fromCache == 0)
        #expect(forced.manifest == cold.manifest)
        // The Thai lesson has the same cells at other lines: all from the cache, its own positions.
        let thai = try run(root, lang: "th")
        #expect(thai.fromCache == 6)
        let thaiFresh = try run(root, ["--force"], lang: "th")
        #expect(thai.manifest == thaiFresh.manifest)
    }

    @Test func oneRunDrawsTheDefaultChartLabelsInEachLanguage() throws {
        let chart = """

            ```swift {#curve}
            learn.recorder.plotLoss()
            ```

            ```swift {#own-words}
            barChart(labels: ["a", "b"], values: [1, 2], title: "the lesson's own words")
            ```

            """
        let root = try folder(lesson() + chart)
        let english = try run(root)
        let thai = try run(root, lang: "th")
        #expect(thai.fromCache == 8)  // computed once: the Thai lesson runs no cell
        func images(_ manifest: Data) throws -> [String: String] {
            let json = try JSONSerialization.jsonObject(with: manifest) as? [String: Any]
            var found: [String: String] = [:]
            for cell in json?["cells"] as? [[String: Any]] ?? [] {
                for output in cell["outputs"] as? [[String: Any]] ?? []
                where output["kind"] as? String == "image" {
                    found[cell["id"] as? String ?? ""] = output["sha256"] as? String
                }
            }
            return found
        }
        let (en, th) = (try images(english.manifest), try images(thai.manifest))
        #expect(en.keys.sorted() == ["curve", "own-words"] && th.keys.sorted() == ["curve", "own-words"])
        // The library's default labels are drawn in Thai for the Thai lesson; a cell's own words are
        // the same picture in both.
        #expect(en["curve"] != th["curve"])
        #expect(en["own-words"] == th["own-words"])
        // The Thai picture from the cache is the one a fresh Thai run draws, and the Thai run left the
        // English report's picture English.
        #expect(try images(run(root, ["--force"], lang: "th").manifest) == th)
        #expect(try images(run(root).manifest) == en)
    }

    @Test func aRegionTagGivesThaiChartsAndChromeLikeThai() throws {
        let chart = "\n```swift {#curve}\nlearn.recorder.plotLoss()\n```\n"
        let root = try folder(lesson() + chart)
        let thai = try run(root, lang: "th")
        // The same lesson in a folder that names no language, tagged th-TH in its front matter.
        let folder = root.appendingPathComponent("lessons/course")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try write("---\nlang: th-TH\n---\n" + lesson() + chart, to: root, "lessons/course/01-c.md")
        let result = try KhruProcess.run(["run", "lessons/course/01-c.md", "--output", "out"], in: root)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let page = try #require(
            result.output.split(separator: "\n").first { $0.contains("from cache → ") }?
                .components(separatedBy: "→ ").last)
        #expect(result.output.contains("7 from cache"))
        let html = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        #expect(html.contains("<html lang=\"th-TH\""))
        #expect(html.contains("ซีด"))  // the report's own words are Thai (Seed)
        let manifest = try Data(
            contentsOf: root.appendingPathComponent(String(page.dropLast(4)) + "json"))
        func curve(_ manifest: Data) throws -> String? {
            let json = try JSONSerialization.jsonObject(with: manifest) as? [String: Any]
            let cells = json?["cells"] as? [[String: Any]] ?? []
            let outputs = cells.first { $0["id"] as? String == "curve" }?["outputs"] as? [[String: Any]]
            return outputs?.first { $0["kind"] as? String == "image" }?["sha256"] as? String
        }
        #expect(try curve(manifest) != nil)
        #expect(try curve(manifest) == curve(thai.manifest))
    }

    @Test func togglingHiddenRerunsNothing() throws {
        let root = try folder()
        #expect(try run(root).fromCache == 0)
        try write(
            lesson().replacingOccurrences(of: "{#data}", with: "{#data .hidden}"), to: root,
            "lessons/en/01-c.md")
        #expect(try run(root).fromCache == 6)
        // `.norun` changes what runs: that cell and the ones after it run again.
        try write(
            lesson().replacingOccurrences(of: "{#more}", with: "{#more .norun}"), to: root,
            "lessons/en/01-c.md")
        let norun = try KhruProcess.run(["run", "lessons/en/01-c.md", "--output", "out"], in: root)
        #expect(norun.output.contains("4 from cache"), "\(norun.output)")
    }

    @Test func proseEditsRerunNothingAndCellEditsRerunFromThatCell() throws {
        let root = try folder()
        let original = try run(root)
        try write(lesson(prose: "Other prose, longer.\n\nAnd a paragraph."), to: root, "lessons/en/01-c.md")
        #expect(try run(root).fromCache == 6)
        // Editing cell 3 of 6 reruns it and the three after it; the two before come from the cache.
        try write(lesson(bs: 8), to: root, "lessons/en/01-c.md")
        let edited = try run(root)
        #expect(edited.fromCache == 2)
        #expect(edited.manifest != original.manifest)
        try write(lesson(bs: 8), to: root, "lessons/en/01-c.md")
        let fresh = try run(root, ["--force"])
        #expect(fresh.manifest == edited.manifest)
    }

    @Test func changingADataFileRerunsTheCellsThatReadIt() throws {
        let root = try folder()
        let original = try run(root)
        try write(ratingsCSV(offset: 2), to: root, "data/ratings.csv")
        let changed = try run(root)
        #expect(changed.fromCache == 1)  // only `intro`, which reads no file
        #expect(changed.manifest != original.manifest)
        #expect(try run(root, ["--force"]).manifest == changed.manifest)
    }

    @Test func cellRerunsOneCellWithTheStateBeforeIt() throws {
        let root = try folder()
        let fresh = try run(root)
        let result = try KhruProcess.run(
            ["run", "lessons/en/01-c.md", "--output", "out", "--cell", "more"], in: root)
        #expect(result.status == 0)
        #expect(result.output.contains("5 from cache"))
        #expect(try Data(contentsOf: root.appendingPathComponent("out/en/01-c.json")) == fresh.manifest)
        // Its outputs are printed: the epoch table of the one-epoch fit, then the recorder's one row.
        #expect(result.output.contains("epoch  train_loss  valid_loss  time"))
        let valuesLine = result.output.split(separator: "\n").first { $0.hasPrefix("[[") }
        #expect(valuesLine?.components(separatedBy: ", ").count == 2)
        let unknown = try KhruProcess.run(
            ["run", "lessons/en/01-c.md", "--output", "out", "--cell", "nope"], in: root)
        #expect(unknown.status == 64)
        #expect(
            unknown.error.contains("has no cell 'nope'; its cells are: intro, data, dls, fit, more, last"))
    }

    @Test func corruptEntriesAreNotedAndRecomputed() throws {
        let root = try folder()
        let fresh = try run(root)
        let files = try entries(root)
        #expect(files.count == 6)
        // Truncate one, flip bytes in another, swap two more.
        let first = try Data(contentsOf: files[0])
        try first.prefix(first.count / 2).write(to: files[0])
        var second = try Data(contentsOf: files[1])
        second[second.count - 10] ^= 0xFF
        try second.write(to: files[1])
        let third = try Data(contentsOf: files[2])
        try Data(contentsOf: files[3]).write(to: files[2])
        try third.write(to: files[3])
        // Delete half of the blobs the training entries refer to (weights and learner states).
        let blobs = try FileManager.default.contentsOfDirectory(
            at: root.appendingPathComponent("out/.cache/blobs"), includingPropertiesForKeys: nil
        ).sorted { $0.path < $1.path }
        #expect(blobs.count == 4)
        for blob in blobs.enumerated().filter({ $0.offset.isMultiple(of: 2) }).map(\.element) {
            try FileManager.default.removeItem(at: blob)
        }
        let result = try KhruProcess.run(["run", "lessons/en/01-c.md", "--output", "out"], in: root)
        #expect(result.status == 0)
        #expect(result.error.contains("note: cache entry for cell"))
        #expect(try Data(contentsOf: root.appendingPathComponent("out/en/01-c.json")) == fresh.manifest)
        #expect(try run(root).fromCache == 6)
    }

    @Test func twoRunsAtOnceShareTheFolderSafely() throws {
        let root = try folder()
        let arguments = ["run", "lessons/en/01-c.md", "lessons/th/01-c.md", "--output", "out"]
        let a = try KhruProcess.start(arguments, in: root)
        let b = try KhruProcess.start(arguments, in: root)
        let (first, second) = (KhruProcess.finish(a), KhruProcess.finish(b))
        #expect(first.status == 0 && second.status == 0, "\(first.error)\(second.error)")
        let together = try Data(contentsOf: root.appendingPathComponent("out/en/01-c.json"))
        #expect(try run(root).fromCache == 6)
        #expect(try run(root, ["--force"]).manifest == together)
    }
}
