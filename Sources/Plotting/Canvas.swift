/// The shape drawn at a data point.
public enum Marker: Sendable, Hashable {
    /// A filled disc.
    case circle
    /// A filled square.
    case square
    /// A filled diamond.
    case diamond
    /// A filled triangle pointing up.
    case triangle
    /// A "+" made of two strokes.
    case plus
    /// An "×" made of two strokes.
    case cross
}

/// An RGBA raster that draws in CSS pixels at a higher device-pixel density.
///
/// Every coordinate and length is in CSS pixels; the canvas multiplies by ``scale`` (2 by default), so a
/// 640×400 canvas is a 1280×800 PNG that stays crisp on Hi-DPI screens. One-CSS-pixel lines drawn at
/// half-pixel positions (`x.5`) cover whole device-pixel pairs, so they stay crisp when shown at 1×.
public struct Canvas: Sendable {
    /// Width in CSS pixels.
    public let width: Int
    /// Height in CSS pixels.
    public let height: Int
    /// Device pixels per CSS pixel.
    public let scale: Int
    /// Device-pixel RGBA bytes, row-major, straight alpha.
    public private(set) var pixels: [UInt8]
    /// Drawing outside this rectangle (CSS pixels) is discarded; `nil` draws everywhere.
    public var clip: Rect?

    /// Width in device pixels.
    public var pixelWidth: Int { width * scale }
    /// Height in device pixels.
    public var pixelHeight: Int { height * scale }

    /// A canvas filled with `background`.
    ///
    /// - Precondition: `width`, `height` and `scale` are positive.
    public init(width: Int, height: Int, scale: Int = 2, background: Color = .white) {
        precondition(width > 0 && height > 0 && scale > 0, "canvas \(width)×\(height) at \(scale)× is empty")
        self.width = width
        self.height = height
        self.scale = scale
        let count = width * scale * height * scale
        var bytes = [UInt8](repeating: 0, count: count * 4)
        for index in 0..<count {
            bytes[4 * index] = background.red
            bytes[4 * index + 1] = background.green
            bytes[4 * index + 2] = background.blue
            bytes[4 * index + 3] = background.alpha
        }
        pixels = bytes
    }

