/// Why an image, a label or a dataset could not be read or made; the description names the file.
public enum VisionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or folder does not exist.
    case missingFile(path: String)
    /// The file exists but is not a readable image (truncated, damaged, not a PNG or JPEG, …).
    case badImage(path: String, reason: String)
    /// The image could not be encoded or written.
    case encodingFailed(path: String, reason: String)
    /// A folder holds no image files.
    case noImages(folder: String)
    /// A text or label file has the wrong content.
    case malformed(path: String, line: Int, reason: String)
    /// A point target lies outside the image it belongs to.
    case pointOutsideImage(item: String, point: [Float], width: Int, height: Int)
    /// A transform or block was given input it cannot handle.
    case invalidInput(String)
    /// A dataset could not be prepared (a package could not be fetched, a checksum differs, …).
    case preparationFailed(dataset: String, reason: String)

    /// What went wrong and where.
    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): no such file or folder"
        case .badImage(let path, let reason): "\(path): not a readable image: \(reason)"
        case .encodingFailed(let path, let reason): "\(path): cannot write the image: \(reason)"
        case .noImages(let folder): "\(folder): no image files found"
        case .malformed(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .pointOutsideImage(let item, let point, let width, let height):
            "\(item): the point (\(point.map { "\($0)" }.joined(separator: ", "))) lies outside "
                + "the \(width)×\(height) image"
        case .invalidInput(let message): message
        case .preparationFailed(let dataset, let reason): "\(dataset): \(reason)"
        }
    }
}
