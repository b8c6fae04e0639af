import Checksums
import Foundation
import Training

extension DataSource {
    /// Fashion-MNIST (Zalando, MIT): 70,000 28×28 grey images of 10 kinds of clothing, the course's
    /// pretraining set, as PNG folders `train/<class>/NNNNN.png` (60,000) and `test/<class>/NNNNN.png`
    /// (10,000), prepared from the Debian package `dataset-fashion-mnist` (fastai-style
    /// `untarData(.fashionMNIST)`; split with `GrandparentSplitter(validName: "test")`).
    public static let fashionMNIST = DataSource("fashion-mnist") { folder in
        try FashionMNIST.prepare(in: folder)
    }
}

/// Fashion-MNIST from Debian's `dataset-fashion-mnist`, written out as PNG folders.
public enum FashionMNIST {
    /// The class folder names, in label order (0 = T-shirt/top … 9 = Ankle boot).
    public static let classes = [
        "tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot",
    ]
    static let package = "dataset-fashion-mnist"
    static let memberFolder = "./usr/share/datasets/fashion-mnist/"
    /// SHA-256 of the four gzip'd IDX files the package ships.
    static let sources: [(name: String, sha256: String)] = [
        ("train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
        ("train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
        ("t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
        ("t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
    ]
    static let version = "fashion-mnist 1"

    /// One split's images (28×28 bytes each) and labels.
    struct Split {
        var images: [[UInt8]]
        var labels: [Int]
    }

    /// Makes sure `folder` holds the PNG folders; a prepared folder is left alone ("nothing to do").
    ///
    /// - Throws: ``VisionError/preparationFailed(dataset:reason:)`` naming the package when it
    ///   cannot be fetched, or a checksum or format is wrong.
    public static func prepare(in folder: Path) throws(VisionError) {
        try Preparation.once(folder, dataset: "fashion-mnist", version: version) { () throws(VisionError) in
            var written: [Preparation.Entry] = []
            for (splitName, prefix) in [("train", "train"), ("test", "t10k")] {
                let split = try read(prefix, cache: folder / ".source")
                written += try writePNGs(split, folder: folder, split: splitName)
            }
            return written
        }
    }

    /// Reads a split (`train` or `t10k`) from the package's IDX files, fetched into `cache` if needed.
    static func read(_ prefix: String, cache: Path) throws(VisionError) -> Split {
        _ = try Preparation.debianFiles(
            package: package, members: sources.map { (memberFolder + $0.name, $0.sha256) }, cache: cache,
            dataset: "fashion-mnist")
        var files: [String: [UInt8]] = [:]
        for source in sources where source.name.hasPrefix(prefix) {
            files[source.name] = try Preparation.gunzip(cache / source.name, dataset: "fashion-mnist")
        }
        let images = try idx(files["\(prefix)-images-idx3-ubyte.gz"] ?? [], magic: 0x803, name: prefix)
        let labels = try idx(files["\(prefix)-labels-idx1-ubyte.gz"] ?? [], magic: 0x801, name: prefix)
        guard images.count == labels.count, images.itemSize == 28 * 28 else {
            throw .preparationFailed(
                dataset: "fashion-mnist", reason: "\(prefix): \(images.count) images, \(labels.count) labels")
        }
        let pixels = (0..<images.count).map { Array(images.bytes[$0 * 784..<($0 + 1) * 784]) }
        return Split(images: pixels, labels: labels.bytes.map(Int.init))
    }

    /// The items of an IDX file: their count, bytes per item and all item bytes.
    private static func idx(
        _ bytes: [UInt8], magic: UInt32, name: String
    ) throws(VisionError) -> (
        count: Int, itemSize: Int, bytes: [UInt8]
    ) {
        func word(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        guard bytes.count >= 8, UInt32(word(0)) == magic else {
            throw .preparationFailed(
                dataset: "fashion-mnist", reason: "\(name): not an IDX file of magic \(magic)")
        }
        let dimensions = Int(magic & 0xFF)
        let header = 4 + 4 * dimensions
        let count = word(4)
        let itemSize = (1..<dimensions).map { word(4 + 4 * $0) }.reduce(1, *)
        guard bytes.count == header + count * itemSize else {
            throw .preparationFailed(
                dataset: "fashion-mnist", reason: "\(name): IDX size does not match its header")
        }
        return (count, itemSize, Array(bytes[header...]))
    }

    /// Writes `split/<class>/NNNNN.png` for every image, on two threads.
    private static func writePNGs(
        _ split: Split, folder: Path, split name: String
    ) throws(VisionError) -> [(
        name: String, sha256: String, size: Int
    )] {
        for label in classes { try Preparation.makeFolder(folder / name / label) }
        let results = ParallelResults<Preparation.Entry>(count: split.images.count)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for index in stride(from: worker, to: split.images.count, by: 2) {
                results.set(index) { () throws(VisionError) in
                    let image = try Image(width: 28, height: 28, mode: .grey, bytes: split.images[index])
                    let file = "\(name)/\(classes[split.labels[index]])/" + String(format: "%05d.png", index)
                    return try Preparation.writePNG(image, folder: folder, name: file)
                }
            }
        }
        return try results.values()
    }
}

/// Results filled in by parallel workers, index by index; the first error wins.
final class ParallelResults<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    private var error: VisionError?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ make: () throws(VisionError) -> Value) {
        do {
            let value = try make()
            lock.withLock { slots[index] = value }
        } catch {
            lock.withLock { if self.error == nil { self.error = error } }
        }
    }

    func values() throws(VisionError) -> [Value] {
        let (error, slots) = lock.withLock { (self.error, self.slots) }
        if let error { throw error }
        return slots.compactMap { $0 }
    }
}
