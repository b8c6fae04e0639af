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
        #if os(Linux)
            // The running image itself (stat follows /proc/self/exe to its inode), so a rebuild during a
            // run, which replaces the file, does not change the key of the workers started after it.
            var status = stat()
            if stat("/proc/self/exe", &status) == 0 {
                let milliseconds = Int(status.st_mtim.tv_sec) * 1000 + Int(status.st_mtim.tv_nsec) / 1_000_000
                return "\(status.st_size)-\(milliseconds)"
            }
        #endif
        let path = Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber,
            let modified = attributes[.modificationDate] as? Date
        else { return "unknown" }
        return "\(size.intValue)-\(Int(modified.timeIntervalSince1970 * 1000))"
    }()
}
