import Foundation
import SwiftCSV

/// The text encoding of a CSV file.
public enum TextEncoding: Sendable {
    /// UTF-8 (pandas' default).
    case utf8
    /// ISO-8859-1, pandas' `encoding='latin-1'` (MovieLens `u.item`).
    case latin1

    var foundation: String.Encoding {
        switch self {
        case .utf8: return .utf8
        case .latin1: return .isoLatin1
        }
    }
}

/// A table of typed columns, read from CSV/TSV files: a small subset of pandas' `DataFrame`.
///
/// ```swift
/// let ratings = try DataFrame.readCSV(path / "u.data", delimiter: "\t", header: false,
///                                     names: ["user", "movie", "rating", "timestamp"])
/// ratings["rating"].doubles    // typed column
/// ratings[0]["user"]           // "196"
/// ratings.head()               // a table
/// ```
public struct DataFrame: Sendable, CustomStringConvertible {
    /// One typed cell.
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case int(Int)
        case double(Double)
        case bool(Bool)
        case string(String)

        /// The cell as pandas prints it (`True`/`False` for booleans, `NaN` for missing numbers).
        public var description: String {
            switch self {
            case .int(let value): return String(value)
            case .double(let value): return formatCell(value)
            case .bool(let value): return value ? "True" : "False"
            case .string(let value): return value
            }
        }

        /// The cell as a number (booleans as 0/1; strings parsed, else NaN).
        public var double: Double {
            switch self {
            case .int(let value): return Double(value)
            case .double(let value): return value
            case .bool(let value): return value ? 1 : 0
            case .string(let value): return Double(value) ?? .nan
            }
        }

