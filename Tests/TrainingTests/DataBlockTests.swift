import Foundation
import TensorCore
import Testing
import _TestSupport

@testable import Training

/// The multi-label CSV of the seed lesson, in small.
///
/// Columns `fname`, space-separated `labels`, `is_valid`. Training labels: bicycle, car, cat, horse, person; `chair` and `sheep` appear only in validation.
let pascalCSV = """
    fname,labels,is_valid
    000005.jpg,chair,True
    000007.jpg,car,True
    000009.jpg,horse person,True
    000012.jpg,car,False
    000016.jpg,bicycle,True
    000017.jpg,horse person,False
    000019.jpg,cat,False
    000020.jpg,car,False
    000023.jpg,bicycle person,False
    000026.jpg,sheep,True
    """

/// A fresh empty folder under the temporary directory.
func temporaryFolder() throws -> Path {
    let path = Path(FileManager.default.temporaryDirectory) / "khru-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(at: path.url, withIntermediateDirectories: true)
    return path
}

/// A block as another module would add it: reads a file of numbers at a ``Path`` (like an image block).
struct NumbersFileBlock: TransformBlock {
    var kind: BlockKind { .tensor }
    var typeTransforms: [TypeTransform] {
        [
            TypeTransform("ReadNumbers") { value in
                guard let path = value as? Path else { throw TrainingError("ReadNumbers needs a Path") }
                let text = try String(contentsOf: path.url, encoding: .utf8)
                return text.split(separator: " ").map { Float($0) ?? .nan }
            },
            TypeTransform("ToFloatTensor") { try floatTensor($0) },
        ]
    }
}

/// Writes `train/<fname>` files holding numbers: two per file, or `odd` numbers for `oddName`.
func writeNumberFiles(_ frame: DataFrame, under path: Path, oddName: String? = nil) throws {
    try FileManager.default.createDirectory(at: (path / "train").url, withIntermediateDirectories: true)
    for (index, fname) in frame["fname"].strings.enumerated() {
        let numbers = fname == oddName ? "1 2 3" : "\(index) \(Double(index) / 2)"
        try numbers.write(to: (path / "train" / fname).url, atomically: true, encoding: .utf8)
    }
}

@Suite struct DataBlockTests {
    func pascalBlock(path: Path) -> DataBlock<DataFrame, DataFrame.Row> {
        DataBlock(
            blocks: [NumbersFileBlock(), MultiCategoryBlock()],
            getX: { r in path / "train" / r["fname"] },
            getY: { $0["labels"].split(separator: " ") },
            splitter: ColSplitter("is_valid"))
    }

