/// An error raised while drawing or encoding a chart.
public enum PlottingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The font file does not exist or FreeType cannot open it.
    case fontNotFound(path: String)
    /// FreeType itself failed (code from FreeType).
    case fontEngineFailed(code: Int)
    /// libpng refused to encode the picture.
    case pngEncodingFailed(String)
    /// The data given to a chart is inconsistent (lengths differ, nothing to draw, …).
    case invalidData(String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .fontNotFound(let path):
            return "font not found or unreadable: \(path) (install fonts-tlwg-loma-ttf)"
        case .fontEngineFailed(let code):
            return "FreeType failed with error \(code)"
        case .pngEncodingFailed(let message):
            return "PNG encoding failed: \(message)"
        case .invalidData(let message):
            return "invalid chart data: \(message)"
        }
    }
}
