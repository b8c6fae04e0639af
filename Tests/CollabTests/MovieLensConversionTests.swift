import Foundation
import Testing

@testable import Collab

@Suite struct MovieLensConversionTests {
    static let inter = """
        user_id:token\titem_id:token\trating:float\ttimestamp:float
        196\t242\t3\t881250949
        186\t302\t4.0\t891717742
        22\t377\t1\t878887116

        """

    static let item = """
        item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq
        1\tToy Story\t1995\tAnimation Children's Comedy
        267\tunkonwn\tunkonwn\tunknown
        543\tMisérables, Les\t1995\tDrama Musical
        1412\tLand Before Time III: The Time of the Great Giving (1995)\tV\tAnimation Children's
        1633\tÁ köldum klaka (Cold Fever)\t1994\tFilm-Noir Western

        """

    @Test func ratingsKeepOrderAsWholeNumbers() throws {
        let data = try MovieLensConversion.ratingsData(fromInter: Array(Self.inter.utf8))
        #expect(
            String(decoding: data, as: UTF8.self)
                == "196\t242\t3\t881250949\n186\t302\t4\t891717742\n22\t377\t1\t878887116\n")
    }

    @Test func moviesAreLatin1WithGenreFlags() throws {
        let data = try MovieLensConversion.movieData(fromItem: Array(Self.item.utf8))
        // Expected bytes written out by hand: é = 0xE9, Á = 0xC1, ö = 0xF6 in Latin-1; flags in GroupLens order
        // unknown, Action, Adventure, Animation, Children's, Comedy, Crime, Documentary, Drama, Fantasy,
        // Film-Noir, Horror, Musical, Mystery, Romance, Sci-Fi, Thriller, War, Western.
        var expected: [UInt8] = []
        expected += Array("1|Toy Story (1995)||||0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n".utf8)
        expected += Array("267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n".utf8)
        expected += Array("543|Mis".utf8) + [0xE9] + Array("rables, Les (1995)||||".utf8)
        expected += Array("0|0|0|0|0|0|0|0|1|0|0|0|1|0|0|0|0|0|0\n".utf8)
        expected += Array("1412|Land Before Time III: The Time of the Great Giving (1995) (V)||||".utf8)
        expected += Array("0|0|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n".utf8)
        expected +=
            Array("1633|".utf8) + [0xC1] + Array(" k".utf8) + [0xF6]
            + Array("ldum klaka (Cold Fever) (1994)||||".utf8)
        expected += Array("0|0|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|1\n".utf8)
        #expect(data == expected)
    }

    @Test func convertedFilesReadBack() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("khru-movielens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = MovieLensFiles(folder: folder.path)
        try Data(MovieLensConversion.ratingsData(fromInter: Array(Self.inter.utf8)))
            .write(to: URL(fileURLWithPath: files.ratings))
        try Data(MovieLensConversion.movieData(fromItem: Array(Self.item.utf8)))
            .write(to: URL(fileURLWithPath: files.movies))

        let ratings = try MovieLens.readRatings(at: files.ratings)
        #expect(ratings.first == MovieLens.Rating(user: 196, movie: 242, rating: 3, timestamp: 881_250_949))
        #expect(ratings.map(\.rating) == [3, 4, 1])

        let movies = try MovieLens.readMovies(at: files.movies)
        #expect(
            movies.map(\.title) == [
                "Toy Story (1995)", "unknown", "Misérables, Les (1995)",
                "Land Before Time III: The Time of the Great Giving (1995) (V)",
                "Á köldum klaka (Cold Fever) (1994)",
            ])
        #expect(movies[0].genres == ["Animation", "Children's", "Comedy"])
        #expect(movies[1].genres == ["unknown"])
        #expect(movies[4].genres == ["Film-Noir", "Western"])
        #expect(movies.allSatisfy { $0.releaseDate.isEmpty && $0.imdbURL.isEmpty })
    }

    @Test func titleOutsideLatin1IsAnError() {
        let item = MovieLensConversion.itemHeader + "\n7\tŁódź Story\t1999\tDrama\n"
        #expect(throws: MovieLensError.notLatin1(movie: 7, text: "Łódź Story (1999)", character: "Ł")) {
            try MovieLensConversion.movieData(fromItem: Array(item.utf8))
        }
        let message = MovieLensError.notLatin1(movie: 7, text: "Łódź Story (1999)", character: "Ł")
            .description
        #expect(message.contains("U+141"))
    }

    @Test func malformedInputIsLocated() {
        #expect(
            throws: MovieLensError.malformed(
                file: "ml-100k.inter", line: 3, reason: "'x' is not a whole number")
        ) {
            let inter = MovieLensConversion.interHeader + "\n1\t2\t3\t4\n1\tx\t3\t4\n"
            return try MovieLensConversion.ratingsData(fromInter: Array(inter.utf8))
        }
        #expect(
            throws: MovieLensError.malformed(file: "ml-100k.item", line: 2, reason: "unknown genre 'Noir'")
        ) {
            let item = MovieLensConversion.itemHeader + "\n1\tA\t1995\tNoir\n"
            return try MovieLensConversion.movieData(fromItem: Array(item.utf8))
        }
        #expect(throws: MovieLensError.self) {
            try MovieLensConversion.ratingsData(fromInter: Array("196\t242\t3\t881250949\n".utf8))
        }
    }

    @Test func downloadErrorSaysWhatToDo() {
        let error = MovieLensError.downloadFailed(
            output: "No matching distribution found", folder: "data/ml-100k")
        #expect(
            error.description
                == "could not download recbole==1.2.1 with pip: No matching distribution found; "
                + "put u.data and u.item from the original ml-100k.zip in data/ml-100k instead")
    }
}
