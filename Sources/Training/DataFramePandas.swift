import TensorCore

// pandas' everyday DataFrame, as fastbook uses it: columns by name, `iloc`, the index, boolean masks,
// `~`, `tolist()`, column arithmetic and comparisons, and frames built from columns.

extension DataFrame.Value: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral
{
    /// An integer cell: `1` in `DataFrame(["a": [1, 2]])`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point cell: `0.5`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A text cell: `"cat"`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A boolean cell: `true`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension DataFrame.ColumnData {
    /// The values typed as pandas types a list: all integers → `int64`, all booleans → `bool`, numbers
    /// (integers and floats) → `float64`, all text → `object`; any other mix is text (pandas' `object`).
    init(_ values: [DataFrame.Value]) {
        var ints: [Int] = []
        var bools: [Bool] = []
        var strings: [String] = []
        var numbers = 0
        for value in values {
            switch value {
            case .int(let number):
                ints.append(number)
                numbers += 1
            case .double: numbers += 1
            case .bool(let flag): bools.append(flag)
            case .string(let text): strings.append(text)
            }
        }
        if ints.count == values.count {
            self = .int(ints)
        } else if bools.count == values.count {
            self = .bool(bools)
        } else if numbers == values.count {
            self = .double(values.map(\.double))
        } else if strings.count == values.count {
            self = .string(strings)
        } else {
            self = .string(values.map(\.description))
        }
    }

    var values: [DataFrame.Value] { (0..<count).map { self[$0] } }
}

extension DataFrame.Column {
    /// A column of `values` named `name`, typed as pandas types a list (see ``DataFrame/init(_:)``).
    public init(_ values: [DataFrame.Value], name: String = "") {
        self.init(name: name, data: DataFrame.ColumnData(values))
    }

    /// A column of integers (an `int64` column), such as `Array(0..<6)`.
    public init(_ values: [Int], name: String = "") { self.init(name: name, data: .int(values)) }

    /// A column of numbers (a `float64` column).
    public init(_ values: [Double], name: String = "") { self.init(name: name, data: .double(values)) }

    /// A column of a tensor's elements, in row-major order, as `float64` (pandas' column from a tensor).
    public init(_ tensor: Tensor, name: String = "") {
        self.init(name: name, data: .double(tensor.scalars.map(Double.init)))
    }

    /// The values as a list (pandas' `Series.tolist()`).
    public func tolist() -> [DataFrame.Value] { data.values }

    // MARK: Masks

    /// The booleans of a mask column.
    ///
    /// - Throws: ``TrainingError`` naming the column's type when it is not a `bool` column.
    public func mask() throws -> [Bool] {
        guard case .bool(let flags) = data else {
            throw TrainingError(
                "column '\(name)' is \(data.dtype), not bool: a mask needs a column of True/False")
        }
        return flags
    }

    /// pandas' `~`: the negation of a `bool` column, the bitwise complement (`-x - 1`) of an `int64` one.
    ///
    /// - Throws: ``TrainingError`` for a `float64` or text column, as pandas refuses them.
    public static prefix func ~ (operand: Self) throws -> Self {
        switch operand.data {
        case .bool(let flags): return Self(name: operand.name, data: .bool(flags.map { !$0 }))
        case .int(let numbers): return Self(name: operand.name, data: .int(numbers.map { ~$0 }))
        default:
            throw TrainingError(
                "bad operand type for unary ~: column '\(operand.name)' is \(operand.data.dtype)")
        }
    }

    // MARK: Arithmetic

