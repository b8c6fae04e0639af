/// Where a text's anchor point sits horizontally on its box.
public enum HorizontalAnchor: Sendable {
    /// The anchor is the left edge of the text.
    case leading
    /// The anchor is the horizontal centre.
    case center
    /// The anchor is the right edge.
    case trailing
}

/// Where a text's anchor point sits vertically on its box.
public enum VerticalAnchor: Sendable {
    /// The top of the first line's box (the font's ascender, with room for stacked Thai marks).
    case top
    /// Half the cap height above the first baseline for one line (digits look centred); the box's middle
    /// for several lines.
    case center
    /// The first line's baseline.
    case baseline
    /// The bottom of the last line's box.
    case bottom
}

/// The measured box of a (possibly multi-line) text, in CSS pixels.
public struct TextMetrics: Sendable, Hashable {
    /// The widest line's advance width.
    public let width: Double
    /// Lines × line height.
    public let height: Double
    /// Distance from the box's top to the first baseline.
    public let ascent: Double
    /// Cap height (top of "H" above the baseline).
    public let capHeight: Double
}

/// A TrueType font rendered through FreeType, with glyphs cached per pixel size.
///
/// A class because it owns FreeType handles; it is not thread-safe, so use one per drawing task.
/// Thai is laid out glyph by glyph: combining marks have zero advance and hang left of the pen, and the
/// font's Thai presentation forms (tlwg's private-use glyphs) place tone marks low when nothing is
/// below them, stack them above upper vowels and SARA AM, move marks left of tall consonants (ป ฝ ฟ ฬ),
/// and clear descenders for lower vowels.
public final class Font {
    /// Where Debian's `fonts-tlwg-loma-ttf` installs Loma (Thai + Latin).
    public static let lomaPath = "/usr/share/fonts/truetype/tlwg/Loma.ttf"

    let face: FontFace
    /// The path the font was read from.
    public let path: String

    /// Opens a TrueType font.
    ///
    /// - Throws: ``PlottingError/fontNotFound(path:)`` if the file is missing or unreadable.
    public init(path: String = Font.lomaPath) throws(PlottingError) {
        face = try FontFace(path: path)
        self.path = path
    }

    /// Measures `text` (lines split at `\n`) at `size` CSS pixels for a canvas of pixel density `scale`.
    public func measure(_ text: String, size: Double, scale: Int = 2) -> TextMetrics {
        let layout = self.layout(text, size: size, scale: scale)
        let s = Double(scale)
        return TextMetrics(
            width: Double(layout.width) / s, height: Double(layout.height) / s,
            ascent: Double(layout.metrics.ascender) / s, capHeight: Double(layout.metrics.capHeight) / s)
    }

