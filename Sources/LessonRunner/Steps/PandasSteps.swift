import Reporting
import TensorCore
import Training

extension DataFrame.Column: LibraryValue {
    /// `DataFrame.Column`, as pandas' Series.
    public static var cellType: CellType { .named("DataFrame.Column") }
}
extension DataFrame.Index: LibraryValue {
    /// `DataFrame.Index`, as pandas' Index.
    public static var cellType: CellType { .named("DataFrame.Index") }
}
extension DataFrame.PositionalIndexer: LibraryValue {
    /// `DataFrame.PositionalIndexer`, the `df.iloc` a cell subscripts.
    public static var cellType: CellType { .named("DataFrame.PositionalIndexer") }
}

extension DataFrame.Value: CellValue {
    /// Any cell value a frame can hold: `Int`, `Double`, `Bool` or `String`.
    public static var cellType: CellType { .any }
    /// The cell of a number, flag or text.
    public static func from(_ value: Value) throws -> DataFrame.Value {
        switch value {
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .float(let number): return .double(Double(number))
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        default: throw StepError("a frame's cell is a number, a Bool or a String, not \(value.cellType)")
        }
    }
    /// The cell as the cell language's own number, flag or text.
    public var cellValue: Value {
        switch self {
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        }
    }
}

/// The columns of a dictionary literal in the order written, as pandas keeps a dict's order:
/// `DataFrame(["a": [1, 2], "b": [3, 4]])`.
struct OrderedColumns: CellValue {
    let columns: [(name: String, values: [DataFrame.Value])]

    static var cellType: CellType { .dictionary(.string, .array(.any)) }
    static func from(_ value: Value) throws -> OrderedColumns {
        guard case .dictionary(let dictionary) = value else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return OrderedColumns(
            columns: try dictionary.entries.map { entry in
                guard case .string(let name) = entry.key else {
                    throw StepError("a column's name is a String, not \(entry.key.cellType)")
                }
                return (name, try [DataFrame.Value].from(entry.value))
            })
    }
    var cellValue: Value {
        let pairs = columns.map { (key: Value.string($0.name), value: $0.values.cellValue) }
        return .dictionary((try? CellDictionary(pairs)) ?? CellDictionary())
    }
}

