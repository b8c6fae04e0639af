import Checksums
import Foundation
import Training

/// Shared steps of preparing Vision's datasets: fetching one file out of a Debian package without
/// installing it, and recording what was written so that a second run has nothing to do.
enum Preparation {
    /// Where progress lines go: standard error, so a lesson's displayed values stay clean.
    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Runs `arguments` in `directory`; returns the status and merged output.
    static func run(_ arguments: [String], in directory: Path? = nil) -> (status: Int32, output: String) {
        ExternalCommand(arguments, in: directory).run()
    }

    /// The lines a preparation records: each file's relative path, SHA-256 and size.
    typealias Entry = (name: String, sha256: String, size: Int)

    /// Runs `write` unless `folder` already holds a complete preparation of `version`, then records
    /// the files it wrote; says which happened.
    static func once(
        _ folder: Path, dataset: String, version: String, write: () throws(VisionError) -> [Entry]
    ) throws(VisionError) {
        if isPrepared(folder, version: version) {
            log("\(dataset): nothing to do (\(folder) is prepared; files recorded in \(manifestName))")
            return
        }
        invalidate(folder)
        let start = Date()
        let written = try write()
        try record(written, in: folder, version: version)
        log(
            "\(dataset): wrote \(written.count) files to \(folder) in "
                + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }

    /// The files `members` (paths inside the package, such as `./usr/share/…/digits.png`, with
    /// their SHA-256) of Debian package `package`, kept in `cache`; returns their paths there.
    ///
    /// Files already in `cache` with matching checksums are reused; otherwise the package is fetched
    /// once with `apt-get download` (after one `apt-get update` if apt does not know it), the members
    /// alone are extracted with `dpkg-deb --fsys-tarfile | tar -x`, checked, and the `.deb` is
    /// deleted. Nothing is installed.
    ///
    /// - Throws: ``VisionError/preparationFailed(dataset:reason:)`` naming the package.
    static func debianFiles(
        package: String, members: [(path: String, sha256: String)], cache: Path, dataset: String
    ) throws(VisionError) -> [Path] {
        let targets = members.map { cache / Path($0.path).name }
        let missing = zip(members, targets).filter { member, target in
            (try? readBytes(target)).map { SHA256.hex(of: $0) != member.sha256 } ?? true
        }
        if missing.isEmpty { return targets }
        try makeFolder(cache)
        let scratch = cache / ".deb"
        try? FileManager.default.removeItem(at: scratch.url)
        try makeFolder(scratch)
        defer { try? FileManager.default.removeItem(at: scratch.url) }
        log("\(dataset): downloading the Debian package \(package) (apt-get download; not installed)")
        var fetched = run(["apt-get", "download", "-q", package], in: scratch)
        if fetched.status != 0 {
            log("\(dataset): apt-get download failed; running apt-get update once and retrying")
            _ = run(["apt-get", "update", "-qq"])
            fetched = run(["apt-get", "download", "-q", package], in: scratch)
        }
        let debs =
            (try? FileManager.default.contentsOfDirectory(atPath: scratch.string))?
            .filter { $0.hasSuffix(".deb") } ?? []
        guard fetched.status == 0, let deb = debs.first else {
            throw .preparationFailed(
                dataset: dataset,
                reason: "cannot fetch the Debian package '\(package)' with apt-get download: "
                    + lastLines(fetched.output) + "; check the network and the apt sources, or run "
                    + "`apt-get download \(package)` yourself")
        }
        let paths = missing.map(\.0.path)
        let extracted = run(
            ["sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -x \"$@\"", deb] + paths, in: scratch)
        for (member, target) in missing {
            let memberPath = scratch / String(member.path.drop { $0 == "." || $0 == "/" })
            guard extracted.status == 0, let bytes = try? readBytes(memberPath) else {
                throw .preparationFailed(
                    dataset: dataset,
                    reason: "cannot extract \(member.path) from \(deb) (package '\(package)'): "
                        + lastLines(extracted.output))
            }
            let actual = SHA256.hex(of: bytes)
            guard actual == member.sha256 else {
                throw .preparationFailed(
                    dataset: dataset,
                    reason: "\(member.path) from the package '\(package)' has SHA-256 \(actual), "
                        + "expected \(member.sha256)")
            }
            try write(bytes, to: target)
        }
        return targets
    }

    /// The decompressed bytes of a gzip file (through `gzip -dc`).
    static func gunzip(_ path: Path, dataset: String) throws(VisionError) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", path.string]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .preparationFailed(
                dataset: dataset, reason: "cannot run gzip: \(error.localizedDescription)")
        }
        let data = ExternalCommand.readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .preparationFailed(dataset: dataset, reason: "gzip could not decompress \(path)")
        }
        return [UInt8](data)
    }

    // MARK: - Recording a prepared folder

    /// The stamp naming the generator version, file count and total size of a prepared folder.
    static let stampName = ".khru-prepared"
    /// `sha256sum -c SHA256SUMS` checks every file written.
    static let manifestName = "SHA256SUMS"

    /// Whether `folder` holds a complete preparation of `version`: its stamp matches and every file
    /// of its manifest exists, with the recorded total size.
    static func isPrepared(_ folder: Path, version: String) -> Bool {
        guard let stamp = try? readBytes(folder / stampName),
            let manifest = try? readBytes(folder / manifestName)
        else { return false }
        let lines = String(decoding: stamp, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == 3, lines[0] == "version \(version)" else { return false }
        let names = String(decoding: manifest, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.split(separator: " ", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard lines[1] == "files \(names.count)" else { return false }
        var total = 0
        for name in names {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: (folder / name).string),
                let size = attributes[.size] as? Int
            else { return false }
            total += size
        }
        return lines[2] == "bytes \(total)"
    }

    /// Records the files written (relative paths and their bytes' SHA-256) and the stamp.
    static func record(
        _ files: [Entry], in folder: Path, version: String
    )
        throws(VisionError)
    {
        let manifest = files.sorted { $0.name < $1.name }.map { "\($0.sha256)  \($0.name)\n" }.joined()
        try write(Array(manifest.utf8), to: folder / manifestName)
        let stamp = "version \(version)\nfiles \(files.count)\nbytes \(files.map(\.size).reduce(0, +))\n"
        try write(Array(stamp.utf8), to: folder / stampName)
    }

    /// Removes a stale stamp, so an interrupted preparation is never taken for a complete one.
    static func invalidate(_ folder: Path) {
        try? FileManager.default.removeItem(at: (folder / stampName).url)
    }

    // MARK: - Files

    /// Writes `bytes` atomically, creating the parent folder.
    static func write(_ bytes: [UInt8], to path: Path) throws(VisionError) {
        try makeFolder(path.parent)
        do {
            try Data(bytes).write(to: path.url, options: .atomic)
        } catch {
            throw .encodingFailed(path: path.string, reason: error.localizedDescription)
        }
    }

    /// Writes a PNG of `image` at `folder/name` and returns its manifest entry.
    static func writePNG(
        _ image: Image, folder: Path, name: String
    ) throws(VisionError) -> Entry {
        let bytes = try image.pngData()
        try write(bytes, to: folder / name)
        return (name, SHA256.hex(of: bytes), bytes.count)
    }

    /// Writes text at `folder/name` and returns its manifest entry.
    static func writeText(
        _ text: String, folder: Path, name: String
    ) throws(VisionError) -> Entry {
        let bytes = Array(text.utf8)
        try write(bytes, to: folder / name)
        return (name, SHA256.hex(of: bytes), bytes.count)
    }

    static func readBytes(_ path: Path) throws(VisionError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path.string) else {
            throw .missingFile(path: path.string)
        }
        return [UInt8](data)
    }

    static func makeFolder(_ path: Path) throws(VisionError) {
        do {
            try FileManager.default.createDirectory(at: path.url, withIntermediateDirectories: true)
        } catch {
            throw .encodingFailed(
                path: path.string, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private static func lastLines(_ text: String) -> String {
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " / ")
        return lines.isEmpty ? "no output" : lines
    }
}
