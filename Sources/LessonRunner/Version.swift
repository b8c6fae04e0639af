import Foundation

/// Khru's version, printed by `khru --version` and written into every report and cache key.
public enum KhruVersion {
    /// The current version.
    public static let current = "0.1.0"

    /// The running build: the size and modification time of the executable.
    ///
    /// Part of every cache key, so a rebuilt library (a changed kernel, a fixed default) never reuses
    /// results computed by another build, even under the same version number.
    public static let build: String = {
        let path = Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber,
            let modified = attributes[.modificationDate] as? Date
        else { return "unknown" }
        return "\(size.intValue)-\(Int(modified.timeIntervalSince1970 * 1000))"
    }()
}
