import Foundation
import TensorCore
import Testing
import Training

@testable import Vision

struct GenFromTextTests {
    @Test func readsBiwisCalibrationAndPoseAsNumPyDoes() throws {
        let folder = try temporaryFolder()
        // Biwi's rgb.cal: NumPy's genfromtxt(skip_footer=6) drops the footer rows and keeps the first two
        // rows of the intrinsics (the 4-column distortion row counts towards the footer).
        let cal = folder / "rgb.cal"
        try Data(
            "517.679 0 320 \n0 517.679 240.5 \n0 0 1 \n\n0 0 0 0 \n\n1 0 0 \n0 1 0 \n0 0 1 \n\n0 0 0 \n".utf8
        ).write(to: cal.url)
        let intrinsics = try genfromtxt(cal, skipFooter: 6)
        #expect(intrinsics.shape == [2, 3])
        #expect(intrinsics.scalars == [517.679, 0, 320, 0, 517.679, 240.5])
        let pose = folder / "frame_00003_pose.txt"
        try Data("1 0 0 \n0 1 0 \n0 0 1 \n\n-21.5 19.25 1001.5 \n".utf8).write(to: pose.url)
        #expect(try genfromtxt(pose, skipHeader: 3).scalars == [-21.5, 19.25, 1001.5])
    }

    @Test func aRaggedRowOutsideTheFooterIsAnError() throws {
        let folder = try temporaryFolder()
        let file = folder / "ragged.txt"
        try Data("1 2 3\n4 5\n6 7 8\n".utf8).write(to: file.url)
        #expect(
            throws: VisionError.malformed(path: file.string, line: 2, reason: "got 2 columns instead of 3")
        ) {
            try genfromtxt(file)
        }
        #expect(throws: VisionError.missingFile(path: (folder / "none").string)) {
            try genfromtxt(folder / "none")
        }
    }
}

struct HeadPoseTests {
    /// The seed's `img2pose` and `get_ctr`.
    func img2pose(_ file: Path) -> Path { Path(String(file.string.dropLast(7)) + "pose.txt") }

    func getCtr(_ file: Path, cal: Tensor) throws -> (x: Double, y: Double) {
        let ctr = try genfromtxt(img2pose(file), skipHeader: 3).scalars.map(Double.init)
        let c = cal.scalars.map(Double.init)
        return (ctr[0] * c[0] / ctr[2] + c[2], ctr[1] * c[4] / ctr[2] + c[5])
    }

    @Test func generatorCentresEqualGetCtrAndTheDrawnHead() throws {
        let folder = try temporaryFolder()
        let frames = try HeadPose.generate(into: folder, subjects: 2, frames: 3)
        #expect(frames.count == 6)
        let cal = try genfromtxt(folder / "01" / "rgb.cal", skipFooter: 6)
        let files = try getImageFiles(folder)
        #expect(
            files.map(\.name).prefix(3) == [
                "frame_00003_rgb.png", "frame_00004_rgb.png", "frame_00005_rgb.png",
            ])
        for frame in frames {
            let ctr = try getCtr(frame.image, cal: cal)
            // pose.txt holds 6 decimals, so get_ctr matches the generator's centre to ~1e-4 px.
            #expect(abs(ctr.x - frame.center.x) < 1e-3 && abs(ctr.y - frame.center.y) < 1e-3)
            // Independent truth: the head is where the image differs from its subject's background.
            let image = try loadImage(frame.image)
            let subject = Int(frame.image.parent.name) ?? 0
            let background = HeadPose.background(subject: subject).map {
                UInt16(min(max($0.rounded(), 0), 255))
            }
            var (sum, sx, sy) = (0.0, 0.0, 0.0)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let offset = (y * image.width + x) * 3
                    let changed = (0..<3).contains { image.samples[offset + $0] != background[offset + $0] }
                    if changed {
                        sum += 1
                        sx += Double(x) + 0.5
                        sy += Double(y) + 0.5
                    }
                }
            }
            #expect(sum > 50)
            #expect(
                abs(sx / sum - ctr.x) < 0.5 && abs(sy / sum - ctr.y) < 0.5,
                "head at \((sx / sum, sy / sum)), get_ctr \(ctr)")
        }
    }

    @Test func pointBlockTargetsLandOnTheHead() throws {
        let folder = try temporaryFolder()
        _ = try HeadPose.generate(into: folder, subjects: 2, frames: 2)
        let cal = try genfromtxt(folder / "01" / "rgb.cal", skipFooter: 6)
        let dblock = DataBlock<Path, Path>(
            blocks: [ImageBlock(), PointBlock()], getItems: { try getImageFiles($0) },
            getY: { file in
                let ctr = try self.getCtr(file, cal: cal)
                return [ctr.x, ctr.y]
            },
            splitter: FuncSplitter<Path> { $0.parent.name == "02" },
            batchTfms: augTransforms(size: (36, 48)) + [Normalize.fromStats(imagenetStats)])
        let dls = try dblock.dataloaders(folder, bs: 2, seed: 3)
        let batch = try dls.train.oneBatch()
        #expect(batch.xs[0].shape == [2, 3, 36, 48])
        #expect(batch.ys[0].shape == [2, 1, 2])
        #expect(dls.lossFunc is MSELossFlat && dls.c == 2)
    }
}

@Suite(
    .enabled(
        if: isPrepared("fashion-mnist"), "Fashion-MNIST is not prepared in lessons/data; run `make data`"))
