import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `khru` binary; standard output only.
private func khru(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String) {
    let result = try KhruProcess.run(arguments, in: directory)
    return (result.status, result.output)
}

/// A folder with `lessons/en/01-t.md` holding `markdown`.
private func lessonFolder(_ markdown: String) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("khru-cli-\(UUID().uuidString)")
    let lessons = root.appendingPathComponent("lessons/en")
    try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
    try Data(markdown.utf8).write(to: lessons.appendingPathComponent("01-t.md"))
    return root
}

@Suite struct KhruCommandTests {
    @Test func helpAndVersion() throws {
        let help = try khru(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("SUBCOMMANDS:"))
        let commands = ["run", "test", "check", "student", "grade", "serve", "steps", "data", "export-swift"]
        for command in commands {
            #expect(help.output.contains(command))
            #expect(try khru([command, "--help"]).status == 0)
        }
        // Every command on one line: its name, then its abstract, and no wrapped continuation lines.
        let listed =
            help.output.components(separatedBy: "SUBCOMMANDS:\n").last?
            .components(separatedBy: "\n\n").first?.split(separator: "\n") ?? []
        #expect(listed.map { $0.split(separator: " ").first.map(String.init) ?? "" } == commands, "\(listed)")
        #expect(try khru(["--version"]).output == "0.1.0\n")
    }

    @Test func usageErrorsExit64() throws {
        #expect(try khru(["run"]).status == 64)
        #expect(try khru(["check", "/nonexistent/lessons"]).status == 64)
        let zero = try KhruProcess.run(["run", "lessons", "--timeout", "0"])
        #expect(zero.status == 64)
        #expect(zero.error.contains("--timeout must be a positive number of seconds"), "\(zero.error)")
        #expect(try khru(["serve", "lessons", "--timeout", "-1"]).status == 64)
    }

