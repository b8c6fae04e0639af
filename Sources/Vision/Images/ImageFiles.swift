import Foundation
import TensorCore
import Training

/// fastai's `image_extensions`: every extension Python's `mimetypes` maps to an `image/` type.
public let imageExtensions: Set<String> = [
    ".bmp", ".gif", ".ief", ".jpg", ".jpe", ".jpeg", ".heic", ".heif", ".png", ".svg", ".tiff", ".tif",
    ".ico", ".ras", ".pnm", ".pbm", ".pgm", ".ppm", ".rgb", ".xbm", ".xpm", ".xwd", ".webp",
]

/// The image files under `path`, sorted by path (fastai `get_image_files`).
///
/// A file counts when its lower-cased extension is one of ``imageExtensions``; folders whose name
/// starts with `.` are skipped, as fastai's `get_files` does.
///
/// - Parameters:
///   - path: The folder searched.
///   - recurse: Whether sub-folders are searched too.
///   - folders: When given, only these sub-folders of `path` are searched.
/// - Returns: The files' paths, sorted.
/// - Throws: ``VisionError/missingFile(path:)`` when `path` is not a folder;
///   ``VisionError/noImages(folder:)`` when it holds no image files (an empty list would only fail
///   later, less clearly).
public func getImageFiles(
    _ path: Path, recurse: Bool = true, folders: [String]? = nil
) throws(VisionError) -> [Path] {
    guard path.isDirectory else { throw .missingFile(path: path.string) }
    let roots = folders.map { $0.map { path / $0 } } ?? [path]
    var found: [Path] = []
    for root in roots where root.isDirectory {
        collect(root, recurse: recurse, into: &found)
    }
    guard !found.isEmpty else { throw .noImages(folder: path.string) }
    return found.sorted()
}

private func collect(_ folder: Path, recurse: Bool, into found: inout [Path]) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.string) else { return }
    for name in names {
        let child = folder / name
        if child.isDirectory {
            if recurse && !name.hasPrefix(".") { collect(child, recurse: recurse, into: &found) }
        } else if let dot = name.lastIndex(of: "."), imageExtensions.contains(name[dot...].lowercased()) {
            found.append(child)
        }
    }
}

/// Reads and decodes the PNG or JPEG image at `path` (fastai `PILImage.create`), the format told by
/// the file's first bytes, not its name.
///
/// A JPEG comes out upright (its EXIF orientation applied, as Pillow's `ImageOps.exif_transpose`
/// does), grey or RGB; see ``Image/init(jpegData:name:)``. fastai's `load_image` leaves a rotated
/// photo as stored; Khru gives it as a viewer shows it.
///
/// - Throws: ``VisionError/missingFile(path:)`` when there is no such file;
///   ``VisionError/badImage(path:reason:)`` when it is empty, truncated, damaged, or neither a PNG nor
///   a JPEG.
public func loadImage(_ path: Path) throws(VisionError) -> Image {
    guard let data = FileManager.default.contents(atPath: path.string) else {
        throw path.exists
            ? .badImage(path: path.string, reason: "cannot be read") : .missingFile(path: path.string)
    }
    return try Image(data: [UInt8](data), name: path.string)
}

extension Image {
    /// Decodes the bytes of a PNG or JPEG file, the format told by its first bytes; `name` is the file
    /// named in errors.
    ///
    /// - Throws: ``VisionError/badImage(path:reason:)`` when the bytes are neither a whole PNG nor a
    ///   whole JPEG.
    public init(data bytes: [UInt8], name: String = "<memory>") throws(VisionError) {
        switch ImageFormat(signatureOf: bytes) {
        case .png: self = try PNGCodec.decode(bytes, name: name)
        case .jpeg: self = try JPEGCodec.decode(bytes, name: name)
        case nil: throw .badImage(path: name, reason: ImageFormat.unsupportedReason(bytes))
        }
    }

    /// Decodes JPEG bytes with libjpeg-turbo, giving Pillow's pixels for
    /// `ImageOps.exif_transpose(Image.open(path))`; `name` is the file named in errors.
    ///
    /// Baseline, progressive and arithmetic-coded files with any chroma subsampling decode with
    /// libjpeg's accurate integer IDCT and smooth upsampling, as Pillow's do. Grey files give
    /// ``Mode/grey``; colour files give ``Mode/rgb``, CMYK ones converted as Pillow's `convert("RGB")`
    /// converts them (reading them as Adobe-inverted, as Pillow does). The EXIF orientation (all eight
    /// values; XMP's `tiff:Orientation` when EXIF has none) is applied.
    ///
    /// ```swift
    /// let photo = try Image(jpegData: bytes, name: "Abyssinian_1.jpg")
    /// ```
    ///
    /// - Throws: ``VisionError/badImage(path:reason:)`` when the file is empty, not a JPEG, truncated,
    ///   damaged (any libjpeg warning other than stray bytes between segments), larger than Pillow's
    ///   decompression-bomb limit (178,956,970 pixels), or of a kind libjpeg-turbo 2.1 cannot decode
    ///   (12-bit, lossless).
    public init(jpegData bytes: [UInt8], name: String = "<memory>") throws(VisionError) {
        self = try JPEGCodec.decode(bytes, name: name)
    }

    /// Decodes PNG bytes; `name` is the file named in errors.
    ///
    /// - Throws: ``VisionError/badImage(path:reason:)`` when the bytes are not a whole PNG.
    public init(pngData bytes: [UInt8], name: String = "<memory>") throws(VisionError) {
        self = try PNGCodec.decode(bytes, name: name)
    }

    /// The image as PNG bytes, optionally as a palette PNG (8-bit images of at most 256 colours).
    ///
    /// - Throws: ``VisionError/encodingFailed(path:reason:)``.
    public func pngData(palette: Bool = false) throws(VisionError) -> [UInt8] {
        try PNGCodec.encode(self, palette: palette, name: "<memory>")
    }

    /// Writes the image as a PNG file, atomically.
    ///
    /// - Throws: ``VisionError/encodingFailed(path:reason:)`` when it cannot be encoded or written.
    public func save(_ path: Path, palette: Bool = false) throws(VisionError) {
        let bytes = try PNGCodec.encode(self, palette: palette, name: path.string)
        do {
            try Data(bytes).write(to: path.url, options: .atomic)
        } catch {
            throw .encodingFailed(path: path.string, reason: error.localizedDescription)
        }
    }
}