struct FashionMNISTDataTests {
    @Test func foldersHoldSixtyThousandAndTenThousand() throws {
        let root = dataRoot / "fashion-mnist"
        let train = try FileManager.default.contentsOfDirectory(atPath: (root / "train" / "bag").string)
        let test = try FileManager.default.contentsOfDirectory(atPath: (root / "test" / "bag").string)
        #expect(train.count == 6_000 && test.count == 1_000)
        let image = try loadImage(root / "train" / "bag" / train.sorted()[0])
        #expect(image.width == 28 && image.height == 28 && image.mode == .grey)
    }

    @Test func statsMatchTheTrainingSet() throws {
        let split = try FashionMNIST.read("train", cache: dataRoot / "fashion-mnist" / ".source")
        // A histogram of the 47 million pixel bytes gives the exact mean and population std.
        var histogram = [Int](repeating: 0, count: 256)
        for image in split.images {
            image.withUnsafeBufferPointer { bytes in for byte in bytes { histogram[Int(byte)] += 1 } }
        }
        var (sum, squares, count) = (0.0, 0.0, 0.0)
        for (byte, occurrences) in histogram.enumerated() {
            let value = Double(byte) / 255
            sum += value * Double(occurrences)
            squares += value * value * Double(occurrences)
            count += Double(occurrences)
        }
        let mean = sum / count
        let std = (squares / count - mean * mean).squareRoot()
        #expect(abs(mean - Double(fashionMNISTStats.mean[0])) < 5e-5)
        #expect(abs(std - Double(fashionMNISTStats.std[0])) < 5e-5)
    }
}

@Suite(
    .enabled(
        if: isPrepared("multi-label"), "the multi-label set is not prepared in lessons/data; run `make data`")
)
struct MultiLabelDataTests {
    @Test func csvHasTheSeedsShape() throws {
        let df = try DataFrame.readCSV(dataRoot / "multi-label" / "train.csv")
        #expect(df.columns == ["fname", "labels", "is_valid"])
        #expect(df.count == MultiLabel.count)
        #expect(df.allRows.filter { $0.value("is_valid")?.isTruthy == true }.count == 800)
        let labels = df.allRows.map { $0["labels"].split(separator: " ").map(String.init) }
        #expect(
            labels.allSatisfy { labels in
                (1...3).contains(labels.count) && Set(labels).count == labels.count
                    && labels.allSatisfy(MultiLabel.classes.contains)
            })
        // Every class appears; one, two and three items with probabilities 0.6, 0.3, 0.1 on the
        // 3,200 training canvases; three on every one of the 800 validation canvases (± 10 %).
        #expect(Set(labels.joined()) == Set(MultiLabel.classes))
        let isValid = df.allRows.map { $0.value("is_valid")?.isTruthy == true }
        for (validation, expectedCounts) in [(false, [1_920, 960, 320]), (true, [0, 0, 800])] {
            let chosen = zip(labels, isValid).filter { $0.1 == validation }.map(\.0)
            for (count, expected) in zip(1...3, expectedCounts) {
                #expect(abs(chosen.filter { $0.count == count }.count - expected) <= expected / 10)
            }
        }
    }
}

/// The canvas generator on white squares, where every lit pixel belongs to an item: what it
/// draws can be counted.
struct MultiLabelGeneratorTests {
    @Test func itemsAreLargeDistinctAndAreTheLabels() throws {
        let white = [UInt8](repeating: 255, count: 28 * 28)
        let split = FashionMNIST.Split(
            images: Array(repeating: white, count: 30), labels: (0..<30).map { $0 % 10 })
        let pools = MultiLabel.pools(of: split)
        #expect(pools.map(\.count) == Array(repeating: 3, count: MultiLabel.classes.count))
        var generator = SplitMix64(seed: 1)
        var counts = [0, 0, 0]
        for _ in 0..<300 {
            let (image, labels) = try MultiLabel.canvas(from: split, pools: pools, using: &generator)
            #expect((1...3).contains(labels.count) && Set(labels).count == labels.count)
            #expect(labels.allSatisfy(MultiLabel.classes.contains))
            counts[labels.count - 1] += 1
            let lit = image.samples.filter { $0 > 0 }.count
            let sides = MultiLabel.sides(forItemCount: labels.count)
            // At least the smallest item's square; one item is exactly its square.
            #expect(lit >= sides.lowerBound * sides.lowerBound)
            if labels.count == 1 { #expect(lit <= sides.upperBound * sides.upperBound) }
        }
        // 180, 90 and 30 expected.
        #expect(
            (150...210).contains(counts[0]) && (65...115).contains(counts[1]) && (15...45).contains(counts[2])
        )
    }

    @Test func validationCanvasesAreBusier() {
        let counts = { (validation: Bool) in
            (0..<10).map { MultiLabel.itemCount(draw: UInt64($0), validation: validation) }
        }
        #expect(counts(false) == [1, 1, 1, 1, 1, 1, 2, 2, 2, 3])
        #expect(counts(true) == Array(repeating: 3, count: 10))
    }
}

@Suite(.enabled(if: isPrepared("digits"), "the digits are not prepared in lessons/data; run `make data`"))
struct DigitsDataTests {
    @Test func fiveThousandCellsInAFixedSplit() throws {
        let files = try getImageFiles(dataRoot / "digits")
        #expect(files.count == 5_000)
        #expect(files.filter { $0.parent.parent.name == "valid" }.count == 1_000)
        #expect(Set(files.map(parentLabel)) == Set((0..<10).map(String.init)))
        #expect(try loadImage(files[0]).width == 20)
    }
}
