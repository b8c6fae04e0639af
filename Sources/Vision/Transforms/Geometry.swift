import Foundation
import TensorCore

/// How a transform fills pixels that come from outside the image (fastai `PadMode`).
public enum PadMode: Sendable, Hashable {
    /// Mirror the image at its edges (fastai's default).
    case reflection
    /// Black.
    case zeros
    /// Repeat the edge pixels.
    case border
}

/// A projective map of normalized image coordinates, from an output position to the input position
/// it samples.
///
/// Coordinates run from −1 at the left (top) edge of the image to 1 at its right (bottom) edge, the
/// convention of ``PointScaler``, so a pixel's centre `c` (in pixels) sits at `(2c + 1)/size − 1`.
/// Images are resampled through the map and points through its inverse, which is why a point stays
/// on the pixel it marks through every crop, resize, flip, rotation, zoom and warp. (fastai's
/// `grid_sample` uses `align_corners=True`, which moves points up to half a pixel off their pixels.)
struct Homography: Sendable, Equatable {
    /// Row-major 3×3 entries.
    var m: [Double]

    static let identity = Homography(m: [1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// An affine map `[[a, b, c], [d, e, f]]`.
    static func affine(
        _ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double
    ) -> Homography {
        Homography(m: [a, b, c, d, e, f, 0, 0, 1])
    }

    /// The map sampling the crop box (in input pixels) of a `width × height` input into the whole output.
    static func crop(
        x: Double, y: Double, width cropWidth: Double, height cropHeight: Double, inputWidth: Int,
        inputHeight: Int
    ) -> Homography {
        let (w, h) = (Double(inputWidth), Double(inputHeight))
        return .affine(
            cropWidth / w, 0, (2 * x + cropWidth) / w - 1, 0, cropHeight / h, (2 * y + cropHeight) / h - 1)
    }

    static func * (lhs: Homography, rhs: Homography) -> Homography {
        var out = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                var sum = 0.0
                for k in 0..<3 { sum += lhs.m[row * 3 + k] * rhs.m[k * 3 + column] }
                out[row * 3 + column] = sum
            }
        }
        return Homography(m: out)
    }

    /// Where `(x, y)` goes.
    func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        let w = m[6] * x + m[7] * y + m[8]
        return ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    /// The inverse map (by the adjugate; the maps used here are never singular).
    var inverse: Homography {
        let a = m
        let c00 = a[4] * a[8] - a[5] * a[7]
        let c01 = a[5] * a[6] - a[3] * a[8]
        let c02 = a[3] * a[7] - a[4] * a[6]
        let det = a[0] * c00 + a[1] * c01 + a[2] * c02
        let inv = [
            c00, a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
            c01, a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
            c02, a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3],
        ]
        return Homography(m: inv.map { $0 / det })
    }

    /// The perspective map taking the four points `from` to `to` (solved as an 8×8 linear system).
    static func perspective(from: [(Double, Double)], to: [(Double, Double)]) -> Homography {
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 8)
        for index in 0..<4 {
            let (x, y) = from[index]
            let (u, v) = to[index]
            matrix[2 * index] = [x, y, 1, 0, 0, 0, -u * x, -u * y, u]
            matrix[2 * index + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y, v]
        }
        for column in 0..<8 {
            let pivot = (column..<8).max { abs(matrix[$0][column]) < abs(matrix[$1][column]) } ?? column
            matrix.swapAt(column, pivot)
            let scale = matrix[column][column]
            guard abs(scale) > 1e-12 else { return .identity }
            for k in column..<9 { matrix[column][k] /= scale }
            for row in 0..<8 where row != column {
                let factor = matrix[row][column]
                if factor != 0 { for k in column..<9 { matrix[row][k] -= factor * matrix[column][k] } }
            }
        }
        return Homography(m: (0..<8).map { matrix[$0][8] } + [1])
    }
}

