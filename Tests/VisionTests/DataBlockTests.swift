import Foundation
import TensorCore
import Testing
import Training

@testable import Vision

/// A tiny PASCAL-shaped set: `train/<fname>` images and the seed's `fname, labels, is_valid` frame.
func miniPascal() throws -> (path: Path, df: DataFrame) {
    let path = try temporaryFolder()
    let csv = """
        fname,labels,is_valid
        a.png,dog person,False
        b.png,cat,False
        c.png,person cat,True
        d.png,dog,False
        """
    for (index, name) in ["a", "b", "c", "d"].enumerated() {
        let bytes = (0..<(12 * 10 * 3)).map { UInt8(($0 * (index + 3)) % 256) }
        try FileManager.default.createDirectory(at: (path / "train").url, withIntermediateDirectories: true)
        try Image(width: 12, height: 10, mode: .rgb, bytes: bytes).save(path / "train" / "\(name).png")
    }
    return (path, try DataFrame.parseCSV(csv))
}

struct VisionDataBlockTests {
    @Test func identityBlocksShowTheRawPathAndLabels() throws {
        let (path, df) = try miniPascal()
        let dblock = DataBlock(
            getX: { r in path / "train" / r["fname"] }, getY: { $0["labels"].split(separator: " ") },
            splitter: ColSplitter("is_valid"))
        let dsets = try dblock.datasets(df)
        let (x, y) = try dsets.train[0]
        #expect(x as? Path == path / "train" / "a.png")
        #expect(y as? [Substring] == ["dog", "person"])
    }

    @Test func multiCategoryVocabAndOneHot() throws {
        let (path, df) = try miniPascal()
        let dblock = DataBlock(
            blocks: [ImageBlock(), MultiCategoryBlock()], getX: { r in path / "train" / r["fname"] },
            getY: { $0["labels"].split(separator: " ") }, splitter: ColSplitter("is_valid"))
        let dsets = try dblock.datasets(df)
        #expect(dsets.vocab?.items == ["cat", "dog", "person"])
        let (x, y) = try dsets.train[0]
        #expect((x as? Tensor)?.shape == [3, 10, 12])
        #expect((y as? Tensor)?.scalars == [0, 1, 1])
        #expect(try dsets.valid.sample(0).decoded[1] == "cat;person")
        let dls = try dsets.dataloaders(bs: 2, seed: 1)
        #expect(dls.lossFunc is BCEWithLogitsLossFlat)
        let batch = try dls.train.oneBatch()
        #expect(batch.xs[0].shape == [2, 3, 10, 12])
        #expect(batch.xs[0].scalars.allSatisfy { $0 >= 0 && $0 <= 1 })  // IntToFloatTensor ran
        #expect(batch.ys[0].shape == [2, 3])
    }

    @Test func splitterFunctionOfTheFrame() throws {
        let (path, df) = try miniPascal()
        @Sendable func splitter(_ df: DataFrame) -> Split {
            let valid = df.allRows.filter { $0["is_valid"] == "True" }.map(\.index)
            return Split(train: df.allRows.map(\.index).filter { !valid.contains($0) }, valid: valid)
        }
        let dblock = DataBlock(
            blocks: [ImageBlock(), MultiCategoryBlock()], getX: { r in path / "train" / r["fname"] },
            getY: { $0["labels"].split(separator: " ") }, splitter: splitter)
        let dsets = try dblock.datasets(df)
        #expect(dsets.train.count == 3 && dsets.valid.count == 1)
    }

