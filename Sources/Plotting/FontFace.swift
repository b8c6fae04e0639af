import CFreeType

/// A rasterized glyph: an 8-bit coverage bitmap and its placement relative to the pen.
struct Glyph: Sendable {
    /// Bitmap width in device pixels.
    let width: Int
    /// Bitmap height in device pixels.
    let rows: Int
    /// Offset from the pen to the bitmap's left edge (negative for Thai marks).
    let left: Int
    /// Offset from the baseline up to the bitmap's top edge.
    let top: Int
    /// How far the pen moves after the glyph, in device pixels.
    let advance: Int
    /// Coverage, `rows × width`, row-major.
    let coverage: [UInt8]
}

/// Vertical metrics of a face at one pixel size.
struct LineMetrics: Sendable {
    /// Distance from the baseline up to the top of the line, in device pixels.
    let ascender: Int
    /// Distance from the baseline down to the bottom of the line (positive), in device pixels.
    let descender: Int
    /// Height of a capital letter above the baseline, in device pixels.
    let capHeight: Int
}

/// A FreeType face with per-size glyph caches; the only file of the module that imports `CFreeType`.
///
/// A class because it owns FreeType handles that must be freed exactly once.
final class FontFace {
    private let library: FT_Library
    private let face: FT_Face
    private var currentSize = 0
    private var glyphs: [Int: [UInt32: Glyph]] = [:]
    private var metrics: [Int: LineMetrics] = [:]

    /// Opens the font file at `path`.
    ///
    /// - Throws: ``PlottingError/fontNotFound(path:)`` when the file is missing or not a font.
    init(path: String) throws(PlottingError) {
        var library: FT_Library?
        let status = FT_Init_FreeType(&library)
        guard status == 0, let library else { throw .fontEngineFailed(code: Int(status)) }
        var face: FT_Face?
        guard FT_New_Face(library, path, 0, &face) == 0, let face else {
            FT_Done_FreeType(library)
            throw .fontNotFound(path: path)
        }
        self.library = library
        self.face = face
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    /// Whether the face has a glyph for `scalar`.
    func hasGlyph(_ scalar: UInt32) -> Bool {
        FT_Get_Char_Index(face, FT_ULong(scalar)) != 0
    }

    /// The line metrics at `pixelSize`.
    func lineMetrics(pixelSize: Int) -> LineMetrics {
        if let cached = metrics[pixelSize] { return cached }
        select(pixelSize)
        let sizeMetrics = face.pointee.size.pointee.metrics
        let capital = glyph(for: 0x48, pixelSize: pixelSize)
        let result = LineMetrics(
            ascender: Int((sizeMetrics.ascender + 63) >> 6),
            descender: Int((-sizeMetrics.descender + 63) >> 6),
            capHeight: capital?.top ?? pixelSize * 7 / 10)
        metrics[pixelSize] = result
        return result
    }

    /// The rendered glyph for `scalar` at `pixelSize`, or `nil` when the face lacks it.
    func glyph(for scalar: UInt32, pixelSize: Int) -> Glyph? {
        if let cached = glyphs[pixelSize]?[scalar] { return cached }
        let index = FT_Get_Char_Index(face, FT_ULong(scalar))
        guard index != 0 else { return nil }
        select(pixelSize)
        // FT_LOAD_RENDER with light hinting (FT_LOAD_TARGET_LIGHT = FT_RENDER_MODE_LIGHT << 16).
        let flags = FT_Int32(FT_LOAD_RENDER) | FT_Int32(FT_RENDER_MODE_LIGHT.rawValue << 16)
        guard FT_Load_Glyph(face, index, flags) == 0, let slot = face.pointee.glyph else { return nil }
        let bitmap = slot.pointee.bitmap
        let width = Int(bitmap.width)
        let rows = Int(bitmap.rows)
        var coverage = [UInt8](repeating: 0, count: width * rows)
        if let buffer = bitmap.buffer, width > 0, rows > 0 {
            let pitch = Int(bitmap.pitch)
            for row in 0..<rows {
                let source = pitch >= 0 ? row * pitch : (rows - 1 - row) * -pitch
                for column in 0..<width {
                    coverage[row * width + column] = buffer[source + column]
                }
            }
        }
        let result = Glyph(
            width: width, rows: rows, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
            advance: Int((slot.pointee.advance.x + 32) >> 6), coverage: coverage)
        glyphs[pixelSize, default: [:]][scalar] = result
        return result
    }

    private func select(_ pixelSize: Int) {
        guard pixelSize != currentSize else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize))
        currentSize = pixelSize
    }
}
