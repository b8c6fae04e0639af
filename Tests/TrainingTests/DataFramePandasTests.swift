import TensorCore
import Testing

@testable import Training

/// pandas' everyday DataFrame as fastbook's chapter 6 uses it; every expected value is what pandas 2
/// gives for the same frame (worked by hand from pandas' documented rules, noted at each check).
@Suite struct DataFramePandasTests {
    /// fastbook's PASCAL table in small: `fname`, `labels`, `is_valid`.
    static func pascal() throws -> DataFrame {
        try DataFrame(
            columns: ["fname", "labels", "is_valid"],
            rows: [
                ["000005.jpg", "chair", "True"], ["000007.jpg", "car", "True"],
                ["000009.jpg", "horse person", "True"], ["000012.jpg", "car", "False"],
                ["000016.jpg", "bicycle", "True"], ["000017.jpg", "horse person", "False"],
            ])
    }

    @Test func aFrameFromADictionaryKeepsTheOrderWrittenAndTypesEachColumn() throws {
        // pd.DataFrame({'b': [3, 4], 'a': [1.5, 2], 'c': ['x', 'y'], 'd': [True, False]}).dtypes
        // → b int64, a float64, c object, d bool; columns in the order written.
        let frame = try DataFrame(["b": [3, 4], "a": [1.5, 2], "c": ["x", "y"], "d": [true, false]])
        #expect(frame.columns == ["b", "a", "c", "d"])
        #expect(frame.count == 2)
        #expect(["b", "a", "c", "d"].map { frame[$0].data.dtype } == ["int64", "float64", "object", "bool"])
        #expect(frame["a"].doubles == [1.5, 2])
        #expect(throws: TrainingError.self) { try DataFrame(["a": [1, 2], "b": [3]]) }
    }

    @Test func columnArithmeticAndAnAddedColumn() throws {
        // tmp_df = pd.DataFrame({'a': [1, 2], 'b': [3, 4]}); tmp_df['c'] = tmp_df['a'] + tmp_df['b']
        // → c = [4, 6] (int64), columns a, b, c.
        var frame = try DataFrame(["a": [1, 2], "b": [3, 4]])
        frame["c"] = try frame["a"] + frame["b"]
        #expect(frame.columns == ["a", "b", "c"])
        #expect(frame["c"].data == .int([4, 6]))
        // Integer division makes floats (3/1, 4/2); a float operand makes floats.
        #expect(try (frame["b"] / frame["a"]).data == .double([3, 2]))
        #expect(try (frame["a"] * 0.5).data == .double([0.5, 1]))
        #expect(try (frame["b"] - frame["a"]).data == .int([2, 2]))
        // Replacing a column keeps its place.
        try frame.setColumn("a", DataFrame.Column([10, 20]))
        #expect(frame.columns == ["a", "b", "c"] && frame["a"].data == .int([10, 20]))
        #expect(throws: TrainingError.self) { try frame.setColumn("d", DataFrame.Column([1, 2, 3])) }
        let text = try DataFrame(["s": ["a", "b"]])
        #expect(throws: TrainingError.self) { try text["s"] - text["s"] }
        #expect(try (text["s"] + text["s"]).strings == ["aa", "bb"])
    }

    @Test func masksIndexAndTolistAsTheSplitterUsesThem() throws {
        // df.index[~df['is_valid']].tolist() → [3, 5]; df.index[df['is_valid']].tolist() → [0, 1, 2, 4].
        let df = try Self.pascal()
        let valid = df["is_valid"]
        #expect(df.index.tolist() == [0, 1, 2, 3, 4, 5])
        #expect(try df.index[~valid].tolist() == [3, 5])
        #expect(try df.index[valid].tolist() == [0, 1, 2, 4])
        // df[df['is_valid']] keeps the labels: its index is [0, 1, 2, 4], and head() shows them.
        let validRows = try df[valid]
        #expect(validRows.count == 4)
        #expect(validRows.index.tolist() == [0, 1, 2, 4])
        #expect(validRows.description.split(separator: "\n").last?.hasPrefix("4") == true)
        #expect(try validRows[validRows["labels"] == "car"].index.tolist() == [1])
        #expect(df.index.description == "RangeIndex(start=0, stop=6, step=1)")
        #expect(validRows.index.description == "Index([0, 1, 2, 4], dtype='int64')")
        // A mask must be bool, of the frame's length.
        #expect(throws: TrainingError.self) { try df[df["fname"]] }
        #expect(throws: TrainingError.self) { try df[DataFrame.Column([true, false])] }
        #expect(throws: TrainingError.self) { try ~df["fname"] }
        // ~ on integers is the bitwise complement: ~pd.Series([0, 5]) → [-1, -6].
        #expect(try (~DataFrame.Column([0, 5])).data == .int([-1, -6]))
    }

    @Test func comparisonsMakeMasks() throws {
        let frame = try DataFrame(["x": [1, 5, 3], "s": ["a", "b", "a"]])
        // (df['x'] > 2) → [False, True, True]; (df['x'] == 3) → [False, False, True].
        #expect(try (frame["x"] > 2).data == .bool([false, true, true]))
        #expect(try (frame["x"] == 3).data == .bool([false, false, true]))
        #expect(try (frame["x"] <= 1).data == .bool([true, false, false]))
        #expect(try (frame["s"] != "a").data == .bool([false, true, false]))
        // Text against a number: == is all False (pandas), < is an error.
        #expect(try (frame["s"] == 1).data == .bool([false, false, false]))
        #expect(throws: TrainingError.self) { try frame["s"] < 1 }
    }

    @Test func ilocByPosition() throws {
        let df = try Self.pascal()
        // df.iloc[:, 0] is the fname column; df.iloc[0, :] and df.iloc[0] the first row; df.iloc[-1] the last.
        #expect(try df.iloc[..., 0].strings == df["fname"].strings)
        #expect(try df.iloc[0, ...]["labels"] == "chair")
        #expect(try df.iloc[-1]["fname"] == "000017.jpg")
        #expect(try df.iloc[..., -1].name == "is_valid")
        #expect(throws: TrainingError.self) { try df.iloc[6] }
        #expect(throws: TrainingError.self) { try df.iloc[..., 3] }
    }

    @Test func aFrameFromAMatrix() throws {
        // pd.DataFrame(torch.tensor([[0.25, 0.75], [0.5, 0.5], [1, 0]]), columns=["3", "7"])
        let frame = try DataFrame(
            Tensor(shape: [3, 2], scalars: [0.25, 0.75, 0.5, 0.5, 1, 0]), columns: ["3", "7"])
        #expect(frame.columns == ["3", "7"])
        #expect(frame["3"].doubles == [0.25, 0.5, 1] && frame["7"].doubles == [0.75, 0.5, 0])
        #expect(throws: TrainingError.self) {
            try DataFrame(Tensor(shape: [3, 2], scalars: Array(repeating: 0, count: 6)), columns: ["a"])
        }
        #expect(throws: TrainingError.self) {
            try DataFrame(Tensor(shape: [2], scalars: [1, 2]), columns: ["a"])
        }
    }
}