    @Test func summaryPrintsFastaisSteps() throws {
        let (path, df) = try miniPascal()
        let dblock = DataBlock(
            blocks: [ImageBlock(), MultiCategoryBlock()], getX: { r in path / "train" / r["fname"] },
            getY: { $0["labels"].split(separator: " ") }, splitter: ColSplitter("is_valid"),
            itemTfms: [RandomResizedCrop(8, minScale: 0.35)])
        let text = dblock.summary(df)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "Setting-up type transforms pipelines")
        #expect(lines.contains("Found 4 items"))
        #expect(lines.contains("2 datasets of sizes 3,1"))
        #expect(lines.contains("Setting up Pipeline: getX -> PILImage.create -> ToTensor"))
        #expect(lines.contains("      PILImage mode=RGB size=12x10"))
        #expect(
            lines.contains(
                "Final sample: (TensorImage of size 3x10x12, TensorMultiCategory([0, 1, 1]) = dog;person)"))
        #expect(text.contains("Applying item_tfms to the first sample:"))
        #expect(text.contains("(TensorImage of size 3x8x8, TensorMultiCategory([0, 1, 1]))"))
        #expect(text.contains("IntToFloatTensor -- {'div': 255.0, 'div_mask': 1}"))
        #expect(!text.contains("Error!"))
    }

    @Test func lossComesFromTheTargetBlock() throws {
        let (path, df) = try miniPascal()
        func loaders(
            _ target: any TransformBlock, getY: @escaping @Sendable (DataFrame.Row) -> any Sendable
        ) throws
            -> DataLoaders
        {
            try DataBlock(
                blocks: [ImageBlock(), target], getX: { r in path / "train" / r["fname"] }, getY: getY,
                splitter: ColSplitter("is_valid")
            ).dataloaders(df, bs: 2, seed: 1)
        }
        let single = try loaders(CategoryBlock()) {
            $0["labels"].split(separator: " ").first.map(String.init) ?? ""
        }
        let points = try loaders(PointBlock()) { _ in [6.0, 5.0] }
        #expect(single.lossFunc is CrossEntropyLossFlat)
        #expect(points.lossFunc is MSELossFlat)
        let model = Sequential(Flatten(), Linear(360, 2))
        #expect(Learner(points, model).lossFunc is MSELossFlat)
        #expect(Learner(single, model).lossFunc is CrossEntropyLossFlat)
        #expect(Learner(points, model, lossFunc: L1LossFlat()).lossFunc is L1LossFlat)
    }

    @Test func badInputsAreTypedErrors() throws {
        let (path, df) = try miniPascal()
        // A point outside its image names the item.
        let points = DataBlock(
            blocks: [ImageBlock(), PointBlock()], getX: { r in path / "train" / r["fname"] },
            getY: { _ in [50.0, 5.0] },
            splitter: ColSplitter("is_valid"))
        #expect {
            _ = try points.datasets(df).train.sample(at: 0, generator: nil)
        } throws: { error in
            guard case .pointOutsideImage(let item, _, 12, 10) = error as? VisionError else { return false }
            return item.contains("a.png")
        }
        // A corrupt image names its file.
        try Data("garbage".utf8).write(to: (path / "train" / "b.png").url)
        let images = DataBlock(
            blocks: [ImageBlock(), MultiCategoryBlock()], getX: { r in path / "train" / r["fname"] },
            getY: { $0["labels"].split(separator: " ") }, splitter: ColSplitter("is_valid"))
        #expect(
            throws: VisionError.badImage(
                path: (path / "train" / "b.png").string, reason: "not a PNG or JPEG file (bad signature)")
        ) {
            _ = try images.datasets(df).train.sample(1)
        }
        // A missing folder and an empty one.
        let files = DataBlock<Path, Path>(
            blocks: [ImageBlock(), CategoryBlock()], getItems: { try getImageFiles($0) },
            getY: { parentLabel($0 as Path) })
        #expect(throws: VisionError.missingFile(path: (path / "nope").string)) {
            try files.datasets(path / "nope")
        }
    }

    @Test func folderLayoutWithParentLabels() throws {
        let path = try temporaryFolder()
        for (split, label, index) in [
            ("train", "3", 0), ("train", "7", 1), ("valid", "3", 2), ("train", "3", 3),
        ] {
            let folder = path / split / label
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
            try Image(width: 4, height: 4, mode: .grey, bytes: Array(repeating: UInt8(index * 60), count: 16))
                .save(folder / "\(index).png")
        }
        let block = ImageBlock(cls: .grey)
        let dblock = DataBlock<Path, Path>(
            blocks: [block, CategoryBlock()], getItems: { try getImageFiles($0) },
            getY: { parentLabel($0 as Path) },
            splitter: GrandparentSplitter())
        let dsets = try dblock.datasets(path)
        #expect(dsets.train.count == 3 && dsets.valid.count == 1 && dsets.vocab?.items == ["3", "7"])
        for index in 0..<dsets.train.count { _ = try dsets.train.sample(at: index, generator: nil) }
        #expect(block.cachedCount == 3)
        // Each image was decoded once and kept: with the files gone, the items still load.
        for file in try getImageFiles(path / "train") { try FileManager.default.removeItem(at: file.url) }
        for index in 0..<dsets.train.count { _ = try dsets.train.sample(at: index, generator: nil) }
        let dls = try dsets.dataloaders(bs: 2, seed: 7)
        let chart = try dls.showBatch()
        #expect(chart.png.prefix(4) == [0x89, 0x50, 0x4E, 0x47])
    }
}