    @Test func multiLabelDatasetsFromADataFrame() throws {
        let df = try DataFrame.parseCSV(pascalCSV)
        let path = try temporaryFolder()
        try writeNumberFiles(df, under: path)
        let dsets = try pascalBlock(path: path).datasets(df)
        #expect(dsets.train.count == 5 && dsets.valid.count == 5)
        // The vocabulary is the sorted union of the TRAINING labels only.
        #expect(dsets.vocab?.items == ["bicycle", "car", "cat", "horse", "person"])
        #expect(dsets.train.vocab == dsets.vocab)
        // Rows 3, 5, 6, 7, 8 are the training rows, in order.
        let second = try dsets.train.sample(1)
        #expect(second.xs[0].scalars == [5, 2.5])
        #expect(second.ys[0].scalars == [0, 0, 0, 1, 1])
        #expect(second.tensors[1].shape == [5])
        #expect(second.decoded[1] == "horse;person")
        #expect(try dsets.train.sample(4).ys[0].scalars == [1, 0, 0, 0, 1])
        #expect(try dsets.valid.sample(1).ys[0].scalars == [0, 1, 0, 0, 0])
        #expect(
            "\(try dsets.train.sample(0))" == "(Tensor([3, 1.5]), TensorMultiCategory([0, 1, 0, 0, 0]) = car)"
        )
        // A label seen only in validation is an error that names it.
        #expect {
            _ = try dsets.valid[0]
        } throws: { error in
            "\(error)".contains("'chair' is not in the vocab")
        }
        #expect(try dsets.valid.raw(2).last as? [Substring] == ["horse", "person"])
    }

    @Test func splittersAsValuesAndClosures() throws {
        let df = try DataFrame.parseCSV(pascalCSV)
        let byColumn = try DataBlock(blocks: [CategoryBlock()], splitter: ColSplitter("is_valid")).datasets(
            df)
        let byFunc = try DataBlock(
            blocks: [CategoryBlock()], splitter: FuncSplitter { $0["is_valid"] == "True" }
        )
        .datasets(df)
        let byClosure = try DataBlock(
            blocks: [CategoryBlock()],
            splitter: { rows in Split(train: rows.indices.filter { $0 % 2 == 0 }, valid: [1, 3]) }
        ).datasets(df)
        let byIndex = try DataBlock(blocks: [CategoryBlock()], splitter: IndexSplitter([9, 0])).datasets(df)
        let random = try DataBlock(
            blocks: [CategoryBlock()], splitter: RandomSplitter(validPct: 0.3, seed: 3)
        )
        .datasets(df)
        func fnames(_ subset: DatasetSubset) -> [String] {
            subset.items.compactMap { ($0 as? DataFrame.Row)?["fname"] }
        }
        #expect(
            fnames(byColumn.valid) == ["000005.jpg", "000007.jpg", "000009.jpg", "000016.jpg", "000026.jpg"])
        #expect(
            fnames(byFunc.valid) == fnames(byColumn.valid) && fnames(byFunc.train) == fnames(byColumn.train))
        #expect(byClosure.train.count == 5 && fnames(byClosure.valid) == ["000007.jpg", "000012.jpg"])
        #expect(fnames(byIndex.valid) == ["000026.jpg", "000005.jpg"] && byIndex.train.count == 8)
        #expect(random.train.count == 7 && random.valid.count == 3)
        #expect(Set(fnames(random.train) + fnames(random.valid)).count == 10)
        // The seed's splitter(df) returns `train, valid` as a pair; the same split as a `Split`.
        let byPair = try DataBlock(
            blocks: [CategoryBlock()],
            splitter: { (frame: DataFrame) in
                let valid = frame.allRows.filter { $0["is_valid"] == "True" }.map(\.index)
                return (frame.allRows.map(\.index).filter { !valid.contains($0) }, valid)
            }
        ).datasets(df)
        #expect(
            fnames(byPair.valid) == fnames(byColumn.valid) && fnames(byPair.train) == fnames(byColumn.train))
        // Without getX/getY the single block reads the whole row; splitter indices are checked.
        #expect(throws: TrainingError.self) {
            try DataBlock(
                blocks: [CategoryBlock()],
                splitter: { (_: [DataFrame.Row]) in Split(train: [0], valid: [10]) }
            )
            .datasets(df)
        }
    }

    @Test func categoryAndRegressionBlocks() throws {
        var category = CategoryBlock()
        try category.setup(["dog", "cat", Substring("dog")])
        #expect(category.vocab?.items == ["cat", "dog"])
        #expect(try category.encode("dog").scalars == [1] && category.encode("dog").rank == 0)
        #expect(category.decode(Tensor(Float(0))) == "cat")
        var given = CategoryBlock(vocab: ["z", "a"])
        try given.setup(["a"])
        #expect(given.vocab?.items == ["z", "a"])
        let regression = RegressionBlock()
        #expect(try regression.encode(2.5).scalars == [2.5] && regression.encode(2.5).rank == 0)
        #expect(try regression.encode([1, 2] as [Double]).shape == [2])
        #expect(try regression.encode(DataFrame.Value.int(4)).scalars == [4])
        #expect(throws: TrainingError.self) { try regression.encode("four") }
        #expect(throws: TrainingError.self) { try MultiCategoryBlock(vocab: ["a"]).encode("a b") }
        #expect(try MultiCategoryBlock(vocab: ["a", "b"]).encode([String]()).scalars == [0, 0])
    }

    @Test func summaryExplainsEachStep() throws {
        let df = try DataFrame.parseCSV(pascalCSV)
        let path = try temporaryFolder()
        try writeNumberFiles(df, under: path)
        let text = pascalBlock(path: path).summary(df, bs: 3)
        let expectedInOrder = [
            "Setting-up type transforms pipelines",
            "Collecting items from a DataFrame of 10 rows (columns: fname, labels, is_valid)",
            "Found 10 items",
            "2 datasets of sizes 5,5",
            "Setting up Pipeline: getX -> ReadNumbers -> ToFloatTensor",
            "Setting up Pipeline: getY -> MultiCategorize(addNA: false) -> OneHotEncode(c: 5)",
            "Building one sample",
            "    starting from\n      fname: 000012.jpg, labels: car, is_valid: False",
            "    applying getX gives\n      \(path)/train/000012.jpg",
            "    applying ToFloatTensor gives\n      Tensor([3, 1.5])",
            "    applying getY gives\n      [car]",
            "    applying MultiCategorize(addNA: false) gives\n      TensorMultiCategory([1])",
            "    applying OneHotEncode(c: 5) gives\n      TensorMultiCategory([0, 1, 0, 0, 0])",
            "Final sample: (Tensor([3, 1.5]), TensorMultiCategory([0, 1, 0, 0, 0]) = car)",
            "No item_tfms to apply",
            "Adding the next 2 samples",
            "Collating items in a batch",
            "No batch_tfms to apply",
        ]
        var rest = Substring(text)
        for expected in expectedInOrder {
            let range = try #require(
                rest.range(of: expected), "missing or out of order: \(expected)\n\(text)")
            rest = rest[range.upperBound...]
        }
        #expect(!text.contains("Error"))

        // Samples of different shapes: the summary names the mismatch instead of throwing.
        try writeNumberFiles(df, under: path, oddName: "000017.jpg")
        let failing = pascalBlock(path: path).summary(df, bs: 3)
        #expect(failing.contains("Error! It's not possible to collate your items in a batch"))
        #expect(
            failing.contains(
                "Could not collate the 0-th members of your tuples because got the following shapes\n[2],[3],[2]"
            ))
    }

    func blobFrame(count: Int, seed: UInt64) throws -> DataFrame {
        let generator = Generator(seed: seed)
        let centers: [(Double, Double)] = [(-3, 0), (3, 0), (0, 4)]
        var x1: [Double] = []
        var x2: [Double] = []
        var labels: [String] = []
        for _ in 0..<count {
            let label = generator.nextInt(in: 0..<3)
            x1.append(centers[label].0 + generator.nextDouble() * 2 - 1)
            x2.append(centers[label].1 + generator.nextDouble() * 2 - 1)
            labels.append(["a", "b", "c"][label])
        }
        return try DataFrame([("x1", .double(x1)), ("x2", .double(x2)), ("cls", .string(labels))])
    }

    @Test func endToEndTrainingThroughDataBlock() throws {
        let df = try blobFrame(count: 600, seed: 5)
        let dblock = DataBlock(
            blocks: [FloatBlock(), CategoryBlock()],
            getX: { r in [r["x1"], r["x2"]] },
            getY: { $0["cls"] },
            splitter: RandomSplitter(validPct: 0.2, seed: 1))
        let dls = try dblock.dataloaders(df, bs: 32)
        #expect(dls.vocab?.items == ["a", "b", "c"] && dls.c == 3)
        #expect(dls.train.dataset.count == 480 && dls.valid.dataset.count == 120)
        let batch = try dls.train.oneBatch()
        #expect(batch.xs[0].shape == [32, 2] && batch.ys[0].shape == [32])
        let model = Random.withSeed(3) { Sequential(Linear(2, 16), ReLU(), Linear(16, 3)) }
        let learn = Learner(dls, model, metrics: accuracy)
        learn.showProgress = false
        try Random.withSeed(4) { try learn.fitOneCycle(4, lrMax: 1e-2) }
        let final = try #require(learn.recorder.values.last)
        #expect(final[2] >= 0.97, "accuracy \(final[2])")
        // The validation targets are the labels of the validation rows, in order.
        let (_, targets) = try learn.getPreds()
        let validLabels = try (0..<dls.valid.dataset.count).map {
            try (dls.valid.dataset as? DatasetSubset)?.sample($0).decoded[1]
        }
        #expect(targets.scalars.map { ["a", "b", "c"][Int($0)] } == validLabels.compactMap { $0 })
    }
}

