/// Converts RecBole's atomic files (`ml-100k.inter`, `ml-100k.item`) to GroupLens's original layout.
///
/// RecBole ships the full MovieLens 100k as UTF-8, tab-separated files with a typed header. GroupLens's
/// `u.data` is `user⇥movie⇥rating⇥timestamp` without a header; `u.item` is Latin-1 and `|`-separated:
/// `movie|title (year)|release date|video release date|IMDb URL|` + 19 genre flags. RecBole keeps the
/// title, the year from the title and the genre names, so the release date, the video release date and
/// the IMDb URL are written empty (the original has them; they are not recoverable).
enum MovieLensConversion {
    static let interHeader = "user_id:token\titem_id:token\trating:float\ttimestamp:float"
    static let itemHeader = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"

    /// RecBole's spelling of the placeholder title and year of item 267 (GroupLens: title `unknown`).
    static let misspeltUnknown = "unkonwn"

    /// `u.data` bytes from the bytes of `ml-100k.inter`, row for row.
    static func ratingsData(fromInter bytes: [UInt8]) throws(MovieLensError) -> [UInt8] {
        let lines = try dataLines(bytes, header: interHeader, file: "ml-100k.inter")
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for (index, line) in lines {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 4 else {
                throw .malformed(
                    file: "ml-100k.inter", line: index, reason: "expected 4 tab-separated fields")
            }
            var numbers: [Int] = []
            for field in fields {
                guard let number = integer(field) else {
                    throw .malformed(
                        file: "ml-100k.inter", line: index,
                        reason: "'\(String(decoding: field, as: UTF8.self))' is not a whole number")
                }
                numbers.append(number)
            }
            output.append(contentsOf: numbers.map(String.init).joined(separator: "\t").utf8)
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    /// `u.item` bytes (Latin-1) from the bytes of `ml-100k.item`.
    static func movieData(fromItem bytes: [UInt8]) throws(MovieLensError) -> [UInt8] {
        let lines = try dataLines(bytes, header: itemHeader, file: "ml-100k.item")
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        for (index, line) in lines {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 4, let id = Int(fields[0]) else {
                throw .malformed(
                    file: "ml-100k.item", line: index, reason: "expected 4 tab-separated fields, an id first")
            }
            let title =
                fields[1] == misspeltUnknown && fields[2] == misspeltUnknown
                ? "unknown" : "\(fields[1]) (\(fields[2]))"
            var flags = [UInt8](repeating: UInt8(ascii: "0"), count: MovieLens.genres.count)
            for name in fields[3].split(separator: " ") {
                guard let genre = MovieLens.genres.firstIndex(of: String(name)) else {
                    throw .malformed(file: "ml-100k.item", line: index, reason: "unknown genre '\(name)'")
                }
                flags[genre] = UInt8(ascii: "1")
            }
            guard !title.contains("|") else {
                throw .malformed(file: "ml-100k.item", line: index, reason: "title contains '|': \(title)")
            }
            output.append(contentsOf: "\(id)|".utf8)
            output.append(contentsOf: try latin1(title, movie: id))
            output.append(contentsOf: "|||".utf8)
            for flag in flags {
                output.append(UInt8(ascii: "|"))
                output.append(flag)
            }
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    /// Latin-1 bytes of `text`; a character outside Latin-1 is an error naming the movie.
    static func latin1(_ text: String, movie: Int) throws(MovieLensError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard scalar.value < 256 else { throw .notLatin1(movie: movie, text: text, character: scalar) }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    /// Decodes Latin-1 bytes (every byte is the code point of the same value).
    static func string(latin1 bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// A whole number written as `42` or `42.0`.
    static func integer(_ field: ArraySlice<UInt8>) -> Int? {
        let text = String(decoding: field, as: UTF8.self)
        if let value = Int(text) { return value }
        if let value = Double(text), value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        return nil
    }

    /// The data lines (1-based line numbers) after checking the header; a final newline is optional.
    private static func dataLines(
        _ bytes: [UInt8], header: String, file: String
    ) throws(MovieLensError) -> [(Int, ArraySlice<UInt8>)] {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, String(decoding: first, as: UTF8.self) == header else {
            throw .malformed(file: file, line: 1, reason: "expected the header '\(header)'")
        }
        return lines.enumerated().dropFirst().map { ($0.offset + 1, $0.element) }
    }
}
