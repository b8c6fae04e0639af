import Foundation

/// The files a server may send: regular files under one folder, nothing else.
///
/// A request path is percent-decoded once, then refused when any of its parts is `..`, `.` or
/// hidden (starts with `.`: the cache, the lock), when it holds a NUL or a backslash, or when the
/// real path of the file (symbolic links resolved) is not inside the folder's real path. A folder
/// stands for its `index.html`.
public struct StaticFiles: Sendable {
    /// The folder's real path (symbolic links resolved), without a trailing `/`.
    public let root: String

    /// Serves the files under `directory`.
    ///
    /// - Throws: ``StaticFilesError`` when the folder does not exist.
    public init(directory: String) throws(StaticFilesError) {
        guard let real = Self.realPath(directory) else { throw StaticFilesError(path: directory) }
        root = real
    }

    /// The real path of the file `requestPath` names (its URL path, still percent-encoded, query
    /// removed), or `nil` when it must not be served or does not exist.
    public func file(for requestPath: String) -> String? {
        guard let decoded = requestPath.removingPercentEncoding, decoded.hasPrefix("/"),
            !decoded.contains("\0"), !decoded.contains("\\")
        else { return nil }
        var parts: [Substring] = []
        for part in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            guard !part.hasPrefix(".") else { return nil }
            parts.append(part)
        }
        var candidate = parts.isEmpty ? root : root + "/" + parts.joined(separator: "/")
        if decoded.hasSuffix("/") || parts.isEmpty { candidate += "/index.html" }
        guard var real = Self.realPath(candidate), isInside(real) else { return nil }
        if Self.isDirectory(real) {
            guard let index = Self.realPath(real + "/index.html"), isInside(index) else { return nil }
            real = index
        }
        return Self.isRegularFile(real) ? real : nil
    }

    /// The path of `file` (a real path under ``root``) as a URL path from the root: `/en/x.html`.
    public func urlPath(of file: String) -> String? {
        guard isInside(file) else { return nil }
        return String(file.dropFirst(root.count))
    }

    /// The media type of a file, from its extension.
    public static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "json": "application/json"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "svg": "image/svg+xml"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "txt", "md", "csv", "xml": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    private func isInside(_ real: String) -> Bool { real.hasPrefix(root + "/") }

    /// `realpath(3)`: the absolute path with every symbolic link, `.` and `..` resolved; `nil` when
    /// the file does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}

/// The folder to serve does not exist.
public struct StaticFilesError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The folder.
    public var path: String

    public var description: String { "\(path): error: no such folder to serve" }
}
