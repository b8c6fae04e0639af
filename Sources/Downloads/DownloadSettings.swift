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
    /// Sizes and checksums that replace the table's for these URLs (`KHRU_DATA_CHECKS`, a JSON file in
    /// fastai's `checks.txt` form: `{"https://…/oxford-iiit-pet.tgz": [size, "md5 of the first MiB"]}`),
    /// so a test or a rehearsal can stand a small archive in for a real one without editing the table.
    public var checks: [String: RemoteArchive.Check] = [:]
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
        if let path = environment["KHRU_DATA_CHECKS"], !path.isEmpty {
            settings.checks = try readChecks(path)
        }
        return settings
    }

    /// The checks in a JSON file of fastai's `checks.txt` form: URL → `[size, md5 of the first MiB]`.
    ///
    /// - Throws: ``DownloadError/fileSystem(path:reason:)`` when the file cannot be read or has another form.
    public static func readChecks(_ path: String) throws(DownloadError) -> [String: RemoteArchive.Check] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileSystem(path: path, reason: "cannot read the checks file (KHRU_DATA_CHECKS)")
        }
        let form = "not a JSON object of URL → [size, \"md5 of the first MiB\"] (KHRU_DATA_CHECKS)"
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .fileSystem(path: path, reason: form)
        }
        var checks: [String: RemoteArchive.Check] = [:]
        for (url, value) in object {
            guard let pair = value as? [Any], pair.count == 2, let size = (pair[0] as? NSNumber)?.intValue,
                let md5 = pair[1] as? String, md5.count == 32, md5.allSatisfy(\.isHexDigit)
            else { throw .fileSystem(path: path, reason: form + "; the entry for \(url) is not") }
            checks[url] = .fastai(size: size, md5OfFirstMiB: md5.lowercased())
        }
        return checks
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