/// Resamples `[C, H, W]` (or `[N, C, H, W]` with one map per image) bilinearly through `maps`.
func resample(_ images: Tensor, height: Int, width: Int, maps: [Homography], padMode: PadMode) -> Tensor {
    let isBatch = images.rank == 4
    let shape = isBatch ? images.shape : [1] + images.shape
    let (count, channels, inHeight, inWidth) = (shape[0], shape[1], shape[2], shape[3])
    var output = [Float](repeating: 0, count: count * channels * height * width)
    images.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
            for image in 0..<count {
                let m = maps[min(image, maps.count - 1)].m
                let (m0, m1, m2, m3, m4, m5, m6, m7, m8) = (
                    m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
                )
                for row in 0..<height {
                    let v = (2 * Double(row) + 1) / Double(height) - 1
                    for column in 0..<width {
                        let u = (2 * Double(column) + 1) / Double(width) - 1
                        let w = m6 * u + m7 * v + m8
                        let (x, y) = ((m0 * u + m1 * v + m2) / w, (m3 * u + m4 * v + m5) / w)
                        let sx = ((x + 1) * Double(inWidth) - 1) / 2
                        let sy = ((y + 1) * Double(inHeight) - 1) / 2
                        let taps = bilinearTaps(sx, sy, width: inWidth, height: inHeight, padMode: padMode)
                        for channel in 0..<channels {
                            let base = (image * channels + channel) * inHeight * inWidth
                            var value: Float = 0
                            for tap in 0..<4 where taps.weights[tap] != 0 {
                                value += taps.weights[tap] * input[base + taps.offsets[tap]]
                            }
                            out[((image * channels + channel) * height + row) * width + column] = value
                        }
                    }
                }
            }
        }
    }
    let outShape = isBatch ? [count, channels, height, width] : [channels, height, width]
    return Tensor(shape: outShape, scalars: output)
}

/// The four source offsets and weights of a bilinear sample at pixel coordinates (`sx`, `sy`).
@inline(__always)
private func bilinearTaps(
    _ sx: Double, _ sy: Double, width: Int, height: Int, padMode: PadMode
) -> (offsets: SIMD4<Int>, weights: SIMD4<Float>) {
    var x = sx
    var y = sy
    if padMode == .reflection {
        x = reflect(x, size: width)
        y = reflect(y, size: height)
    }
    if padMode != .zeros {
        x = min(max(x, 0), Double(width - 1))
        y = min(max(y, 0), Double(height - 1))
    }
    let x0 = Int(x.rounded(.down))
    let y0 = Int(y.rounded(.down))
    let fx = Float(x - Double(x0))
    let fy = Float(y - Double(y0))
    var offsets = SIMD4<Int>(repeating: 0)
    var weights = SIMD4<Float>((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
    for tap in 0..<4 {
        let px = x0 + (tap & 1)
        let py = y0 + (tap >> 1)
        if (px < 0 || px >= width || py < 0 || py >= height) && (padMode == .zeros || weights[tap] == 0) {
            weights[tap] = 0
            continue
        }
        offsets[tap] = min(max(py, 0), height - 1) * width + min(max(px, 0), width - 1)
    }
    return (offsets, weights)
}

/// `x` reflected into the image's extent [−0.5, size − 0.5] (the edges of its first and last pixels).
private func reflect(_ x: Double, size: Int) -> Double {
    let low = -0.5
    let span = Double(size)
    guard x < low || x > low + span else { return x }
    var t = (x - low).truncatingRemainder(dividingBy: 2 * span)
    if t < 0 { t += 2 * span }
    return low + (t > span ? 2 * span - t : t)
}

/// Moves normalized points `[n, 2]` (or `[N, n, 2]` with one map per image) through the inverse of
/// each output→input map, so they follow the pixels they mark.
func movePoints(_ points: Tensor, maps: [Homography]) -> Tensor {
    var scalars = points.scalars
    let perImage = points.rank == 3 ? points.shape[1] * 2 : scalars.count
    guard perImage > 0 else { return points }
    let inverses = maps.map(\.inverse)
    for pair in stride(from: 0, to: scalars.count - 1, by: 2) {
        let map = inverses[min(pair / perImage, inverses.count - 1)]
        let (x, y) = map.apply(Double(scalars[pair]), Double(scalars[pair + 1]))
        scalars[pair] = Float(x)
        scalars[pair + 1] = Float(y)
    }
    return Tensor(shape: points.shape, scalars: scalars)
}
