import Foundation
import TensorCore
import Training

/// Numbers from a whitespace-separated text file, as NumPy's `np.genfromtxt` reads them.
///
/// The first `skipHeader` lines are skipped (blank ones included); `#` starts a comment; blank lines
/// are ignored; the first row fixes the number of columns; the last `skipFooter` rows are dropped,
/// and a row with another column count is an error unless it lies in that footer (NumPy's rule,
/// which counts such a row towards the footer). A value that is not a number reads as NaN. One
/// row, or one column, gives a rank-1 tensor; otherwise `[rows, columns]`.
///
/// ```swift
/// let cal = try genfromtxt(path / "01" / "rgb.cal", skipFooter: 6)       // Biwi's intrinsics
/// let ctr = try genfromtxt(img2pose(file), skipHeader: 3)                // the head's translation
/// ```
///
/// - Throws: ``VisionError/missingFile(path:)``; ``VisionError/malformed(path:line:reason:)`` for a
///   row with the wrong number of columns or a file with no numbers.
public func genfromtxt(_ path: Path, skipHeader: Int = 0, skipFooter: Int = 0) throws(VisionError) -> Tensor {
    guard let data = FileManager.default.contents(atPath: path.string) else {
        throw .missingFile(path: path.string)
    }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    var rows: [[Float]] = []
    var invalid: [(line: Int, count: Int)] = []
    var columnCount: Int?
    for (offset, line) in lines.enumerated().dropFirst(max(skipHeader, 0)) {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        guard !fields.isEmpty else { continue }
        let count = columnCount ?? fields.count
        columnCount = count
        if fields.count != count {
            invalid.append((offset + 1, fields.count))
            continue
        }
        rows.append(fields.map { Float($0) ?? .nan })
    }
    var footer = max(skipFooter, 0)
    if !invalid.isEmpty {
        let keptRows = rows.count + invalid.count - footer
        let inFooter = invalid.filter { $0.line > keptRows + skipHeader }.count
        invalid.removeLast(inFooter)
        footer -= inFooter
        if let first = invalid.first {
            throw .malformed(
                path: path.string, line: first.line,
                reason: "got \(first.count) columns instead of \(columnCount ?? 0)")
        }
    }
    rows.removeLast(min(footer, rows.count))
    guard let columns = columnCount, !rows.isEmpty else {
        throw .malformed(path: path.string, line: lines.count, reason: "no rows of numbers left to read")
    }
    if rows.count == 1 || columns == 1 {
        let scalars = rows.flatMap { $0 }
        return Tensor(shape: [scalars.count], scalars: scalars)
    }
    return Tensor(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
}
