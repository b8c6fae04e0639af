/// The encodings ``loadImage(_:)`` decodes, told apart by a file's first bytes, never by its name: a
/// PNG saved as `x.jpg` still loads (data sets have such files).
enum ImageFormat: Sendable, Equatable {
    /// `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// `FF D8`, the start-of-image marker (Pillow also wants the `FF` of the next marker; without it,
    /// libjpeg's message says more than "not an image" would).
    case jpeg

    /// The format `bytes` begin with, or nil.
    init?(signatureOf bytes: [UInt8]) {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            self = .jpeg
        } else {
            return nil
        }
    }

    /// Why `bytes` cannot be decoded, naming a known format that Khru does not read.
    static func unsupportedReason(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "the file is empty" }
        let others: [(String, [UInt8], Int)] = [
            ("GIF", Array("GIF8".utf8), 0), ("BMP", Array("BM".utf8), 0), ("WebP", Array("WEBP".utf8), 8),
            ("TIFF", [0x49, 0x49, 0x2A, 0x00], 0), ("TIFF", [0x4D, 0x4D, 0x00, 0x2A], 0),
            ("HEIF", Array("ftyp".utf8), 4),
        ]
        for (name, signature, offset) in others where bytes.dropFirst(offset).starts(with: signature) {
            return "a \(name) file; Khru decodes PNG and JPEG only"
        }
        return "not a PNG or JPEG file (bad signature)"
    }
}
