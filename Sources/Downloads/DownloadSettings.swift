import Foundation

/// How downloads run: where from (a classroom mirror or the archives' own servers), how progress is
/// shown, and how often a broken transfer is retried.
///
/// Read from the environment (`KHRU_DATA_MIRROR`) unless a caller sets ``override`` for a task, as
/// tests do to point downloads at a loopback mirror.
public struct DownloadSettings: Sendable {
    /// How progress is shown on standard error.
    public enum ProgressStyle: Sendable, Hashable {
        /// A bar redrawn in place when standard error is a terminal, otherwise ``lines``.
        case automatic
        /// A line at every tenth of the download (for logs and CI).
        case lines
        /// Nothing on standard error.
        case silent
    }

    /// Every download comes from here, by the archive's file name, when set (`KHRU_DATA_MIRROR`).
    public var mirror: URL?
    /// How progress is shown.
    public var progress: ProgressStyle = .automatic
    /// Consecutive attempts that add no byte before a broken download gives up (it keeps its `.part`).
    public var attemptsWithoutProgress = 3
    /// Seconds without a byte before an attempt counts as broken.
    public var idleTimeout: Double = 30

    /// Settings with `mirror`, or none.
    public init(mirror: URL? = nil, progress: ProgressStyle = .automatic) {
        self.mirror = mirror
        self.progress = progress
    }

    /// Settings that replace the environment's for the current task (tests, the cell runner).
    @TaskLocal public static var override: DownloadSettings?

    /// The settings in force: ``override``, else the environment's.
    ///
    /// - Throws: ``DownloadError/badURL(_:reason:)`` when `KHRU_DATA_MIRROR` is set but is not an
    ///   `http(s)` URL.
    public static func current(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DownloadError) -> DownloadSettings {
        if let override { return override }
        var settings = DownloadSettings()
        if let text = environment["KHRU_DATA_MIRROR"], !text.isEmpty {
            settings.mirror = try mirrorURL(text)
        }
        return settings
    }

    /// `text` as a mirror's base URL (with a final `/`, so file names append under it).
    ///
    /// - Throws: ``DownloadError/badURL(_:reason:)`` unless it is an `http(s)` URL with a host.
    public static func mirrorURL(_ text: String) throws(DownloadError) -> URL {
        let base = text.hasSuffix("/") ? text : text + "/"
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else {
            throw .badURL(
                text, reason: "KHRU_DATA_MIRROR must be an http:// URL such as http://10.0.0.5:8000/")
        }
        return url
    }

    /// Runs `body` with `settings` in force.
    public static func with<T>(_ settings: DownloadSettings, _ body: () throws -> T) rethrows -> T {
        try $override.withValue(settings, operation: body)
    }
}