    /// `text` shortened with "…" so that it fits in `width` CSS pixels (unchanged when it fits).
    public func truncated(_ text: String, toWidth width: Double, size: Double, scale: Int = 2) -> String {
        guard measure(text, size: size, scale: scale).width > width else { return text }
        var characters = Array(text)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters).trimmingTrailingSpaces() + "…"
            if measure(candidate, size: size, scale: scale).width <= width { return candidate }
        }
        return "…"
    }

    /// Lays out `text` in device pixels.
    func layout(_ text: String, size: Double, scale: Int) -> TextLayout {
        let pixelSize = max(Int((size * Double(scale)).rounded()), 1)
        let metrics = face.lineMetrics(pixelSize: pixelSize)
        let lineHeight = metrics.ascender + metrics.descender
        var lines: [[(glyph: Glyph, x: Int)]] = []
        var widths: [Int] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let scalars = line.unicodeScalars.map(\.value)
            let shaped = ThaiShaping.shape(scalars) { self.face.hasGlyph($0) }
            var pen = 0
            var placed: [(glyph: Glyph, x: Int)] = []
            for scalar in shaped {
                let mapped = face.hasGlyph(scalar) ? scalar : Font.substitute(scalar)
                guard
                    let glyph = face.glyph(for: mapped, pixelSize: pixelSize)
                        ?? face.glyph(for: 0x3F, pixelSize: pixelSize)
                else { continue }
                placed.append((glyph, pen))
                pen += glyph.advance
            }
            lines.append(placed)
            widths.append(pen)
        }
        return TextLayout(
            lines: lines, lineWidths: widths, width: widths.max() ?? 0, lineHeight: lineHeight,
            height: lineHeight * lines.count, metrics: metrics)
    }

    /// A replacement for characters the font lacks (the minus sign becomes a hyphen-minus).
    private static func substitute(_ scalar: UInt32) -> UInt32 {
        switch scalar {
        case 0x2212, 0x2010, 0x2011: return 0x2D
        case 0x00A0, 0x2009, 0x202F: return 0x20
        default: return 0x3F
        }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

/// Glyphs placed along lines, in device pixels.
struct TextLayout {
    /// Each line's glyphs with their pen positions.
    let lines: [[(glyph: Glyph, x: Int)]]
    /// Each line's advance width.
    let lineWidths: [Int]
    /// The widest line.
    let width: Int
    /// Ascender + descender.
    let lineHeight: Int
    /// All lines.
    let height: Int
    /// The font's metrics at this size.
    let metrics: LineMetrics
}

/// Thai presentation-form selection for fonts with the tlwg/WTT private-use glyphs (U+F700–U+F71A).
enum ThaiShaping {
    private static func isConsonant(_ c: UInt32) -> Bool { (0x0E01...0x0E2E).contains(c) }
    private static func isTall(_ c: UInt32) -> Bool { [0x0E1B, 0x0E1D, 0x0E1F, 0x0E2C].contains(c) }
    private static func isUpperVowel(_ c: UInt32) -> Bool {
        c == 0x0E31 || (0x0E34...0x0E37).contains(c) || c == 0x0E47 || c == 0x0E4D
    }
    private static func isTone(_ c: UInt32) -> Bool { (0x0E48...0x0E4C).contains(c) }
    private static func isLowerVowel(_ c: UInt32) -> Bool { (0x0E38...0x0E3A).contains(c) }

    private static func upperLeft(_ c: UInt32) -> UInt32 {
        switch c {
        case 0x0E31: return 0xF710
        case 0x0E34...0x0E37: return 0xF701 + (c - 0x0E34)
        case 0x0E47: return 0xF712
        default: return 0xF711
        }
    }

    /// Replaces Thai code points with the presentation forms that place marks correctly; any form the
    /// font lacks (per `hasGlyph`) falls back to the original code point.
    static func shape(_ scalars: [UInt32], hasGlyph: (UInt32) -> Bool) -> [UInt32] {
        var output: [UInt32] = []
        var base: UInt32?
        var baseIndex = 0
        var hasUpper = false
        func pick(_ form: UInt32, _ original: UInt32) -> UInt32 { hasGlyph(form) ? form : original }
        for (index, c) in scalars.enumerated() {
            let tall = base.map(isTall) ?? false
            if isConsonant(c) {
                base = c
                baseIndex = output.count
                hasUpper = false
                output.append(c)
            } else if isLowerVowel(c) {
                if base == 0x0E0D || base == 0x0E10 {
                    output[baseIndex] = pick(base == 0x0E0D ? 0xF70F : 0xF700, output[baseIndex])
                    output.append(c)
                } else if base == 0x0E0E || base == 0x0E0F {
                    output.append(pick(0xF718 + (c - 0x0E38), c))
                } else {
                    output.append(c)
                }
            } else if isUpperVowel(c) {
                hasUpper = true
                output.append(tall ? pick(upperLeft(c), c) : c)
            } else if isTone(c) {
                let next = index + 1 < scalars.count ? scalars[index + 1] : 0
                let offset = c - 0x0E48
                if hasUpper || next == 0x0E33 {
                    output.append(tall ? pick(0xF713 + offset, c) : c)
                } else {
                    output.append(pick(tall ? 0xF705 + offset : 0xF70A + offset, c))
                }
            } else if c == 0x0E33, base != nil, tall || output.last.map(isToneForm) == true {
                // SARA AM = NIKHAHIT over the consonant + SARA AA; split it so a tone mark sits above.
                output.append(tall ? pick(0xF711, 0x0E4D) : 0x0E4D)
                output.append(0x0E32)
            } else {
                base = nil
                output.append(c)
            }
        }
        return output
    }

    private static func isToneForm(_ c: UInt32) -> Bool {
        isTone(c) || (0xF705...0xF70E).contains(c) || (0xF713...0xF717).contains(c)
    }
}

extension Canvas {
    /// Draws `text` (lines split at `\n`) with its anchor at `point`.
    ///
    /// - Parameters:
    ///   - text: Thai, Latin or mixed text.
    ///   - point: The anchor in CSS pixels.
    ///   - font: The font.
    ///   - size: The font size in CSS pixels.
    ///   - color: The text colour.
    ///   - horizontal: Which part of the text box sits at `point.x` (before rotation).
    ///   - vertical: Which part of the text box sits at `point.y` (before rotation).
    ///   - rotated: `true` to turn the text 90° counter-clockwise (reading upwards, as y-axis labels do).
    ///   - alignment: How lines of different widths align within the box.
    public mutating func drawText(
        _ text: String, at point: Point, font: Font, size: Double, color: Color = .text,
        horizontal: HorizontalAnchor = .leading, vertical: VerticalAnchor = .baseline, rotated: Bool = false,
        alignment: HorizontalAnchor = .center
    ) {
        let layout = font.layout(text, size: size, scale: scale)
        let anchorU: Int
        switch horizontal {
        case .leading: anchorU = 0
        case .center: anchorU = layout.width / 2
        case .trailing: anchorU = layout.width
        }
        let anchorV: Int
        switch vertical {
        case .top: anchorV = 0
        case .baseline: anchorV = layout.metrics.ascender
        case .bottom: anchorV = layout.height
        case .center:
            anchorV =
                layout.lines.count == 1
                ? layout.metrics.ascender - layout.metrics.capHeight / 2 : layout.height / 2
        }
        let s = Double(scale)
        let px = Int((point.x * s).rounded())
        let py = Int((point.y * s).rounded())
        let bounds = (
            x0: clip.map { max(0, Int(($0.x * s).rounded())) } ?? 0,
            y0: clip.map { max(0, Int(($0.y * s).rounded())) } ?? 0,
            x1: clip.map { min(pixelWidth, Int(($0.maxX * s).rounded())) } ?? pixelWidth,
            y1: clip.map { min(pixelHeight, Int(($0.maxY * s).rounded())) } ?? pixelHeight
        )
        for (lineIndex, line) in layout.lines.enumerated() {
            let lineWidth = layout.lineWidths[lineIndex]
            let shift: Int
            switch alignment {
            case .leading: shift = 0
            case .center: shift = (layout.width - lineWidth) / 2
            case .trailing: shift = layout.width - lineWidth
            }
            let baseline = lineIndex * layout.lineHeight + layout.metrics.ascender
            for (glyph, x) in line where glyph.width > 0 && glyph.rows > 0 {
                let u0 = shift + x + glyph.left - anchorU
                let v0 = baseline - glyph.top - anchorV
                for gy in 0..<glyph.rows {
                    for gx in 0..<glyph.width {
                        let value = glyph.coverage[gy * glyph.width + gx]
                        guard value > 0 else { continue }
                        let column = rotated ? px + v0 + gy : px + u0 + gx
                        let row = rotated ? py - (u0 + gx) - 1 : py + v0 + gy
                        guard column >= bounds.x0, column < bounds.x1, row >= bounds.y0, row < bounds.y1
                        else {
                            continue
                        }
                        blend(column: column, row: row, color: color, coverage: Double(value) / 255)
                    }
                }
            }
        }
    }
}
