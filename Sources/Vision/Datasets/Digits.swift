import Foundation
import Training

extension DataSource {
    /// OpenCV's 5,000 handwritten digits (`digits.png` from the Debian package `opencv-doc`), the
    /// transfer-learning target (the course's "pets"): 20×20 grey PNGs in `train/<digit>/` (4,000)
    /// and `valid/<digit>/` (1,000), split by ``Digits/isValid(column:)``.
    public static let digits = DataSource("digits") { folder in try Digits.prepare(in: folder) }
}

/// OpenCV's `digits.png` (2000×1000: 50 rows of 100 cells of 20×20; digit `d` fills rows `5d…5d+4`)
/// cut into labelled PNGs.
public enum Digits {
    static let package = "opencv-doc"
    static let member = "./usr/share/doc/opencv-doc/examples/data/digits.png"
    static let sha256 = "60c917758ef97cc090f35cd8e293e4de691ef942847da0ff80dedab33d57c662"
    static let version = "digits 1"
    /// The side of a cell.
    public static let cellSize = 20

    /// The fixed split: the cells of every fifth column (column index 4, 9, …, 99) are validation
    /// items, so each digit has 400 training and 100 validation images from all its writers' rows.
    public static func isValid(column: Int) -> Bool { column % 5 == 4 }

    /// Makes sure `folder` holds the digit PNGs; a prepared folder is left alone ("nothing to do").
    ///
    /// - Throws: ``VisionError/preparationFailed(dataset:reason:)`` naming the package when it
    ///   cannot be fetched or `digits.png` is not the expected file.
    public static func prepare(in folder: Path) throws(VisionError) {
        try Preparation.once(folder, dataset: "digits", version: version) { () throws(VisionError) in
            try cut(into: folder)
        }
    }

    private static func cut(into folder: Path) throws(VisionError) -> [Preparation.Entry] {
        let files = try Preparation.debianFiles(
            package: package, members: [(member, sha256)], cache: folder / ".source", dataset: "digits")
        let sheet = try loadImage(files[0]).converted(to: .grey)
        guard sheet.width == 100 * cellSize, sheet.height == 50 * cellSize else {
            throw .preparationFailed(
                dataset: "digits", reason: "digits.png is \(sheet.width)×\(sheet.height), not 2000×1000")
        }
        var written: [Preparation.Entry] = []
        for row in 0..<50 {
            for column in 0..<100 {
                var cell = [UInt16](repeating: 0, count: cellSize * cellSize)
                for y in 0..<cellSize {
                    let start = (row * cellSize + y) * sheet.width + column * cellSize
                    cell.replaceSubrange(
                        y * cellSize..<(y + 1) * cellSize, with: sheet.samples[start..<start + cellSize])
                }
                let image = try Image(width: cellSize, height: cellSize, mode: .grey, samples: cell)
                let split = isValid(column: column) ? "valid" : "train"
                let name = "\(split)/\(row / 5)/" + String(format: "%04d.png", row * 100 + column)
                written.append(try Preparation.writePNG(image, folder: folder, name: name))
            }
        }
        return written
    }
}
