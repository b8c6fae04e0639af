import Checksums
import Foundation

/// MovieLens 100k (GroupLens), prepared from the PyPI wheel `recbole==1.2.1` into GroupLens's layout.
///
/// The data may not be redistributed, so Khru never ships it: ``prepare(in:log:)`` downloads the wheel
/// with pip at set-up time, checks its SHA-256, extracts RecBole's copy of the data and writes
/// `u.data` and `u.item` exactly as GroupLens lays them out (see `docs/data.md`). A user who has the
/// original `ml-100k.zip` may put its `u.data` and `u.item` in the folder instead.
///
/// ```swift
/// let files = try MovieLens.prepare(in: MovieLens.defaultFolder) { print($0) }
/// let ratings = try MovieLens.readRatings(at: files.ratings)   // 100,000 ratings
/// ```
public enum MovieLens {
    /// The cache folder, relative to the package root.
    public static let defaultFolder = "lessons/data/ml-100k"

    /// The 19 genres of `u.item`'s flag columns, in GroupLens's order.
    public static let genres = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
        "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
        "Western",
    ]

    /// The pip requirement of the wheel holding the data.
    public static let wheelRequirement = "recbole==1.2.1"
    static let wheelFile = "recbole-1.2.1-py3-none-any.whl"
    static let wheelSHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
    static let interMember = "recbole/dataset_example/ml-100k/ml-100k.inter"
    static let itemMember = "recbole/dataset_example/ml-100k/ml-100k.item"
    static let interSHA256 = "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"
    static let itemSHA256 = "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532"

    /// SHA-256 of the `u.data` and `u.item` that the conversion produces from the pinned wheel.
    static let convertedRatingsSHA256 = "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"
    static let convertedMoviesSHA256 = "7698249c0dabca2a0600405079b8f79ea3543313e8c309d13e08b68af34fe12e"

    static let ratingsName = "u.data"
    static let moviesName = "u.item"
    /// `sha256sum -c SHA256SUMS` checks the prepared files.
    static let manifestName = "SHA256SUMS"

    /// The number of ratings, users and movies in MovieLens 100k.
    public static let ratingCount = 100_000
    /// The number of users who rated.
    public static let userCount = 943
    /// The number of movies.
    public static let movieCount = 1_682

    /// Makes sure `folder` holds MovieLens 100k's `u.data` and `u.item`; idempotent.
    ///
    /// Files recorded in the folder's `SHA256SUMS` with matching checksums are reused as they are.
    /// Otherwise files the conversion is known to produce, or original GroupLens files with 100,000
    /// ratings and 1,682 movies, are accepted and recorded. Otherwise the wheel is downloaded into
    /// `folder/whl` (reused when its checksum matches), the two data files are extracted and checked,
    /// and `u.data`, `u.item` and `SHA256SUMS` are written atomically.
    ///
    /// - Parameters:
    ///   - folder: The cache folder; created if missing.
    ///   - log: Receives one line per step taken.
    /// - Returns: Where the files are and how they got there.
    /// - Throws: ``MovieLensError``, whose description says what to do.
    public static func prepare(
        in folder: String = defaultFolder, log: (String) -> Void = { _ in }
    ) throws(MovieLensError) -> MovieLensFiles {
        let files = MovieLensFiles(folder: folder)
        if let origin = try reusableOrigin(of: files, log: log) {
            var reused = files
            reused.origin = origin
            return reused
        }
        try makeDirectory(folder)
        let wheel = try downloadWheel(into: folder, log: log)
        let (inter, item) = try extractData(from: wheel, folder: folder, log: log)
        let ratings = try MovieLensConversion.ratingsData(fromInter: inter)
        let movies = try MovieLensConversion.movieData(fromItem: item)
        try expect(ratings, convertedRatingsSHA256, path: files.ratings)
        try expect(movies, convertedMoviesSHA256, path: files.movies)
        try write(ratings, to: files.ratings)
        try write(movies, to: files.movies)
        try writeManifest(for: files, ratings: ratings, movies: movies)
        log("MovieLens 100k: wrote \(files.ratings) and \(files.movies) from \(wheelRequirement)")
        var converted = files
        converted.origin = .converted
        return converted
    }

    /// Reads `u.data`: tab-separated `user movie rating timestamp`, no header.
    public static func readRatings(at path: String) throws(MovieLensError) -> [Rating] {
        let bytes = try read(path)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var ratings: [Rating] = []
        ratings.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            let numbers = fields.compactMap(MovieLensConversion.integer)
            guard fields.count == 4, numbers.count == 4 else {
                throw .malformed(
                    file: path, line: index + 1, reason: "expected 4 tab-separated whole numbers")
            }
            ratings.append(
                Rating(user: numbers[0], movie: numbers[1], rating: numbers[2], timestamp: numbers[3]))
        }
        return ratings
    }

    /// Reads `u.item`: Latin-1, `|`-separated, 5 columns and 19 genre flags.
    public static func readMovies(at path: String) throws(MovieLensError) -> [Movie] {
        let bytes = try read(path)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var movies: [Movie] = []
        movies.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let fields = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
                .map { MovieLensConversion.string(latin1: $0) }
            guard fields.count == 5 + genres.count, let id = Int(fields[0]) else {
                throw .malformed(
                    file: path, line: index + 1,
                    reason: "expected \(5 + genres.count) '|'-separated fields, a movie id first")
            }
            var movieGenres: [String] = []
            for (genre, flag) in zip(genres, fields[5...]) {
                switch flag {
                case "1": movieGenres.append(genre)
                case "0": break
                default:
                    throw .malformed(
                        file: path, line: index + 1, reason: "genre flag '\(flag)' is not 0 or 1")
                }
            }
            movies.append(
                Movie(
                    id: id, title: fields[1], releaseDate: fields[2], videoReleaseDate: fields[3],
                    imdbURL: fields[4], genres: movieGenres))
        }
        return movies
    }

    // MARK: - Reuse

    private static func reusableOrigin(
        of files: MovieLensFiles, log: (String) -> Void
    ) throws(MovieLensError) -> MovieLensFiles.Origin? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: files.ratings), manager.fileExists(atPath: files.movies) else {
            return nil
        }
        let ratings = try read(files.ratings)
        let movies = try read(files.movies)
        let ratingsSum = SHA256.hex(of: ratings)
        let moviesSum = SHA256.hex(of: movies)
        if let recorded = readManifest(files.manifest) {
            if recorded[ratingsName] == ratingsSum, recorded[moviesName] == moviesSum {
                log("MovieLens 100k: \(files.folder) is ready (checksums match \(manifestName))")
                return .reused
            }
            log("MovieLens 100k: \(files.folder) does not match its \(manifestName); checking the files")
        }
        if ratingsSum == convertedRatingsSHA256, moviesSum == convertedMoviesSHA256 {
            try writeManifest(for: files, ratings: ratings, movies: movies)
            log("MovieLens 100k: \(files.folder) is ready (prepared files, recorded in \(manifestName))")
            return .reused
        }
        do {
            let readRatings = try readRatings(at: files.ratings)
            let readMovies = try readMovies(at: files.movies)
            guard readRatings.count == ratingCount, readMovies.count == movieCount else {
                log(
                    "MovieLens 100k: \(files.folder) has \(readRatings.count) ratings and \(readMovies.count) "
                        + "movies, not \(ratingCount) and \(movieCount); preparing again")
                return nil
            }
        } catch {
            log("MovieLens 100k: \(error); preparing again")
            return nil
        }
        try writeManifest(for: files, ratings: ratings, movies: movies)
        log(
            "MovieLens 100k: using the u.data and u.item found in \(files.folder) (recorded in \(manifestName))"
        )
        return .userProvided
    }

    private static func readManifest(_ path: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var sums: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            sums[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        return sums
    }

    private static func writeManifest(
        for files: MovieLensFiles, ratings: [UInt8], movies: [UInt8]
    ) throws(MovieLensError) {
        let text = "\(SHA256.hex(of: ratings))  \(ratingsName)\n\(SHA256.hex(of: movies))  \(moviesName)\n"
        try write(Array(text.utf8), to: files.manifest)
    }

    // MARK: - Download and extraction

    private static func downloadWheel(
        into folder: String, log: (String) -> Void
    ) throws(MovieLensError) -> String {
        let directory = folder + "/whl"
        let wheel = directory + "/" + wheelFile
        if let bytes = FileManager.default.contents(atPath: wheel) {
            if SHA256.hex(of: bytes) == wheelSHA256 {
                log("MovieLens 100k: reusing \(wheel)")
                return wheel
            }
            log("MovieLens 100k: \(wheel) has the wrong checksum; downloading it again")
            try? FileManager.default.removeItem(atPath: wheel)
        }
        log("MovieLens 100k: downloading \(wheelRequirement) with pip into \(directory)")
        let outcome = MovieLensCommand.run([
            "python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--no-input",
            wheelRequirement, "-d", directory,
        ])
        guard outcome.status == 0, FileManager.default.fileExists(atPath: wheel) else {
            let detail = MovieLensCommand.tail(outcome.output)
            throw .downloadFailed(
                output: detail.isEmpty ? "pip exited with status \(outcome.status)" : detail, folder: folder)
        }
        try expect(try read(wheel), wheelSHA256, path: wheel)
        return wheel
    }

    private static func extractData(
        from wheel: String, folder: String, log: (String) -> Void
    ) throws(MovieLensError) -> (inter: [UInt8], item: [UInt8]) {
        let scratch = folder + "/.extract"
        try? FileManager.default.removeItem(atPath: scratch)
        try makeDirectory(scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        log("MovieLens 100k: extracting ml-100k.inter and ml-100k.item")
        var outcome = MovieLensCommand.run([
            "unzip", "-o", "-q", wheel, interMember, itemMember, "-d", scratch,
        ])
        if outcome.status == 127 {
            // No unzip: Python's zipfile extracts the whole (2 MB) wheel.
            outcome = MovieLensCommand.run(["python3", "-m", "zipfile", "-e", wheel, scratch])
        }
        guard outcome.status == 0 else {
            throw .extractionFailed(output: MovieLensCommand.tail(outcome.output), folder: folder)
        }
        let inter = try read(scratch + "/" + interMember)
        let item = try read(scratch + "/" + itemMember)
        try expect(inter, interSHA256, path: "\(wheelFile)/\(interMember)")
        try expect(item, itemSHA256, path: "\(wheelFile)/\(itemMember)")
        return (inter, item)
    }

    // MARK: - Files

    private static func expect(_ bytes: [UInt8], _ expected: String, path: String) throws(MovieLensError) {
        let actual = SHA256.hex(of: bytes)
        guard actual == expected else {
            throw .checksumMismatch(path: path, expected: expected, actual: actual)
        }
    }

    private static func read(_ path: String) throws(MovieLensError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileSystem(path: path, reason: "cannot be read")
        }
        return [UInt8](data)
    }

    private static func write(_ bytes: [UInt8], to path: String) throws(MovieLensError) {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .fileSystem(path: path, reason: "cannot be written: \(error.localizedDescription)")
        }
    }

    private static func makeDirectory(_ path: String) throws(MovieLensError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }
}