    /// The colour of the device pixel at (`column`, `row`).
    public func color(column: Int, row: Int) -> Color {
        let index = 4 * (row * pixelWidth + column)
        return Color(
            red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2], alpha: pixels[index + 3])
    }

    /// The picture as PNG bytes (RGB when fully opaque, else RGBA); deterministic.
    ///
    /// - Throws: ``PlottingError/pngEncodingFailed(_:)`` if libpng fails.
    public func pngData() throws(PlottingError) -> [UInt8] {
        var opaque = true
        var index = 3
        while index < pixels.count {
            if pixels[index] != 255 {
                opaque = false
                break
            }
            index += 4
        }
        if !opaque {
            return try PNGEncoding.encode(
                pixels: pixels, width: pixelWidth, height: pixelHeight, hasAlpha: true)
        }
        var rgb = [UInt8](repeating: 0, count: pixelWidth * pixelHeight * 3)
        for pixel in 0..<(pixelWidth * pixelHeight) {
            rgb[3 * pixel] = pixels[4 * pixel]
            rgb[3 * pixel + 1] = pixels[4 * pixel + 1]
            rgb[3 * pixel + 2] = pixels[4 * pixel + 2]
        }
        return try PNGEncoding.encode(pixels: rgb, width: pixelWidth, height: pixelHeight, hasAlpha: false)
    }

    // MARK: - Device-pixel compositing

    /// The clip in device pixels, as half-open integer ranges.
    private var deviceClip: (x0: Int, y0: Int, x1: Int, y1: Int) {
        var bounds = (x0: 0, y0: 0, x1: pixelWidth, y1: pixelHeight)
        if let clip {
            let s = Double(scale)
            bounds.x0 = max(bounds.x0, Int((clip.x * s).rounded()))
            bounds.y0 = max(bounds.y0, Int((clip.y * s).rounded()))
            bounds.x1 = min(bounds.x1, Int((clip.maxX * s).rounded()))
            bounds.y1 = min(bounds.y1, Int((clip.maxY * s).rounded()))
        }
        return bounds
    }

    /// Blends `color` into the device pixel (`column`, `row`) with `coverage` ∈ [0, 1].
    mutating func blend(column: Int, row: Int, color: Color, coverage: Double) {
        let opacity = coverage * Double(color.alpha) / 255
        guard opacity > 0 else { return }
        let index = 4 * (row * pixelWidth + column)
        if opacity >= 1 {
            pixels[index] = color.red
            pixels[index + 1] = color.green
            pixels[index + 2] = color.blue
            pixels[index + 3] = 255
            return
        }
        let dstAlpha = Double(pixels[index + 3]) / 255
        let outAlpha = opacity + dstAlpha * (1 - opacity)
        func mix(_ source: UInt8, _ destination: UInt8) -> UInt8 {
            let value =
                (Double(source) * opacity + Double(destination) * dstAlpha * (1 - opacity)) / outAlpha
            return UInt8(min(max(value.rounded(), 0), 255))
        }
        pixels[index] = mix(color.red, pixels[index])
        pixels[index + 1] = mix(color.green, pixels[index + 1])
        pixels[index + 2] = mix(color.blue, pixels[index + 2])
        pixels[index + 3] = UInt8(min(max((outAlpha * 255).rounded(), 0), 255))
    }

    /// Composites a coverage mask whose top-left device pixel is (`originX`, `originY`).
    mutating func composite(mask: CoverageMask, originX: Int, originY: Int, color: Color) {
        let bounds = deviceClip
        let rowStart = max(originY, bounds.y0)
        let rowEnd = min(originY + mask.height, bounds.y1)
        let columnStart = max(originX, bounds.x0)
        let columnEnd = min(originX + mask.width, bounds.x1)
        guard rowStart < rowEnd, columnStart < columnEnd else { return }
        for row in rowStart..<rowEnd {
            let maskRow = (row - originY) * mask.width - originX
            for column in columnStart..<columnEnd {
                let value = mask.values[maskRow + column]
                if value > 0 {
                    blend(column: column, row: row, color: color, coverage: Double(min(value, 1)))
                }
            }
        }
    }

    // MARK: - Shapes

    /// Fills a rectangle, with fractional coverage on edges that fall between device pixels.
    public mutating func fillRect(_ rect: Rect, color: Color) {
        let s = Double(scale)
        let x0 = rect.x * s
        let x1 = rect.maxX * s
        let y0 = rect.y * s
        let y1 = rect.maxY * s
        guard x1 > x0, y1 > y0 else { return }
        let bounds = deviceClip
        let columnStart = max(Int(x0.rounded(.down)), bounds.x0)
        let columnEnd = min(Int(x1.rounded(.up)), bounds.x1)
        let rowStart = max(Int(y0.rounded(.down)), bounds.y0)
        let rowEnd = min(Int(y1.rounded(.up)), bounds.y1)
        guard columnStart < columnEnd, rowStart < rowEnd else { return }
        for row in rowStart..<rowEnd {
            let coverY = min(Double(row + 1), y1) - max(Double(row), y0)
            for column in columnStart..<columnEnd {
                let coverX = min(Double(column + 1), x1) - max(Double(column), x0)
                blend(column: column, row: row, color: color, coverage: coverX * coverY)
            }
        }
    }

    /// Strokes the outline of a rectangle with a line of `lineWidth` centred on its edges.
    public mutating func strokeRect(_ rect: Rect, color: Color, lineWidth: Double = 1) {
        let h = lineWidth / 2
        fillRect(
            Rect(x: rect.x - h, y: rect.y - h, width: rect.width + lineWidth, height: lineWidth), color: color
        )
        fillRect(
            Rect(x: rect.x - h, y: rect.maxY - h, width: rect.width + lineWidth, height: lineWidth),
            color: color)
        fillRect(
            Rect(x: rect.x - h, y: rect.y + h, width: lineWidth, height: rect.height - lineWidth),
            color: color)
        fillRect(
            Rect(x: rect.maxX - h, y: rect.y + h, width: lineWidth, height: rect.height - lineWidth),
            color: color)
    }

    /// Strokes a straight segment.
    public mutating func strokeLine(
        from start: Point, to end: Point, color: Color, lineWidth: Double = 1, dash: [Double] = []
    ) {
        strokePolyline([start, end], color: color, lineWidth: lineWidth, dash: dash)
    }

    /// Strokes connected segments with round joins and caps, anti-aliased, optionally dashed.
    ///
    /// Each pixel is blended once, at the largest coverage of any segment, so joins of translucent
    /// lines do not darken. Non-finite points break the line.
    ///
    /// - Parameters:
    ///   - points: The vertices in CSS pixels.
    ///   - color: The stroke colour.
    ///   - lineWidth: Any positive width in CSS pixels.
    ///   - dash: Alternating on/off lengths in CSS pixels; empty for a solid line.
    public mutating func strokePolyline(
        _ points: [Point], color: Color, lineWidth: Double = 1, dash: [Double] = []
    ) {
        let s = Double(scale)
        let device = points.map { Point(x: $0.x * s, y: $0.y * s) }
        var segments: [(Point, Point)] = []
        for (a, b) in zip(device, device.dropFirst())
        where a.x.isFinite && a.y.isFinite && b.x.isFinite && b.y.isFinite {
            segments.append((a, b))
        }
        if device.count == 1, let only = device.first, only.x.isFinite, only.y.isFinite {
            segments.append((only, only))
        }
        if !dash.isEmpty, dash.contains(where: { $0 > 0 }) {
            segments = dashed(segments, pattern: dash.map { $0 * s })
        }
        guard !segments.isEmpty else { return }
        let half = max(lineWidth * s, 1) / 2
        let strength = min(lineWidth * s, 1)
        let bounds = deviceClip
        var minX = Double.infinity
        var minY = Double.infinity
        var maxX = -Double.infinity
        var maxY = -Double.infinity
        for (a, b) in segments {
            minX = min(minX, a.x, b.x)
            minY = min(minY, a.y, b.y)
            maxX = max(maxX, a.x, b.x)
            maxY = max(maxY, a.y, b.y)
        }
        let x0 = max(Int((minX - half - 1).rounded(.down)), bounds.x0)
        let y0 = max(Int((minY - half - 1).rounded(.down)), bounds.y0)
        let x1 = min(Int((maxX + half + 1).rounded(.up)), bounds.x1)
        let y1 = min(Int((maxY + half + 1).rounded(.up)), bounds.y1)
        guard x0 < x1, y0 < y1 else { return }
        var mask = CoverageMask(width: x1 - x0, height: y1 - y0)
        for (a, b) in segments {
            let sx0 = max(Int((min(a.x, b.x) - half - 1).rounded(.down)), x0)
            let sx1 = min(Int((max(a.x, b.x) + half + 1).rounded(.up)), x1)
            let sy0 = max(Int((min(a.y, b.y) - half - 1).rounded(.down)), y0)
            let sy1 = min(Int((max(a.y, b.y) + half + 1).rounded(.up)), y1)
            guard sx0 < sx1, sy0 < sy1 else { continue }
            let dx = b.x - a.x
            let dy = b.y - a.y
            let lengthSquared = dx * dx + dy * dy
            for row in sy0..<sy1 {
                let py = Double(row) + 0.5
                for column in sx0..<sx1 {
                    let px = Double(column) + 0.5
                    var t = lengthSquared > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / lengthSquared : 0
                    t = min(max(t, 0), 1)
                    let ex = px - (a.x + t * dx)
                    let ey = py - (a.y + t * dy)
                    let distance = (ex * ex + ey * ey).squareRoot()
                    let coverage = Float(min(max(half + 0.5 - distance, 0), 1) * strength)
                    let index = (row - y0) * mask.width + (column - x0)
                    if coverage > mask.values[index] { mask.values[index] = coverage }
                }
            }
        }
        composite(mask: mask, originX: x0, originY: y0, color: color)
    }

    private func dashed(_ segments: [(Point, Point)], pattern: [Double]) -> [(Point, Point)] {
        var result: [(Point, Point)] = []
        var patternIndex = 0
        var remaining = pattern[0]
        for (a, b) in segments {
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            var position = 0.0
            while position < length {
                let step = min(remaining, length - position)
                if patternIndex % 2 == 0, step > 0 {
                    let t0 = position / length
                    let t1 = (position + step) / length
                    result.append(
                        (
                            Point(x: a.x + (b.x - a.x) * t0, y: a.y + (b.y - a.y) * t0),
                            Point(x: a.x + (b.x - a.x) * t1, y: a.y + (b.y - a.y) * t1)
                        ))
                }
                position += step
                remaining -= step
                if remaining <= 1e-9 {
                    patternIndex = (patternIndex + 1) % pattern.count
                    remaining = pattern[patternIndex]
                }
            }
        }
        return result
    }

    /// Fills a polygon (non-zero winding), anti-aliased with 16 sub-scanlines per device row.
    public mutating func fillPolygon(_ points: [Point], color: Color) {
        let s = Double(scale)
        let device = points.map { Point(x: $0.x * s, y: $0.y * s) }
        guard device.count >= 3, device.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let bounds = deviceClip
        let x0 = max(Int((device.map(\.x).min() ?? 0).rounded(.down)), bounds.x0)
        let x1 = min(Int((device.map(\.x).max() ?? 0).rounded(.up)) + 1, bounds.x1)
        let y0 = max(Int((device.map(\.y).min() ?? 0).rounded(.down)), bounds.y0)
        let y1 = min(Int((device.map(\.y).max() ?? 0).rounded(.up)) + 1, bounds.y1)
        guard x0 < x1, y0 < y1 else { return }
        var mask = CoverageMask(width: x1 - x0, height: y1 - y0)
        let subRows = 16
        let weight = 1 / Double(subRows)
        var crossings: [(x: Double, winding: Int)] = []
        for row in y0..<y1 {
            for sub in 0..<subRows {
                let y = Double(row) + (Double(sub) + 0.5) * weight
                crossings.removeAll(keepingCapacity: true)
                for index in device.indices {
                    let a = device[index]
                    let b = device[(index + 1) % device.count]
                    guard (a.y <= y && b.y > y) || (b.y <= y && a.y > y) else { continue }
                    let x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)
                    crossings.append((x, b.y > a.y ? 1 : -1))
                }
                crossings.sort { $0.x < $1.x }
                var winding = 0
                for (index, crossing) in crossings.enumerated() {
                    winding += crossing.winding
                    guard winding != 0, index + 1 < crossings.count else { continue }
                    let left = max(crossing.x, Double(x0))
                    let right = min(crossings[index + 1].x, Double(x1))
                    guard right > left else { continue }
                    addSpan(
                        &mask, row: row - y0, from: left - Double(x0), to: right - Double(x0), weight: weight)
                }
            }
        }
        composite(mask: mask, originX: x0, originY: y0, color: color)
    }

    private func addSpan(
        _ mask: inout CoverageMask, row: Int, from left: Double, to right: Double, weight: Double
    ) {
        let first = Int(left.rounded(.down))
        let last = min(Int(right.rounded(.up)) - 1, mask.width - 1)
        guard first <= last, first >= 0 else { return }
        for column in first...last {
            let cover = min(Double(column + 1), right) - max(Double(column), left)
            if cover > 0 { mask.values[row * mask.width + column] += Float(cover * weight) }
        }
    }

    /// Fills a disc.
    public mutating func fillCircle(center: Point, radius: Double, color: Color) {
        ring(center: center, radius: radius, halfWidth: nil, color: color)
    }

    /// Strokes a circle of `radius` with a line of `lineWidth`.
    public mutating func strokeCircle(center: Point, radius: Double, color: Color, lineWidth: Double = 1) {
        ring(center: center, radius: radius, halfWidth: lineWidth / 2, color: color)
    }

    private mutating func ring(center: Point, radius: Double, halfWidth: Double?, color: Color) {
        let s = Double(scale)
        let cx = center.x * s
        let cy = center.y * s
        let r = radius * s
        let h = (halfWidth ?? 0) * s
        let reach = r + h + 1
        let bounds = deviceClip
        let x0 = max(Int((cx - reach).rounded(.down)), bounds.x0)
        let x1 = min(Int((cx + reach).rounded(.up)), bounds.x1)
        let y0 = max(Int((cy - reach).rounded(.down)), bounds.y0)
        let y1 = min(Int((cy + reach).rounded(.up)), bounds.y1)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 {
                let dx = Double(column) + 0.5 - cx
                let dy = Double(row) + 0.5 - cy
                let distance = (dx * dx + dy * dy).squareRoot()
                let coverage: Double
                if halfWidth == nil {
                    coverage = min(max(r + 0.5 - distance, 0), 1)
                } else {
                    coverage = min(max(max(h, 0.5) + 0.5 - abs(distance - r), 0), 1) * min(2 * h, 1)
                }
                if coverage > 0 { blend(column: column, row: row, color: color, coverage: coverage) }
            }
        }
    }

    /// Draws a marker of diameter `size` centred on `center`, with an optional outline.
    public mutating func drawMarker(
        _ marker: Marker, at center: Point, size: Double, color: Color, edge: Color? = nil
    ) {
        let r = size / 2
        let c = center
        switch marker {
        case .circle:
            fillCircle(center: c, radius: r, color: color)
            if let edge { strokeCircle(center: c, radius: r, color: edge, lineWidth: max(size / 8, 0.75)) }
        case .square, .diamond, .triangle:
            let shape: [Point]
            switch marker {
            case .square:
                let q = r * 0.886
                shape = [
                    Point(x: c.x - q, y: c.y - q), Point(x: c.x + q, y: c.y - q),
                    Point(x: c.x + q, y: c.y + q),
                    Point(x: c.x - q, y: c.y + q),
                ]
            case .diamond:
                shape = [
                    Point(x: c.x, y: c.y - r * 1.2), Point(x: c.x + r * 0.9, y: c.y),
                    Point(x: c.x, y: c.y + r * 1.2), Point(x: c.x - r * 0.9, y: c.y),
                ]
            default:
                shape = [
                    Point(x: c.x, y: c.y - r * 1.15), Point(x: c.x + r, y: c.y + r * 0.6),
                    Point(x: c.x - r, y: c.y + r * 0.6),
                ]
            }
            fillPolygon(shape, color: color)
            if let edge {
                strokePolyline(shape + [shape[0]], color: edge, lineWidth: max(size / 8, 0.75))
            }
        case .plus:
            let w = max(size / 5, 1)
            if let edge {
                strokeLine(
                    from: Point(x: c.x - r, y: c.y), to: Point(x: c.x + r, y: c.y), color: edge,
                    lineWidth: w + 2)
                strokeLine(
                    from: Point(x: c.x, y: c.y - r), to: Point(x: c.x, y: c.y + r), color: edge,
                    lineWidth: w + 2)
            }
            strokeLine(
                from: Point(x: c.x - r, y: c.y), to: Point(x: c.x + r, y: c.y), color: color, lineWidth: w)
            strokeLine(
                from: Point(x: c.x, y: c.y - r), to: Point(x: c.x, y: c.y + r), color: color, lineWidth: w)
        case .cross:
            let w = max(size / 5, 1)
            let d = r * 0.8
            if let edge {
                strokeLine(
                    from: Point(x: c.x - d, y: c.y - d), to: Point(x: c.x + d, y: c.y + d), color: edge,
                    lineWidth: w + 2)
                strokeLine(
                    from: Point(x: c.x - d, y: c.y + d), to: Point(x: c.x + d, y: c.y - d), color: edge,
                    lineWidth: w + 2)
            }
            strokeLine(
                from: Point(x: c.x - d, y: c.y - d), to: Point(x: c.x + d, y: c.y + d), color: color,
                lineWidth: w)
            strokeLine(
                from: Point(x: c.x - d, y: c.y + d), to: Point(x: c.x + d, y: c.y - d), color: color,
                lineWidth: w)
        }
    }

    /// Draws `image` scaled into `rect`: nearest neighbour when enlarging (crisp pixels, as matplotlib
    /// does for large up-sampling), box-averaged when shrinking.
    public mutating func drawImage(_ image: PlotImage, in rect: Rect) {
        let s = Double(scale)
        let bounds = deviceClip
        let dx0 = Int((rect.x * s).rounded())
        let dy0 = Int((rect.y * s).rounded())
        let dx1 = Int((rect.maxX * s).rounded())
        let dy1 = Int((rect.maxY * s).rounded())
        guard dx1 > dx0, dy1 > dy0, image.width > 0, image.height > 0 else { return }
        let scaleX = Double(image.width) / Double(dx1 - dx0)
        let scaleY = Double(image.height) / Double(dy1 - dy0)
        for row in max(dy0, bounds.y0)..<min(dy1, bounds.y1) {
            let sy0 = Double(row - dy0) * scaleY
            let sy1 = sy0 + scaleY
            for column in max(dx0, bounds.x0)..<min(dx1, bounds.x1) {
                let sx0 = Double(column - dx0) * scaleX
                let sx1 = sx0 + scaleX
                let color: Color
                if scaleX <= 1 && scaleY <= 1 {
                    color = image.color(
                        x: min(Int((sx0 + sx1) / 2), image.width - 1),
                        y: min(Int((sy0 + sy1) / 2), image.height - 1))
                } else {
                    color = image.average(x0: sx0, x1: sx1, y0: sy0, y1: sy1)
                }
                blend(column: column, row: row, color: color, coverage: 1)
            }
        }
    }
}

/// A float coverage buffer in device pixels, composited onto a canvas in one pass.
struct CoverageMask: Sendable {
    /// Width in device pixels.
    let width: Int
    /// Height in device pixels.
    let height: Int
    /// Coverage per pixel, row-major; values above 1 are clamped when composited.
    var values: [Float]

    /// A mask of zero coverage.
    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [Float](repeating: 0, count: width * height)
    }
}