        /// Python's truthiness: non-zero numbers, `True` and non-empty strings.
        public var isTruthy: Bool {
            switch self {
            case .int(let value): return value != 0
            case .double(let value): return value != 0
            case .bool(let value): return value
            case .string(let value): return !value.isEmpty
            }
        }
    }

    /// The values of one column, stored with their inferred type.
    public enum ColumnData: Sendable, Equatable {
        case int([Int])
        case double([Double])
        case bool([Bool])
        case string([String])

        /// The number of values.
        public var count: Int {
            switch self {
            case .int(let values): return values.count
            case .double(let values): return values.count
            case .bool(let values): return values.count
            case .string(let values): return values.count
            }
        }

        /// The type's name as pandas shows it (`int64`, `float64`, `bool`, `object`).
        public var dtype: String {
            switch self {
            case .int: return "int64"
            case .double: return "float64"
            case .bool: return "bool"
            case .string: return "object"
            }
        }

        subscript(index: Int) -> Value {
            switch self {
            case .int(let values): return .int(values[index])
            case .double(let values): return .double(values[index])
            case .bool(let values): return .bool(values[index])
            case .string(let values): return .string(values[index])
            }
        }

        func taking(_ indices: [Int]) -> ColumnData {
            switch self {
            case .int(let values): return .int(indices.map { values[$0] })
            case .double(let values): return .double(indices.map { values[$0] })
            case .bool(let values): return .bool(indices.map { values[$0] })
            case .string(let values): return .string(indices.map { values[$0] })
            }
        }
    }

    /// One named column: `df["title"]`.
    public struct Column: Sendable, RandomAccessCollection, CustomStringConvertible {
        /// The column's name.
        public let name: String
        /// The typed values.
        public let data: ColumnData

        /// The first index, 0.
        public var startIndex: Int { 0 }
        /// The number of values.
        public var endIndex: Int { data.count }
        /// The value at `index`.
        public subscript(index: Int) -> Value { data[index] }

        /// Every value as text, as printed in a table.
        public var strings: [String] {
            if case .string(let values) = data { return values }
            return map(\.description)
        }

        /// Every value as a number (see ``Value/double``).
        public var doubles: [Double] {
            switch data {
            case .double(let values): return values
            case .int(let values): return values.map(Double.init)
            default: return map(\.double)
            }
        }

        /// The distinct values in order of first appearance (pandas `unique`).
        public func unique() -> [Value] {
            var seen = Set<Value>()
            var result: [Value] = []
            for value in self where seen.insert(value).inserted { result.append(value) }
            return result
        }

        /// `name: [v0, v1, …]` (at most 10 values).
        public var description: String {
            let shown = prefix(10).map(\.description).joined(separator: ", ")
            return "\(name): [\(shown)\(count > 10 ? ", …" : "")] (\(count) values, \(data.dtype))"
        }
    }

    /// One row: `df[0]["fname"]`.
    public struct Row: Sendable, CustomStringConvertible {
        /// The frame this row belongs to.
        public let frame: DataFrame
        /// The row's position in `frame`.
        public let index: Int

        /// The cell in column `name` as text (`""` when there is no such column).
        public subscript(name: String) -> String { value(name)?.description ?? "" }

        /// The typed cell in column `name`, or nil when there is no such column.
        public func value(_ name: String) -> Value? {
            guard let column = frame.columnIndex[name] else { return nil }
            return frame.data[column][index]
        }

        /// `fname: 000005.jpg, labels: chair, is_valid: True`.
        public var description: String {
            frame.columns.indices.map { "\(frame.columns[$0]): \(frame.data[$0][index])" }
                .joined(separator: ", ")
        }
    }

    /// The column names, in order.
    public internal(set) var columns: [String]
    var data: [ColumnData]
    var columnIndex: [String: Int]
    /// The index labels (pandas' `df.index`) when they are not `0..<count`: rows taken or filtered keep
    /// their labels, as in pandas.
    var labels: [Int]?

    /// Creates a frame from named columns of equal length.
    ///
    /// - Throws: ``TrainingError`` when lengths differ or a name repeats.
    public init(_ columns: [(name: String, data: ColumnData)]) throws {
        self.columns = columns.map(\.name)
        self.data = columns.map(\.data)
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() {
            guard index[column.name] == nil else { throw TrainingError("duplicate column '\(column.name)'") }
            index[column.name] = position
        }
        self.columnIndex = index
        if let first = columns.first,
            let other = columns.first(where: { $0.data.count != first.data.count })
        {
            throw TrainingError(
                "column '\(other.name)' has \(other.data.count) values, '\(first.name)' has \(first.data.count)"
            )
        }
    }

    /// The number of rows.
    public var count: Int { data.first?.count ?? 0 }

    /// The column called `name`; setting it replaces the column or adds it last (pandas' `df["c"] = …`).
    ///
    /// - Precondition: the column exists, and a new column has one value per row; use ``column(_:)``
    ///   and ``setColumn(_:_:)`` to get an error instead.
    public subscript(name: String) -> Column {
        get {
            guard let column = try? column(name) else {
                preconditionFailure("no column '\(name)' in \(columns)")
            }
            return column
        }
        set {
            do {
                try setColumn(name, newValue)
            } catch {
                preconditionFailure("\(error)")
            }
        }
    }

    /// The column called `name`, or an error listing the columns there are.
    public func column(_ name: String) throws -> Column {
        guard let position = columnIndex[name] else {
            throw TrainingError("no column '\(name)'; the columns are \(columns.joined(separator: ", "))")
        }
        return Column(name: name, data: data[position])
    }

    /// The row at `index`.
    public subscript(index: Int) -> Row {
        precondition(index >= 0 && index < count, "row \(index) out of range 0..<\(count)")
        return Row(frame: self, index: index)
    }

    /// Every row, in order.
    public var allRows: [Row] { (0..<count).map { Row(frame: self, index: $0) } }

    /// Every row's cells as text, for showing the frame as a table (pair with ``columns``).
    public var rows: [[String]] {
        (0..<count).map { row in data.map { $0[row].description } }
    }

    /// A frame from rows of text, each column typed as `readCSV` types it (integers, numbers,
    /// booleans, else text): a lesson's own results as a table.
    ///
    /// - Throws: ``TrainingError`` when a row's length differs from the number of columns.
    public init(columns: [String], rows: [[String]]) throws {
        for (index, row) in rows.enumerated() where row.count != columns.count {
            throw TrainingError(
                "row \(index) has \(row.count) values, but there are \(columns.count) columns")
        }
        try self.init(
            columns.enumerated().map { column in
                (name: column.element, data: inferColumn(rows.map { $0[column.offset] }))
            })
    }

    /// The first `n` rows.
    public func head(_ n: Int = 5) -> DataFrame { taking(Array(0..<min(max(n, 0), count))) }

    /// The rows at `indices`, in that order (pandas `iloc`).
    public func taking(_ indices: [Int]) -> DataFrame {
        var copy = self
        copy.data = data.map { $0.taking(indices) }
        copy.labels = indices.map { labels?[$0] ?? $0 }
        return copy
    }

    /// The rows for which `isIncluded` is true.
    public func filter(_ isIncluded: (Row) throws -> Bool) rethrows -> DataFrame {
        var kept: [Int] = []
        for index in 0..<count where try isIncluded(Row(frame: self, index: index)) { kept.append(index) }
        return taking(kept)
    }

    /// Inner join with `other` on their common columns (pandas `merge` with its defaults).
    ///
    /// Rows come in the left frame's order; for each, the matching right rows in their order
    /// (pandas ≥ 2.2). The result has the left columns, then the right columns that are not keys.
    /// Keys match by value (an integer matches the equal floating-point number).
    ///
    /// - Throws: ``TrainingError`` when the frames have no column in common.
    public func merge(_ other: DataFrame, on keys: [String]? = nil) throws -> DataFrame {
        let on = keys ?? columns.filter { other.columnIndex[$0] != nil }
        guard !on.isEmpty else {
            throw TrainingError(
                "merge: no common columns between [\(columns.joined(separator: ", "))] and "
                    + "[\(other.columns.joined(separator: ", "))]")
        }
        for key in on where columnIndex[key] == nil || other.columnIndex[key] == nil {
            throw TrainingError("merge: key column '\(key)' is missing on one side")
        }
        let leftKeys = on.compactMap { columnIndex[$0] }
        let rightKeys = on.compactMap { other.columnIndex[$0] }
        var lookup: [[JoinKey]: [Int]] = [:]
        for row in 0..<other.count {
            lookup[rightKeys.map { JoinKey(other.data[$0][row]) }, default: []].append(row)
        }
        var leftRows: [Int] = []
        var rightRows: [Int] = []
        for row in 0..<count {
            guard let matches = lookup[leftKeys.map { JoinKey(data[$0][row]) }] else { continue }
            for match in matches {
                leftRows.append(row)
                rightRows.append(match)
            }
        }
        var result: [(name: String, data: ColumnData)] = columns.indices.map {
            (columns[$0], data[$0].taking(leftRows))
        }
        for (position, name) in other.columns.enumerated() where !on.contains(name) {
            let newName = columnIndex[name] == nil ? name : name + "_y"
            result.append((newName, other.data[position].taking(rightRows)))
        }
        return try DataFrame(result)
    }

    /// A text table like pandas prints: a header row and one line per row, right-aligned.
    public var description: String {
        let shownRows = count > 20 ? Array(0..<10) + Array((count - 10)..<count) : Array(0..<count)
        let header = [""] + columns
        var lines = shownRows.map { row in [String(labels?[row] ?? row)] + data.map { $0[row].description } }
        if count > 20 { lines.insert(Array(repeating: "...", count: header.count), at: 10) }
        let widths = header.indices.map { column in
            ([header[column]] + lines.map { $0[column] }).map(\.count).max() ?? 0
        }
        func render(_ cells: [String]) -> String {
            cells.indices.map { String(repeating: " ", count: widths[$0] - cells[$0].count) + cells[$0] }
                .joined(separator: "  ")
        }
        var text = ([render(header)] + lines.map(render)).joined(separator: "\n")
        if count > 20 { text += "\n\n[\(count) rows x \(columns.count) columns]" }
        return text
    }
}