extension MovieLens {
    /// One line of `u.data`.
    public struct Rating: Equatable, Sendable {
        /// The user id, 1...943.
        public var user: Int
        /// The movie id, 1...1682.
        public var movie: Int
        /// The rating, 1...5.
        public var rating: Int
        /// Seconds since 1970-01-01 UTC.
        public var timestamp: Int
    }

    /// One line of `u.item`.
    public struct Movie: Equatable, Sendable {
        /// The movie id, 1...1682.
        public var id: Int
        /// The title with its year, as in `Toy Story (1995)`.
        public var title: String
        /// `01-Jan-1995` in the original; empty when converted from RecBole.
        public var releaseDate: String
        /// Always empty in MovieLens 100k.
        public var videoReleaseDate: String
        /// The IMDb link in the original; empty when converted from RecBole.
        public var imdbURL: String
        /// The genres flagged, in ``MovieLens/genres`` order.
        public var genres: [String]
    }
}

/// Where MovieLens 100k's files are, and how they came to be there.
public struct MovieLensFiles: Equatable, Sendable {
    /// How the files came to be in the folder.
    public enum Origin: Equatable, Sendable {
        /// Already prepared and verified.
        case reused
        /// Converted from the wheel just now.
        case converted
        /// Found in the folder and accepted as GroupLens's originals.
        case userProvided
    }

    /// The cache folder.
    public var folder: String
    /// How the files came to be there.
    public var origin: Origin = .reused

    /// The path of `u.data`.
    public var ratings: String { folder + "/" + MovieLens.ratingsName }
    /// The path of `u.item`.
    public var movies: String { folder + "/" + MovieLens.moviesName }
    /// The path of `SHA256SUMS`.
    public var manifest: String { folder + "/" + MovieLens.manifestName }

    /// Files in `folder`.
    public init(folder: String) {
        self.folder = folder
    }
}