/// A two-input model: a linear map of each input, summed (the logits of a linear classifier on both).
final class TwoInputLinear: MultiInputLayer, @unchecked Sendable {
    let first = Linear(1, 3)
    let second = Linear(1, 3, bias: false)
    var isTraining = true
    var children: [(name: String, layer: any Layer)] { [("first", first), ("second", second)] }
    func callAsFunction(_ xs: [Variable]) -> Variable { first(xs[0]) + second(xs[1]) }
}

@Suite struct MultiInputTests {
    @Test func twoInputBlocksTrainAMultiInputModel() throws {
        let df = try DataBlockTests().blobFrame(count: 600, seed: 8)
        let dblock = DataBlock(
            blocks: [FloatBlock(), FloatBlock(), CategoryBlock()],
            getX: { r in [[r["x1"]], [r["x2"]]] },
            getY: { $0["cls"] },
            splitter: RandomSplitter(validPct: 0.2, seed: 2))
        #expect(dblock.nInp == 2)
        let dsets = try dblock.datasets(df)
        let row = try #require(dsets.train.items[0] as? DataFrame.Row)
        let sample = try dsets.train.sample(0)
        #expect(sample.xs.count == 2 && sample.ys.count == 1)
        #expect(isClose(Double(sample.xs[1].scalars[0]), Double(row["x2"]) ?? .nan, relative: 1e-5))
        #expect(dblock.summary(df).contains("Setting up Pipeline: getX[1] -> ToFloatTensor"))
        let dls = try dsets.dataloaders(bs: 32)
        let learn = Random.withSeed(5) { Learner(dls, TwoInputLinear(), metrics: accuracy) }
        learn.showProgress = false
        try Random.withSeed(6) { try learn.fitOneCycle(4, lrMax: 5e-2) }
        let final = try #require(learn.recorder.values.last)
        #expect(final[2] >= 0.95, "accuracy \(final[2])")
        // A single-input model cannot take two inputs: the error says so.
        let plain = Learner(dls, Linear(1, 3))
        plain.showProgress = false
        #expect {
            try plain.fit(1)
        } throws: { error in
            "\(error)".contains("2 inputs")
        }
        // getX must give one value per input.
        let wrong = DataBlock(blocks: [FloatBlock(), FloatBlock(), CategoryBlock()], getX: { r in r["x1"] })
        #expect(throws: TrainingError.self) { try wrong.datasets(df) }
    }
}

