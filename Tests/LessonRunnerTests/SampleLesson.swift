import Foundation
import LessonSource

/// The sample lesson: every construct of the cell language and every cell attribute.
enum SampleLesson {
    static let markdown = #"""
        ---
        title: Sample
        seed: 7
        ---
        # Sample

        Every construct of the cell language.

        ```swift {#literals}
        let n = 3
        let lr = 3e-3
        let name = "khru"
        let on = true
        let nums = [1.0, 2.5, 4.0]
        let pairT = (n, name)
        let nothing: Int? = nil
        let greeting = "hello \(name), lr = \(lr), on = \(on)"
        greeting
        ```

        ```swift {#operators}
        var total = Double(n) * 2 + 1.5 / 3 - 1
        total += 1
        let (a, b) = pairT
        let lrs = 1e-6...1e-4
        let yRange = 0...5.5
        let ok = n >= 3 && !(total < 0) || false
        #expect(total == 6.5)
        #expect(a == 3 && b == "khru" && ok)
        #expect((nothing ?? 7) == 7)
        (lrs.lowerBound, yRange.upperBound, nums[1], nums.count)
        ```

        ```swift {#objects}
        let counter = Counter(start: 2)
        let alias = counter
        alias.increment(by: 3)
        counter.increment()
        counter.step = 10
        counter.increment()
        counter.report()
        #expect(counter.count == 16)
        counter.count
        ```

        ```swift {#structs}
        var v = Vec([1, 2, 3])
        let before = v
        v.scale = 2
        let half = v.scaled(by: 0.5)
        let root = Path("data") / "train"
        let model = Model(arch: .small)
        let wide = Model(arch: .custom(width: 5), depth: 3)
        #expect(before.total == 6)
        #expect(v.total == 12)
        #expect(model.parameters == 128 && wide.parameters == 75)
        half
        ```

        ```swift {#closures}
        let doubled = apply(nums) { $0 * 2 }
        let square = { (x: Double) in x * x }
        let rows = [Row(fname: "a.png", labels: "cat dog"), Row(fname: "b.png", labels: "cat")]
        let files = mapRows(rows, getX: { r in root / r["fname"] })
        let (lrMin, lrSteep) = suggestions()
        let loaded = try await load("pets")
        print(doubled, square(3), files, rows[1]["labels"], lrMin < lrSteep, loaded)
        ```

        ```swift {#table}
        showTable()
        ```

        ```swift {#picture .hidden}
        plot()
        ```

        ```swift {#sketch .norun}
        counter.frobnicate()
        ```

        ```swift {#boom .error}
        try explode("on purpose")
        ```

        ```swift {#slow timeout=30}
        let words = "a b  c".split(separator: " ")
        #expect(words.count == 3)
        ```

        ```swift {include="Sources/Toy.swift" symbol="Toy"}
        ```

        A listing that is only shown:

        ```swift
        this is not run
        ```
        """#

    /// The toy source the `include=` cell shows.
    static let toySource = """
        import Foundation

        /// A toy.
        /// Two lines of doc.
        struct Toy {
            var name: String
        }

        func other() {}

        """

    /// Writes the sample lesson (with a `Package.swift` and `Sources/Toy.swift`) into a fresh folder.
    ///
    /// - Returns: The lesson's path.
    static func install(markdown: String = markdown, name: String = "01-sample.md") throws -> String {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("khru-runner-\(UUID().uuidString)")
        let lessons = root.appendingPathComponent("lessons/en")
        try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Sources"), withIntermediateDirectories: true)
        try Data("// swift-tools-version:6.0\n".utf8).write(to: root.appendingPathComponent("Package.swift"))
        try Data(toySource.utf8).write(to: root.appendingPathComponent("Sources/Toy.swift"))
        let path = lessons.appendingPathComponent(name).path
        try Data(markdown.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Parses a lesson text as if it were `lessons/en/<name>`.
    static func lesson(_ text: String = markdown, path: String = "lessons/en/01-sample.md") -> Lesson {
        LessonParser.parse(text, path: path).0
    }
}

/// A temporary folder holding `r.csv`, a synthetic ratings table (`user,item,rating`) of `rows` rows over
/// `users` users and `items` items, for tests that train a small collaborative-filtering model.
func ratingsFolder(rows: Int, users: Int, items: Int) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("khru-ratings-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var csv = "user,item,rating\n"
    for row in 0..<rows { csv += "\(row % users),\(row % items),\(1 + row % 5)\n" }
    try csv.write(to: folder.appendingPathComponent("r.csv"), atomically: true, encoding: .utf8)
    return folder
}
