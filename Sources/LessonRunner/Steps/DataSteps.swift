import Collab
import Reporting
import Training

extension Path: LibraryValue {}
extension DataSource: LibraryValue {}
extension TextEncoding: LibraryValue {}

extension DataFrame: LibraryValue, CellDisplayable {
    /// A table with the row index first, as pandas shows a frame.
    public var cellOutput: CellOutput {
        .table(
            Table(
                kind: "frame", columns: [""] + columns,
                rows: rows.enumerated().map { [String($0.offset)] + $0.element },
                shape: TableShape(rows: count, columns: columns.count)))
    }
}

extension Registry {
    /// Binds data access: paths, datasets prepared by `khru data`, and CSV frames.
    public mutating func bindData() {
        type(Path.self, doc: "A file-system path; `path / \"name\"` goes one level down (pathlib's Path).")
        type(DataSource.self, doc: "A dataset untarData can prepare (.ml100k).")
        type(TextEncoding.self, doc: "A text encoding for readCSV: .utf8 or .latin1.")
        type(DataFrame.self, doc: "A table of typed columns read from CSV (a small pandas DataFrame).")

        bind("Path(_ path: String)", doc: "A path from text.") { (text: String) in Path(text) }
        bind("/(_ path: Path, _ name: String)", doc: "The path one level down.") {
            (path: Path, name: String) in
            path / name
        }
        property("Path.name: String", doc: "The last component.") { (path: Path) in path.name }
        property("Path.parent: Path", doc: "The folder holding this path.") { (path: Path) in path.parent }
        property("Path.string: String", doc: "The path as text.") { (path: Path) in path.string }
        property("Path.stem: String", doc: "The last component without its suffix.") { (path: Path) in
            path.stem
        }
        property("Path.suffix: String", doc: "The file extension with its dot (\".png\").") { (path: Path) in
            path.suffix
        }
        property("Path.exists: Bool", doc: "Whether something is there.") { (path: Path) in path.exists }
        bind("Path.ls()", doc: "The entries of a folder, sorted.") { (path: Path) in try path.ls() }
        constant("static DataSource.ml100k: DataSource", doc: "MovieLens 100k: u.data, u.item.") {
            DataSource.ml100k
        }
        bind(
            "untarData(_ source: DataSource)",
            doc: "The folder of a dataset, prepared on first use (fastai's untar_data)."
        ) { (context: StepContext, source: DataSource) -> Path in
            context.progress("preparing \(source.name)")
            // The cell's timeout= stops a download or an unpacking the preparation runs.
            do {
                return try ExternalCommand.withDeadline(context.deadlineInstant) { try untarData(source) }
            } catch {
                try context.checkDeadline()
                throw error
            }
        }

        constant("static TextEncoding.utf8: TextEncoding", doc: "UTF-8 (the default).") { TextEncoding.utf8 }
        constant("static TextEncoding.latin1: TextEncoding", doc: "ISO-8859-1 (pandas' latin-1).") {
            TextEncoding.latin1
        }
        bind(
            "static DataFrame.readCSV(_ path: Path, delimiter: String = \",\", header: Bool? = nil, "
                + "names: [String]? = nil, encoding: TextEncoding = .utf8, usecols: [Int]? = nil)",
            doc:
                "Reads a delimited text file (pandas' read_csv): delimiter, header or names, encoding, usecols."
        ) {
            (
                path: Path, delimiter: String, header: Bool?, names: [String]?, encoding: TextEncoding,
                usecols: [Int]?
            ) in
            guard delimiter.count == 1, let separator = delimiter.first else {
                throw StepError("delimiter must be one character, not \"\(delimiter)\"")
            }
            return try DataFrame.readCSV(
                path, delimiter: separator, header: header, names: names, encoding: encoding, usecols: usecols
            )
        }
        bind("DataFrame.head(_ n: Int = 5)", doc: "The first n rows.") { (frame: DataFrame, n: Int) in
            frame.head(n)
        }
        bind(
            "DataFrame.merge(_ other: DataFrame)",
            doc: "Inner join on the columns both frames have (pandas' merge)."
        ) { (frame: DataFrame, other: DataFrame) in try frame.merge(other) }
        property("DataFrame.count: Int", doc: "The number of rows.") { (frame: DataFrame) in frame.count }
        property("DataFrame.columns: [String]", doc: "The column names.") { (frame: DataFrame) in
            frame.columns
        }
    }
}
