import Foundation

/// Why an archive could not be downloaded, checked or unpacked; each case names the file or URL.
public enum DownloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text is not a URL Khru can download an archive from.
    case badURL(String, reason: String)
    /// No connection could be made to `url` (no route, the name does not resolve, the connection was
    /// refused): the machine is offline, or the mirror is down. `origin` is the archive's own URL (the
    /// same as `url` without a mirror); `standIn` names the offline dataset to use.
    case offline(url: String, reason: String, mirror: String?, standIn: String?, origin: String)
    /// The server answered with an HTTP status other than 200 or 206.
    case httpStatus(url: String, status: Int)
    /// The download broke off and retrying did not finish it; `partial` keeps what arrived, and the
    /// next call resumes from it.
    case interrupted(url: String, partial: String, received: Int, reason: String)
    /// The file's size or checksum is not the expected one (the `.part` is removed).
    case checksumMismatch(file: String, url: String, expected: String, actual: String)
    /// `tar` or `unzip` could not unpack the archive (the half-unpacked folder is removed).
    case extractionFailed(archive: String, reason: String)
    /// Two URLs with the same file name: the archives folder keeps one file per name.
    case nameClash(file: String, url: String, recordedURL: String)
    /// A file or folder could not be written, read, or moved.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .badURL(let url, let reason):
            return "cannot download '\(url)': \(reason)"
        case .offline(let url, let reason, let mirror, let standIn, let origin):
            let archive = URL(string: origin)?.lastPathComponent ?? origin
            var text: String
            if let mirror {
                text =
                    "cannot reach the data mirror \(mirror) (KHRU_DATA_MIRROR) for \(archive): \(reason); "
                    + "check that the mirror is running, or unset KHRU_DATA_MIRROR to download from \(origin)"
            } else {
                text =
                    "offline: cannot download \(url): \(reason). Khru needs the network for this dataset "
                    + "(or a classroom mirror: KHRU_DATA_MIRROR=http://host:port/, or the file \(archive) "
                    + "copied into the data root's archives/ folder)"
            }
            if let standIn { text += ". Offline, use its stand-in: untarData(.\(standIn))" }
            return text
        case .httpStatus(let url, let status):
            let hint = status == 404 ? " (not found: a mirror must hold the file under the same name)" : ""
            return "cannot download \(url): the server answered HTTP \(status)\(hint)"
        case .interrupted(let url, let partial, let received, let reason):
            return
                "the download of \(url) broke off (\(reason)); \(ByteCount.text(received)) kept in \(partial): "
                + "run again to resume"
        case .checksumMismatch(let file, let url, let expected, let actual):
            return
                "\(file): checksum mismatch for \(url): expected \(expected), got \(actual); the file was "
                + "removed (a changed file on the server, or a damaged download or mirror copy)"
        case .extractionFailed(let archive, let reason):
            return "cannot unpack \(archive): \(reason)"
        case .nameClash(let file, let url, let recordedURL):
            return
                "cannot download \(url): the archives folder already has \(file) from \(recordedURL); "
                + "remove it first to use the new URL"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

/// Byte counts as people read them.
enum ByteCount {
    /// `811.7 MB`, `15.7 MB`, `342.2 kB`, `900 B` (decimal units, as download tools show them).
    static func text(_ bytes: Int) -> String {
        let value = Double(bytes)
        if value >= 1e9 { return String(format: "%.2f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        if value >= 1e3 { return String(format: "%.1f kB", value / 1e3) }
        return "\(bytes) B"
    }
}
