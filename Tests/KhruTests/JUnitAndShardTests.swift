import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// What an XML parser saw of a JUnit file: every element's name and attributes, and the text of each
/// `<failure>`.
private final class JUnitReader: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var failureTexts: [String] = []
    private var text: String?

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
        if name == "failure" { text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

    func parser(
        _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
    ) {
        if name == "failure", let text { failureTexts.append(text) }
        text = nil
    }
}

/// A folder holding `lessons/<path>` for each lesson given.
private func course(_ lessons: [String: String]) throws -> URL {
    let root = try temporaryFolder("khru-ci")
    for (path, text) in lessons {
        let url = root.appendingPathComponent("lessons/" + path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
    return root
}

@Suite struct JUnitAndShardTests {
    @Test func junitFileOfARunWithOneFailingCheckIsWellFormedAndNamesTheLine() throws {
        let root = try course([
            "en/01-t.md":
                "# T\n\n```swift {#a}\nlet x = 2\n#expect(x == 2)\n#expect(x > 5 && \"<&>\" == \"<&>\")\n```\n\n"
                + "```swift {#b}\nx + 1\n```\n"
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try KhruProcess.run(["test", "lessons", "--junit", "out/junit.xml"], in: root)
        #expect(result.status == 1)
        // A failed `&&` shows each part evaluated, up to the one that failed.
        let failing =
            "lessons/en/01-t.md:6:1: error: expectation failed: x > 5 && \"<&>\" == \"<&>\" (2 > 5)"
        #expect(result.output == failing + "\n2 passed, 2 failed\n")
        let data = try Data(contentsOf: root.appendingPathComponent("out/junit.xml"))
        let parser = XMLParser(data: data)
        let reader = JUnitReader()
        parser.delegate = reader
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        #expect(reader.elements.first?.name == "testsuites")
        #expect(reader.elements.first?.attributes["tests"] == "4")
        #expect(reader.elements.first?.attributes["failures"] == "2")
        let suite = try #require(reader.elements.first { $0.name == "testsuite" })
        #expect(suite.attributes["name"] == "lessons/en/01-t.md")
        #expect(suite.attributes["tests"] == "4")
        #expect(suite.attributes["failures"] == "2")
        for key in ["errors", "time", "timestamp", "hostname"] { #expect(suite.attributes[key] != nil) }
        let cases = reader.elements.filter { $0.name == "testcase" }
        #expect(
            cases.map { $0.attributes["name"] ?? "" } == [
                "#expect(x == 2)", "#expect(x > 5 && \"<&>\" == \"<&>\")", "cell a", "cell b",
            ])
        #expect(cases.allSatisfy { $0.attributes["classname"] == "lessons.en.01-t" })
        #expect(cases.allSatisfy { Double($0.attributes["time"] ?? "") != nil })
        let check = try #require(cases.first { $0.attributes["name"]?.hasPrefix("#expect(x > 5") == true })
        // Jenkins' junit-10.xsd allows only name, classname, time, assertions and status on a testcase:
        // the position is in the failure's message.
        #expect(Set(check.attributes.keys) == ["name", "classname", "time"])
        let failures = reader.elements.filter { $0.name == "failure" }
        #expect(failures.count == 2)
        #expect(
            failures.first?.attributes["message"]?.hasPrefix(
                "lessons/en/01-t.md:6:1: error: expectation failed") == true)
        #expect(reader.failureTexts.first?.contains("x > 5 && \"<&>\"") == true)
    }

    @Test func shardsPartitionTheLessonsAndKeepLanguagesTogether() throws {
        var lessons: [String: String] = [:]
        for number in 1...5 {
            for lang in ["en", "th"] {
                lessons["\(lang)/0\(number)-l.md"] =
                    "# L\n\n```swift {#a}\n#expect(\(number) == \(number))\n```\n"
            }
        }
        let root = try course(lessons)
        defer { try? FileManager.default.removeItem(at: root) }
        var seen: [String] = []
        for index in 1...3 {
            let result = try KhruProcess.run(["test", "lessons", "--shard", "\(index)/3"], in: root)
            #expect(result.status == 0, "\(result.error)")
            let ran = result.error.split(separator: "\n").filter { $0.hasPrefix("[") }
                .map { String($0.split(separator: " ").last ?? "") }
            #expect(!ran.isEmpty)
            // A lesson's en and th versions run in the same slice.
            let names = ran.map { ($0 as NSString).lastPathComponent }
            #expect(names.allSatisfy { name in names.filter { $0 == name }.count == 2 })
            seen += ran
        }
        #expect(seen.sorted() == lessons.keys.map { "lessons/" + $0 }.sorted())
        let again = try KhruProcess.run(["test", "lessons", "--shard", "2/3"], in: root)
        #expect(again.error == (try KhruProcess.run(["test", "lessons", "--shard", "2/3"], in: root)).error)
        for bad in ["0/3", "4/3", "1/0", "two", "1/"] {
            #expect(
                try KhruProcess.run(["test", "lessons", "--shard", bad], in: root).status == 64, "\(bad)")
        }
    }
}
