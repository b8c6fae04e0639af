import Foundation
import Serving
import Testing

/// A folder `out/` with a report, an index, a hidden cache, and links out of it, beside a secret.
private func site() throws -> (root: URL, out: URL) {
    let manager = FileManager.default
    let root = manager.temporaryDirectory.appendingPathComponent("khru-static-\(UUID().uuidString)")
    let out = root.appendingPathComponent("out")
    try manager.createDirectory(at: out.appendingPathComponent("en"), withIntermediateDirectories: true)
    try manager.createDirectory(at: out.appendingPathComponent(".cache"), withIntermediateDirectories: true)
    try Data("index".utf8).write(to: out.appendingPathComponent("index.html"))
    try Data("report".utf8).write(to: out.appendingPathComponent("en/01 a.html"))
    try Data("entry".utf8).write(to: out.appendingPathComponent(".cache/lock"))
    try Data("secret".utf8).write(to: root.appendingPathComponent("secret.txt"))
    try manager.createSymbolicLink(
        atPath: out.appendingPathComponent("en/leak.html").path,
        withDestinationPath: root.path + "/secret.txt")
    try manager.createSymbolicLink(
        atPath: out.appendingPathComponent("up").path, withDestinationPath: root.path)
    try manager.createSymbolicLink(
        atPath: out.appendingPathComponent("en/same.html").path, withDestinationPath: "01 a.html")
    return (root, out)
}

@Suite struct StaticFilesTests {
    @Test func servesFilesUnderTheFolderAndAFolderAsItsIndex() throws {
        let (root, out) = try site()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try StaticFiles(directory: out.path)
        let real = files.root
        #expect(files.file(for: "/") == real + "/index.html")
        #expect(files.file(for: "/index.html") == real + "/index.html")
        #expect(files.file(for: "/en/01%20a.html") == real + "/en/01 a.html")
        // A link that stays inside is fine.
        #expect(files.file(for: "/en/same.html") == real + "/en/01 a.html")
        #expect(files.file(for: "/en/missing.html") == nil)
        #expect(files.file(for: "/en/") == nil)
    }

    @Test(arguments: [
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc/passwd",
        "/en/../../secret.txt", "/en/%2e%2e/%2e%2e/secret.txt", "/..\\..\\secret.txt", "/en/leak.html",
        "/up/secret.txt", "/.cache/lock", "/%2ecache/lock", "/en/01%20a.html%00.png", "/./index.html",
        "%2e%2e/secret.txt", "/%zz", "/en/%2e%2e/.cache/lock",
    ])
    func refusesEverythingOutsideTheFolderOrHidden(_ path: String) throws {
        let (root, out) = try site()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try StaticFiles(directory: out.path)
        #expect(files.file(for: path) == nil, "\(path) → \(files.file(for: path) ?? "")")
    }

    @Test func aLinkOutThatLeadsBackInIsServed() throws {
        let (root, out) = try site()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try StaticFiles(directory: out.path)
        // `up` points at the folder above; `up/out/index.html` is the folder's own index again.
        #expect(files.file(for: "/up/out/index.html") == files.root + "/index.html")
    }

    @Test func aDoubleSlashStaysInsideTheFolder() throws {
        let (root, out) = try site()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try StaticFiles(directory: out.path)
        // `//etc/passwd` is `etc/passwd` under the folder, which does not exist.
        #expect(files.file(for: "//etc/passwd") == nil)
        #expect(files.file(for: "//en//01%20a.html") == files.root + "/en/01 a.html")
    }

    @Test func aMissingFolderIsAnError() {
        #expect(throws: StaticFilesError.self) {
            try StaticFiles(directory: "/nonexistent-\(UUID().uuidString)")
        }
    }

    @Test func mediaTypes() {
        #expect(StaticFiles.contentType(of: "/a/b.html") == "text/html; charset=utf-8")
        #expect(StaticFiles.contentType(of: "b.json") == "application/json")
        #expect(StaticFiles.contentType(of: "b.PNG") == "image/png")
        #expect(StaticFiles.contentType(of: "b") == "application/octet-stream")
    }
}