    /// Element by element: integers stay `int64` for `+`, `-`, `*`; `/` and any float make `float64`;
    /// `+` of two text columns concatenates.
    static func combine(_ lhs: Self, _ rhs: Self, _ op: String) throws -> Self {
        guard lhs.count == rhs.count else {
            throw TrainingError(
                "cannot combine column '\(lhs.name)' (\(lhs.count) values) with '\(rhs.name)' (\(rhs.count) values)"
            )
        }
        let name = lhs.name == rhs.name ? lhs.name : ""
        switch (lhs.data, rhs.data) {
        case (.string(let a), .string(let b)) where op == "+":
            return Self(name: name, data: .string(zip(a, b).map { $0 + $1 }))
        case (.string, _), (_, .string):
            throw TrainingError(
                "unsupported operand types for \(op): '\(lhs.data.dtype)' and '\(rhs.data.dtype)'")
        default: break
        }
        let integral: ([Int], [Int])? = {
            guard op != "/" else { return nil }
            func ints(_ data: DataFrame.ColumnData) -> [Int]? {
                switch data {
                case .int(let values): return values
                case .bool(let values): return values.map { $0 ? 1 : 0 }
                default: return nil
                }
            }
            guard let a = ints(lhs.data), let b = ints(rhs.data) else { return nil }
            return (a, b)
        }()
        if let (a, b) = integral {
            let result: [Int]
            switch op {
            case "+": result = zip(a, b).map { $0 &+ $1 }
            case "-": result = zip(a, b).map { $0 &- $1 }
            default: result = zip(a, b).map { $0 &* $1 }
            }
            return Self(name: name, data: .int(result))
        }
        let (a, b) = (lhs.doubles, rhs.doubles)
        let result: [Double]
        switch op {
        case "+": result = zip(a, b).map { $0 + $1 }
        case "-": result = zip(a, b).map { $0 - $1 }
        case "*": result = zip(a, b).map { $0 * $1 }
        default: result = zip(a, b).map { $0 / $1 }
        }
        return Self(name: name, data: .double(result))
    }

    /// The column with `value` in every row, to combine with another column.
    func broadcast(_ value: DataFrame.Value) -> Self {
        Self(name: name, data: DataFrame.ColumnData(Array(repeating: value, count: count)))
    }

    /// The sum of two columns, element by element (pandas' `df["a"] + df["b"]`).
    ///
    /// - Throws: ``TrainingError`` when the lengths differ or the types cannot be added.
    public static func + (lhs: Self, rhs: Self) throws -> Self { try combine(lhs, rhs, "+") }
    /// The difference of two columns, element by element.
    ///
    /// - Throws: ``TrainingError`` when the lengths differ or a column is text.
    public static func - (lhs: Self, rhs: Self) throws -> Self { try combine(lhs, rhs, "-") }
    /// The product of two columns, element by element.
    ///
    /// - Throws: ``TrainingError`` when the lengths differ or a column is text.
    public static func * (lhs: Self, rhs: Self) throws -> Self { try combine(lhs, rhs, "*") }
    /// The quotient of two columns, element by element (always `float64`, as in pandas).
    ///
    /// - Throws: ``TrainingError`` when the lengths differ or a column is text.
    public static func / (lhs: Self, rhs: Self) throws -> Self { try combine(lhs, rhs, "/") }
    /// `value` added to every row, as `float64` (a Swift `Double`; pandas keeps `int64` for `s + 1`).
    ///
    /// - Throws: ``TrainingError`` when the column is text.
    public static func + (lhs: Self, rhs: Double) throws -> Self {
        try combine(lhs, lhs.broadcast(.double(rhs)), "+")
    }
    /// `value` subtracted from every row.
    ///
    /// - Throws: ``TrainingError`` when the column is text.
    public static func - (lhs: Self, rhs: Double) throws -> Self {
        try combine(lhs, lhs.broadcast(.double(rhs)), "-")
    }
    /// Every row times `value`.
    ///
    /// - Throws: ``TrainingError`` when the column is text.
    public static func * (lhs: Self, rhs: Double) throws -> Self {
        try combine(lhs, lhs.broadcast(.double(rhs)), "*")
    }
    /// Every row divided by `value`.
    ///
    /// - Throws: ``TrainingError`` when the column is text.
    public static func / (lhs: Self, rhs: Double) throws -> Self {
        try combine(lhs, lhs.broadcast(.double(rhs)), "/")
    }

    // MARK: Comparisons (masks)

