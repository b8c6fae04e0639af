import Checksums
import Foundation
import Testing
import Training
import _TestSupport

@testable import Downloads

/// Downloads against a loopback server with archives made here by `tar`: fresh, through a mirror,
/// resumed, checksum mismatches, offline; and after each, nothing half-written in the data folder.
@Suite struct DownloadTests {
    /// A tar.gz made by `tar` from files written here, with its expected contents and fastai-style check
    /// computed by coreutils (`md5sum`, `sha256sum`), not by Khru.
    struct TestArchive {
        var name: String
        var bytes: [UInt8]
        /// Each file's relative path → SHA-256 of its bytes.
        var contents: [String: String]
        var md5OfFirstMiB: String
        var sha256: String

        /// `<name>.tgz` holding one folder `<name>/` with a text file, a nested file and 1.5 MB of
        /// random bytes (so the archive is over a MiB, and fastai's first-MiB hash covers a part of it).
        static func make(_ name: String, seed: UInt8 = 1) throws -> TestArchive {
            let work = try temporaryFolder("khru-archive")
            defer { try? FileManager.default.removeItem(atPath: work.string) }
            var generator = SystemRandomNumberGenerator()
            let contents: [String: [UInt8]] = [
                "README.txt": Array("test archive \(name) \(seed)\n".utf8),
                "images/Abyssinian_1.txt": Array("a cat\n".utf8),
                "noise.bin": (0..<1_500_000).map { _ in UInt8.random(in: 0...255, using: &generator) },
            ]
            for (path, bytes) in contents {
                let file = work / name / path
                try FileManager.default.createDirectory(
                    at: file.parent.url, withIntermediateDirectories: true)
                try Data(bytes).write(to: file.url)
            }
            let archive = work / "\(name).tgz"
            #expect(run(["tar", "-czf", archive.string, "-C", work.string, name]).status == 0)
            let md5 = run(["sh", "-c", "head -c 1048576 \"$0\" | md5sum", archive.string]).output
            let sha = run(["sha256sum", archive.string]).output
            return TestArchive(
                name: name, bytes: [UInt8](try Data(contentsOf: archive.url)),
                contents: contents.mapValues { SHA256.hex(of: $0) },
                md5OfFirstMiB: String(md5.prefix(32)), sha256: String(sha.prefix(64)))
        }

        var fileName: String { "\(name).tgz" }

        /// A table entry for it (as fastai's are) at `base`, with a stand-in.
        func source(at base: String, md5: String? = nil) -> DataSource {
            DataSource(
                archive: RemoteArchive(
                    base + fileName, size: bytes.count, md5: md5 ?? md5OfFirstMiB, standIn: "digits"))
        }
    }

    static let quiet = DownloadSettings(progress: .silent)