@Suite struct PathAndDataSourceTests {
    @Test func pathOperations() throws {
        let path = Path("lessons/data") / "pascal" / "train.csv"
        #expect(path.string == "lessons/data/pascal/train.csv" && "\(path)" == path.string)
        #expect(path.name == "train.csv" && path.stem == "train" && path.suffix == ".csv")
        #expect(path.parent == Path("lessons/data/pascal") && path.parent.parent.parent.parent == Path("."))
        #expect(Path("a//b/./c/") == Path("a/b/c") && Path("") == Path(".") && Path("./x") == Path("x"))
        #expect(Path("a") / "/abs" == Path("/abs") && Path(".") / "x" == Path("x"))
        #expect(Path("/").parent == Path("/") && Path("/a").parent == Path("/") && Path("/").name.isEmpty)
        #expect(Path("a/b.tar.gz").suffix == ".gz" && Path("a/b.tar.gz").stem == "b.tar")
        #expect(
            Path(".bashrc").suffix.isEmpty && Path(".bashrc").stem == ".bashrc" && Path("x.").suffix.isEmpty)
        #expect(Path("a/b.txt").withSuffix(".png") == Path("a/b.png"))
        #expect([Path("b"), Path("B"), Path("a")].sorted() == [Path("B"), Path("a"), Path("b")])
        #expect(Set([Path("a/"), Path("a")]).count == 1)

