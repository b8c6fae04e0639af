import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A teacher's lesson with three exercises — a value, a function, a training setting — public and hidden
/// checks, and hints.
///
/// Distinctive tokens mark what must never reach a student: the solutions
/// (`0.0042`, `correct * 100`, `lrMax: 0.05`) and the hidden checks (`HIDDEN_TOKEN`, `percent(3, of: 4)`).
private let key = """
    ---
    title: Exercises
    ---

    # Exercises

    ```swift {#data}
    let ratings = DataFrame.readCSV(Path("data/ratings.csv"), names: ["user", "movie", "rating"])
    let dls = CollabDataLoaders.fromDF(ratings, bs: 16)
    ```

    Pick a small learning rate.

    ```swift {#lr .exercise}
    // BEGIN SOLUTION
    let lr = 0.0042
    // END SOLUTION
    ```

    > [!HINT]
    > Somewhere between 0.001 and 0.01.

    > [!HINT]
    > `0.004` works.

    ```swift {#lr-check}
    #expect(lr > 0)
    ```

    ```swift {#lr-hidden .hidden-check points=2}
    let HIDDEN_TOKEN = lr
    #expect(HIDDEN_TOKEN > 0.001 && HIDDEN_TOKEN < 0.01)
    ```

    ```swift {#percent .exercise}
    func percent(_ correct: Int, of total: Int) -> Double {
        // BEGIN SOLUTION
        return Double(correct * 100) / Double(total)
        // END SOLUTION
    }
    ```

    ```swift {#percent-hidden .hidden-check}
    #expect(percent(3, of: 4) == 75)
    #expect(percent(0, of: 9) == 0)
    ```

    ```swift {#fit .exercise}
    let model = DotProductBias(dls.classes["user"].count, dls.classes["movie"].count, 4)
    let learn = Learner(dls, model, lossFunc: MSELossFlat())
    // BEGIN SOLUTION
    learn.fitOneCycle(2, lrMax: 0.05)
    // END SOLUTION
    let trained = learn.recorder.values.count
    ```

    ```swift {#fit-check for=fit}
    #expect(trained == 2)
    ```

    """