extension DataFrame {
    /// Reads a delimited text file (pandas `read_csv`), parsing with SwiftCSV.
    ///
    /// Column types are inferred: integers, then floating point (empty cells become NaN), then
    /// booleans (`True`/`False`), else text. Blank lines are skipped.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - delimiter: The field separator (`","`, `"\t"`, `"|"`).
    ///   - header: Whether the first line holds column names; by default true unless `names` is given.
    ///   - names: Column names to use (for the selected `usecols` when both are given).
    ///   - encoding: The file's text encoding.
    ///   - usecols: Positions of the columns to keep (pandas `usecols`).
    /// - Returns: The frame.
    /// - Throws: ``TrainingError`` for unreadable files, malformed CSV or inconsistent names.
    public static func readCSV(
        _ url: URL, delimiter: Character = ",", header: Bool? = nil, names: [String]? = nil,
        encoding: TextEncoding = .utf8, usecols: [Int]? = nil
    ) throws -> DataFrame {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: encoding.foundation)
        } catch {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw TrainingError("cannot read \(url.path): no such file")
            }
            if isFolder.boolValue { throw TrainingError("cannot read \(url.path): it is a folder") }
            guard FileManager.default.isReadableFile(atPath: url.path) else {
                throw TrainingError("cannot read \(url.path): permission denied")
            }
            throw TrainingError(
                encoding == .utf8
                    ? "cannot read \(url.path): it is not UTF-8 text (encoding: .latin1 reads Latin-1)"
                    : "cannot read \(url.path) as \(encoding): \(error.localizedDescription)")
        }
        return try parseCSV(
            text, delimiter: delimiter, header: header, names: names, usecols: usecols,
            source: url.lastPathComponent)
    }

    /// Reads a delimited text file at `path`; see ``readCSV(_:delimiter:header:names:encoding:usecols:)``.
    public static func readCSV(
        _ path: String, delimiter: Character = ",", header: Bool? = nil, names: [String]? = nil,
        encoding: TextEncoding = .utf8, usecols: [Int]? = nil
    ) throws -> DataFrame {
        try readCSV(
            URL(fileURLWithPath: path), delimiter: delimiter, header: header, names: names,
            encoding: encoding,
            usecols: usecols)
    }

    /// Reads a delimited text file at `path`; see ``readCSV(_:delimiter:header:names:encoding:usecols:)``.
    public static func readCSV(
        _ path: Path, delimiter: Character = ",", header: Bool? = nil, names: [String]? = nil,
        encoding: TextEncoding = .utf8, usecols: [Int]? = nil
    ) throws -> DataFrame {
        try readCSV(
            path.url, delimiter: delimiter, header: header, names: names, encoding: encoding, usecols: usecols
        )
    }

    /// Parses delimited `text`; see ``readCSV(_:delimiter:header:names:encoding:usecols:)``.
    public static func parseCSV(
        _ text: String, delimiter: Character = ",", header: Bool? = nil, names: [String]? = nil,
        usecols: [Int]? = nil, source: String = "<text>"
    ) throws -> DataFrame {
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(
                string: text, delimiter: CSVDelimiter(unicodeScalarLiteral: delimiter), loadColumns: false)
        } catch {
            throw TrainingError("\(source): malformed CSV: \(error)")
        }
        let hasHeader = header ?? (names == nil)
        var records = hasHeader ? csv.rows : (csv.header.isEmpty ? [] : [csv.header]) + csv.rows
        // As pandas: a short row is padded with missing values, a row with more fields than the
        // header (or, without one, than the first row) is an error naming its line.
        // (The parsed rows are already padded to the longest, so the fields are counted on the text.)
        if names == nil, let expected = hasHeader ? csv.header.count : records.first?.count,
            records.contains(where: { $0.count > expected })
        {
            let widths = FieldCounts()
            try? csv.enumerateAsArray(startAt: 0, rowLimit: nil) { widths.counts.append($0.count) }
            // Lines are counted as records (a quoted field spanning lines is rare in these files).
            if let index = widths.counts.firstIndex(where: { $0 > expected }) {
                throw TrainingError(
                    "\(source): line \(index + 1) has \(widths.counts[index]) fields, but "
                        + (hasHeader ? "the header has" : "the first line has") + " \(expected)")
            }
        }
        records.removeAll { $0.allSatisfy(\.isEmpty) }
        let width = max(records.map(\.count).max() ?? 0, hasHeader ? csv.header.count : 0)
        let selected = usecols ?? Array(0..<width)
        for position in selected where position < 0 || position >= width {
            throw TrainingError("\(source): usecols has \(position), but the file has \(width) columns")
        }
        let columnNames: [String]
        if let names {
            guard names.count == selected.count else {
                throw TrainingError("\(source): \(names.count) names for \(selected.count) columns")
            }
            columnNames = names
        } else if hasHeader {
            columnNames = selected.map { $0 < csv.header.count ? csv.header[$0] : "Unnamed: \($0)" }
        } else {
            columnNames = selected.map(String.init)
        }
        let columns = zip(columnNames, selected).map { name, position in
            (name: name, data: inferColumn(records.map { position < $0.count ? $0[position] : "" }))
        }
        return try DataFrame(columns)
    }
}