extension Registry {
    /// Binds pandas' everyday DataFrame (fastbook's chapter 6): columns by name, `iloc`, the index,
    /// boolean masks, `~`, `tolist()`, column arithmetic and comparisons, frames from columns.
    public mutating func bindPandas() {
        type(DataFrame.Column.self, doc: "One named, typed column of a frame (pandas' Series).")
        type(DataFrame.Index.self, doc: "A frame's row labels (pandas' Index).")
        type(DataFrame.PositionalIndexer.self, doc: "Rows and columns by position (pandas' iloc).")

        bind(
            "DataFrame(_ columns: [String: [Any]])",
            doc: "A frame of named columns in the order written: DataFrame([\"a\": [1, 2], \"b\": [3, 4]])."
        ) { (columns: OrderedColumns) in try DataFrame(columnValues: columns.columns) }
        bind(
            "DataFrame(_ tensor: Tensor, columns: [String])",
            doc: "A frame of a matrix's columns (pd.DataFrame(t, columns=[…]))."
        ) { (tensor: Tensor, columns: [String]) in try DataFrame(tensor, columns: columns) }
        bind("DataFrame.subscript(_ name: String)", doc: "The column called name (df[\"fname\"]).") {
            (frame: DataFrame, name: String) in try frame.column(name)
        }
        bind(
            "DataFrame.subscriptSet(_ name: String, _ column: DataFrame.Column)",
            doc: "The setter of df[name] = column: the frame with the column replaced or added last."
        ) { (frame: DataFrame, name: String, column: DataFrame.Column) in
            var changed = frame
            try changed.setColumn(name, column)
            return changed
        }
        bind("DataFrame.subscript(_ mask: DataFrame.Column)", doc: "The rows where mask is true.") {
            (frame: DataFrame, mask: DataFrame.Column) in try frame[mask]
        }
        property("DataFrame.index: DataFrame.Index", doc: "The row labels (df.index).") { (f: DataFrame) in
            f.index
        }
        property("DataFrame.iloc: DataFrame.PositionalIndexer", doc: "Rows and columns by position.") {
            (f: DataFrame) in f.iloc
        }
        bind("DataFrame.PositionalIndexer.subscript(_ row: Int)", doc: "The row at a position (df.iloc[0]).")
        {
            (iloc: DataFrame.PositionalIndexer, row: Int) in try iloc[row]
        }
        bind(
            "DataFrame.PositionalIndexer.subscript(_ row: Int, _ columns: UnboundedRange)",
            doc: "The row at a position, every column (df.iloc[0, :])."
        ) { (iloc: DataFrame.PositionalIndexer, row: Int, _: UnboundedRangeMarker) in try iloc[row, ...] }
        bind(
            "DataFrame.PositionalIndexer.subscript(_ rows: UnboundedRange, _ column: Int)",
            doc: "The column at a position, every row (df.iloc[:, 0])."
        ) { (iloc: DataFrame.PositionalIndexer, _: UnboundedRangeMarker, column: Int) in try iloc[..., column]
        }

        bind("DataFrame.Column.init(_ values: [Int], name: String = \"\")", doc: "An int64 column.") {
            (values: [Int], name: String) in DataFrame.Column(values, name: name)
        }
        bind(
            "DataFrame.Column.init(_ tensor: Tensor, name: String = \"\")",
            doc: "A float64 column of a tensor's elements."
        ) { (tensor: Tensor, name: String) in DataFrame.Column(tensor, name: name) }
        property("DataFrame.Column.name: String", doc: "The column's name.") { (c: DataFrame.Column) in c.name
        }
        property("DataFrame.Column.count: Int", doc: "The number of values.") { (c: DataFrame.Column) in
            c.count
        }
        bind("DataFrame.Column.subscript(_ index: Int)", doc: "The value at a position.") {
            (column: DataFrame.Column, index: Int) -> DataFrame.Value in
            guard column.indices.contains(index) else {
                throw StepError(
                    "index \(index) is out of range: column '\(column.name)' has \(column.count) values")
            }
            return column[index]
        }
        bind("DataFrame.Column.tolist()", doc: "The values as a list (Series.tolist()).") {
            (column: DataFrame.Column) in column.tolist()
        }
        bind("DataFrame.Column.unique()", doc: "The distinct values in order of first appearance.") {
            (column: DataFrame.Column) in column.unique()
        }
        bind("~(_ operand: DataFrame.Column)", doc: "Not, for a Bool column (pandas' ~mask).") {
            (column: DataFrame.Column) in try ~column
        }
        typealias Columns = (DataFrame.Column, DataFrame.Column) throws -> DataFrame.Column
        typealias WithNumber = (DataFrame.Column, Double) throws -> DataFrame.Column
        let arithmetic: [(String, String, Columns, WithNumber)] = [
            ("+", "sum", { try $0 + $1 }, { try $0 + $1 }),
            ("-", "difference", { try $0 - $1 }, { try $0 - $1 }),
            ("*", "product", { try $0 * $1 }, { try $0 * $1 }),
            ("/", "quotient", { try $0 / $1 }, { try $0 / $1 }),
        ]
        for (symbol, verb, columns, withNumber) in arithmetic {
            bind(
                "\(symbol)(_ lhs: DataFrame.Column, _ rhs: DataFrame.Column)",
                doc: "The \(verb) of two columns, row by row."
            ) { (lhs: DataFrame.Column, rhs: DataFrame.Column) in try columns(lhs, rhs) }
            bind(
                "\(symbol)(_ lhs: DataFrame.Column, _ rhs: Double)",
                doc: "The \(verb) of a column and a number."
            ) {
                (lhs: DataFrame.Column, rhs: Double) in try withNumber(lhs, rhs)
            }
        }
        typealias Comparison = (DataFrame.Column, DataFrame.Value) throws -> DataFrame.Column
        let comparisons: [(String, Comparison)] = [
            ("==", { try $0 == $1 }), ("!=", { try $0 != $1 }), ("<", { try $0 < $1 }),
            ("<=", { try $0 <= $1 }), (">", { try $0 > $1 }), (">=", { try $0 >= $1 }),
        ]
        for (symbol, compare) in comparisons {
            bind(
                "\(symbol)(_ lhs: DataFrame.Column, _ rhs: Any)",
                doc: "A Bool column: each row \(symbol) the value."
            ) { (lhs: DataFrame.Column, rhs: DataFrame.Value) in try compare(lhs, rhs) }
        }

        bind("DataFrame.Index.subscript(_ mask: DataFrame.Column)", doc: "The labels where mask is true.") {
            (index: DataFrame.Index, mask: DataFrame.Column) in try index[mask]
        }
        bind("DataFrame.Index.tolist()", doc: "The labels as a list (Index.tolist()).") {
            (index: DataFrame.Index) in index.tolist()
        }
        property("DataFrame.Index.count: Int", doc: "The number of labels.") { (i: DataFrame.Index) in i.count
        }
    }
}