    @Test func checkReportsEveryProblemAndFails() throws {
        let root = try lessonFolder(
            "# T\n\n```swift {#a}\nlet x = mx(1, 2)\nlet y = min(1, b: 2)\n```\n\n```swift {#b}\nrepeat {} while true\n```\n"
        )
        let result = try khru(["check", "lessons"], in: root)
        #expect(result.status == 1)
        #expect(
            result.output == """
                lessons/en/01-t.md:4:9: error: cannot find 'mx' in scope; did you mean 'max'?
                lessons/en/01-t.md:5:16: error: extraneous argument label 'b:' in call to 'min'
                lessons/en/01-t.md:9:1: error: 'repeat' loops are not part of the cell language; use 'while'
                1 lesson checked, 3 errors

                """)
    }

    @Test func testPrintsFailuresAndTotals() throws {
        let root = try lessonFolder(
            "# T\n\n```swift {#a}\nlet x = 2\n#expect(x * 2 == 4)\n#expect(x > 5)\n```\n\n```swift {#b .error}\nlet y = x\n```\n"
        )
        let result = try khru(["test", "lessons"], in: root)
        #expect(result.status == 1)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "lessons/en/01-t.md:6:1: error: expectation failed: x > 5 (2 > 5)",
                "lessons/en/01-t.md:9:1: error: cell 'b' is marked .error but ran without error",
                "1 passed, 3 failed",
            ])
    }

    @Test func passingLessonExitsZeroAndRunWritesReports() throws {
        let root = try lessonFolder("# T\n\n```swift {#a}\nlet x = 2\n#expect(x == 2)\nx\n```\n")
        let test = try khru(["test", "lessons"], in: root)
        #expect(test.status == 0)
        #expect(test.output == "2 passed, 0 failed\n")
        let run = try khru(["run", "lessons", "--output", "out"], in: root)
        #expect(run.status == 0)
        #expect(
            run.output.contains(
                "lessons/en/01-t.md: 1 passed, 0 failed, 0 skipped, 0 from cache → out/en/01-t.html"))
        for file in ["out/en/01-t.html", "out/en/01-t.json", "out/index.html"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path))
        }
    }

    @Test func stepsListsTheBasics() throws {
        let result = try khru(["steps"])
        #expect(result.status == 0)
        #expect(
            result.output.contains(
                "  print(_ items: Any...)\n      Prints values under the cell, separated by spaces."))
        // A parameter of function type does not hide the step's own result.
        #expect(
            result.output.contains(
                "title: ChartText? = nil, xLabel: ChartText = \"x\", yLabel: ChartText = \"y\") -> Chart"))
        #expect(!result.output.contains("multiplyed") && !result.output.contains("divideed"))
    }

    @Test func cellAndDownstreamAreCheckedBeforeAnyCellRuns() throws {
        let root = try lessonFolder("# T\n\n```swift {#fit-wd}\n1 + 1\n```\n")
        let second = root.appendingPathComponent("lessons/en/02-u.md")
        try Data("# U\n\n```swift {#other}\n2\n```\n".utf8).write(to: second)
        // The first lesson has the cell, the second does not: nothing runs, nothing is written.
        let missing = try KhruProcess.run(
            ["run", "lessons", "--cell", "fit-wd", "--output", "out"], in: root)
        #expect(missing.status == 64)
        #expect(missing.error.contains("lessons/en/02-u.md has no cell 'fit-wd'"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out/en/01-t.html").path))
        let typo = try KhruProcess.run(
            ["run", "lessons/en/01-t.md", "--cell", "fit-wdd", "--output", "out"], in: root)
        #expect(typo.status == 64)
        #expect(typo.error.contains("has no cell 'fit-wdd'; did you mean 'fit-wd'?"))
        // A path that is not there is a usage mistake of the command: its own usage follows, not the tool's.
        let missingPath = try KhruProcess.run(["run", "lessons/en/09-none.md", "--output", "out"], in: root)
        #expect(missingPath.status == 64)
        #expect(missingPath.error.contains("lessons/en/09-none.md: no such file or folder"))
        #expect(missingPath.error.contains("Usage: khru run <paths>"))
        #expect(!missingPath.error.contains("khru <subcommand>"))
        let downstream = try KhruProcess.run(["run", "lessons", "--downstream", "--output", "out"], in: root)
        #expect(downstream.status == 64)
        #expect(downstream.error.contains("--downstream needs --cell"))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out/index.html").path))
    }

    @Test func usageFollowsOnlyAUsageMistakeAndIsTheCommandsOwn() throws {
        let root = try lessonFolder("# T\n\n```swift {#a}\n1 + 1\n```\n")
        // Usage mistakes: the command's own usage, never the tool's generic block.
        for arguments in [
            ["run", "lessons/en/01-t.md", "--memory-budget", "lots"],
            ["grade", "nowhere", "--key", "lessons/en/01-t.md", "--output", "out"],
            ["test", "lessons/en/01-t.md", "-p", "novalue"],
        ] {
            let result = try KhruProcess.run(arguments, in: root)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.error.contains("Usage: khru \(arguments[0]) "), "\(arguments): \(result.error)")
            #expect(!result.error.contains("khru <subcommand>"), "\(arguments): \(result.error)")
        }
        // A well-formed request the library cannot answer is an error, not a usage mistake.
        let unknown = try KhruProcess.run(["steps", "Lerner"], in: root)
        #expect(unknown.status == 64)
        #expect(unknown.error.contains("error: no type or step is named 'Lerner'; did you mean 'Learner'?"))
        #expect(!unknown.error.contains("Usage:"), "\(unknown.error)")
    }

    @Test func stepsFiltersByTypeOrNameAndWritesJSON() throws {
        let learner = try khru(["steps", "Learner"])
        #expect(learner.status == 0)
        let members = learner.output.split(separator: "\n").filter {
            $0.hasPrefix("  ") && !$0.hasPrefix("      ")
        }
        #expect(members.count > 10)
        #expect(members.allSatisfy { $0.hasPrefix("  Learner") })
        #expect(learner.output.hasPrefix("Learner — "))

        let json = try khru(["steps", "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let steps = try #require(object?["steps"] as? [[String: Any]])
        #expect(
            steps.contains { $0["owner"] as? String == "Learner" && $0["name"] as? String == "fitOneCycle" })
        #expect(
            (object?["types"] as? [[String: Any]])?.contains { $0["name"] as? String == "Tensor" } == true)

        let byName = try khru(["steps", "fitOneCycle", "--json"])
        let named = try JSONSerialization.jsonObject(with: Data(byName.output.utf8)) as? [String: Any]
        #expect(
            (named?["steps"] as? [[String: Any]])?.allSatisfy { $0["name"] as? String == "fitOneCycle" }
                == true)

        let typo = try KhruProcess.run(["steps", "Lerner"])
        #expect(typo.status == 64)
        #expect(typo.error.contains("no type or step is named 'Lerner'; did you mean 'Learner'?"))
    }
}

