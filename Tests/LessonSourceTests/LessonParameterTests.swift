import Testing

@testable import LessonSource

private func parse(_ front: String) -> (Lesson, [Diagnostic]) {
    LessonParser.parse("---\n\(front)\n---\n\n# T\n\n```swift {#c}\nparams\n```\n", path: "l.md")
}

@Suite struct LessonParameterTests {
    @Test func defaultsAreTypedFromTheirText() throws {
        let (lesson, diagnostics) = parse(
            "title: P\nparams:\n  data: digits\n  epochs: 3\n  lr: 1e-3\n  fast: true\n  label: \"7\"\n"
                + "  quote: \"say \\\"hi\\\"\"\nseed: 7")
        #expect(diagnostics.isEmpty)
        let params = lesson.frontMatter.params
        #expect(params.map(\.name) == ["data", "epochs", "lr", "fast", "label", "quote"])
        #expect(
            params.map(\.value) == [
                .string("digits"), .int(3), .double(0.001), .bool(true), .string("7"), .string("say \"hi\""),
            ])
        // The block ends at the first line that is not indented: `seed` is front matter again.
        #expect(lesson.frontMatter.seed == 7)
        #expect(params[1].location == SourceLocation(file: "l.md", line: 5, column: 3))
    }

    @Test func theParametersCellDeclaresOneTypedProperty() throws {
        let (lesson, _) = parse("params:\n  data: \"a\\\\b\"\n  epochs: 3\n  lr: 0.5")
        let cell = try #require(lesson.parametersCell)
        #expect(cell.id == "(params)")
        #expect(
            cell.code == """
                struct LessonParameters {
                    let data: String
                    let epochs: Int
                    let lr: Double
                }
                let params = LessonParameters(data: "a\\\\b", epochs: 3, lr: 0.5)
                """)
        #expect(parse("title: none").0.parametersCell == nil)
    }

    @Test func overridesAreCheckedAgainstTheDefaultsType() throws {
        let (lesson, _) = parse("params:\n  data: digits\n  epochs: 3\n  lr: 0.5\n  fast: false")
        let set = try lesson.settingParameters(["epochs": "1", "lr": "2", "data": "pets", "fast": "true"])
        #expect(set.frontMatter.params.map(\.value) == [.string("pets"), .int(1), .double(2), .bool(true)])
        #expect(set.frontMatter.params.map(\.defaultValue) == lesson.frontMatter.params.map(\.defaultValue))
        #expect(set.parametersCell?.code.contains("LessonParameters(data: \"pets\", epochs: 1") == true)
        #expect(throws: ParameterError("parameter 'epochs' of l.md is Int (default 3), not '1.5'")) {
            try lesson.settingParameters(["epochs": "1.5"])
        }
        #expect(throws: ParameterError("parameter 'fast' of l.md is Bool (default false), not 'yes'")) {
            try lesson.settingParameters(["fast": "yes"])
        }
        #expect(throws: ParameterError("l.md has no parameter 'epoch'; it declares data, epochs, lr, fast")) {
            try lesson.settingParameters(["epoch": "1"])
        }
    }

    @Test func badParameterLinesAreLocatedErrors() {
        let cases: [(String, String)] = [
            ("params: 3", "l.md:2:9: error: params takes one parameter per indented line"),
            ("params:\n  2x: 1", "l.md:3:3: error: parameter name '2x' is not a Swift identifier"),
            ("params:\n  class: 1", "l.md:3:3: error: parameter name 'class' is not a Swift identifier"),
            ("params:\n  epochs:", "l.md:3:10: error: parameter 'epochs' needs a default value"),
            ("params:\n  epochs 3", "l.md:3:3: error: expected 'name: default' in params"),
            ("params:\n  a: 1\n  a: 2", "l.md:4:3: error: parameter 'a' is given twice"),
        ]
        for (front, expected) in cases {
            let diagnostics = parse(front).1.map(\.description)
            #expect(diagnostics.contains { $0.hasPrefix(expected) }, "\(front): \(diagnostics)")
        }
    }

    @Test func theTwoLanguagesMustDeclareTheSameParameters() {
        let en = LessonParser.parse("---\nparams:\n  epochs: 3\n---\n# T\n", path: "en/01.md").0
        let th = LessonParser.parse("---\nparams:\n  epochs: 2\n---\n# T\n", path: "th/01.md").0
        let none = LessonParser.parse("# T\n", path: "th/01.md").0
        #expect(LessonPair.compareCells(en, en).isEmpty)
        #expect(
            LessonPair.compareCells(en, th).map(\.message) == [
                "params differ from en/01.md's: epochs: 2 here, epochs: 3 there"
            ])
        #expect(
            LessonPair.compareCells(en, none).map(\.message) == [
                "params differ from en/01.md's: none here, epochs: 3 there"
            ])
    }
}
