import Collab
import Downloads
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
                rows: zip(index, rows).map { [String($0)] + $1 },
                shape: TableShape(rows: count, columns: columns.count)))
    }
}

extension Registry {
    /// Binds data access: paths, datasets prepared by `khru data`, and CSV frames.
    public mutating func bindData() {
        type(Path.self, doc: "A file-system path; `path / \"name\"` goes one level down (pathlib's Path).")
        type(DataSource.self, doc: "A dataset untarData can prepare (.ml100k) or download (.pets).")
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
        // fastai's archives, downloaded on first use (offline, each names its stand-in).
        constant("static DataSource.pets: DataSource", doc: "Oxford-IIIT Pet from fastai (offline: .digits).")
        {
            DataSource.pets
        }
        constant(
            "static DataSource.pascal2007: DataSource",
            doc: "PASCAL VOC 2007 from fastai (offline: .multiLabel)."
        ) { DataSource.pascal2007 }
        constant(
            "static DataSource.biwiHeadPose: DataSource",
            doc: "Biwi head pose from fastai (offline: .headPose)."
        ) { DataSource.biwiHeadPose }
        constant(
            "static DataSource.imagenette: DataSource",
            doc: "Imagenette from fastai (offline: .fashionMNIST)."
        ) { DataSource.imagenette }
        constant("static DataSource.mnist: DataSource", doc: "MNIST as PNGs from fastai (offline: .digits).")
        {
            DataSource.mnist
        }
        bind(
            "untarData(_ source: DataSource)",
            doc: "The folder of a dataset, prepared or downloaded on first use (fastai's untar_data)."
        ) { (context: StepContext, source: DataSource) -> Path in
            try Self.preparing(source.name, context) { try untarData(source) }
        }
        bind(
            "untarData(_ url: String)",
            doc: "The folder of the archive at a URL, downloaded and unpacked on first use; its checksum is "
                + "recorded then and checked after."
        ) { (context: StepContext, url: String) -> Path in
            try Self.preparing(url, context) { try untarData(url) }
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

    /// Runs an untarData for a cell: the cell's timeout= stops a download or a `tar`.
    ///
    /// A timeout is reported as the cell's. The download draws its own progress on the terminal, as
    /// training does.
    private static func preparing(
        _ name: String, _ context: StepContext, _ body: () throws -> Path
    ) throws -> Path {
        context.progress("preparing \(name)")
        do {
            return try ExternalCommand.withDeadline(context.deadlineInstant, body)
        } catch {
            try context.checkDeadline()
            throw error
        }
    }
}