    static func compare(_ column: Self, _ value: DataFrame.Value, _ op: String) throws -> Self {
        let result: [Bool]
        switch (column.data, value) {
        case (.string(let texts), .string(let text)):
            result = texts.map { compare($0, text, op) }
        case (.string, _), (_, .string):
            if op == "==" || op == "!=" {
                result = Array(repeating: op == "!=", count: column.count)
            } else {
                throw TrainingError(
                    "'\(op)' not supported between column '\(column.name)' (\(column.data.dtype)) and \(value)"
                )
            }
        default:
            result = column.doubles.map { compare($0, value.double, op) }
        }
        return Self(name: column.name, data: .bool(result))
    }

    private static func compare<T: Comparable>(_ a: T, _ b: T, _ op: String) -> Bool {
        switch op {
        case "==": return a == b
        case "!=": return a != b
        case "<": return a < b
        case "<=": return a <= b
        case ">": return a > b
        default: return a >= b
        }
    }

    /// A mask: `True` where the row equals `value` (pandas' `df["a"] == 1`).
    public static func == (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, "==") }
    /// A mask: `True` where the row differs from `value`.
    public static func != (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, "!=") }
    /// A mask: `True` where the row is below `value`.
    ///
    /// - Throws: ``TrainingError`` when text is compared with a number.
    public static func < (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, "<") }
    /// A mask: `True` where the row is at most `value`.
    ///
    /// - Throws: ``TrainingError`` when text is compared with a number.
    public static func <= (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, "<=") }
    /// A mask: `True` where the row is above `value`.
    ///
    /// - Throws: ``TrainingError`` when text is compared with a number.
    public static func > (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, ">") }
    /// A mask: `True` where the row is at least `value`.
    ///
    /// - Throws: ``TrainingError`` when text is compared with a number.
    public static func >= (lhs: Self, rhs: DataFrame.Value) throws -> Self { try compare(lhs, rhs, ">=") }
}

extension DataFrame {
    /// pandas' index: the row labels of a frame (`0..<count` for a frame read from a file; the original
    /// labels for rows taken or filtered out of one).
    public struct Index: Sendable, Equatable, RandomAccessCollection, CustomStringConvertible {
        /// The labels, in row order.
        public let labels: [Int]

        /// The first position, 0.
        public var startIndex: Int { 0 }
        /// The number of labels.
        public var endIndex: Int { labels.count }
        /// The label at `position`.
        public subscript(position: Int) -> Int { labels[position] }

        /// The labels where `mask` is true (pandas' `df.index[mask]`).
        ///
        /// - Throws: ``TrainingError`` when `mask` is not a `bool` column of the same length.
        public subscript(mask: Column) -> Index {
            get throws {
                let flags = try mask.mask()
                guard flags.count == labels.count else {
                    throw TrainingError(
                        "the mask '\(mask.name)' has \(flags.count) values, the index \(labels.count)")
                }
                return DataFrame.Index(labels: zip(labels, flags).filter(\.1).map(\.0))
            }
        }

        /// The labels as a list (pandas' `Index.tolist()`).
        public func tolist() -> [Int] { labels }

        /// `RangeIndex(start=0, stop=4000, step=1)` for consecutive labels from 0, else
        /// `Index([0, 2, 5, …], dtype='int64')` (at most 10 labels), as pandas prints them.
        public var description: String {
            if labels == Array(0..<labels.count) {
                return "RangeIndex(start=0, stop=\(labels.count), step=1)"
            }
            let shown = labels.prefix(10).map(String.init).joined(separator: ", ")
            return "Index([\(shown)\(labels.count > 10 ? ", ..." : "")], dtype='int64')"
        }
    }

    /// pandas' positional indexer: `df.iloc[0]` (a row), `df.iloc[0, ...]` (the same), `df.iloc[..., 0]`
    /// (a column).
    public struct PositionalIndexer: Sendable {
        /// The frame indexed.
        public let frame: DataFrame

        /// The row at position `row`.
        ///
        /// - Throws: ``TrainingError`` when `row` is out of range (negative positions count from the end).
        public subscript(row: Int) -> Row {
            get throws {
                let position = row < 0 ? frame.count + row : row
                guard (0..<frame.count).contains(position) else {
                    throw TrainingError("iloc: row \(row) is out of range: the frame has \(frame.count) rows")
                }
                return frame[position]
            }
        }

