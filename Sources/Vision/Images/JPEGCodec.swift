import CTurboJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API (the only file of Vision that imports
/// `CTurboJPEG`), giving the pixels Pillow gives for `ImageOps.exif_transpose(Image.open(path))`.
///
/// - Baseline, progressive and arithmetic-coded files, any chroma subsampling, decoded with libjpeg's
///   defaults as Pillow decodes them: the accurate integer IDCT (`JDCT_ISLOW`) and fancy upsampling.
/// - Grey files stay grey (PIL's `L`); YCbCr and RGB files become RGB; CMYK and YCCK files become RGB
///   with Pillow's conversion (see ``rgb(fromInvertedCMYK:count:)``), since ``Image`` has no CMYK mode.
/// - The EXIF orientation (or, when EXIF has none, XMP's `tiff:Orientation`) is applied and the image
///   comes out upright, as `exif_transpose` does. Malformed EXIF is ignored (orientation 1).
/// - A truncated file is an error, as it is in Pillow ("image file is truncated"), and so is any other
///   data libjpeg has to warn about (a corrupt entropy-coded segment, which Pillow decodes with a grey
///   or smeared rest), except stray bytes between two segments, which libjpeg skips without losing a
///   pixel. Pictures above Pillow's decompression-bomb limit are refused before any allocation.
enum JPEGCodec {
    /// The most pixels a picture may have: Pillow's `DecompressionBombError` threshold,
    /// `2 × Image.MAX_IMAGE_PIXELS` = 2 × 89,478,485.
    static let maxPixels = 2 * 89_478_485

    /// Decodes the bytes of a JPEG file; `name` is the file named in errors.
    static func decode(_ bytes: [UInt8], name: String) throws(VisionError) -> Image {
        guard !bytes.isEmpty else { throw .badImage(path: name, reason: "the file is empty") }
        var decoded = ctj_decoded()
        let ok = bytes.withUnsafeBufferPointer { buffer in
            ctj_decode(buffer.baseAddress, buffer.count, maxPixels, &decoded)
        }
        defer { ctj_free(&decoded) }
        guard ok != 0, let pixels = decoded.pixels else {
            let text = message(of: &decoded.message)
            throw .badImage(path: name, reason: decoded.from_libjpeg != 0 ? "libjpeg-turbo: " + text : text)
        }
        let markers = Markers(bytes)
        if decoded.warning != 0 {
            let text = message(of: &decoded.message)
            let complete = Markers.hasEndMarker(bytes, after: markers.scanStart ?? 2)
            let skippedOnly = text.contains("extraneous bytes before marker") && complete
            if !skippedOnly {
                let truncated = !complete || text == "Premature end of JPEG file"
                throw .badImage(
                    path: name,
                    reason: (truncated ? "the file is truncated" : "the image data is damaged")
                        + " (libjpeg-turbo: \(text))")
            }
        }
        let width = Int(decoded.width)
        let height = Int(decoded.height)
        let count = width * height
        let source = UnsafeBufferPointer(start: pixels, count: count * Int(decoded.channels))
        if decoded.channels == 4 {
            let rgb = rgb(fromInvertedCMYK: source, count: count)
            return rgb.withUnsafeBufferPointer { buffer in
                oriented(buffer, width: width, height: height, mode: .rgb, orientation: markers.orientation)
            }
        }
        let mode: Image.Mode = decoded.channels == 1 ? .grey : .rgb
        return oriented(source, width: width, height: height, mode: mode, orientation: markers.orientation)
    }

    /// RGB from the CMYK samples of a JPEG, as Pillow computes it.
    ///
    /// Pillow reads every CMYK JPEG as Adobe-inverted (`CMYK;I`, "assume adobe conventions"), so ink
    /// is `255 − sample`; its `convert("RGB")` then gives, per channel,
    /// `R = clip(nk − nk·c/255)` with `nk = 255 − k` and the product rounded as Pillow's `MULDIV255`:
    /// `t = a·b + 128`, then `((t >> 8) + t) >> 8`.
    static func rgb(fromInvertedCMYK source: UnsafeBufferPointer<UInt8>, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count * 3) { output, initialized in
            for pixel in 0..<count {
                let nk = Int(source[4 * pixel + 3])  // 255 − (255 − K)
                for channel in 0..<3 {
                    let ink = 255 - Int(source[4 * pixel + channel])
                    let product = ink * nk + 128
                    let value = nk - (((product >> 8) + product) >> 8)
                    output[3 * pixel + channel] = UInt8(clamping: value)
                }
            }
            initialized = count * 3
        }
    }

    /// The image upright for an EXIF `orientation` (1…8; others leave it as stored), widened to
    /// ``Image``'s 16-bit samples.
    ///
    /// The output pixel (x, y) is the source pixel `origin + x·dx + y·dy` (in pixels), one affine map
    /// per orientation: PIL's `FLIP_LEFT_RIGHT` (2), `ROTATE_180` (3), `FLIP_TOP_BOTTOM` (4),
    /// `TRANSPOSE` (5), `ROTATE_270` (6), `TRANSVERSE` (7) and `ROTATE_90` (8), as `exif_transpose`
    /// picks them.
    static func oriented(
        _ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, mode: Image.Mode, orientation: Int
    ) -> Image {
        let channels = mode.channels
        let count = source.count
        let swaps = (5...8).contains(orientation)
        let (outWidth, outHeight) = swaps ? (height, width) : (width, height)
        let last = (height - 1) * width
        let (origin, dx, dy): (Int, Int, Int) =
            switch orientation {
            case 2: (width - 1, -1, width)
            case 3: (last + width - 1, -1, -width)
            case 4: (last, 1, -width)
            case 5: (0, width, 1)
            case 6: (last, -width, 1)
            case 7: (last + width - 1, -width, -1)
            case 8: (width - 1, width, -1)
            default: (0, 1, width)
            }
        let samples = [UInt16](unsafeUninitializedCapacity: count) { output, initialized in
            if origin == 0 && dx == 1 {
                for index in 0..<count { output[index] = UInt16(source[index]) }
            } else {
                var out = 0
                for y in 0..<outHeight {
                    var pixel = origin + y * dy
                    for _ in 0..<outWidth {
                        let base = pixel * channels
                        for channel in 0..<channels { output[out + channel] = UInt16(source[base + channel]) }
                        out += channels
                        pixel += dx
                    }
                }
            }
            initialized = count
        }
        return Image(checkedWidth: outWidth, height: outHeight, mode: mode, bitDepth: 8, samples: samples)
    }

    /// What the segments before the image data say, read as Pillow's JPEG plug-in reads them.
    struct Markers {
        /// The EXIF orientation, or XMP's `tiff:Orientation` when EXIF has none; 1 when neither says.
        var orientation = 1
        /// Where the entropy-coded data of the first scan begins (after its SOS segment), if found.
        var scanStart: Int?

        init(_ bytes: [UInt8]) {
            var exifOrientation: Int?
            var xmp: ArraySlice<UInt8>?
            var index = 2
            var sawExif = false
            // Segments: FF, marker, 2-byte big-endian length (counting itself), payload. Stray bytes
            // between segments are skipped, as libjpeg skips them.
            while index + 4 <= bytes.count {
                guard bytes[index] == 0xFF else {
                    index += 1
                    continue
                }
                let marker = bytes[index + 1]
                if marker == 0xFF {  // fill byte
                    index += 1
                    continue
                }
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) {  // no payload
                    index += 2
                    continue
                }
                if marker == 0xD9 { break }
                let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
                guard length >= 2, index + 2 + length <= bytes.count else { break }
                let payload = bytes[(index + 4)..<(index + 2 + length)]
                if marker == 0xDA {
                    scanStart = index + 2 + length
                    break
                }
                if marker == 0xE1 {
                    if payload.starts(with: Self.exifHeader) {
                        // Pillow appends later EXIF segments to the first, whose directory is read.
                        if !sawExif { exifOrientation = Self.exifOrientation(payload.dropFirst(6)) }
                        sawExif = true
                    } else if payload.starts(with: Self.xmpHeader) {
                        xmp = payload.dropFirst(Self.xmpHeader.count)
                    }
                }
                index += 2 + length
            }
            if let found = exifOrientation ?? xmp.flatMap(Self.xmpOrientation) { orientation = found }
        }

        static let exifHeader: [UInt8] = Array("Exif\0\0".utf8)
        static let xmpHeader: [UInt8] = Array("http://ns.adobe.com/xap/1.0/\0".utf8)

        /// The Orientation tag (0x0112) of the first image directory of a TIFF structure, or nil.
        static func exifOrientation(_ tiff: ArraySlice<UInt8>) -> Int? {
            let data = Array(tiff)
            guard data.count >= 8 else { return nil }
            let little: Bool
            switch (data[0], data[1], data[2], data[3]) {
            case (0x49, 0x49, 0x2A, 0x00): little = true
            case (0x4D, 0x4D, 0x00, 0x2A): little = false
            default: return nil
            }
            func read(_ offset: Int, _ size: Int) -> Int? {
                guard offset >= 0, offset + size <= data.count else { return nil }
                var value = 0
                for byte in 0..<size {
                    let shift = little ? 8 * byte : 8 * (size - 1 - byte)
                    value |= Int(data[offset + byte]) << shift
                }
                return value
            }
            guard let directory = read(4, 4), let entries = read(directory, 2) else { return nil }
            for entry in 0..<entries {
                let base = directory + 2 + 12 * entry
                guard let tag = read(base, 2), let type = read(base + 2, 2), let count = read(base + 4, 4)
                else { return nil }
                guard tag == 0x0112 else { continue }
                guard count == 1 else { return nil }
                switch type {
                case 3: return read(base + 8, 2)  // SHORT
                case 4: return read(base + 8, 4)  // LONG
                default: return nil
                }
            }
            return nil
        }

        /// The digit after `tiff:Orientation="` or `tiff:Orientation>` in an XMP packet (Pillow's
        /// `getexif` pattern `tiff:Orientation(="|>)([0-9])`).
        static func xmpOrientation(_ xmp: ArraySlice<UInt8>) -> Int? {
            let packet = Array(xmp)
            let key = Array("tiff:Orientation".utf8)
            guard packet.count > key.count + 1 else { return nil }
            for start in 0...(packet.count - key.count - 2) where packet[start] == key[0] {
                guard packet[start..<start + key.count].elementsEqual(key) else { continue }
                var next = start + key.count
                if packet[next] == UInt8(ascii: "=") && packet[next + 1] == UInt8(ascii: "\"") {
                    next += 2
                } else if packet[next] == UInt8(ascii: ">") {
                    next += 1
                } else {
                    continue
                }
                guard next < packet.count, (0x30...0x39).contains(packet[next]) else { continue }
                return Int(packet[next] - 0x30)
            }
            return nil
        }

        /// Whether an end-of-image marker (`FF D9`) occurs at or after `start`, looked for from the end
        /// (where it usually is).
        ///
        /// In entropy-coded data every `FF` byte is followed by `00` or a restart marker, so a file
        /// without one after its first scan begins was cut short.
        static func hasEndMarker(_ bytes: [UInt8], after start: Int) -> Bool {
            var index = bytes.count - 2
            while index >= start {
                if bytes[index] == 0xFF && bytes[index + 1] == 0xD9 { return true }
                index -= 1
            }
            return false
        }
    }

    private static func message<T>(of tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