/// The number of fields of each record, collected by the CSV parser's row callback.
private final class FieldCounts {
    var counts: [Int] = []
}

/// Infers a column's type from its text cells as pandas does for the common cases.
func inferColumn(_ cells: [String]) -> DataFrame.ColumnData {
    let nonEmpty = cells.filter { !$0.isEmpty }
    if !nonEmpty.isEmpty {
        if nonEmpty.count == cells.count, let ints = Optional(cells.compactMap { Int($0) }),
            ints.count == cells.count
        {
            return .int(ints)
        }
        if nonEmpty.allSatisfy({ Double($0) != nil }) {
            return .double(cells.map { Double($0) ?? .nan })
        }
        let truths: [String: Bool] = [
            "True": true, "False": false, "TRUE": true, "FALSE": false, "true": true, "false": false,
        ]
        if nonEmpty.count == cells.count, cells.allSatisfy({ truths[$0] != nil }) {
            return .bool(cells.map { truths[$0] ?? false })
        }
    }
    return .string(cells)
}

private struct JoinKey: Hashable {
    let text: String?
    let number: Double?

    init(_ value: DataFrame.Value) {
        switch value {
        case .int(let v): (text, number) = (nil, Double(v))
        case .double(let v): (text, number) = (nil, v)
        case .bool(let v): (text, number) = (nil, v ? 1 : 0)
        case .string(let v): (text, number) = (v, nil)
        }
    }
}

private func formatCell(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value == value.rounded(), abs(value) < 1e15 { return String(format: "%.1f", value) }
    return String(format: "%.6g", value)
}
