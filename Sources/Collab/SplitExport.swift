import Checksums
import Foundation

/// The user, item and rating of every row of the frame a ``CollabDataLoaders`` was built from.
struct SourceRows: Sendable {
    let users: [String]
    let items: [String]
    let ratings: [Double]
}

extension CollabDataLoaders {
    /// The format tag of ``splitJSON``; a reader should refuse any other.
    public static let splitFormat = "khru-collab-split/2"

    /// The canonical text of one `(user, item, rating)` row, which the split's checksums hash.
    ///
    /// The three fields joined by a tab: the user and the item as Khru prints them (`196`,
    /// `Kolya (1996)`), the rating as an integer when it is whole (`3`), otherwise as the shortest
    /// decimal that reads back as the same `Double` (`3.5`). Python builds the same text with
    /// `str(user)`, `str(item)` and `str(int(r)) if r == int(r) else repr(float(r))`.
    public static func rowText(user: String, item: String, rating: Double) -> String {
        let whole = rating == rating.rounded() && abs(rating) < 1e15
        let ratingText = whole ? String(Int64(rating)) : String(rating)
        return "\(user)\t\(item)\t\(ratingText)"
    }

    /// The checksum of one row: the first 16 hexadecimal digits (64 bits) of the SHA-256 of its
    /// ``rowText(user:item:rating:)`` in UTF-8.
    public static func rowChecksum(user: String, item: String, rating: Double) -> String {
        String(SHA256.hex(of: Array(rowText(user: user, item: item, rating: rating).utf8)).prefix(16))
    }

    /// The SHA-256 of a set of rows: every row's ``rowText(user:item:rating:)`` followed by a newline,
    /// in the order `positions` lists them.
    func setChecksum(_ positions: [Int]) -> String {
        var hasher = SHA256()
        for position in positions {
            hasher.update(Array((text(at: position) + "\n").utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The canonical text of the source frame's row `position`.
    func text(at position: Int) -> String {
        Self.rowText(
            user: sourceRows.users[position], item: sourceRows.items[position],
            rating: sourceRows.ratings[position])
    }

    /// The split as JSON, with a checksum of every row so another program can verify that its own
    /// reading of the data has the same rows at the same positions before it trains on the split.
    ///
    /// ```json
    /// {"format": "khru-collab-split/2", "n": 100000, "columns": ["user", "title", "rating"],
    ///  "rows": ["3f1c…", …], "train": [...], "valid": [...],
    ///  "trainChecksum": "…", "validChecksum": "…"}
    /// ```
    ///
    /// `train` and `valid` are row positions in the source frame (validation first in the permutation,
    /// as ``split`` holds them); `rows[i]` is ``rowChecksum(user:item:rating:)`` of row `i`;
    /// `trainChecksum` and `validChecksum` are the SHA-256 of the rows' texts, each followed by a
    /// newline, in the listed order. `bench/python/collab_split.py` verifies all of it, then fastai
    /// trains on exactly these rows (`bench/python/collab_fastai.py`).
    public var splitJSON: String {
        let n = sourceRows.users.count
        func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ",") + "]" }
        func quoted(_ text: String) -> String {
            guard let data = try? JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed),
                let json = String(data: data, encoding: .utf8)
            else { preconditionFailure("a String always encodes as a JSON fragment") }
            return json
        }
        let rows = (0..<n).map { position in
            "\""
                + Self.rowChecksum(
                    user: sourceRows.users[position], item: sourceRows.items[position],
                    rating: sourceRows.ratings[position]) + "\""
        }
        let columns = [userName, itemName, ratingName].map(quoted).joined(separator: ", ")
        return """
            {"format": "\(Self.splitFormat)", "n": \(n), "columns": [\(columns)],
            "train": \(list(split.train)),
            "valid": \(list(split.valid)),
            "trainChecksum": "\(setChecksum(split.train))",
            "validChecksum": "\(setChecksum(split.valid))",
            "rows": [\(rows.joined(separator: ","))]}

            """
    }

    /// Writes ``splitJSON`` to `path`.
    ///
    /// - Throws: The file system's error when the file cannot be written.
    public func exportSplit(to path: String) throws {
        try Data(splitJSON.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