        /// The row at position `row`, every column (pandas' `df.iloc[0, :]`).
        ///
        /// - Throws: ``TrainingError`` when `row` is out of range.
        public subscript(row: Int, columns: UnboundedRange) -> Row { get throws { try self[row] } }

        /// The column at position `column`, every row (pandas' `df.iloc[:, 0]`).
        ///
        /// - Throws: ``TrainingError`` when `column` is out of range.
        public subscript(rows: UnboundedRange, column: Int) -> Column {
            get throws {
                let position = column < 0 ? frame.columns.count + column : column
                guard frame.columns.indices.contains(position) else {
                    throw TrainingError(
                        "iloc: column \(column) is out of range: the frame has \(frame.columns.count) columns"
                    )
                }
                return Column(name: frame.columns[position], data: frame.data[position])
            }
        }
    }

    /// A frame of named columns, in the order written (pandas' `pd.DataFrame({'a': [1, 2], 'b': [3, 4]})`);
    /// each column is typed as pandas types a list.
    ///
    /// - Throws: ``TrainingError`` when the columns' lengths differ or a name repeats.
    public init(_ columns: KeyValuePairs<String, [Value]>) throws {
        try self.init(columnValues: columns.map { ($0.key, $0.value) })
    }

    /// A frame of named columns in the given order, each typed as pandas types a list.
    ///
    /// - Throws: ``TrainingError`` when the columns' lengths differ or a name repeats.
    public init(columnValues columns: [(name: String, values: [Value])]) throws {
        try self.init(columns.map { (name: $0.name, data: ColumnData($0.values)) })
    }

    /// A frame of a matrix's columns (pandas' `pd.DataFrame(sm_acts, columns=["3", "7"])`), as `float64`.
    ///
    /// - Throws: ``TrainingError`` when `tensor` is not 2-D or `columns` does not name each of its columns.
    public init(_ tensor: Tensor, columns: [String]) throws {
        guard tensor.shape.count == 2 else {
            throw TrainingError("a frame from a tensor needs a matrix, not a tensor of shape \(tensor.shape)")
        }
        guard tensor.shape[1] == columns.count else {
            throw TrainingError(
                "\(columns.count) column names for a matrix of \(tensor.shape[1]) columns: \(columns)")
        }
        let scalars = tensor.scalars
        let width = tensor.shape[1]
        try self.init(
            columns.enumerated().map { column in
                let values = stride(from: column.offset, to: scalars.count, by: width).map {
                    Double(scalars[$0])
                }
                return (name: column.element, data: .double(values))
            })
    }

    /// The row labels (pandas' `df.index`).
    public var index: Index { Index(labels: labels ?? Array(0..<count)) }

    /// Rows and columns by position (pandas' `df.iloc`).
    public var iloc: PositionalIndexer { PositionalIndexer(frame: self) }

    /// The rows where `mask` is true, keeping their index labels (pandas' `df[df["is_valid"]]`).
    ///
    /// - Throws: ``TrainingError`` when `mask` is not a `bool` column with one value per row.
    public subscript(mask: Column) -> DataFrame {
        get throws {
            let flags = try mask.mask()
            guard flags.count == count else {
                throw TrainingError(
                    "the mask '\(mask.name)' has \(flags.count) values, the frame \(count) rows")
            }
            return taking(flags.indices.filter { flags[$0] })
        }
    }

    /// Sets column `name` to `column`'s values, replacing it or adding it last (pandas' `df["c"] = …`).
    ///
    /// - Throws: ``TrainingError`` when the lengths differ (a frame without columns takes any length).
    public mutating func setColumn(_ name: String, _ column: Column) throws {
        guard columns.isEmpty || column.count == count else {
            throw TrainingError(
                "cannot set column '\(name)' to \(column.count) values: the frame has \(count) rows")
        }
        if let position = columnIndex[name] {
            data[position] = column.data
        } else {
            columnIndex[name] = columns.count
            columns.append(name)
            data.append(column.data)
        }
        if labels?.count != count { labels = nil }
    }

}