    static func temporaryFolder(_ prefix: String) throws -> Path {
        let path = Path(FileManager.default.temporaryDirectory) / "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(at: path.url, withIntermediateDirectories: true)
        return path
    }

    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        ExternalCommand(arguments).run()
    }

    /// Every file under `folder`: relative path → SHA-256 of its bytes (short in a failure's message).
    static func tree(_ folder: Path) -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.string)
        while let relative = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            let path = folder / relative
            if FileManager.default.fileExists(atPath: path.string, isDirectory: &isFolder),
                !isFolder.boolValue
            {
                result[relative] = FileManager.default.contents(atPath: path.string).map {
                    SHA256.hex(of: [UInt8]($0))
                }
            }
        }
        return result
    }

    /// What is left in a data root besides `allowed`: `.part` files, hidden unpacking folders, dataset
    /// folders, an `archives/` folder left empty.
    static func leftovers(in root: Path, allowed: Set<String> = []) -> [String] {
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root.string)) ?? [] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: (root / entry).string)) ?? []
            if entry == "archives" && !files.isEmpty {
                for file in (try? FileManager.default.contentsOfDirectory(atPath: (root / entry).string))
                    ?? []
                where !allowed.contains("archives/" + file) {
                    found.append("archives/" + file)
                }
            } else if !allowed.contains(entry) {
                found.append(entry)
            }
        }
        return found.sorted()
    }

    @Test func aFreshDownloadUnpacksTheArchiveAndASecondCallFetchesNothing() throws {
        let archive = try TestArchive.make("khru-test-shapes")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let source = archive.source(at: server.baseURL)

        let folder = try DownloadSettings.with(Self.quiet) { try untarData(source, root: root) }
        #expect(folder == root / "khru-test-shapes")
        #expect(Self.tree(folder) == archive.contents)
        #expect(
            FileManager.default.contents(atPath: (root / "archives" / archive.fileName).string)
                == Data(archive.bytes))
        #expect(server.requests == [.init(path: "/khru-test-shapes.tgz", range: nil)])
        #expect(
            Self.leftovers(in: root, allowed: ["khru-test-shapes", "archives/khru-test-shapes.tgz"]) == [])

        _ = try DownloadSettings.with(Self.quiet) { try untarData(source, root: root) }
        #expect(server.requests.count == 1)
    }

    @Test func aMirrorServesEveryDownloadByFileName() throws {
        let archive = try TestArchive.make("khru-test-mirrored")
        let mirror = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { mirror.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        // The archive's own host does not exist: every byte must come from the mirror.
        let source = archive.source(at: "http://archives.invalid/fast-ai-imageclas/")
        var settings = Self.quiet
        settings.mirror = try DownloadSettings.mirrorURL("http://127.0.0.1:\(mirror.port)")
        let folder = try DownloadSettings.with(settings) { try untarData(source, root: root) }
        #expect(Self.tree(folder) == archive.contents)
        #expect(mirror.requests.map(\.path) == ["/khru-test-mirrored.tgz"])
    }

    @Test func theEnvironmentNamesTheMirror() throws {
        let settings = try DownloadSettings.current(environment: ["KHRU_DATA_MIRROR": "http://10.0.0.5:8000"])
        #expect(settings.mirror?.absoluteString == "http://10.0.0.5:8000/")
        #expect(throws: DownloadError.self) {
            try DownloadSettings.current(environment: ["KHRU_DATA_MIRROR": "10.0.0.5:8000"])
        }
        #expect(try DownloadSettings.current(environment: [:]).mirror == nil)
    }

    /// `KHRU_DATA_CHECKS` stands a small archive in for a listed one (as a rehearsal of the real Pets
    /// would), without editing the table: the listed check refuses it, the file's check accepts it.
    @Test func aChecksFileReplacesTheTablesCheckForItsURLs() throws {
        let archive = try TestArchive.make("khru-test-checks")
        let mirror = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { mirror.stop() }
        let work = try Self.temporaryFolder("khru-checks")
        defer { try? FileManager.default.removeItem(atPath: work.string) }
        let origin = "https://s3.amazonaws.com/fast-ai-imageclas/"
        let listed = archive.source(at: origin, md5: String(repeating: "e", count: 32))
        let checks = work / "checks.json"
        let entry =
            "{\"\(origin + archive.fileName)\": [\(archive.bytes.count), \"\(archive.md5OfFirstMiB)\"]}"
        try Data(entry.utf8).write(to: checks.url)
        let environment = ["KHRU_DATA_MIRROR": mirror.baseURL, "KHRU_DATA_CHECKS": checks.string]

        var settings = try DownloadSettings.current(environment: ["KHRU_DATA_MIRROR": mirror.baseURL])
        settings.progress = .silent
        #expect(throws: DownloadError.self) {
            try DownloadSettings.with(settings) { try untarData(listed, root: work / "without") }
        }
        settings = try DownloadSettings.current(environment: environment)
        settings.progress = .silent
        let folder = try DownloadSettings.with(settings) { try untarData(listed, root: work / "with") }
        #expect(Self.tree(folder) == archive.contents)

        try Data("{\"x\": [1, \"nope\"]}".utf8).write(to: checks.url)
        let error = #expect(throws: DownloadError.self) {
            try DownloadSettings.current(environment: environment)
        }
        #expect(String(describing: error!).contains("the entry for x is not"))
    }

    @Test func aConnectionCutHalfWayIsResumedWithARangeRequest() throws {
        let archive = try TestArchive.make("khru-test-resumed")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let half = archive.bytes.count / 2
        server.cutNextResponse(to: "/" + archive.fileName, after: half)
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }

        let folder = try DownloadSettings.with(Self.quiet) {
            try untarData(archive.source(at: server.baseURL), root: root)
        }
        #expect(Self.tree(folder) == archive.contents)
        #expect(
            server.requests == [
                .init(path: "/khru-test-resumed.tgz", range: nil),
                .init(path: "/khru-test-resumed.tgz", range: "bytes=\(half)-"),
            ])
        #expect(
            Self.leftovers(in: root, allowed: ["khru-test-resumed", "archives/khru-test-resumed.tgz"]) == [])
    }

    /// A server without byte ranges answers a resume with the whole file: the `.part` starts over.
    @Test func aServerWithoutRangesMakesABrokenDownloadStartOver() throws {
        let archive = try TestArchive.make("khru-test-norange")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        server.setIgnoresRanges(true)
        let half = archive.bytes.count / 2
        server.cutNextResponse(to: "/" + archive.fileName, after: half)
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let folder = try DownloadSettings.with(Self.quiet) {
            try untarData(archive.source(at: server.baseURL), root: root)
        }
        #expect(Self.tree(folder) == archive.contents)
        #expect(server.requests.map(\.range) == [nil, "bytes=\(half)-"])
    }

    /// A `.part` longer than the file (a URL whose file shrank): the server's 416 drops it, and the
    /// download starts over.
    @Test func aPartLongerThanTheFileIsDroppedAfterA416() throws {
        let archive = try TestArchive.make("khru-test-long-part")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        try FileManager.default.createDirectory(
            at: (root / "archives").url, withIntermediateDirectories: true)
        try Data(archive.bytes + [0, 0]).write(to: (root / "archives" / (archive.fileName + ".part")).url)
        let folder = try DownloadSettings.with(Self.quiet) {
            try untarData(server.baseURL + archive.fileName, root: root)
        }
        #expect(Self.tree(folder) == archive.contents)
        #expect(server.requests.map(\.range) == ["bytes=\(archive.bytes.count + 2)-", nil])
    }

    @Test func aPartLeftByAnEarlierRunIsResumed() throws {
        let archive = try TestArchive.make("khru-test-part")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let third = archive.bytes.count / 3
        try FileManager.default.createDirectory(
            at: (root / "archives").url, withIntermediateDirectories: true)
        try Data(archive.bytes.prefix(third)).write(
            to: (root / "archives" / (archive.fileName + ".part")).url)

        let folder = try DownloadSettings.with(Self.quiet) {
            try untarData(archive.source(at: server.baseURL), root: root)
        }
        #expect(Self.tree(folder) == archive.contents)
        #expect(server.requests == [.init(path: "/khru-test-part.tgz", range: "bytes=\(third)-")])
    }

    /// The cell's timeout= stops a stalled download; only the resumable `.part` stays, and the next call
    /// resumes it.
    @Test func aDeadlineStopsAStalledDownloadAndTheNextCallResumes() throws {
        let archive = try TestArchive.make("khru-test-stalled")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let quarter = archive.bytes.count / 4
        server.stallNextResponse(to: "/" + archive.fileName, after: quarter)
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let source = archive.source(at: server.baseURL)
        let started = ContinuousClock.now
        let error = #expect(throws: DownloadError.self) {
            try ExternalCommand.withDeadline(.now + .milliseconds(800)) {
                try DownloadSettings.with(Self.quiet) { try untarData(source, root: root) }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        guard case .interrupted(_, let partial, let received, let reason) = error else {
            Issue.record("expected an interrupted download, got \(String(describing: error))")
            return
        }
        #expect(partial == (root / "archives" / (archive.fileName + ".part")).string)
        #expect(received == quarter && reason.contains("deadline"))
        #expect(Self.leftovers(in: root) == ["archives/khru-test-stalled.tgz.part"])

        let folder = try DownloadSettings.with(Self.quiet) { try untarData(source, root: root) }
        #expect(Self.tree(folder) == archive.contents)
        #expect(server.requests.last == .init(path: "/khru-test-stalled.tgz", range: "bytes=\(quarter)-"))
        #expect(
            Self.leftovers(in: root, allowed: ["khru-test-stalled", "archives/khru-test-stalled.tgz"]) == [])
    }

    /// Two calls at once (two cells, a server and a run): one downloads, the other waits and finds the
    /// folder in place.
    @Test func twoCallsAtOnceDownloadOnce() throws {
        let archive = try TestArchive.make("khru-test-twice")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let source = archive.source(at: server.baseURL)
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                let result = Result {
                    try DownloadSettings.with(Self.quiet) { try untarData(source, root: root) }
                }
                results.append(
                    result.map(\.string).mapError { Results.Failure(text: String(describing: $0)) })
                group.leave()
            }
        }
        group.wait()
        #expect(results.all == Array(repeating: .success((root / "khru-test-twice").string), count: 2))
        #expect(server.requests.count == 1)
        #expect(Self.tree(root / "khru-test-twice") == archive.contents)
        #expect(Self.leftovers(in: root, allowed: ["khru-test-twice", "archives/khru-test-twice.tgz"]) == [])
    }

    @Test func aChecksumMismatchNamesTheFileAndLeavesNothing() throws {
        let archive = try TestArchive.make("khru-test-corrupt")
        let server = try LoopbackHTTPServer(files: ["/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let wrong = String(repeating: "0", count: 32)

        let error = #expect(throws: DownloadError.self) {
            try DownloadSettings.with(Self.quiet) {
                try untarData(archive.source(at: server.baseURL, md5: wrong), root: root)
            }
        }
        guard case .checksumMismatch(let file, let url, let expected, let actual) = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(file == (root / "archives" / archive.fileName).string)
        #expect(url == server.baseURL + archive.fileName)
        #expect(expected.contains(wrong) && actual.contains(archive.md5OfFirstMiB))
        #expect(String(describing: error!).hasPrefix(file + ": checksum mismatch"))
        #expect(Self.leftovers(in: root) == [])
    }

    @Test func offlineNamesTheStandInAndLeavesNothing() throws {
        let archive = try TestArchive.make("khru-test-offline")
        // A port that was just free: connection refused.
        let closed = try LoopbackHTTPServer(files: [:])
        closed.stop()
        for base in ["http://127.0.0.1:\(closed.port)/", "http://fast-ai-imageclas.invalid/"] {
            let root = try Self.temporaryFolder("khru-data")
            defer { try? FileManager.default.removeItem(atPath: root.string) }
            let error = #expect(throws: DownloadError.self) {
                try DownloadSettings.with(Self.quiet) { try untarData(archive.source(at: base), root: root) }
            }
            guard case .offline(let url, _, let mirror, let standIn, let origin) = error else {
                Issue.record("\(base): expected offline, got \(String(describing: error))")
                continue
            }
            #expect(url == base + archive.fileName)
            #expect(mirror == nil && standIn == "digits" && origin == url)
            let text = String(describing: error!)
            #expect(text.hasPrefix("offline: cannot download \(base)"))
            #expect(text.hasSuffix("Offline, use its stand-in: untarData(.digits)"))
            #expect(Self.leftovers(in: root) == [], "\(base)")
        }
    }

    @Test func anUnreachableMirrorSaysSo() throws {
        let archive = try TestArchive.make("khru-test-nomirror")
        let closed = try LoopbackHTTPServer(files: [:])
        closed.stop()
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        var settings = Self.quiet
        settings.mirror = try DownloadSettings.mirrorURL("http://127.0.0.1:\(closed.port)/")
        let error = #expect(throws: DownloadError.self) {
            try DownloadSettings.with(settings) {
                try untarData(archive.source(at: "http://archives.invalid/"), root: root)
            }
        }
        let text = String(describing: error!)
        #expect(
            text.hasPrefix(
                "cannot reach the data mirror http://127.0.0.1:\(closed.port)/ (KHRU_DATA_MIRROR) for "
                    + archive.fileName))
        #expect(
            text.contains(
                "unset KHRU_DATA_MIRROR to download from http://archives.invalid/" + archive.fileName))
        #expect(Self.leftovers(in: root) == [])
    }

    @Test func aMissingFileIsAnHTTPError() throws {
        let server = try LoopbackHTTPServer(files: [:])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let error = #expect(throws: DownloadError.self) {
            try DownloadSettings.with(Self.quiet) {
                try untarData(server.baseURL + "nothing.tgz", root: root)
            }
        }
        #expect(error == .httpStatus(url: server.baseURL + "nothing.tgz", status: 404))
        #expect(Self.leftovers(in: root) == [])
    }

    @Test func aURLsChecksumIsRecordedOnFirstDownloadAndCheckedAfter() throws {
        let archive = try TestArchive.make("khru-test-url")
        let server = try LoopbackHTTPServer(files: ["/data/" + archive.fileName: archive.bytes])
        defer { server.stop() }
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let url = server.baseURL + "data/" + archive.fileName

        let folder = try DownloadSettings.with(Self.quiet) { try untarData(url, root: root) }
        #expect(Self.tree(folder) == archive.contents)
        let records = ArchiveStore(root: root).readRecords()
        #expect(
            records == [url: .init(file: archive.fileName, size: archive.bytes.count, sha256: archive.sha256)]
        )

        // The server's file changes; the dataset and archive are gone: the new bytes are refused.
        try FileManager.default.removeItem(at: folder.url)
        try FileManager.default.removeItem(at: (root / "archives" / archive.fileName).url)
        let changed = try TestArchive.make("khru-test-url", seed: 2)
        server.setFile("/data/" + archive.fileName, changed.bytes)
        let error = #expect(throws: DownloadError.self) {
            try DownloadSettings.with(Self.quiet) { try untarData(url, root: root) }
        }
        guard case .checksumMismatch(let file, _, let expected, let actual) = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(file == (root / "archives" / archive.fileName).string)
        #expect(expected.contains(archive.sha256) && actual.contains(changed.sha256))
        #expect(Self.leftovers(in: root, allowed: ["downloads.json"]) == [])
    }

    @Test func anArchiveAlreadyInTheArchivesFolderIsCheckedAndUnpackedWithoutTheNetwork() throws {
        let archive = try TestArchive.make("khru-test-local")
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        try FileManager.default.createDirectory(
            at: (root / "archives").url, withIntermediateDirectories: true)
        try Data(archive.bytes).write(to: (root / "archives" / archive.fileName).url)
        let folder = try DownloadSettings.with(Self.quiet) {
            try untarData(archive.source(at: "http://archives.invalid/"), root: root)
        }
        #expect(Self.tree(folder) == archive.contents)
    }

    @Test(arguments: [
        ("ftp://example.org/x.tgz", "only http:// and https:// URLs can be downloaded"),
        ("https://example.org/data/readme.txt", "its last component 'readme.txt' is not an archive"),
        ("https://example.org/.tgz", "its last component '.tgz' is not an archive"),
    ])
    func badURLsAreRefusedBeforeAnythingIsWritten(url: String, reason: String) throws {
        let root = try Self.temporaryFolder("khru-data")
        defer { try? FileManager.default.removeItem(atPath: root.string) }
        let error = #expect(throws: DownloadError.self) { try untarData(url, root: root) }
        #expect(String(describing: error!).hasPrefix("cannot download '\(url)': \(reason)"))
        #expect(Self.leftovers(in: root) == [])
    }

    @Test func theMirrorCommandCopiesCheckedArchivesOnly() throws {
        let root = try Self.temporaryFolder("khru-data")
        let mirror = try Self.temporaryFolder("khru-mirror")
        defer {
            try? FileManager.default.removeItem(atPath: root.string)
            try? FileManager.default.removeItem(atPath: mirror.string)
        }
        let archives = root / "archives"
        try FileManager.default.createDirectory(at: archives.url, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: (archives / "a.tgz").url)
        try Data([4, 5]).write(to: (archives / "b.zip").url)
        try Data([6]).write(to: (archives / "c.tgz.part").url)
        let store = ArchiveStore(root: root)
        #expect(
            try store.mirror(to: mirror) == [
                .init(name: "a.tgz", size: 3, copied: true), .init(name: "b.zip", size: 2, copied: true),
            ])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: mirror.string).sorted() == ["a.tgz", "b.zip"])
        #expect(FileManager.default.contents(atPath: (mirror / "a.tgz").string) == Data([1, 2, 3]))
        #expect(try store.mirror(to: mirror).map(\.copied) == [false, false])
    }

    @Test func fastaisTableHasItsFiveArchives() {
        let expected: [(DataSource, String)] = [
            (.pets, "oxford-iiit-pet"), (.pascal2007, "pascal_2007"), (.biwiHeadPose, "biwi_head_pose"),
            (.imagenette, "imagenette2"), (.mnist, "mnist_png"),
        ]
        for (source, folder) in expected { #expect(source.name == folder) }
    }
}

/// Results gathered from threads.
private final class Results: @unchecked Sendable {
    struct Failure: Error, Hashable { var text: String }
    private let lock = NSLock()
    private var values: [Result<String, Failure>] = []

    func append(_ result: Result<String, Failure>) { lock.withLock { values.append(result) } }

    var all: [Result<String, Failure>] { lock.withLock { values } }
}
