import Checksums
import Foundation
import Training

extension DataSource {
    /// A dataset that ``untarData(_:root:)`` downloads from `archive` and unpacks into
    /// `<data root>/<archive.folderName>`, as fastai's `untar_data(URLs.PETS)` does.
    ///
    /// Tests and other modules make their own archives this way without touching the table of
    /// fastai's archives.
    public init(archive: RemoteArchive) {
        self.init(placingFolder: archive.folderName) { folder in
            try ArchiveStore(root: folder.parent).place(archive, at: folder)
        }
    }
}

/// The folder of the archive at `url`, downloaded, checked and unpacked on first use (fastai's
/// `untar_data(url)` for any URL).
///
/// The archive is kept as `<data root>/archives/<file name>`; its size and SHA-256 are recorded in
/// `<data root>/downloads.json` on the first download and every later download must match them.
///
/// ```swift
/// let path = try untarData("https://example.org/data/shapes.tgz")   // <data root>/shapes
/// ```
///
/// - Parameters:
///   - url: An `http(s)` URL whose last component is an archive (`.tgz`, `.tar.gz`, `.tar`, `.zip`, …).
///   - root: The data root (default ``Training/DataSource/dataRoot(environment:currentDirectory:home:)``).
/// - Returns: The folder, `<data root>/<file name without its archive suffix>`.
/// - Throws: ``DownloadError`` naming the URL or file.
public func untarData(_ url: String, root: Path? = nil) throws -> Path {
    try untarData(DataSource(archive: RemoteArchive(url: url)), root: root)
}

/// A data root's downloaded archives (`archives/`), their recorded checksums (`downloads.json`) and
/// the folders they unpack to.
///
/// Every write is atomic: a download goes to `archives/<name>.part` and is renamed once its size and
/// checksum are right; an archive unpacks into a hidden folder beside its target, renamed into place
/// once `tar` succeeds. A failure leaves no dataset folder, no unchecked archive, and no `.part`
/// except one that a broken transfer keeps so the next call resumes it.
public struct ArchiveStore: Sendable {
    /// The data root.
    public let root: Path

    /// The store of `root`.
    public init(root: Path) { self.root = root }

    /// Where downloaded archives are kept (`khru data mirror` copies them from here).
    public var archives: Path { root / "archives" }

    /// The recorded sizes and checksums of URL downloads.
    public var recordsFile: Path { root / "downloads.json" }

    /// One recorded download.
    struct Record: Codable, Hashable {
        var file: String
        var size: Int
        var sha256: String
    }

    // MARK: - Placing a dataset

