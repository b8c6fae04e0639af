import Foundation
import TensorCore
import Training

@testable import Vision

/// A fresh folder under the system's temporary directory.
func temporaryFolder(_ name: String = #function) throws -> Path {
    let folder = Path(FileManager.default.temporaryDirectory.path) / "khru-vision-\(UUID().uuidString)"
    try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
    return folder
}

/// The data root of this checkout (`lessons/data`), where `khru data` prepares the datasets.
let dataRoot =
    Path(
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path) / "lessons" / "data"

/// Whether `khru data` has prepared `name` here.
func isPrepared(_ name: String) -> Bool { (dataRoot / name / Preparation.stampName).exists }

/// A `[C, H, W]` image that is black except for a Gaussian blob (σ = 1.2 px) centred at (`x`, `y`)
/// in pixel coordinates (x from the left edge; a pixel's centre is at `column + 0.5`).
func blobImage(width: Int, height: Int, x: Double, y: Double, channels: Int = 1) -> Tensor {
    var scalars = [Float](repeating: 0, count: channels * width * height)
    for row in 0..<height {
        for column in 0..<width {
            let dx = Double(column) + 0.5 - x
            let dy = Double(row) + 0.5 - y
            let value = Float(255 * exp(-(dx * dx + dy * dy) / (2 * 1.2 * 1.2)))
            for channel in 0..<channels { scalars[(channel * height + row) * width + column] = value }
        }
    }
    return Tensor(shape: [channels, height, width], scalars: scalars)
}

/// The brightness-weighted centre of the first channel of a `[C, H, W]` image, in pixel coordinates.
func centroid(_ image: Tensor) -> (x: Double, y: Double) {
    let (height, width) = (image.shape[1], image.shape[2])
    let scalars = image.scalars
    let peak = scalars.prefix(width * height).max() ?? 0
    var (sum, sx, sy) = (0.0, 0.0, 0.0)
    for row in 0..<height {
        for column in 0..<width {
            let value = Double(scalars[row * width + column])
            guard value > Double(peak) * 0.05 else { continue }
            sum += value
            sx += value * (Double(column) + 0.5)
            sy += value * (Double(row) + 0.5)
        }
    }
    return (sx / sum, sy / sum)
}

/// A normalized point `[-1, 1]` of an image `width × height`, in pixels.
func pixels(_ point: Tensor, width: Int, height: Int) -> (x: Double, y: Double) {
    let values = point.scalars
    return ((Double(values[0]) + 1) * Double(width) / 2, (Double(values[1]) + 1) * Double(height) / 2)
}
