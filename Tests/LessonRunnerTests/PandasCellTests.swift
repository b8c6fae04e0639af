import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// pandas' everyday DataFrame, Swift's Regex and PyTorch's `torch.where` in cells (#26).
///
/// As fastbook's chapters 5 and 6 write them; expected values are pandas' and PyTorch's for the same inputs.
@Suite struct PandasCellTests {
    static func run(_ code: String) -> (status: CellStatus?, outputs: [CellOutput]) {
        let text = "# T\n\n```swift {#c}\n\(code)\n```\n"
        let report = LessonExecutor(registry: .standard()).run(LessonParser.parse(text, path: "t.md").0)
            .report
        return (report.cells["c"]?.status, report.cells["c"]?.outputs ?? [])
    }

    static func value(_ outputs: [CellOutput]) -> String? {
        outputs.lazy.compactMap { if case .value(let text) = $0 { text } else { nil } }.last
    }

    @Test func theSplitterOfTheSeedWithMasksAndTilde() {
        // df.index[~df['is_valid']].tolist() → [1, 2]; df[df['is_valid']] keeps rows 0 and 3.
        let (status, outputs) = Self.run(
            """
            let df = DataFrame(["fname": ["a.jpg", "b.jpg", "c.jpg", "d.jpg"], "is_valid": [true, false, false, true]])
            let train = df.index[~df["is_valid"]].tolist()
            let valid = df[df["is_valid"]]
            #expect(valid.index.tolist() == [0, 3])
            #expect(df.iloc[..., 0].name == "fname" && df.iloc[1]["fname"] == "b.jpg")
            (train, valid.count, (df["is_valid"] == true).tolist())
            """)
        #expect(status == .passed, "\(outputs)")
        #expect(Self.value(outputs) == "([1, 2], 2, [true, false, false, true])", "\(outputs)")
    }

    @Test func columnArithmeticAndItsErrors() {
        let (status, outputs) = Self.run(
            """
            let tmp = DataFrame(["a": [1, 2], "b": [3, 4]])
            (tmp["a"] + tmp["b"]).tolist()
            """)
        #expect(status == .passed, "\(outputs)")
        #expect(Self.value(outputs) == "[4, 6]", "\(outputs)")
        // A missing column names the columns there are; ~ of text is pandas' TypeError.
        let missing = Self.run("let tmp = DataFrame([\"a\": [1, 2]])\ntmp[\"z\"]")
        #expect(missing.status == .failed)
        #expect("\(missing.outputs)".contains("the columns are a"), "\(missing.outputs)")
        let tilde = Self.run("let tmp = DataFrame([\"s\": [\"x\"]])\n~tmp[\"s\"]")
        #expect(tilde.status == .failed && "\(tilde.outputs)".contains("bad operand type for unary ~"))
    }

    @Test func findallWithSwiftsRegex() {
        // re.findall(r'(.+)_\d+.jpg$', 'great_pyrenees_173.jpg') → ['great_pyrenees']
        let (status, outputs) = Self.run(
            """
            let pat = try Regex(#"(.+)_\\d+.jpg$"#)
            let found = "great_pyrenees_173.jpg".matches(of: pat).map { $0[1].substring }
            #expect("cat.png".firstMatch(of: pat) == nil)
            found
            """)
        #expect(status == .passed, "\(outputs)")
        #expect(Self.value(outputs)?.contains("great_pyrenees") == true, "\(outputs)")
        let bad = Self.run("try Regex(\"(\")")
        #expect(bad.status == .failed && "\(bad.outputs)".contains("is not a regular expression"))
    }

    @Test func torchWhereInCells() {
        // torch.where(t == 1, a, 1 - a) and torch.where(t == 1) for t = [0, 1, 1], a = [0.25, 0.5, 0.75].
        let (status, outputs) = Self.run(
            """
            let t = Tensor([0, 1, 1])
            let a = Tensor([0.25, 0.5, 0.75])
            (Tensor.where(t .== 1, a, 1 - a).scalars, Tensor.where(t .== 1)[0].scalars, a.normal(mean: 0, std: 1).shape)
            """)
        #expect(status == .passed, "\(outputs)")
        #expect(Self.value(outputs) == "([0.75, 0.5, 0.75], [1.0, 2.0], [3])", "\(outputs)")
    }

    @Test func assigningAColumnThroughTheSubscript() {
        // tmp_df['c'] = tmp_df['a'] + tmp_df['b'] → c = [4, 6]; a new column of the wrong length is an error.
        let (status, outputs) = Self.run(
            """
            var tmp = DataFrame(["a": [1, 2], "b": [3, 4]])
            tmp["c"] = tmp["a"] + tmp["b"]
            tmp["a"] = DataFrame.Column([10, 20])
            (tmp.columns, tmp["c"].tolist(), tmp["a"].tolist())
            """)
        #expect(status == .passed, "\(outputs)")
        #expect(Self.value(outputs) == #"(["a", "b", "c"], [4, 6], [10, 20])"#, "\(outputs)")
        let short = Self.run("var tmp = DataFrame([\"a\": [1, 2]])\ntmp[\"c\"] = DataFrame.Column([1, 2, 3])")
        #expect(short.status == .failed && "\(short.outputs)".contains("the frame has 2 rows"))
        let constant = Self.run("let tmp = DataFrame([\"a\": [1, 2]])\ntmp[\"c\"] = tmp[\"a\"]")
        #expect(constant.status == .failed && "\(constant.outputs)".contains("'let' constant"))
    }
}