@Suite struct LessonParameterCommandTests {
    static let lesson = """
        ---
        params:
          data: digits
          epochs: 3
        ---

        # P

        ```swift {#uses}
        #expect(params.epochs > 0)
        "\\(params.data) × \\(params.epochs)"
        ```
        """

    @Test func dashPSetsAParameterForOneRunAndKeysTheCache() throws {
        let root = try lessonFolder(Self.lesson)
        let path = "lessons/en/01-t.md"
        func manifest() throws -> String {
            try String(contentsOf: root.appendingPathComponent("out/en/01-t.json"), encoding: .utf8)
        }
        let first = try KhruProcess.run(["run", path, "--output", "out"], in: root)
        #expect(first.status == 0)
        #expect(first.output.contains("1 passed, 0 failed, 0 skipped, 0 from cache"))
        let defaults = try manifest()
        #expect(defaults.contains("\"value\" : \"\\\"digits × 3\\\"\""))
        #expect(defaults.contains("\"params\" : {\n    \"data\" : \"digits\",\n    \"epochs\" : \"3\"\n  }"))
        // Another value is another cache key: the cell runs again and shows it, and the header says so.
        let set = try KhruProcess.run(
            ["run", path, "--output", "out", "-p", "epochs=1", "-p", "data=pets"], in: root)
        #expect(set.status == 0)
        #expect(set.output.contains("0 from cache"))
        #expect(try manifest().contains("\"value\" : \"\\\"pets × 1\\\"\""))
        let html = try String(contentsOf: root.appendingPathComponent("out/en/01-t.html"), encoding: .utf8)
        #expect(html.contains("<code>epochs = 1</code> <span class=\"param-set\">(-p; default 3)</span>"))
        // Back to the defaults: the first run's cells come from the cache, and its manifest is unchanged.
        let again = try KhruProcess.run(["run", path, "--output", "out"], in: root)
        #expect(again.output.contains("1 from cache"))
        #expect(try manifest() == defaults)
        // `khru test` takes -p too: a value that breaks a check fails it.
        let failing = try KhruProcess.run(["test", path, "--output", "out", "-p", "epochs=0"], in: root)
        #expect(failing.status == 1)
        #expect(failing.output.contains("expectation failed: params.epochs > 0 (0 > 0)"))
    }

    @Test func aWrongParameterStopsTheRunBeforeAnythingRuns() throws {
        let root = try lessonFolder(Self.lesson)
        let cases: [([String], String)] = [
            (
                ["-p", "epoch=1"],
                "has no parameter 'epoch'; it declares data, epochs (did you mean 'epochs'?)"
            ),
            (["-p", "epochs=1.5"], "parameter 'epochs' of lessons/en/01-t.md is Int (default 3), not '1.5'"),
            (["-p", "epochs"], "-p takes name=value, e.g. -p epochs=1, not 'epochs'"),
            (["-p", "epochs=1", "-p", "epochs=2"], "-p epochs is given twice"),
        ]
        for (arguments, message) in cases {
            let result = try KhruProcess.run(["run", "lessons", "--output", "out"] + arguments, in: root)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(
                !FileManager.default.fileExists(atPath: root.appendingPathComponent("out/index.html").path))
        }
    }

    @Test func serveTakesDashPForTheLessonsThatDeclareIt() throws {
        let root = try lessonFolder(Self.lesson)
        let lines = LineCollector()
        let started = try KhruProcess.start(
            ["serve", "lessons", "--port", "0", "--output", "out", "-p", "epochs=5"], in: root,
            environment: ["OPENBLAS_NUM_THREADS": "1"])
        defer {
            kill(started.0.processIdentifier, SIGINT)
            started.0.waitUntilExit()
        }
        lines.drain(started.1, started.2)
        let port = try lines.servingPort(readyWithin: .seconds(60))
        let page = try HTTPProbe.get(port: port, "/en/01-t.html").body
        #expect(page.contains("<code>epochs = 5</code>"))
        #expect(page.contains("digits × 5"))
        let wrong = try KhruProcess.run(["serve", "lessons", "--port", "0", "-p", "epochs=x"], in: root)
        #expect(wrong.status == 64)
        #expect(wrong.error.contains("parameter 'epochs' of lessons/en/01-t.md is Int (default 3), not 'x'"))
    }
}