    /// Makes `folder` hold `archive` unpacked: nothing to do when it already has content; otherwise
    /// the archive is downloaded (or reused from `archives/`), checked and unpacked.
    ///
    /// - Throws: ``DownloadError``.
    func place(_ listed: RemoteArchive, at folder: Path) throws(DownloadError) {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.string), !entries.isEmpty
        {
            return
        }
        let settings = try DownloadSettings.current()
        var archive = listed
        if let check = settings.checks[archive.url.absoluteString] { archive.check = check }
        let lock = try PlacementLock.acquire(root / ".\(archive.folderName).lock") {
            DownloadProgress(label: archive.fileName, onDisk: 0, total: nil, settings: settings).log(
                "\(archive.folderName): waiting for another download of it to finish")
        }
        defer { lock.release() }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.string), !entries.isEmpty
        {
            return
        }
        removeAbandonedFolders(of: archive)
        do {
            let file = try archiveFile(for: archive, settings: settings)
            try unpack(file, of: archive, into: folder, settings: settings)
        } catch {
            // An archives folder this failure leaves empty goes too.
            if (try? FileManager.default.contentsOfDirectory(atPath: archives.string))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: archives.string)
            }
            throw error
        }
    }

    /// The checked archive file of `archive` in ``archives``, downloaded when it is missing or wrong.
    ///
    /// - Throws: ``DownloadError``.
    func archiveFile(
        for archive: RemoteArchive, settings: DownloadSettings
    ) throws(DownloadError) -> Path {
        try makeFolder(archives)
        let target = archives / archive.fileName
        var records = readRecords()
        if case .recorded = archive.check,
            let clash = records.first(where: {
                $0.value.file == archive.fileName && $0.key != archive.url.absoluteString
            })
        {
            throw .nameClash(file: target.string, url: archive.url.absoluteString, recordedURL: clash.key)
        }
        if target.exists {
            if let mismatch = try verify(target, archive, records: records) {
                let progress = DownloadProgress(
                    label: archive.fileName, onDisk: 0, total: nil, settings: settings)
                progress.log(
                    "\(target): does not match (expected \(mismatch.expected), got \(mismatch.actual)); "
                        + "downloading it again")
                try remove(target)
            } else {
                if case .recorded = archive.check, records[archive.url.absoluteString] == nil {
                    records[archive.url.absoluteString] = try record(of: target, as: archive.fileName)
                    try writeRecords(records)
                }
                return target
            }
        }
        let part = archives / (archive.fileName + ".part")
        try download(archive, to: part, settings: settings)
        if let mismatch = try verify(part, archive, records: records) {
            try? remove(part)
            throw .checksumMismatch(
                file: target.string, url: source(of: archive, settings: settings).absoluteString,
                expected: mismatch.expected, actual: mismatch.actual)
        }
        if case .recorded = archive.check, records[archive.url.absoluteString] == nil {
            records[archive.url.absoluteString] = try record(of: part, as: archive.fileName)
            try writeRecords(records)
        }
        try move(part, to: target)
        return target
    }

    /// Where `archive` is fetched from: the mirror's URL of its file name, or its own URL.
    func source(of archive: RemoteArchive, settings: DownloadSettings) -> URL {
        settings.mirror.map { $0.appendingPathComponent(archive.fileName) } ?? archive.url
    }

    // MARK: - Downloading

    private func download(
        _ archive: RemoteArchive, to part: Path, settings: DownloadSettings
    ) throws(DownloadError) {
        let url = source(of: archive, settings: settings)
        var onDisk = fileSize(part) ?? 0
        if let expected = archive.expectedSize, onDisk > expected {
            try remove(part)
            onDisk = 0
        }
        let progress = DownloadProgress(
            label: archive.fileName, onDisk: onDisk, total: archive.expectedSize, settings: settings)
        let size = archive.expectedSize.map { " (\(ByteCount.text($0)))" } ?? ""
        progress.log(
            onDisk > 0
                ? "resuming \(url)\(size) at \(ByteCount.text(onDisk)) in \(part)"
                : "downloading \(url)\(size) to \(part)")
        var failures = 0
        var attempts = 0
        while true {
            if let expected = archive.expectedSize, onDisk == expected {
                // A previous run received every byte but stopped before checking them.
                progress.finish("\(archive.fileName): complete in \(part)")
                return
            }
            attempts += 1
            let outcome = Transfer.attempt(
                url, into: part, offset: onDisk, settings: settings, progress: progress)
            let before = onDisk
            onDisk = fileSize(part) ?? 0
            switch outcome {
            case .complete:
                progress.finish("\(archive.fileName): \(progress.totals())")
                return
            case .unreachable(let reason):
                if attempts == 1 || onDisk == 0 {
                    progress.finish("\(archive.fileName): cannot connect: \(reason)")
                    if onDisk == 0 { try? remove(part) }
                    throw .offline(
                        url: url.absoluteString, reason: reason, mirror: settings.mirror?.absoluteString,
                        standIn: archive.standIn, origin: archive.url.absoluteString)
                }
                failures += 1
            case .status(416) where before > 0:
                // The .part is not a prefix the server can continue: start over.
                try remove(part)
                onDisk = 0
                failures += 1
            case .status(let status):
                progress.finish("\(archive.fileName): HTTP \(status)")
                if onDisk == 0 { try? remove(part) }
                throw .httpStatus(url: url.absoluteString, status: status)
            case .broken(let reason, _):
                failures = onDisk > before ? 0 : failures + 1
                if failures >= settings.attemptsWithoutProgress || attempts >= 100 {
                    progress.finish("\(archive.fileName): broken off: \(reason)")
                    if onDisk == 0 { try? remove(part) }
                    throw .interrupted(
                        url: url.absoluteString, partial: part.string, received: onDisk, reason: reason)
                }
                progress.log(
                    "\(archive.fileName): broken off at \(ByteCount.text(onDisk)) (\(reason)); resuming")
            case .deadline:
                progress.finish("\(archive.fileName): stopped at the deadline")
                if onDisk == 0 { try? remove(part) }
                throw .interrupted(
                    url: url.absoluteString, partial: part.string, received: onDisk,
                    reason: "stopped at the deadline (the cell's timeout=)")
            case .disk(let reason):
                progress.finish("\(archive.fileName): \(reason)")
                try? remove(part)
                throw .fileSystem(path: part.string, reason: reason)
            }
            if failures >= settings.attemptsWithoutProgress {
                throw .interrupted(
                    url: url.absoluteString, partial: part.string, received: onDisk,
                    reason: "\(failures) attempts without progress")
            }
            Thread.sleep(forTimeInterval: 0.2 * Double(failures))
        }
    }

    // MARK: - Checking

    /// What a check expected and found.
    struct Mismatch {
        var expected: String
        var actual: String
    }

    /// nil when `file` is `archive` by its check (a `.recorded` archive with no record yet passes).
    func verify(
        _ file: Path, _ archive: RemoteArchive, records: [String: Record]
    ) throws(DownloadError) -> Mismatch? {
        let size = fileSize(file) ?? -1
        switch archive.check {
        case .fastai(let expectedSize, let expectedMD5):
            let md5 = try md5OfFirstMiB(file)
            guard size == expectedSize, md5 == expectedMD5 else {
                return Mismatch(
                    expected: "\(expectedSize) bytes, MD5 of the first MiB \(expectedMD5) (fastai's table)",
                    actual: "\(size) bytes, \(md5)")
            }
            return nil
        case .recorded:
            guard let record = records[archive.url.absoluteString] else { return nil }
            let sha256 = try sha256(of: file)
            guard size == record.size, sha256 == record.sha256 else {
                return Mismatch(
                    expected:
                        "\(record.size) bytes, SHA-256 \(record.sha256) (recorded in \(recordsFile.name))",
                    actual: "\(size) bytes, \(sha256)")
            }
            return nil
        }
    }

    /// fastai's `path_stats` hash: MD5 of the file's first 2^20 bytes.
    func md5OfFirstMiB(_ file: Path) throws(DownloadError) -> String {
        var hasher = MD5()
        try readChunks(of: file, limit: 1 << 20) { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// SHA-256 of the whole file.
    func sha256(of file: Path) throws(DownloadError) -> String {
        var hasher = SHA256()
        try readChunks(of: file, limit: nil) { hasher.update($0) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func record(of file: Path, as name: String) throws(DownloadError) -> Record {
        Record(file: name, size: fileSize(file) ?? 0, sha256: try sha256(of: file))
    }

    private func readChunks(of file: Path, limit: Int?, _ body: ([UInt8]) -> Void) throws(DownloadError) {
        guard let handle = FileHandle(forReadingAtPath: file.string) else {
            throw .fileSystem(path: file.string, reason: "cannot read the file")
        }
        defer { try? handle.close() }
        var left = limit ?? Int.max
        while left > 0 {
            let data: Data?
            do {
                data = try handle.read(upToCount: min(1 << 20, left))
            } catch {
                throw .fileSystem(path: file.string, reason: "cannot read: \(error.localizedDescription)")
            }
            guard let data, !data.isEmpty else { break }
            body([UInt8](data))
            left -= data.count
        }
    }

    // MARK: - Records

    func readRecords() -> [String: Record] {
        guard let data = FileManager.default.contents(atPath: recordsFile.string),
            let records = try? JSONDecoder().decode([String: Record].self, from: data)
        else { return [:] }
        return records
    }

    private func writeRecords(_ records: [String: Record]) throws(DownloadError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try (encoder.encode(records) + Data("\n".utf8)).write(to: recordsFile.url, options: .atomic)
        } catch {
            throw .fileSystem(path: recordsFile.string, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    // MARK: - Unpacking

    /// The hidden folder `archive` unpacks into before it is renamed into place (one per process).
    private func unpackingFolder(of archive: RemoteArchive, pid: Int32 = getpid()) -> Path {
        root / ".\(archive.folderName).unpacking-\(pid)"
    }

    /// Removes unpacking folders left by processes that died (a SIGKILL mid-`tar`).
    private func removeAbandonedFolders(of archive: RemoteArchive) {
        let prefix = ".\(archive.folderName).unpacking-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root.string)) ?? []
        where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)) else { continue }
            if pid == getpid() || kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(atPath: (root / entry).string)
            }
        }
    }

    private func unpack(
        _ file: Path, of archive: RemoteArchive, into folder: Path, settings: DownloadSettings
    ) throws(DownloadError) {
        let scratch = unpackingFolder(of: archive)
        try? FileManager.default.removeItem(atPath: scratch.string)
        try makeFolder(scratch)
        var placed = false
        defer { if !placed { try? FileManager.default.removeItem(atPath: scratch.string) } }
        let progress = DownloadProgress(label: archive.fileName, onDisk: 0, total: nil, settings: settings)
        progress.log("unpacking \(file) into \(folder)")
        let command =
            archive.fileName.lowercased().hasSuffix(".zip")
            ? ["unzip", "-q", file.string, "-d", scratch.string]
            : ["tar", "-x", "--no-same-owner", "-f", file.string, "-C", scratch.string]
        let result = ExternalCommand(command).run()
        guard result.status == 0 else {
            let lines = result.output.split(separator: "\n").suffix(3).joined(separator: " / ")
            throw .extractionFailed(
                archive: file.string, reason: "\(command[0]) exited with status \(result.status): \(lines)")
        }
        // As fastai: an archive holding one folder gives that folder; anything else, the whole set.
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: scratch.string)) ?? []
        var isFolder: ObjCBool = false
        let single =
            entries.count == 1
            && FileManager.default.fileExists(atPath: (scratch / entries[0]).string, isDirectory: &isFolder)
            && isFolder.boolValue
        let source = single ? scratch / entries[0] : scratch
        // One rename(2) puts it in place (it also replaces an empty folder an older Khru left).
        if rename(source.string, folder.string) != 0 {
            let code = errno
            if code == ENOTEMPTY || code == EEXIST {
                // Another process placed it first.
                return
            }
            throw .fileSystem(
                path: folder.string,
                reason: "cannot move the unpacked archive into place: \(String(cString: strerror(code)))")
        }
        placed = true
        if single { try? FileManager.default.removeItem(atPath: scratch.string) }
        progress.log("\(archive.folderName): ready in \(folder)")
    }

    // MARK: - Files

    func fileSize(_ path: Path) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path.string))?[.size] as? Int
    }

    private func makeFolder(_ path: Path) throws(DownloadError) {
        do {
            try FileManager.default.createDirectory(at: path.url, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(
                path: path.string, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private func remove(_ path: Path) throws(DownloadError) {
        do {
            try FileManager.default.removeItem(at: path.url)
        } catch {
            throw .fileSystem(path: path.string, reason: "cannot remove: \(error.localizedDescription)")
        }
    }

    private func move(_ source: Path, to target: Path) throws(DownloadError) {
        guard rename(source.string, target.string) == 0 else {
            throw .fileSystem(
                path: target.string,
                reason: "cannot rename \(source.name): \(String(cString: strerror(errno)))")
        }
    }
}