        let folder = try temporaryFolder()
        #expect(folder.exists && folder.isDirectory && folder.isAbsolute)
        try "fname\nx.png\n".write(to: (folder / "b.csv").url, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: (folder / "a").url, withIntermediateDirectories: false)
        #expect(try folder.ls() == [folder / "a", folder / "b.csv"])
        #expect(!(folder / "missing").exists && (folder / "b.csv").exists && !(folder / "b.csv").isDirectory)
        #expect(throws: TrainingError.self) { try (folder / "missing").ls() }
        let frame = try DataFrame.readCSV(folder / "b.csv")
        #expect(frame.columns == ["fname"] && frame[0]["fname"] == "x.png")
    }

    @Test func untarDataPreparesIntoTheRoot() throws {
        let root = try temporaryFolder()
        let calls = CallCounter()
        let source = DataSource("tiny") { folder in
            calls.increment()
            let file = folder / "u.data"
            if !file.exists { try "1\t2\t5\n".write(to: file.url, atomically: true, encoding: .utf8) }
        }
        let first = try untarData(source, root: root)
        #expect(first == root / "tiny" && (first / "u.data").exists)
        let again = try untarData(source, root: root)
        #expect(again == first && calls.count == 2)
        #expect(try String(contentsOf: (first / "u.data").url, encoding: .utf8) == "1\t2\t5\n")
        let failing = DataSource("broken") { _ in throw TrainingError("no network") }
        #expect(throws: TrainingError("no network")) { try untarData(failing, root: root) }
    }

    @Test func dataRootResolution() throws {
        let project = try temporaryFolder()
        let home = project / "home"
        try "// swift-tools-version:6.0\n".write(
            to: (project / "Package.swift").url, atomically: true, encoding: .utf8)
        let nested = project / "lessons" / "en"
        try FileManager.default.createDirectory(at: nested.url, withIntermediateDirectories: true)
        #expect(
            DataSource.dataRoot(environment: [:], currentDirectory: nested, home: home) == project
                / "lessons/data")
        #expect(
            DataSource.dataRoot(environment: [:], currentDirectory: project, home: home) == project
                / "lessons/data")
        #expect(
            DataSource.dataRoot(environment: ["KHRU_DATA": "/srv/data"], currentDirectory: nested, home: home)
                == Path("/srv/data"))
        #expect(
            DataSource.dataRoot(environment: ["KHRU_DATA": "d"], currentDirectory: project, home: home)
                == project / "d")
        let elsewhere = try temporaryFolder()
        #expect(
            DataSource.dataRoot(environment: [:], currentDirectory: elsewhere, home: home) == home
                / ".khru/data")
        // A Package.swift without a lessons folder is not the project.
        try FileManager.default.removeItem(at: (project / "lessons").url)
        #expect(
            DataSource.dataRoot(environment: [:], currentDirectory: project, home: home) == home
                / ".khru/data")
    }
}

/// Counts calls from a `@Sendable` closure.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Adds one.
    func increment() { lock.withLock { value += 1 } }
    /// The count.
    var count: Int { lock.withLock { value } }
}
