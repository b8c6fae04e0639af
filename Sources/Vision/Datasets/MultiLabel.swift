import Foundation
import TensorCore
import Training

extension DataSource {
    /// The course's multi-label set (its "PASCAL 2007"), generated from Fashion-MNIST.
    ///
    /// 4,000 64×64 canvases, each with 1–3 large Fashion-MNIST items of different classes (busier in
    /// the validation set), and `train.csv` of the seed's shape — `fname`, `labels` (space-separated
    /// class names), `is_valid` (`True`/`False`) — with the images in `train/` (see ``MultiLabel``).
    public static let multiLabel = DataSource("multi-label") { folder in try MultiLabel.prepare(in: folder) }
}

/// Canvases of Fashion-MNIST items with their class names as labels.
///
/// Canvas `i` is a validation item when `i % 5 == 0` (800 of 4,000); its items come from
/// Fashion-MNIST's test split, the training canvases' from its training split. A training canvas
/// holds one item (probability 0.6), two (0.3) or three (0.1), about PASCAL's objects per image; a
/// validation canvas is busier: it always holds three — a shift between training and validation
/// that lesson 03's threshold curve shows (see ``itemCount(draw:validation:)``). The items are of
/// *different* classes among ``classes`` — six garments a Fashion-MNIST classifier rarely confuses —
/// so a canvas's labels are exactly its items. The items are large for the canvas, near the scale the
/// course's bodies were pretrained at (a side of 56–64 pixels alone, 44–52 in pairs, 34–42 in
/// threes), each placed at the least-overlapping of up to 40 random places (the first that overlaps
/// earlier items by at most a fifth of its area; the brighter pixel wins where they touch), so that
/// a `RandomResizedCrop` keeping 35 % of the area keeps part of every labelled item. One SplitMix64
/// stream seeded with ``seed`` draws everything.
public enum MultiLabel {
    /// The canvas side.
    public static let canvasSize = 64
    /// The number of canvases.
    public static let count = 4_000
    /// The seed of the generator.
    public static let seed: UInt64 = 2007
    /// The classes drawn on the canvases, in Fashion-MNIST's order: its well-separated garments
    /// (the often-confused shirt, pullover, coat and sneaker are left out).
    public static let classes = ["tshirt", "trouser", "dress", "sandal", "bag", "ankle_boot"]
    static let version = "multi-label 4"

    /// Makes sure `folder` holds the canvases and `train.csv`; a prepared folder is left alone.
    ///
    /// - Throws: ``VisionError/preparationFailed(dataset:reason:)`` when Fashion-MNIST's package
    ///   cannot be fetched.
    public static func prepare(in folder: Path) throws(VisionError) {
        try Preparation.once(folder, dataset: "multi-label", version: version) { () throws(VisionError) in
            try generate(into: folder)
        }
    }

    private static func generate(into folder: Path) throws(VisionError) -> [Preparation.Entry] {
        let cache = folder.parent / "fashion-mnist" / ".source"
        let train = try FashionMNIST.read("train", cache: cache)
        let test = try FashionMNIST.read("t10k", cache: cache)
        let trainPools = pools(of: train)
        let testPools = pools(of: test)
        var generator = SplitMix64(seed: seed)
        var csv = "fname,labels,is_valid\n"
        var written: [Preparation.Entry] = []
        for index in 0..<count {
            let isValid = index % 5 == 0
            let (image, labels) = try canvas(
                from: isValid ? test : train, pools: isValid ? testPools : trainPools, validation: isValid,
                using: &generator)
            let name = String(format: "%05d.png", index)
            written.append(try Preparation.writePNG(image, folder: folder, name: "train/" + name))
            csv += "\(name),\(labels.joined(separator: " ")),\(isValid ? "True" : "False")\n"
        }
        written.append(try Preparation.writeText(csv, folder: folder, name: "train.csv"))
        return written
    }

    /// The indices of `split`'s images of each of ``classes``, in that order.
    static func pools(of split: FashionMNIST.Split) -> [[Int]] {
        classes.map { name in
            let label = FashionMNIST.classes.firstIndex(of: name) ?? 0
            return split.labels.indices.filter { split.labels[$0] == label }
        }
    }

    /// The number of items on a canvas for `draw`, a uniform draw from 0 to 9: one, two or three
    /// with probabilities 0.6, 0.3, 0.1 on a training canvas; always three on a validation one.
    ///
    /// The validation pictures are busier than the training ones, as the photos a model meets in use
    /// often are: a garment is present in half of the validation (image, class) pairs against a quarter
    /// in training, and every one shares its canvas with two others at the smaller size of threes. A
    /// model's probabilities, learned at the training frequencies, run low there, and the best threshold on
    /// the validation set lies below 0.5.
    static func itemCount(draw: UInt64, validation: Bool) -> Int {
        validation ? 3 : (draw < 6 ? 1 : draw < 9 ? 2 : 3)
    }

    /// The range of item sides for a canvas of `itemCount` items.
    static func sides(forItemCount itemCount: Int) -> ClosedRange<Int> {
        switch itemCount {
        case 1: 56...64
        case 2: 44...52
        default: 34...42
        }
    }

    /// One canvas and its labels; `validation` draws the validation set's busier item counts.
    static func canvas(
        from split: FashionMNIST.Split, pools: [[Int]], validation: Bool = false,
        using generator: inout SplitMix64
    ) throws(VisionError) -> (Image, [String]) {
        let side = canvasSize
        var pixels = [Float](repeating: 0, count: side * side)
        var boxes: [(x: Int, y: Int, size: Int)] = []
        var labels: [String] = []
        let itemCount = itemCount(draw: generator.next() % 10, validation: validation)
        var remaining = Array(classes.indices)
        let sizes = sides(forItemCount: itemCount)
        for _ in 0..<itemCount {
            let classIndex = remaining.remove(at: Int(generator.next() % UInt64(remaining.count)))
            let pool = pools[classIndex]
            let source = pool[Int(generator.next() % UInt64(pool.count))]
            let size = sizes.lowerBound + Int(generator.next() % UInt64(sizes.count))
            var placed = (x: 0, y: 0, size: size)
            var leastOverlap = Int.max
            for _ in 0..<40 {
                let candidate = (
                    x: Int(generator.next() % UInt64(side - size + 1)),
                    y: Int(generator.next() % UInt64(side - size + 1)), size: size
                )
                let worst = boxes.map { overlap(candidate, $0) }.max() ?? 0
                if worst < leastOverlap {
                    placed = candidate
                    leastOverlap = worst
                }
                if worst * 5 <= size * size { break }
            }
            boxes.append(placed)
            let item = Tensor(shape: [1, 28, 28], scalars: split.images[source].map(Float.init))
            let scaled = resample(item, height: size, width: size, maps: [.identity], padMode: .zeros).scalars
            for y in 0..<size {
                for x in 0..<size {
                    let offset = (placed.y + y) * side + placed.x + x
                    pixels[offset] = max(pixels[offset], scaled[y * size + x])
                }
            }
            labels.append(classes[classIndex])
        }
        let bytes = pixels.map { UInt8(min(max($0.rounded(), 0), 255)) }
        return (try Image(width: side, height: side, mode: .grey, bytes: bytes), labels)
    }

    private static func overlap(_ a: (x: Int, y: Int, size: Int), _ b: (x: Int, y: Int, size: Int)) -> Int {
        let width = min(a.x + a.size, b.x + b.size) - max(a.x, b.x)
        let height = min(a.y + a.size, b.y + b.size) - max(a.y, b.y)
        return max(width, 0) * max(height, 0)
    }
}
