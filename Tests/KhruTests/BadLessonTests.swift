import Foundation
import Testing

/// One lesson of the bad-lesson corpus (`Tests/KhruTests/BadLessons/NN-name.md`) and what `khru` must
/// answer, from its sidecar `NN-name.expected`.
///
/// The sidecar holds `key: value` header lines, a line `---`, then the exact standard output:
///
///     command: test          the khru subcommand: test, check or run
///     exit: 1                the exit status
///     seconds: 5             (optional) the most the run may take, for timeouts
///     args: --flag value     (optional) more arguments, split at spaces
///     env: NAME=value        (optional, repeatable) an environment variable for the run
///     stderr: …              (optional, repeatable) a line standard error must contain
///     html-contains: …       (optional, repeatable; run) text the HTML report must contain
///     html-lacks: …          (optional, repeatable; run) text it must not
///
/// In the expected output `$OUT` stands for the output folder of the run and `$LESSONS` for the corpus
/// folder; `?:?` stands for any `line:column` (a timeout stops the cell wherever it is when time runs
/// out: at a loop's head or in its body).
struct BadLesson: CustomTestStringConvertible, Sendable {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("BadLessons")

    var name: String
    var command = "test"
    var exit: Int32 = 1
    var seconds: Double?
    var arguments: [String] = []
    var environment: [String: String] = [:]
    var standardError: [String] = []
    var htmlContains: [String] = []
    var htmlLacks: [String] = []
    var output = ""

    var testDescription: String { name }

    /// Whether `actual` is the expected output, `?:?` matching any `line:column`.
    func matches(_ actual: String) -> Bool {
        let pieces = output.components(separatedBy: "?:?")
        guard pieces.count > 1 else { return actual == output }
        var rest = Substring(actual)
        for (index, piece) in pieces.enumerated() {
            guard rest.hasPrefix(piece) else { return false }
            rest = rest.dropFirst(piece.count)
            if index == pieces.count - 1 { return rest.isEmpty }
            let line = rest.prefix(while: \.isNumber)
            guard !line.isEmpty, rest.dropFirst(line.count).first == ":" else { return false }
            rest = rest.dropFirst(line.count + 1)
            let column = rest.prefix(while: \.isNumber)
            guard !column.isEmpty else { return false }
            rest = rest.dropFirst(column.count)
        }
        return rest.isEmpty
    }

    /// Every case of the corpus, in file order.
    static func all() throws -> [BadLesson] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".md") }.sorted()
        return try names.map { try BadLesson(lesson: $0) }
    }

    init(lesson: String) throws {
        name = lesson
        let sidecar = Self.folder.appendingPathComponent(
            (lesson as NSString).deletingPathExtension + ".expected")
        let text = try String(contentsOf: sidecar, encoding: .utf8)
        let parts = text.components(separatedBy: "\n---\n")
        guard parts.count >= 2 else { throw CorpusError("\(sidecar.path): no '---' line before the output") }
        output = parts.dropFirst().joined(separator: "\n---\n")
        for line in parts[0].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else {
                throw CorpusError("\(sidecar.path): expected 'key: value', not '\(line)'")
            }
            let key = line[..<colon]
            let value = String(line[line.index(after: colon)...].drop { $0 == " " })
            switch key {
            case "command": command = value
            case "exit": exit = Int32(value) ?? -1
            case "seconds": seconds = Double(value)
            case "args": arguments = value.split(separator: " ").map(String.init)
            case "env":
                let pair = value.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw CorpusError("\(sidecar.path): env needs NAME=value") }
                environment[pair[0]] = pair[1]
            case "stderr": standardError.append(value)
            case "html-contains": htmlContains.append(value)
            case "html-lacks": htmlLacks.append(value)
            default: throw CorpusError("\(sidecar.path): unknown key '\(key)'")
            }
        }
    }
}

/// A malformed corpus sidecar.
struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary folder.
func temporaryFolder(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every bad lesson ends in its exact, located message and exit status: never a crash, a hang or a
/// silent pass.
@Suite struct BadLessonTests {
    @Test(arguments: try BadLesson.all())
    func badLessonGetsItsExactDiagnostic(_ lesson: BadLesson) throws {
        let output = try temporaryFolder("khru-bad")
        defer { try? FileManager.default.removeItem(at: output) }
        var arguments = [lesson.command, lesson.name]
        if lesson.command != "check" { arguments += ["--output", output.path] }
        arguments += lesson.arguments
        let start = ContinuousClock.now
        let result = try KhruProcess.run(arguments, in: BadLesson.folder, environment: lesson.environment)
        let elapsed = ContinuousClock.now - start
        let shown = result.output.replacingOccurrences(of: output.path, with: "$OUT")
            .replacingOccurrences(of: BadLesson.folder.path, with: "$LESSONS")
        #expect(lesson.matches(shown), "got \(shown)\nstderr: \(result.error)")
        #expect(result.status == lesson.exit, "stderr: \(result.error)")
        if let seconds = lesson.seconds {
            #expect(elapsed < .milliseconds(Int(seconds * 1000)), "took \(elapsed)")
        }
        for line in lesson.standardError {
            #expect(result.error.contains(line), "stderr: \(result.error)")
        }
        guard !lesson.htmlContains.isEmpty || !lesson.htmlLacks.isEmpty else { return }
        let slug = (lesson.name as NSString).deletingPathExtension
        let html = try String(
            contentsOf: output.appendingPathComponent("en/\(slug).html"), encoding: .utf8)
        for text in lesson.htmlContains { #expect(html.contains(text), "report lacks \(text)") }
        for text in lesson.htmlLacks { #expect(!html.contains(text), "report contains \(text)") }
    }

    @Test func aTenMegabyteLessonIsCheckedQuickly() throws {
        let folder = try temporaryFolder("khru-big")
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "# Big\n\n"
        let paragraph = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing. ", count: 20)
        var cells = 0
        while text.utf8.count < 10 << 20 {
            text += paragraph + "\n\n"
            if text.utf8.count / (1 << 20) > cells {
                cells += 1
                text += "```swift {#c\(cells)}\nlet v\(cells) = \(cells)\n```\n\n"
            }
        }
        text += "```swift {#last}\nv1 + undefinedName\n```\n"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        try Data(text.utf8).write(to: folder.appendingPathComponent("big.md"))
        let start = ContinuousClock.now
        let result = try KhruProcess.run(["check", "big.md"], in: folder)
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 1)
        #expect(
            result.output == """
                big.md:\(lines - 2):6: error: cannot find 'undefinedName' in scope
                1 lesson checked, 1 error

                """)
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }
}
