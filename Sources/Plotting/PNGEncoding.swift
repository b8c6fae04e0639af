import CPNG

/// Encodes RGBA pixels as PNG bytes with libpng's simplified writer.
///
/// The only file of the module that imports `CPNG`. The simplified API writes no timestamp and uses
/// fixed compression settings, so the same pixels always give the same bytes on one platform.
enum PNGEncoding {
    /// Encodes 8-bit pixels, row by row without padding.
    ///
    /// - Parameters:
    ///   - pixels: `width × height × channels` bytes.
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - hasAlpha: `true` for RGBA pixels, `false` for RGB.
    /// - Returns: The PNG file's bytes.
    /// - Throws: ``PlottingError/pngEncodingFailed(_:)`` when libpng reports an error.
    static func encode(
        pixels: [UInt8], width: Int, height: Int, hasAlpha: Bool
    ) throws(PlottingError)
        -> [UInt8]
    {
        let channels = hasAlpha ? 4 : 3
        precondition(pixels.count == width * height * channels, "pixel count \(pixels.count) ≠ size")
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = hasAlpha ? CPNG_FORMAT_RGBA : CPNG_FORMAT_RGB
        var size: png_alloc_size_t = 0
        let stride = png_int_32(width * channels)
        let sized = pixels.withUnsafeBytes { buffer in
            png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else {
            let message = messageText(of: &image)
            png_image_free(&image)
            throw .pngEncodingFailed(message)
        }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = output.withUnsafeMutableBytes { target in
            pixels.withUnsafeBytes { buffer in
                png_image_write_to_memory(
                    &image, target.baseAddress, &size, 0, buffer.baseAddress, stride, nil)
            }
        }
        guard written != 0 else {
            let message = messageText(of: &image)
            png_image_free(&image)
            throw .pngEncodingFailed(message)
        }
        png_image_free(&image)
        return Array(output.prefix(Int(size)))
    }

    private static func messageText(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
