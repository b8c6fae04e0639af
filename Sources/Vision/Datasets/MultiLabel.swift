import Foundation
import TensorCore
import Training

extension DataSource {
    /// The course's multi-label set (its "PASCAL 2007"), generated from Fashion-MNIST.
    ///
    /// 4,000 64×64 canvases, each with 1–3 Fashion-MNIST items at random places and sizes, and
    /// `train.csv` of the seed's shape — `fname`, `labels` (space-separated class names),
    /// `is_valid` (`True`/`False`) — with the images in `train/` (see ``MultiLabel``).
    public static let multiLabel = DataSource("multi-label") { folder in try MultiLabel.prepare(in: folder) }
}

/// Canvases of Fashion-MNIST items with their class names as labels.
///
/// Canvas `i` is a validation item when `i % 5 == 0` (800 of 4,000); its items come from
/// Fashion-MNIST's test split, the training canvases' from its training split. Each item is
/// scaled to a side of 22–40 pixels and placed where it overlaps earlier items by at most a sixth
/// of its area (the brighter pixel wins where they touch). Labels list each class once, in the
/// order the items were placed. One SplitMix64 stream seeded with ``seed`` draws everything.
public enum MultiLabel {
    /// The canvas side.
    public static let canvasSize = 64
    /// The number of canvases.
    public static let count = 4_000
    /// The seed of the generator.
    public static let seed: UInt64 = 2007
    static let version = "multi-label 1"

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
        var generator = SplitMix64(seed: seed)
        var csv = "fname,labels,is_valid\n"
        var written: [Preparation.Entry] = []
        for index in 0..<count {
            let isValid = index % 5 == 0
            let (image, labels) = try canvas(from: isValid ? test : train, using: &generator)
            let name = String(format: "%05d.png", index)
            written.append(try Preparation.writePNG(image, folder: folder, name: "train/" + name))
            csv += "\(name),\(labels.joined(separator: " ")),\(isValid ? "True" : "False")\n"
        }
        written.append(try Preparation.writeText(csv, folder: folder, name: "train.csv"))
        return written
    }

    /// One canvas and its labels.
    static func canvas(
        from split: FashionMNIST.Split, using generator: inout SplitMix64
    ) throws(VisionError) -> (Image, [String]) {
        let side = canvasSize
        var pixels = [Float](repeating: 0, count: side * side)
        var boxes: [(x: Int, y: Int, size: Int)] = []
        var labels: [String] = []
        let itemCount = 1 + Int(generator.next() % 3)
        for _ in 0..<itemCount {
            let source = Int(generator.next() % UInt64(split.images.count))
            let size = 22 + Int(generator.next() % 19)
            var placed = (x: 0, y: 0, size: size)
            for attempt in 0..<30 {
                placed = (
                    Int(generator.next() % UInt64(side - size + 1)),
                    Int(generator.next() % UInt64(side - size + 1)), size
                )
                let worst = boxes.map { overlap(placed, $0) }.max() ?? 0
                if worst * 6 <= size * size || attempt == 29 { break }
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
            let label = FashionMNIST.classes[split.labels[source]]
            if !labels.contains(label) { labels.append(label) }
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
