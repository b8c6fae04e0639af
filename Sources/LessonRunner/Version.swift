/// Khru's version, printed by `khru --version` and written into every report and cache key.
public enum KhruVersion {
    /// The current version.
    public static let current = "0.1.0"
}
