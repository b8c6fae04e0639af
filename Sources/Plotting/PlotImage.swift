/// A grey or RGB picture handed to a chart, stored as 8-bit samples.
///
/// Float pixels are clamped to `range` and mapped to 0…255, so a normalized tensor ([0, 1]) or raw
/// bytes converted to Float (0…255) both work.
public struct PlotImage: Sendable, Hashable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// Interleaved samples, row-major, `height × width × channels`.
    public let samples: [UInt8]

    /// A grey image from bytes (0 = black).
    ///
    /// - Precondition: `pixels.count == width * height`.
    public init(grey pixels: [UInt8], width: Int, height: Int) {
        precondition(pixels.count == width * height, "grey image: \(pixels.count) ≠ \(width)×\(height)")
        self.width = width
        self.height = height
        channels = 1
        samples = pixels
    }

    /// A grey image from floats in `range` (default 0…1).
    ///
    /// - Precondition: `pixels.count == width * height`.
    public init(grey pixels: [Float], width: Int, height: Int, range: ClosedRange<Float> = 0...1) {
        self.init(grey: PlotImage.bytes(pixels, range: range), width: width, height: height)
    }

    /// An RGB image from interleaved bytes (`r, g, b, r, g, b, …`).
    ///
    /// - Precondition: `pixels.count == 3 * width * height`.
    public init(rgb pixels: [UInt8], width: Int, height: Int) {
        precondition(pixels.count == 3 * width * height, "RGB image: \(pixels.count) ≠ 3×\(width)×\(height)")
        self.width = width
        self.height = height
        channels = 3
        samples = pixels
    }

    /// An RGB image from interleaved floats in `range` (default 0…1).
    ///
    /// - Precondition: `pixels.count == 3 * width * height`.
    public init(rgb pixels: [Float], width: Int, height: Int, range: ClosedRange<Float> = 0...1) {
        self.init(rgb: PlotImage.bytes(pixels, range: range), width: width, height: height)
    }

    /// An RGB image from channel-first (planar, `C×H×W`) floats, as tensors store them.
    ///
    /// - Precondition: `pixels.count == 3 * width * height`.
    public init(planarRGB pixels: [Float], width: Int, height: Int, range: ClosedRange<Float> = 0...1) {
        precondition(pixels.count == 3 * width * height, "planar RGB: \(pixels.count) ≠ 3×\(width)×\(height)")
        let plane = width * height
        var interleaved = [Float](repeating: 0, count: pixels.count)
        for index in 0..<plane {
            interleaved[3 * index] = pixels[index]
            interleaved[3 * index + 1] = pixels[plane + index]
            interleaved[3 * index + 2] = pixels[2 * plane + index]
        }
        self.init(rgb: interleaved, width: width, height: height, range: range)
    }

    private static func bytes(_ values: [Float], range: ClosedRange<Float>) -> [UInt8] {
        let span = range.upperBound - range.lowerBound
        return values.map { value in
            guard value.isFinite, span > 0 else { return 0 }
            let t = (min(max(value, range.lowerBound), range.upperBound) - range.lowerBound) / span
            return UInt8((t * 255).rounded())
        }
    }

    /// The colour of pixel (`x`, `y`).
    public func color(x: Int, y: Int) -> Color {
        let index = (y * width + x) * channels
        if channels == 1 {
            let v = samples[index]
            return Color(red: v, green: v, blue: v)
        }
        return Color(red: samples[index], green: samples[index + 1], blue: samples[index + 2])
    }

    /// The area-weighted mean colour of the source box [x0, x1) × [y0, y1) in pixel units.
    func average(x0: Double, x1: Double, y0: Double, y1: Double) -> Color {
        var sums = [0.0, 0.0, 0.0]
        var total = 0.0
        let firstRow = max(Int(y0.rounded(.down)), 0)
        let lastRow = min(Int(y1.rounded(.up)), height)
        let firstColumn = max(Int(x0.rounded(.down)), 0)
        let lastColumn = min(Int(x1.rounded(.up)), width)
        for y in firstRow..<max(lastRow, firstRow + 1) where y < height {
            let wy = min(Double(y + 1), y1) - max(Double(y), y0)
            for x in firstColumn..<max(lastColumn, firstColumn + 1) where x < width {
                let wx = min(Double(x + 1), x1) - max(Double(x), x0)
                let w = max(wx, 0) * max(wy, 0)
                guard w > 0 else { continue }
                let c = color(x: x, y: y)
                sums[0] += w * Double(c.red)
                sums[1] += w * Double(c.green)
                sums[2] += w * Double(c.blue)
                total += w
            }
        }
        guard total > 0 else { return .black }
        func channel(_ sum: Double) -> UInt8 { UInt8(min(max((sum / total).rounded(), 0), 255)) }
        return Color(red: channel(sums[0]), green: channel(sums[1]), blue: channel(sums[2]))
    }
}
