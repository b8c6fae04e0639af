import Foundation
import LessonSource

/// Writes reports, manifests and the index under an output folder, atomically.
public enum ReportWriter {
    /// Writes `<output>/<lang>/<slug>.html` and `<output>/<lang>/<slug>.json`.
    ///
    /// Each file is written to a temporary file in its own folder and renamed into place, so a reader
    /// never sees half a report.
    ///
    /// - Returns: The paths written, as `outputDirectory` joined with the relative path.
    /// - Throws: A ``ReportWriteError`` when a folder or file cannot be written.
    @discardableResult
    public static func write(
        _ report: LessonReport, under outputDirectory: String
    ) throws -> (
        html: String, manifest: String
    ) {
        let folder = join(outputDirectory, report.lang)
        let html = join(folder, report.slug + ".html")
        let manifest = join(folder, report.slug + ".json")
        try writeAtomically(Array(ReportRenderer.html(report).utf8), to: html)
        try writeAtomically(ReportRenderer.manifest(report), to: manifest)
        return (html, manifest)
    }

    /// Writes `<output>/index.html` listing `entries`.
    ///
    /// - Returns: The path written.
    /// - Throws: A ``ReportWriteError`` when the file cannot be written.
    @discardableResult
    public static func writeIndex(_ entries: [IndexEntry], under outputDirectory: String) throws -> String {
        let path = join(outputDirectory, "index.html")
        try writeAtomically(Array(ReportRenderer.index(entries).utf8), to: path)
        return path
    }

    /// Reads the index entries of every manifest already under `<output>/<lang>/`.
    ///
    /// The index can then list lessons rendered by earlier runs. Unreadable manifests are skipped.
    ///
    /// - Returns: The entries, sorted by slug then language.
    public static func indexEntries(under outputDirectory: String) -> [IndexEntry] {
        let manager = FileManager.default
        var entries: [IndexEntry] = []
        let langs = (try? manager.contentsOfDirectory(atPath: outputDirectory)) ?? []
        for lang in langs.sorted() where !lang.hasPrefix(".") {
            let folder = join(outputDirectory, lang)
            let files = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() where file.hasSuffix(".json") {
                guard let data = manager.contents(atPath: join(folder, file)),
                    let manifest = try? Manifest.decode(data)
                else { continue }
                let summary = manifest.summary
                let counts = StatusCounts(
                    passed: summary.passed, failed: summary.failed, skipped: summary.skipped,
                    shown: summary.shown)
                entries.append(
                    IndexEntry(
                        lang: manifest.lang, slug: manifest.slug, title: manifest.title,
                        lessonPath: manifest.lesson, counts: counts))
            }
        }
        return entries.sorted { ($0.slug, $0.lang) < ($1.slug, $1.lang) }
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
    ///
    /// - Throws: A ``ReportWriteError`` when the folder or file cannot be written.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportWriteError(path: folder.path, reason: "cannot create the folder: \(describe(error))")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            // A full disk leaves a partial temporary file: remove it, the old file stays as it was.
            try? FileManager.default.removeItem(at: temporary)
            throw ReportWriteError(path: path, reason: "cannot write: \(describe(error))")
        }
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportWriteError(path: path, reason: "cannot move the new file into place: \(reason)")
        }
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : (folder.hasSuffix("/") ? folder + name : folder + "/" + name)
    }

    private static func describe(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// A report file that could not be written.
public struct ReportWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    /// Why.
    public var reason: String

    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): error: \(reason)" }
}
