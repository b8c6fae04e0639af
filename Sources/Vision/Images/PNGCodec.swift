import CPNG
import Foundation

/// PNG decoding and encoding through libpng (the only file of Vision that imports `CPNG`).
///
/// Decoding keeps the file's own sample values (no gamma or colour-space conversion, as PIL reads
/// them): grey, grey+alpha, RGB and RGBA at 8 or 16 bits stay as they are; a palette becomes RGB
/// (RGBA when it has transparency); 1-, 2- and 4-bit grey become 8-bit. Encoding writes no time or
/// text chunks, so the same image always gives the same bytes.
enum PNGCodec {
    /// Decodes the bytes of a PNG file; `name` is the file named in errors.
    static func decode(_ bytes: [UInt8], name: String) throws(VisionError) -> Image {
        var decoded = cpng_decoded()
        let ok = bytes.withUnsafeBufferPointer { buffer in
            cpng_decode(buffer.baseAddress, buffer.count, &decoded)
        }
        defer { cpng_free(&decoded) }
        guard ok != 0, let pixels = decoded.pixels else {
            throw .badImage(path: name, reason: message(of: &decoded.message))
        }
        guard let mode = Image.Mode(rawValue: Int(decoded.channels)) else {
            throw .badImage(path: name, reason: "unsupported channel count \(decoded.channels)")
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        let count = width * height * mode.channels
        var samples = [UInt16](repeating: 0, count: count)
        if decoded.bit_depth == 16 {
            for index in 0..<count {
                samples[index] = UInt16(pixels[2 * index]) << 8 | UInt16(pixels[2 * index + 1])
            }
        } else {
            for index in 0..<count { samples[index] = UInt16(pixels[index]) }
        }
        return Image(
            checkedWidth: width, height: height, mode: mode, bitDepth: Int(decoded.bit_depth),
            samples: samples)
    }

    /// Encodes `image`; with `palette`, an 8-bit image of at most 256 colours is written as a
    /// palette PNG (with a tRNS chunk when some pixel is not opaque).
    static func encode(_ image: Image, palette: Bool, name: String) throws(VisionError) -> [UInt8] {
        let colorType: Int32
        var pixels: [UInt8]
        var entries: [UInt8] = []
        var alphas: [UInt8] = []
        if palette {
            guard image.bitDepth == 8 else {
                throw .encodingFailed(path: name, reason: "a palette PNG holds 8-bit colours only")
            }
            (pixels, entries, alphas) = try paletteIndices(of: image, name: name)
            colorType = 3
        } else {
            colorType = [1: 0, 2: 4, 3: 2, 4: 6][image.mode.channels] ?? 0
            if image.bitDepth == 16 {
                pixels = [UInt8](repeating: 0, count: image.samples.count * 2)
                for (index, sample) in image.samples.enumerated() {
                    pixels[2 * index] = UInt8(sample >> 8)
                    pixels[2 * index + 1] = UInt8(sample & 0xFF)
                }
            } else {
                pixels = image.samples.map { UInt8($0) }
            }
        }
        var result: UnsafeMutablePointer<UInt8>?
        var size = 0
        var text = [CChar](repeating: 0, count: 256)
        let ok = pixels.withUnsafeBufferPointer { pixelBuffer in
            entries.withUnsafeBufferPointer { entryBuffer in
                alphas.withUnsafeBufferPointer { alphaBuffer in
                    text.withUnsafeMutableBufferPointer { textBuffer in
                        cpng_encode(
                            pixelBuffer.baseAddress, png_uint_32(image.width), png_uint_32(image.height),
                            colorType, Int32(image.bitDepth), entryBuffer.baseAddress,
                            Int32(entries.count / 3), alphas.isEmpty ? nil : alphaBuffer.baseAddress,
                            Int32(alphas.count), &result, &size, textBuffer.baseAddress)
                    }
                }
            }
        }
        guard ok != 0, let result else {
            let reason = String(
                decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .encodingFailed(path: name, reason: reason)
        }
        defer { cpng_free_buffer(result) }
        return Array(UnsafeBufferPointer(start: result, count: size))
    }

    /// Palette indices (one byte per pixel), RGB entries and tRNS alphas of an 8-bit image.
    private static func paletteIndices(
        of image: Image, name: String
    ) throws(VisionError) -> (indices: [UInt8], entries: [UInt8], alphas: [UInt8]) {
        let rgba = image.converted(to: .rgba)
        var lookup: [UInt32: UInt8] = [:]
        var colours: [UInt32] = []
        var indices = [UInt8](repeating: 0, count: image.width * image.height)
        for pixel in 0..<indices.count {
            let base = pixel * 4
            let key =
                UInt32(rgba.samples[base]) << 24 | UInt32(rgba.samples[base + 1]) << 16
                | UInt32(rgba.samples[base + 2]) << 8 | UInt32(rgba.samples[base + 3])
            if let index = lookup[key] {
                indices[pixel] = index
                continue
            }
            guard colours.count < 256 else {
                throw .encodingFailed(path: name, reason: "more than 256 colours do not fit a palette")
            }
            lookup[key] = UInt8(colours.count)
            indices[pixel] = UInt8(colours.count)
            colours.append(key)
        }
        let entries = colours.flatMap {
            [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF)]
        }
        var alphas = colours.map { UInt8($0 & 0xFF) }
        while alphas.last == 255 { alphas.removeLast() }
        return (indices, entries, alphas)
    }

    private static func message<T>(of tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