/// A folder holding the key as `lessons/en/01-ex.md` and the ratings it reads.
private func courseFolder() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("khru-ex-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
        at: root.appendingPathComponent("lessons/en"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
        at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
    let csv = (0..<300).map { "\($0 % 20),\(($0 * 7) % 30),\(1 + ($0 * 13) % 5)" }.joined(separator: "\n")
    try Data((csv + "\n").utf8).write(to: root.appendingPathComponent("data/ratings.csv"))
    try Data(key.utf8).write(to: root.appendingPathComponent("lessons/en/01-ex.md"))
    return root
}

private func read(_ root: URL, _ path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
}

/// Every file under `folder`, read as bytes, joined (to grep a whole output folder).
private func everything(under folder: URL) -> String {
    let paths = FileManager.default.subpaths(atPath: folder.path) ?? []
    return paths.compactMap { FileManager.default.contents(atPath: folder.appendingPathComponent($0).path) }
        .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
}

private let secrets = [
    "0.0042", "correct * 100", "lrMax: 0.05", "HIDDEN_TOKEN", "percent(3, of: 4)", "percent(0, of: 9)",
]
private let hiddenOnly = ["HIDDEN_TOKEN", "percent(3, of: 4)", "percent(0, of: 9)"]

/// The student's answers, written into the student edition's placeholders.
private func answer(_ edition: String, lr: String, percent: String, fit: String) -> String {
    edition.replacingOccurrences(of: "let lr: Double = todo()", with: "let lr = \(lr)")
        .replacingOccurrences(of: "    return todo()", with: "    return \(percent)")
        .replacingOccurrences(of: "// YOUR CODE HERE\ntodo()", with: "// YOUR CODE HERE\n\(fit)")
}

@Suite(.serialized) struct ExerciseTests {
    @Test func theStudentEditionKeepsTypesAndLeavesOutSolutionsAndHiddenChecks() throws {
        let root = try courseFolder()
        let tested = try KhruProcess.run(["test", "lessons", "--output", "out"], in: root)
        #expect(tested.status == 0, "\(tested.output)\(tested.error)")
        // The key runs with its solutions (every check, hidden ones too) and its student edition checks.
        #expect(tested.output.hasSuffix("14 passed, 0 failed\n"), "\(tested.output)")

        let made = try KhruProcess.run(["student", "lessons", "--output", "student"], in: root)
        #expect(made.status == 0, "\(made.error)")
        let edition = try read(root, "student/en/01-ex.md")
        for secret in secrets {
            #expect(!edition.contains(secret), "\(secret) leaked into the student edition")
        }
        #expect(edition.contains("// YOUR CODE HERE\nlet lr: Double = todo()"))
        #expect(
            edition.contains(
                "func percent(_ correct: Int, of total: Int) -> Double {\n    // YOUR CODE HERE\n    return todo()\n}"
            ))
        #expect(edition.contains("// YOUR CODE HERE\ntodo()\nlet trained = learn.recorder.values.count"))
        #expect(edition.contains("> [!HINT]\n> `0.004` works."), "hints stay")
        #expect(edition.contains("#expect(lr > 0)"), "public checks stay")
        #expect(try read(root, "student/index.html").contains("en/01-ex.md"))

        let checked = try KhruProcess.run(["check", "student/en/01-ex.md"], in: root)
        #expect(checked.status == 0, "\(checked.output)")
        let ran = try KhruProcess.run(["run", "student/en/01-ex.md", "--output", "sout"], in: root)
        #expect(ran.status == 0, "\(ran.output)\(ran.error)")
        #expect(ran.output.contains("2 passed, 0 failed, 2 skipped, 2 not done yet"), "\(ran.output)")
        let manifest = try read(root, "sout/en/01-ex.json")
        #expect(manifest.contains("\"status\" : \"notDone\""))
        #expect(manifest.contains("needs 'lr', which exercise 'lr' has not done yet"))
        let html = try read(root, "sout/en/01-ex.html")
        #expect(html.contains("<details class=\"hint\"><summary>Hint 2</summary>"))
        #expect(html.contains("class=\"badge status exercise-status notdone\" data-exercise=\"lr\""))
        let output = everything(under: root.appendingPathComponent("sout"))
        for secret in hiddenOnly {
            #expect(!output.contains(secret), "\(secret) leaked into the student's run")
        }
    }

    @Test func gradesGiveFullPartialAndNoPointsAndTheStudentSeesNoHiddenCheck() throws {
        let root = try courseFolder()
        #expect(try KhruProcess.run(["student", "lessons", "--output", "student"], in: root).status == 0)
        let edition = try read(root, "student/en/01-ex.md")
        let submissions = root.appendingPathComponent("submissions")
        let answers: [(String, String)] = [
            (
                "right",
                answer(
                    edition, lr: "0.003", percent: "100 * Double(correct) / Double(total)",
                    fit: "learn.fitOneCycle(2, lrMax: 0.01)")
            ),
            (
                "wrong",
                answer(
                    edition, lr: "0.5", percent: "Double(correct)", fit: "learn.fitOneCycle(1, lrMax: 0.01)")
            ),
            ("untouched", edition),
        ]
        for (name, text) in answers {
            let folder = submissions.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: folder.appendingPathComponent("01-ex.md"))
        }
        let graded = try KhruProcess.run(
            ["grade", "submissions", "--key", "lessons/en/01-ex.md", "--output", "grades"], in: root)
        #expect(graded.status == 0, "\(graded.output)\(graded.error)")
        func grade(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: root.appendingPathComponent("grades/\(name)/01-ex.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let right = try grade("right")
        #expect(right["points"] as? Double == 6 && right["outOf"] as? Double == 6, "\(right)")
        let exercises = try #require(right["exercises"] as? [[String: Any]])
        #expect(exercises.map { $0["status"] as? String } == ["passing", "passing", "passing"])
        #expect(exercises[0]["hiddenPassed"] as? Int == 1 && exercises[0]["publicTotal"] as? Int == 1)
        let wrong = try grade("wrong")
        // lr: public 1 of 1, hidden (2 points) failed; percent: 1 hidden of 2 (0 of 9 holds); fit: failed.
        #expect(wrong["points"] as? Double == 2, "\(wrong)")
        let wrongExercises = try #require(wrong["exercises"] as? [[String: Any]])
        #expect(wrongExercises.map { $0["status"] as? String } == ["failing", "failing", "failing"])
        let untouched = try grade("untouched")
        #expect(untouched["points"] as? Double == 0)
        #expect(
            (untouched["exercises"] as? [[String: Any]])?.map { $0["status"] as? String } == [
                "notDone", "notDone", "notDone",
            ])

        let studentPage = try read(root, "grades/wrong/01-ex.student.html")
        for secret in hiddenOnly {
            #expect(!studentPage.contains(secret), "\(secret) leaked into the student's grade")
        }
        #expect(studentPage.contains("hidden checks passed: 0/1"))
        let junit = try read(root, "grades/wrong/01-ex.junit.xml")
        for secret in hiddenOnly { #expect(!junit.contains(secret)) }
        #expect(try read(root, "grades/wrong/01-ex.teacher.html").contains("id=\"percent-hidden\""))
        let csv = try read(root, "grades/summary.csv")
        #expect(csv.hasPrefix("submission,points,outOf,lr,lr status,percent,percent status,fit,fit status\n"))
        #expect(csv.contains("right,6,6,3,passing,2,passing,1,passing\n"))
        #expect(csv.contains("untouched,0,6,0,notDone,0,notDone,0,notDone\n"))
    }

    @Test func aFolderOfThirtySubmissionsIsGradedFromTheCacheInSeconds() throws {
        let root = try courseFolder()
        #expect(try KhruProcess.run(["student", "lessons", "--output", "student"], in: root).status == 0)
        let edition = try read(root, "student/en/01-ex.md")
        for index in 0..<30 {
            // Ten students leave it untouched, the others vary their answers.
            let text =
                index % 3 == 0
                ? edition
                : answer(
                    edition, lr: "0.00\(index % 9 + 1)", percent: "Double(correct * 100) / Double(total)",
                    fit: "learn.fitOneCycle(\(index % 2 + 1), lrMax: 0.01)")
            let folder = root.appendingPathComponent("submissions/student\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: folder.appendingPathComponent("01-ex.md"))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let graded = try KhruProcess.run(
            ["grade", "submissions", "--key", "lessons/en/01-ex.md", "--output", "grades"], in: root)
        let elapsed = clock.now - start
        #expect(graded.status == 0, "\(graded.error)")
        let rows = try read(root, "grades/summary.csv").split(separator: "\n")
        #expect(rows.count == 31)
        #expect(rows.filter { $0.contains(",0,6,0,notDone,0,notDone,0,notDone") }.count == 10)
        // Seconds, not minutes, on any machine: the data cell and the unchanged cells come from the cache.
        #expect(elapsed < .seconds(90), "30 submissions took \(elapsed)")
        print("graded 30 submissions in \(elapsed)")
    }

    @Test func aChangedCellIsNotedAndTheGradeStillRuns() throws {
        let root = try courseFolder()
        #expect(try KhruProcess.run(["student", "lessons", "--output", "student"], in: root).status == 0)
        let changed = try read(root, "student/en/01-ex.md")
            .replacingOccurrences(of: "let lr: Double = todo()", with: "let lr = 0.003")
            .replacingOccurrences(of: "bs: 16", with: "bs: 32")
            .replacingOccurrences(of: "let trained = learn", with: "let trained = 2 + 0 * learn")
        try Data(changed.utf8).write(to: root.appendingPathComponent("mine.md"))
        let graded = try KhruProcess.run(
            ["grade", "mine.md", "--key", "lessons/en/01-ex.md", "--output", "grades"], in: root)
        #expect(graded.status == 0, "\(graded.error)")
        #expect(graded.output.contains("note: cell 'data' differs from the key's"))
        #expect(graded.output.contains("note: exercise 'fit' was changed outside its solution part"))
        #expect(try read(root, "grades/01-ex.json").contains("\"points\" : 3"))
    }

    @Test func aServedStudentEditionTurnsItsBadgeToPassingOnASave() throws {
        let root = try courseFolder()
        #expect(try KhruProcess.run(["student", "lessons", "--output", "student"], in: root).status == 0)
        let edition = try read(root, "student/en/01-ex.md")
        let lines = LineCollector()
        let started = try KhruProcess.start(
            ["serve", "student", "--port", "0", "--output", "sout"], in: root,
            environment: ["OPENBLAS_NUM_THREADS": "1"])
        defer {
            kill(started.0.processIdentifier, SIGINT)
            started.0.waitUntilExit()
        }
        lines.drain(started.1, started.2)
        let port = try lines.servingPort()
        let page = "/en/01-ex.html"
        let before = try HTTPProbe.get(port: port, page).body
        #expect(before.contains("class=\"badge status exercise-status notdone\" data-exercise=\"lr\""))
        // Nothing hidden is served: the student edition has none, and the key is not in the served folder.
        for secret in hiddenOnly { #expect(!before.contains(secret)) }

        let events = try EventStream(port: port)
        defer { events.close() }
        #expect(events.wait(timeout: .seconds(5)) { $0.name == "status" } != nil)
        let count = events.all.count
        let saved = ContinuousClock.now
        let answered = edition.replacingOccurrences(of: "let lr: Double = todo()", with: "let lr = 0.003")
        try Data(answered.utf8).write(to: root.appendingPathComponent("student/en/01-ex.md"))
        let reload = events.wait(after: count, timeout: .seconds(10)) {
            $0.name == "reload" && ($0.json["reports"] as? [String])?.contains(page) == true
        }
        let after = try HTTPProbe.get(port: port, page).body
        let elapsed = ContinuousClock.now - saved
        #expect(reload != nil, "\(lines.text)")
        #expect(after.contains("class=\"badge status exercise-status passed\" data-exercise=\"lr\""))
        #expect(after.contains("class=\"badge status exercise-status notdone\" data-exercise=\"percent\""))
        #expect(elapsed < .seconds(2), "the badge turned after \(elapsed)")
    }
}
